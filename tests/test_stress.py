"""Stress and spike verdicts against servers whose behaviour past capacity is known
(tests/capacity_server.py, which records what it did each second): one that sheds the excess with
fast 503s fails gracefully, one whose service time grows with its queue collapses; recovery is
timed against the server's own record; a 10× spike on the demo shop reports its toll."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import horde as h
from browser import renders_in_chromium
from horde import report
from servers import CapacityServer, DemoShop


def _stress_run(mode: str, record: Path, **shape):
    """400/s ×2 against a 500/s server (4 slots × 8 ms): 5 s at 100/s, 3 s ramp, 8 s at 800/s, back."""
    server = CapacityServer(4, 8.0, mode=mode, queue=20, record=str(record))
    try:
        one = h.journey("one", h.get(server.url(), name="page"))
        scenario = h.stress(
            one, rate=400, factor=2, warm="5s", ramp="3s", hold=shape.get("hold", "8s"), observe="15s", max_vus=4000
        )
        return h.Test(scenarios={"s": scenario}, timeout=shape.get("timeout", "2s")).run(progress=None)
    finally:
        server.stop()


def _server_record(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_server_that_sheds_fast_fails_gracefully_and_recovers_at_once(tmp_path):
    r = _stress_run("shed", tmp_path / "rec.jsonl")
    s = r.stress()
    assert s.verdict == "graceful", s.text()
    # Goodput holds at the server's capacity while 300 of the 800 offered each second are refused.
    assert s.overload_goodput == pytest.approx(500, rel=0.05) and s.peak_goodput == pytest.approx(500, rel=0.05)
    assert s.overload_error_ratio == pytest.approx(0.375, abs=0.05) and s.timeout_share == 0
    assert s.recovery.recovery_s is not None and s.recovery.recovery_s <= 2, s.text()
    assert "graceful" in s.text() and "recovered" in s.text()
    assert all(line.strip() in r.summary() for line in s.text().splitlines())


def test_a_server_whose_throughput_collapses_is_catastrophic_and_does_not_recover(tmp_path):
    r = _stress_run("collapse", tmp_path / "rec.jsonl")
    s = r.stress()
    assert s.verdict == "catastrophic", s.text()
    assert s.overload_goodput < 0.5 * s.peak_goodput and s.timeout_share > 0.5
    # The server's own record: its queue never drained once it had collapsed.
    tail = _server_record(tmp_path / "rec.jsonl")[-5:]
    assert all(row["waiting"] > 100 for row in tail), tail
    assert s.recovery.recovery_s is None and "did not recover" in s.text()


def test_recovery_is_timed_as_the_server_recorded_it(tmp_path):
    # Queueing (no shedding): 8 s at 800/s leave a backlog of about 2,400 requests, which drains at
    # 500 − 100 = 400/s after the load drops back: the server is healthy again some 6 s later.
    record = tmp_path / "rec.jsonl"
    r = _stress_run("queue", record, timeout="30s")
    rec = r.recovery()
    assert rec.recovery_s is not None, rec.text()
    start = r.to_dict()["started_at_unix_s"]
    dropped_at = start + rec.disturbance[1] + 1
    rows = _server_record(record)
    # The server is recovered when nothing waits for a slot (each row ends at its unix_s).
    drained = next(row["unix_s"] for row in rows if row["unix_s"] > dropped_at and row["waiting"] <= 4)
    server_recovery = drained - dropped_at
    assert server_recovery > 2, "the backlog should take a while to drain"
    assert rec.recovery_s == pytest.approx(server_recovery, abs=2), (rec.text(), server_recovery)


def test_a_spike_on_the_demo_shop_reports_errors_worst_latency_and_recovery(tmp_path):
    from horde.demo import story

    shop = DemoShop()
    try:
        # 5 checkouts/s, then 50/s for 10 s: past the pool's 33/s, so checkouts queue for the pool
        # (up to 1 s, then 503) until the spike is over.
        scenario = h.spike(story.capacity_journey(), rate=5, factor=10, warm="5s", length="10s", observe="20s")
        r = h.Test(base_url=shop.url(), scenarios={"s": scenario}).run(progress=None)
    finally:
        shop.stop()
    s = r.spike()
    assert s.requests > 0 and s.failed > 0, s.text()
    assert s.worst_p99_ms >= 900, s.text()  # the pool wait, up to 1 s
    assert s.dropped_iterations == 0
    assert s.recovery.recovery_s is not None and s.recovery.recovery_s <= 10, s.text()
    text = s.text()
    assert "spike:" in text and "failed during it" in text and "recovered" in text
    assert all(line.strip() in r.summary() for line in text.splitlines())
    # The verdict is a function of the result: a saved one gives the same.
    r.save(tmp_path / "spike.json")
    assert h.load(tmp_path / "spike.json").spike() == s
    # The report gives the verdict and draws the recovery.
    out = tmp_path / "spike.html"
    report.write(r, out)
    page = out.read_text()
    assert "<h2>Verdict</h2>" in page and "Load, goodput and recovery" in page
    renders_in_chromium(out)


def test_presets_are_the_stages_they_stand_for():
    j = h.journey("j", h.get("http://127.0.0.1:9/"))
    explicit = h.ramping_arrival_rate(
        j,
        start_rate=5,
        stages=[("30s", 5), ("1s", 50), ("10s", 50), ("1s", 5), ("60s", 5)],
        tags={"test_type": "spike"},
    )
    assert h.spike(j, rate=5) == explicit
    assert h.stress(
        j, rate=100, warm="10s", ramp="20s", hold="30s", observe="40s", tags={"team": "a"}
    ) == h.ramping_arrival_rate(
        j,
        start_rate=25,
        stages=[("10s", 25), ("20s", 200), ("30s", 200), ("1s", 25), ("40s", 25)],
        tags={"test_type": "stress", "team": "a"},
    )
    assert h.load_test(j, rate=10) == h.ramping_arrival_rate(j, start_rate=0, stages=[("60s", 10), ("600s", 10)])
    assert h.smoke(j) == h.constant_arrival_rate(j, rate=1, duration="60s")
    # The closed-model variants: the same shapes in VUs.
    assert h.spike(j, vus=4, factor=5, warm="5s", length="5s", observe="5s") == h.ramping_vus(
        j,
        start_vus=4,
        stages=[("5s", 4), ("1s", 20), ("5s", 20), ("1s", 4), ("5s", 4)],
        tags={"test_type": "spike"},
    )
    assert h.load_test(j, vus=10, ramp="10s", hold="1m") == h.ramping_vus(
        j, start_vus=0, stages=[("10s", 10), ("60s", 10)]
    )
    assert h.smoke(j, vus=2, duration="10s") == h.constant_vus(j, vus=2, duration="10s")


def test_preset_input_is_checked_by_name():
    j = h.journey("j", h.get("http://127.0.0.1:9/"))
    with pytest.raises(ValueError, match=r"factor must be > 1 \(a multiple of the base rate\), got 1"):
        h.spike(j, rate=5, factor=1)
    with pytest.raises(ValueError, match="rate must be > 0 sessions per second, got -3"):
        h.stress(j, rate=-3)
    with pytest.raises(TypeError, match="rate must be a number of sessions per second, got '10'"):
        h.load_test(j, rate="10")
    with pytest.raises(ValueError, match="hold must be longer than 0s"):
        h.stress(j, rate=10, hold=0)
    with pytest.raises(TypeError, match=r"give either rate= .* or vus= .*, not both"):
        h.spike(j, rate=5, vus=5)
    with pytest.raises(ValueError, match="vus must be a whole number ≥ 1, got 0"):
        h.stress(j, vus=0)


def test_a_result_without_a_disturbance_says_so(tmp_path):
    server = CapacityServer(4, 1.0)
    try:
        r = h.attack(server.url(), rate=100, duration="3s", progress=None)
    finally:
        server.stop()
    with pytest.raises(ValueError, match=r"never rose above 1\.5× its starting level"):
        r.stress()
