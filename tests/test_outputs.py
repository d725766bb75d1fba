"""Live outputs, each checked against the real thing: files read back by their readers, and
InfluxDB and Prometheus servers started here and queried after the run."""

from __future__ import annotations

import csv
import json
import time

import pytest

import horde as h
from cli import horde
from servers import Influx, Prometheus


def journey_test(url: str, *outputs: str, seconds: str = "3s") -> h.Test:
    j = h.journey("j", h.get("/", name="home"), h.get("/", name="again"))
    return h.Test(
        base_url=url, scenarios={"s": h.constant_arrival_rate(j, rate=100, duration=seconds)}, outputs=list(outputs)
    )


def test_json_lines_csv_and_hdr_log(nginx, tmp_path):
    from hdrh.log import HistogramLogReader

    jsonl, table, hlog = tmp_path / "r.jsonl", tmp_path / "r.csv", tmp_path / "r.hlog"
    r = journey_test(nginx.url(), f"json={jsonl}", f"csv={table}", f"hdr={hlog}").run()
    assert r.requests == 600
    points = [json.loads(line) for line in jsonl.read_text().splitlines()]
    reqs = [p for p in points if p["metric"] == "http_reqs"]
    assert sum(p["value"] for p in reqs) == 600
    assert {p["tags"]["name"] for p in reqs} == {"home", "again"}
    assert any(p["metric"] == "http_req_duration" and "p99" in p["stats"] for p in points)
    with table.open() as f:
        rows = list(csv.DictReader(f))
    assert sum(int(row["requests"]) for row in rows) == 600
    assert len(rows) == 2 * len({row["second"] for row in rows})
    reader = HistogramLogReader(str(hlog), None)
    total = 0
    try:
        while (hist := reader.get_next_interval_histogram()) is not None:
            total += hist.get_total_count()
    finally:
        reader.close()
    assert total == 600
    assert [o["sent_points"] > 0 for o in r.to_dict()["outputs"]] == [True, True, True]


@pytest.fixture
def influx():
    server = Influx()
    yield server
    server.stop()


@pytest.fixture
def prometheus():
    server = Prometheus()
    yield server
    server.stop()


def test_influxdb_receives_every_request(nginx, influx):
    r = journey_test(nginx.url(), f"influxdb={influx.url()}").run()
    assert r.requests == 600
    assert r.to_dict()["outputs"][0]["failed_points"] == 0
    series = influx.query('SELECT sum("value") FROM "http_reqs"')["results"][0]["series"]
    assert series[0]["values"][0][1] == 600
    by_name = influx.query('SELECT sum("value") FROM "http_reqs" GROUP BY "name"')["results"][0]["series"]
    assert {s["tags"]["name"]: s["values"][0][1] for s in by_name} == {"home": 300, "again": 300}


def test_prometheus_receives_every_request(nginx, prometheus):
    r = journey_test(nginx.url(), f"prometheus={prometheus.url()}").run()
    assert r.requests == 600
    assert r.to_dict()["outputs"][0]["failed_points"] == 0, r.to_dict()["outputs"]
    deadline = time.monotonic() + 10
    while True:
        data = prometheus.query("sum(max_over_time(horde_http_reqs_total[1h]))")["data"]["result"]
        if data or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert float(data[0]["value"][1]) == 600
    quantiles = prometheus.query('horde_http_req_duration_seconds{quantile="0.99"}')["data"]["result"]
    assert quantiles


def test_a_down_output_drops_and_counts_but_the_run_and_result_are_complete(nginx, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "down.json"
    p = horde(
        "attack",
        nginx.url(),
        "--rate",
        "200",
        "--duration",
        "3s",
        "--out",
        f"influxdb=http://127.0.0.1:{port}/horde",
        "--json",
        str(out),
        "-q",
    )
    assert p.returncode == 0, p.stderr
    r = h.load(out)
    assert r.requests == 600 and r.errors == {}
    report = r.to_dict()["outputs"][0]
    assert report["failed_points"] > 0 and report["sent_points"] == 0
    assert "could not be delivered" in p.stdout and "the local results are complete" in p.stdout


def test_bad_outputs_are_refused_before_any_load(tmp_path):
    with pytest.raises(h.PlanError, match="unknown kind 'kafka'"):
        h.attack("http://127.0.0.1:9/", outputs=["kafka=x"])
    with pytest.raises(h.PlanError, match="put the database in the path"):
        h.attack("http://127.0.0.1:9/", outputs=["influxdb=http://127.0.0.1:8086"])
    with pytest.raises(h.RunError, match=r"output json .*cannot create"):
        h.attack("http://127.0.0.1:9/", requests=1, outputs=[f"json={tmp_path}/missing/dir/r.jsonl"])
