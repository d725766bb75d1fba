"""The generator-honesty verdict on real runs: quiet when the target is what limits the run,
"test-limited" with the connections needed when the test's own cap is too low, "generator
saturated" when horde cannot keep up (engine/src/health.rs says why each threshold is where it is)."""

from __future__ import annotations

import re

import pytest

import horde
import horde as h
from horde import export
from servers import StallServer


@pytest.fixture
def slow_server():
    server = StallServer(delay=0.005)
    yield server
    server.stop()


@pytest.fixture
def web_server():
    server = StallServer(delay=0.05)
    yield server
    server.stop()


def test_a_healthy_run_against_a_web_latency_target_says_nothing(web_server):
    # 400 req/s at 50 ms keeps about 20 requests in flight: the default 64 connections are plenty.
    r = horde.attack(web_server.url(), rate=400, duration="3s", progress=None)
    assert r.failed == 0 and r.requests >= 1190 and r.response_time.p50_ms >= 50
    assert r.limited_by == "target" and not r.saturated
    assert r.warnings == [], r.warnings
    assert "limited by the target" in r.summary()


def test_a_slow_target_with_enough_connections_is_the_targets(web_server):
    # Each session waits 50 ms for each of three requests; 30 arrive a second, with VUs to spare.
    three = h.journey("three", *(h.get(web_server.url()) for _ in range(3)))
    test = h.Test(scenarios={"s": h.constant_arrival_rate(three, rate=30, duration="2s", max_vus=50)})
    r = test.run(progress=None)
    assert r.failed == 0 and r.response_time.p50_ms >= 50
    assert r.limited_by == "target" and r.warnings == [], r.warnings


def test_too_few_connections_for_the_latency_is_test_limited_with_the_estimate(slow_server):
    # 800 req/s at ≥ 5 ms keeps ≥ 4 requests in flight; the test allows 2 connections.
    r = horde.attack(slow_server.url(), rate=800, duration="2s", connections=2, progress=None)
    assert r.limited_by == "test" and not r.saturated
    warning = next(w for w in r.warnings if w.startswith("test-limited"))
    assert "waited for a free connection" in warning and "allowed 2 connections" in warning
    in_flight = int(re.search(r"keeps about (\d+) requests in flight", warning).group(1))
    assert 4 <= in_flight <= 12, warning
    summary = r.summary()
    assert "limited by the test's own limits" in summary and "test-limited" in summary
    assert export.summary(r)["limited_by"] == "test"


def test_work_horde_cannot_do_in_time_is_generator_saturated(nginx):
    # Each session spends a few milliseconds of horde's CPU before its request (20,000 metric
    # steps); 1,000 of them a second need several cores, and one worker has one: requests leave
    # late although VUs and the target are free.
    spin = h.journey("spin", h.repeat(20_000, h.counter("spins", 1)), h.get(nginx.url()))
    test = h.Test(scenarios={"s": h.constant_arrival_rate(spin, rate=1000, duration="2s", max_vus=2000)}, workers=1)
    r = test.run(progress=None)
    assert r.limited_by == "generator" and r.saturated
    assert any(w.startswith("generator saturated") for w in r.warnings), r.warnings


def test_an_overloaded_target_is_the_targets_not_the_tests(nginx):
    # nginx (one worker) cannot answer 200,000 requests a second: requests queue for connections
    # while its service time grows — the target's capacity, which more connections would not fix.
    r = horde.attack(nginx.url(), rate=200_000, duration="2s", connections=512, progress=None)
    assert r.limited_by in ("target", "generator"), r.warnings
    assert not any(w.startswith("test-limited") for w in r.warnings), r.warnings


def test_durations_are_never_negative_or_below_the_service_time(nginx):
    # Early sends (the default window batches them) are timed from when they left.
    r = horde.attack(nginx.url(), rate=3000, duration="3s", progress=None)
    assert r.generator["clock_anomalies"] == 0
    assert r.response_time.min_ms >= r.service_time.min_ms > 0
    assert r.generator["sent_early"] > 0, "the window batched some sends early"
