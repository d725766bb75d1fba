"""Results people keep and analyse: tables, round trips, the summary export, the HTML report,
and progress lines in logs."""

from __future__ import annotations

import json

import jsonschema
import pytest

import horde as h
from browser import renders_in_chromium
from cli import horde
from horde import export, report


@pytest.fixture(scope="module")
def ramp(nginx) -> h.Result:
    j = h.journey("j", h.get("/", name="home"), h.think(0.05), h.get("/", name="again"))
    stages = [("3s", 6), ("2s", 6), ("2s", 0)]
    return h.Test(base_url=nginx.url(), scenarios={"s": h.ramping_vus(j, stages=stages)}, name="ramp").run()


def test_timeseries_has_a_row_per_second_per_request_without_gaps(ramp):
    df = ramp.timeseries()
    seconds = sorted(df["second"].unique())
    assert seconds == list(range(len(seconds))) and len(seconds) >= 7
    assert len(df) == 2 * len(seconds), "one row per second per request name"
    assert set(df.groupby("second")["name"].apply(frozenset)) == {frozenset({"home", "again"})}
    vus = df[df["name"] == "home"].set_index("second")["vus"]
    for second, want in [(0, 2), (1, 4), (2, 6), (3, 6), (4, 6)]:
        assert abs(vus[second] - want) <= 1, (second, vus[second], want)
    assert {"response_time_p99_ms", "service_time_p95_ms", "target_vus", "scheduled"} <= set(df.columns)
    assert df["requests"].sum() == ramp.requests
    assert ramp.to_polars().shape == df.shape


def test_save_and_load_keep_every_count_and_percentile(ramp, tmp_path):
    path = tmp_path / "ramp.json"
    ramp.save(path)
    back = h.load(path)
    assert back.to_dict() == ramp.to_dict()
    for a, b in zip(ramp.by_request, back.by_request, strict=True):
        assert a == b
    for metric in ("http_req_duration", "http_req_service_time", "http_req_waiting", "iteration_duration"):
        x, y = ramp.histogram(metric), back.histogram(metric)
        assert (x.count, x.max, x.percentile(99.9)) == (y.count, y.max, y.percentile(99.9))
    assert back.percentiles().equals(ramp.percentiles())


def test_percentile_spectrum(ramp):
    spectrum = ramp.percentiles(name="home")
    assert list(spectrum.columns) == ["percentile", "value_ms", "count", "one_in"]
    assert spectrum["percentile"].is_monotonic_increasing
    assert spectrum["value_ms"].is_monotonic_increasing
    assert spectrum["count"].iloc[-1] == ramp.histogram(name="home").count
    with pytest.raises(ValueError, match=r"cannot be filtered by \['team'\]"):
        ramp.histogram("http_req_duration", team="x")


def test_summary_export_follows_its_schema(ramp, tmp_path):
    doc = export.summary(ramp)
    jsonschema.validate(doc, export.schema())
    assert doc["metrics"]["http_reqs"]["values"]["count"] == ramp.requests
    assert doc["metrics"]["http_req_duration"]["values"]["p(95)"] == pytest.approx(ramp.response_time.p95_ms)
    json.dumps(doc)


def test_summary_export_keeps_user_metrics_in_their_unit(nginx):
    j = h.journey("j", h.get("/"), h.trend("basket", 5), h.counter("pages", 2), h.rate("happy", True))
    r = h.Test(base_url=nginx.url(), scenarios={"s": h.shared_iterations(j, vus=1, iterations=4)}).run(progress=None)
    metrics = export.summary(r)["metrics"]
    assert metrics["basket"]["values"]["avg"] == pytest.approx(5, rel=0.01)
    assert metrics["basket"]["values"]["p(95)"] == pytest.approx(5, rel=0.01)
    assert metrics["basket"]["values"]["count"] == 4
    assert metrics["pages"]["values"]["count"] == 8
    assert metrics["happy"]["values"]["rate"] == 1.0


def test_summary_export_from_the_cli(nginx, tmp_path):
    out = tmp_path / "summary.json"
    p = horde(
        "attack",
        nginx.url(),
        "-n",
        "50",
        "-c",
        "2",
        "--summary-export",
        str(out),
        "-q",
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, export.schema())
    assert doc["passed"] is True and doc["metrics"]["http_reqs"]["values"]["count"] == 50


def test_html_report_renders_in_headless_chromium(ramp, tmp_path):
    path = tmp_path / "report.html"
    report.write(ramp, path)
    renders_in_chromium(path)


def test_report_command(ramp, tmp_path):
    saved = tmp_path / "r.json"
    ramp.save(saved)
    out = tmp_path / "r.html"
    p = horde("report", str(saved), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_text().startswith("<!doctype html>")
    p = horde("report", str(tmp_path / "missing.json"))
    assert p.returncode == 1 and "cannot read" in p.stderr


def test_progress_lines_in_a_log_and_none_when_quiet(nginx, tmp_path):
    cmd = ["attack", nginx.url(), "--rate", "100", "--duration", "12s"]
    p = horde(*cmd)
    assert p.returncode == 0
    lines = [line for line in p.stderr.splitlines() if line.startswith("[horde]")]
    assert len(lines) >= 2, p.stderr
    assert "/ 12s" in lines[0] and "req/s" in lines[0] and "p95" in lines[0]
    q = horde(*cmd[:-1], "3s", "--quiet")
    assert q.returncode == 0 and q.stderr == ""
    assert q.stdout.startswith("horde —")


def test_plots_draw(ramp):
    import matplotlib

    matplotlib.use("Agg")
    from horde import plot

    for fig in (
        plot.latency(ramp),
        plot.throughput(ramp),
        plot.spectrum(ramp),
        plot.by_request(ramp),
        plot.compare([ramp, ramp], labels=["a", "b"]),
    ):
        assert fig.axes
    with pytest.raises(ValueError, match="2 results but 1 labels"):
        plot.compare([ramp, ramp], labels=["a"])


def test_the_report_says_what_the_summary_says(nginx):
    j = h.journey("j", h.get("/", check=h.status(200)))
    thresholds = {"checks": ["rate>0.5"], "http_req_failed": ["rate<0.5"], "http_req_duration": ["p(95)<5000"]}
    r = h.Test(base_url=nginx.url(), scenarios={"s": h.shared_iterations(j, 2, 20)}, thresholds=thresholds).run(
        progress=None
    )
    page, summary = report.render(r), r.summary()
    for observed in ("100.00%", "0.00%"):  # rates as percentages, as the summary has them
        assert f"<td>{observed}</td>" in page and observed in summary
    limited = summary.split("limited by ", 1)[1].split("\n")[0]
    assert limited in page.replace("&#x27;", "'"), limited
    assert "saturated ✓" not in page
