"""horde.attack against a real nginx: counts, rates, latencies, the result document."""

from __future__ import annotations

import threading
import time

import pytest

import horde


def test_open_model_sends_exactly_the_schedule(nginx):
    r = horde.attack(nginx.url(), rate=500, duration="2s", connections=16)
    assert r.requests == 1000
    assert r.errors == {}
    assert r.status == {"200": 1000}
    assert r.rate == pytest.approx(500, rel=0.01)
    assert r.duration_s == pytest.approx(2.0, rel=0.01)
    assert 0 < r.service_time.p50_ms <= r.response_time.p99_ms
    assert r.send_lag.count == 1000


def test_closed_model_with_a_count_runs_exactly_that_many(nginx):
    r = horde.attack(nginx.url(), requests=321, connections=4)
    assert r.requests == 321
    assert r.generator["connections_opened"] <= 4
    # A closed model has no schedule: response time is service time plus the loop's reaction.
    assert r.response_time.p50_ms >= r.service_time.p50_ms


def test_rate_and_count_stop_at_the_count(nginx):
    r = horde.attack(nginx.url(), rate=1000, requests=300)
    assert r.requests == 300
    assert r.duration_s == pytest.approx(0.3, rel=0.05)


def test_method_headers_and_body_are_sent(nginx):
    r = horde.attack(
        nginx.url("/echo"),
        requests=5,
        connections=1,
        method="POST",
        headers={"X-Test": "hello"},
        body=b"12345",
    )
    assert r.status == {"200": 5}
    # "POST hello 5\n" in every response: the headers and the Content-Length made it.
    per_response = r.total.bytes_received / 5
    assert per_response > len("POST hello 5\n")
    assert r.total.bytes_sent / 5 > len("POST /echo HTTP/1.1\r\nX-Test: hello\r\n\r\n12345")


def test_histograms_agree_with_the_summary(nginx):
    r = horde.attack(nginx.url(), rate=300, duration=1, workers=1)
    h = r.histogram("http_req_duration")
    assert h.count == r.requests
    assert h.percentile(99) == pytest.approx(r.response_time.p99_ms * 1000)
    assert r.histogram("http_req_service_time").max == pytest.approx(r.service_time.max_ms * 1000)
    assert r.histogram("send_lag").count == r.requests
    name = r.by_request[0].name
    assert r.histogram("http_req_duration", name=name).count == r.requests
    with pytest.raises(ValueError, match="unknown metric 'latency'"):
        r.histogram("latency")
    with pytest.raises(ValueError, match=r"no request matches \{'name': 'nope'\}"):
        r.histogram(name="nope")


def test_save_and_load_round_trip(nginx, tmp_path):
    r = horde.attack(nginx.url(), requests=50, connections=2)
    path = tmp_path / "run.json"
    r.save(path)
    back = horde.load(path)
    assert back.to_dict() == r.to_dict()
    assert back.response_time == r.response_time
    assert back.histogram().count == 50
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(ValueError, match="not a horde result"):
        horde.load(tmp_path / "other.json")


def test_refused_connections_are_counted_not_raised():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = horde.attack(f"http://127.0.0.1:{port}/", requests=10, connections=2)
    assert r.errors == {"connect_refused": 10}
    assert r.failed == 10


def test_the_gil_is_released_while_the_engine_runs(nginx):
    done = threading.Event()
    worker = threading.Thread(target=lambda: (horde.attack(nginx.url(), rate=100, duration="1.5s"), done.set()))
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    spins = sum(1 for _ in range(200_000))
    elapsed = time.monotonic() - started
    assert not done.is_set(), "the run should still be going"
    assert spins == 200_000
    assert elapsed < 1.0, f"main thread blocked for {elapsed:.2f}s"
    worker.join()


def test_progress_callback_sees_the_run_advance(nginx):
    seen = []
    horde.attack(nginx.url(), rate=200, duration="1.5s", progress=seen.append)
    assert seen
    assert any(p["requests"] > 0 for p in seen)
    assert {"elapsed_s", "requests", "failed", "last_second_p95_us", "active_vus"} <= set(seen[-1])
