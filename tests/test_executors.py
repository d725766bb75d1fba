"""Each executor's defining property, against real servers on loopback."""

from __future__ import annotations

import math
import re

import pytest

import horde as h
from horde.executors import Scenario
from horde.steps import Journey


def quick(path: str = "/", think: float = 0.05) -> Journey:
    return h.journey("quick", h.get(path, check=h.status(200)), h.think(think))


def run(url: str, scenario: Scenario, **kw) -> h.Result:
    return h.Test(base_url=url, scenarios={"s": scenario}, **kw).run()


def expected_vus(stages: list[tuple[float, float]], t: float) -> float:
    start, value = 0.0, 0.0
    for duration, target in stages:
        if t <= start + duration:
            return value + (target - value) * (t - start) / duration
        start, value = start + duration, target
    return 0.0


def test_ramping_vus_follow_the_stages(nginx):
    stages = [(4.0, 8.0), (3.0, 8.0), (3.0, 0.0)]
    r = run(nginx.url(), h.ramping_vus(quick(), stages=[(f"{d}s", t) for d, t in stages]))
    samples = [p for p in r.scenario_series if p["scenario"] == "s"]
    assert len(samples) >= 9
    for p in samples[:9]:
        want = math.floor(expected_vus(stages, p["second"] + 1) + 1e-9)
        assert abs(p["vus"] - want) <= 1, (p, want)
        assert abs(p["target_vus"] - want) <= 1, (p, want)


def test_constant_vus_keep_the_count(nginx):
    r = run(nginx.url(), h.constant_vus(quick(), vus=6, duration="3s"))
    full = [p for p in r.scenario_series if p["second"] < 2]
    assert [p["vus"] for p in full] == [6, 6]
    assert r.errors == {}


def test_constant_arrival_rate_hits_the_rate(nginx):
    r = run(nginx.url(), h.constant_arrival_rate(quick(think=0), rate=200, duration="5s", max_vus=50))
    assert r.generator["iterations"] == 1000
    assert r.rate == pytest.approx(200, rel=0.01)
    assert r.generator["dropped_iterations"] == 0


def test_ramping_arrival_rate_integrates_the_stages(nginx):
    # 0 → 100/s over 4 s (200 arrivals), 100/s for 2 s (200 more).
    r = run(nginx.url(), h.ramping_arrival_rate(quick(think=0), stages=[("4s", 100), ("2s", 100)], max_vus=50))
    assert r.generator["iterations"] == 400
    per_second = [p["iterations"] for p in r.scenario_series if p["second"] < 6]
    assert per_second[0] < per_second[3] <= per_second[4], per_second


def test_per_vu_iterations_run_exactly(nginx):
    r = run(nginx.url(), h.per_vu_iterations(quick(think=0.01), vus=5, iterations=7))
    assert r.generator["iterations"] == 35
    assert r.requests == 35


def test_shared_iterations_run_exactly(nginx):
    r = run(nginx.url(), h.shared_iterations(quick(think=0), vus=4, iterations=50))
    assert r.generator["iterations"] == 50
    assert r.requests == 50


def test_dropped_iterations_are_counted_when_vus_run_out(stall_server):
    stall_server.delay = 0.3
    scenario = h.constant_arrival_rate(quick(think=0), rate=50, duration="2s", pre_allocated_vus=2, max_vus=2)
    r = run(stall_server.url(), scenario, timeout="2s")
    dropped = r.generator["dropped_iterations"]
    assert dropped > 50
    assert r.generator["iterations"] + dropped == 100
    assert r.scenarios[0]["dropped_iterations"] == dropped
    # Two VUs for 50 sessions a second of 300 ms each: the test's cap, not horde, shaped the load.
    assert r.limited_by == "test" and not r.saturated
    assert any("were dropped" in w and re.search(r"keeps at least 1[5-8] requests in flight", w) for w in r.warnings), (
        r.warnings
    )
    assert r.to_dict()["vus_max"] == 2


def test_vus_max_counts_vus_that_finished_within_a_second(nginx):
    # Every iteration starts and ends inside the first second, so no once-a-second sample sees
    # them; vus_max must still report the peak.
    r = run(nginx.url(), h.shared_iterations(quick(think=0.2), vus=7, iterations=7))
    assert r.generator["iterations"] == 7
    assert r.to_dict()["vus_max"] == 7


def test_iterations_running_at_the_end_finish_within_the_graceful_stop(stall_server):
    # Each VU's 4th iteration starts at ~0.9 s and ends at ~1.2 s, after the 1 s duration: the
    # graceful stop (30 s by default) lets it finish.
    stall_server.delay = 0.3
    r = run(stall_server.url(), h.constant_vus(quick(think=0), vus=4, duration="1s"))
    assert r.generator["interrupted"] == 0
    assert r.errors == {} and r.requests == 16
    assert r.journeys[0]["completed"] == 16
    assert r.elapsed_s >= 1.15


def test_a_short_graceful_stop_cuts_the_iterations_still_running(stall_server):
    stall_server.delay = 0.6
    r = run(stall_server.url(), h.constant_vus(quick(think=0), vus=3, duration="1s", graceful_stop="0.1s"))
    # The first iterations end at 0.6 s; the second ones would end at 1.2 s, past the cut at
    # 1 s + 0.1 s.
    assert r.requests == 3
    assert r.generator["interrupted"] == 3
    assert r.journeys[0]["interrupted"] == 3
    assert r.elapsed_s < 1.5


def test_a_ramp_down_gives_retiring_vus_the_ramp_down_grace(stall_server):
    # Up to 4 VUs, held, then down to 0 in 0.2 s while every VU is mid-request (0.3 s each).
    stall_server.delay = 0.3
    stages = [("1s", 4), ("1s", 4), ("0.2s", 0)]
    cut = run(stall_server.url(), h.ramping_vus(quick(think=0), stages=stages, graceful_ramp_down="0s"))
    kept = run(stall_server.url(), h.ramping_vus(quick(think=0), stages=stages, graceful_ramp_down="5s"))
    assert cut.generator["interrupted"] > 0
    assert kept.generator["interrupted"] == 0 and kept.errors == {}
