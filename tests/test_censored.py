"""Latency that counts the requests that failed: every request has a response time, a request given
up on at its timeout counts at the timeout as a lower bound, and a percentile among such values is
shown — and judged by thresholds — as a lower bound. The successful-only view stays available as
``{expected_response:true}``."""

from __future__ import annotations

import json

import pytest

import horde as h
from horde import export
from servers import StallServer


@pytest.fixture(scope="module")
def freezing():
    """Answers in 1 ms, but freezes for 1 s in every 5, the first freeze 1.5 s after it starts."""
    server = StallServer(delay=0.001, freeze_every=5.0, freeze_for=1.0, freeze_at=1.5)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def frozen_run(freezing):
    """200 req/s for 4 s with a 300 ms timeout: one freeze, about 14 % of requests given up on."""
    one = h.journey("one", h.get(freezing.url(), name="page"))
    test = h.Test(
        scenarios={"s": h.constant_arrival_rate(one, rate=200, duration="4s", max_vus=400)},
        timeout="300ms",
        thresholds={
            "http_req_duration": ["p(90)<250", "p(50)<250", "max>100"],
            "http_req_duration{expected_response:true}": ["p(90)<250"],
            "http_reqs{expected_response:false}": ["count<1"],
        },
    )
    return test.run(progress=None)


def test_timed_out_requests_count_in_the_response_time_as_lower_bounds(frozen_run):
    r = frozen_run
    timed_out = r.errors.get("request_timeout", 0)
    # The freeze's first 0.7 s of arrivals (about 140 of 800) wait past the timeout.
    assert 0.08 * r.requests <= timed_out <= 0.25 * r.requests, (timed_out, r.requests)
    assert r.timed_out == timed_out
    rt = r.response_time
    assert rt.count == r.requests
    # p90 falls among the timed-out requests: at least the timeout, and marked as a lower bound.
    assert rt.p90_ms >= 300
    assert {"p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"} <= rt.lower_bounds
    assert "p50_ms" not in rt.lower_bounds and rt.p50_ms < 50
    # The successful-only view is the old one: responses only, none of them censored.
    ok = r.expected_response_time
    assert ok.count == r.requests - timed_out
    assert ok.p90_ms < 250 and not ok.lower_bounds
    hist = r.histogram("http_req_duration", expected_response=True)
    assert hist.count == ok.count
    assert r.histogram("http_req_duration").is_lower_bound(r.timed_out_histogram(), 90)


def test_thresholds_judge_a_lower_bound_by_what_it_cannot_rule_out(frozen_run):
    verdicts = {(t["metric"], t["expression"]): t for t in frozen_run.thresholds}
    p90 = verdicts["http_req_duration", "p(90)<250"]
    assert not p90["ok"] and p90["lower_bound"] and p90["observed"] >= 300
    assert verdicts["http_req_duration", "p(50)<250"]["ok"]
    # max ≥ 300 ms is known to be > 100 ms, lower bound or not.
    assert verdicts["http_req_duration", "max>100"]["ok"]
    assert verdicts["http_req_duration{expected_response:true}", "p(90)<250"]["ok"]
    assert not verdicts["http_reqs{expected_response:false}", "count<1"]["ok"]
    assert not frozen_run.passed


def test_the_summaries_mark_lower_bounds(frozen_run):
    text = frozen_run.summary()
    assert "p(90)≥" in text and "timed out and count at their timeout" in text
    assert "{ expected_response:true }" in text
    assert "✗ 'p(90)<250' p(90)≥" in text
    summary = export.summary(frozen_run)
    duration = summary["metrics"]["http_req_duration"]
    assert "p(90)" in duration["lower_bounds"] and "med" not in duration["lower_bounds"]
    assert "lower_bounds" not in summary["metrics"]["http_req_duration{expected_response:true}"]
    assert summary["requests"][0]["timed_out"] == frozen_run.timed_out
    json.dumps(summary)


def test_a_saved_result_keeps_the_bounds(frozen_run, tmp_path):
    path = tmp_path / "r.json"
    frozen_run.save(path)
    back = h.load(path)
    assert back.response_time == frozen_run.response_time
    assert back.expected_response_time == frozen_run.expected_response_time


def test_the_attack_summary_marks_lower_bounds(freezing):
    r = h.attack(freezing.url(), rate=200, duration="4s", timeout="300ms", connections=400, progress=None)
    text = r.summary()
    assert r.timed_out > 0
    assert "successful only" in text and "≥" in text and "timed out and count at their timeout" in text


def test_expected_response_is_a_filter_of_duration_and_reqs_only(freezing):
    one = h.journey("one", h.get(freezing.url()))
    scenarios = {"s": h.constant_vus(one, vus=1, duration="1s")}
    with pytest.raises(h.PlanError, match='http_req_failed cannot be filtered by "expected_response"'):
        h.Test(scenarios=scenarios, thresholds={"http_req_failed{expected_response:true}": ["rate<0.1"]}).validate()
    with pytest.raises(h.PlanError, match='expected_response is true or false, got "yes"'):
        h.Test(scenarios=scenarios, thresholds={"http_req_duration{expected_response:yes}": ["p(95)<1"]}).validate()
