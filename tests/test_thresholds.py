"""Thresholds: verdicts, exit codes from the CLI, and abort_on_fail."""

from __future__ import annotations

import textwrap
import time

import pytest

import horde as h
from cli import horde

SCRIPT = """
import horde as h

journey = h.journey("home", h.get("/", check=h.status(200)))
test = h.Test(
    base_url=h.env("BASE_URL"),
    scenarios={{"s": h.constant_arrival_rate(journey, rate=100, duration="{duration}")}},
    thresholds={thresholds},
)
"""


def write(tmp_path, thresholds: str, duration: str = "2s"):
    path = tmp_path / "t.py"
    path.write_text(textwrap.dedent(SCRIPT.format(thresholds=thresholds, duration=duration)))
    return path


def horde_run(path, url, *extra, timeout=60):
    return horde("run", path, "-e", f"BASE_URL={url}", *extra, timeout=timeout)


def test_passing_thresholds_exit_0(nginx, tmp_path):
    path = write(
        tmp_path,
        '{"http_req_duration": ["p(95)<1000", "max<5000"], "http_req_failed": ["rate<0.01"],'
        ' "checks": ["rate>0.99"], "http_reqs": ["count>=200"]}',
    )
    p = horde_run(path, nginx.url())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "✓ 'p(95)<1000'" in p.stdout
    assert "all thresholds passed" in p.stdout


def test_failing_thresholds_exit_99_and_say_which(nginx, tmp_path):
    path = write(tmp_path, '{"http_req_duration": ["p(95)<0.001"], "http_reqs": ["count<10"]}')
    p = horde_run(path, nginx.url())
    assert p.returncode == 99, p.stdout + p.stderr
    assert "✗ 'p(95)<0.001'" in p.stdout
    assert "✗ 'count<10' count=200" in p.stdout
    assert "THRESHOLDS FAILED" in p.stdout


def test_tag_filters_select_requests(nginx):
    j = h.journey("j", h.get("/", name="fast"), h.get("/", name="also fast"))
    test = h.Test(
        base_url=nginx.url(),
        scenarios={"s": h.shared_iterations(j, vus=1, iterations=20)},
        thresholds={
            "http_reqs{name:fast}": ["count==20"],
            "http_reqs{scenario:s}": ["count==40"],
            "http_req_duration{method:GET}": ["p(99)<5000"],
        },
    )
    r = test.run()
    assert r.passed, r.thresholds
    assert [t["observed"] for t in r.thresholds if t["metric"].startswith("http_reqs")] == [20, 40]


def test_abort_on_fail_stops_the_run_and_keeps_results(stall_server, tmp_path):
    stall_server.delay = 0.4
    path = write(
        tmp_path,
        '{"http_req_duration": [{"threshold": "p(95)<100", "abort_on_fail": True}]}',
        duration="60s",
    )
    started = time.monotonic()
    out = tmp_path / "aborted.json"
    p = horde_run(path, stall_server.url(), "--json", str(out))
    took = time.monotonic() - started
    assert p.returncode == 99, p.stdout + p.stderr
    assert took < 10, f"the run went on for {took:.1f}s"
    r = h.load(out)
    assert r.requests > 0
    assert "aborted: threshold http_req_duration p(95)<100 failed" in (r.stopped_early or "")
    aborting = [t for t in r.thresholds if t.get("aborted")]
    assert aborting and not aborting[0]["ok"]
    # The breach shows within the first seconds: the run stopped within 2 s of it.
    assert r.duration_s < 4.5, r.duration_s


def test_delay_abort_eval_waits(nginx):
    j = h.journey("j", h.get("/"))
    test = h.Test(
        base_url=nginx.url(),
        scenarios={"s": h.constant_arrival_rate(j, rate=50, duration="3s")},
        thresholds={
            "http_req_duration": [{"threshold": "max<0.001", "abort_on_fail": True, "delay_abort_eval": "10s"}]
        },
    )
    r = test.run()
    assert r.stopped_early is None
    assert not r.passed
    assert r.requests == 150


def test_raise_for_thresholds(nginx):
    j = h.journey("j", h.get("/"))
    r = h.Test(
        base_url=nginx.url(),
        scenarios={"s": h.shared_iterations(j, iterations=3)},
        thresholds={"http_reqs": ["count>100"]},
    ).run()
    with pytest.raises(h.ThresholdsFailed, match=r"http_reqs count>100"):
        r.raise_for_thresholds()


def test_scenario_tags_filter_thresholds(nginx):
    j = h.journey("j", h.get("/"))
    test = h.Test(
        base_url=nginx.url(),
        scenarios={
            "pay": h.shared_iterations(j, iterations=7, tags={"team": "payments"}),
            "web": h.shared_iterations(j, iterations=5, tags={"team": "web"}),
        },
        thresholds={"http_reqs{team:payments}": ["count==7"], "iterations{team:web}": ["count==5"]},
    )
    r = test.run()
    assert r.passed, r.thresholds
    assert {s["name"]: s["tags"] for s in r.scenarios} == {"pay": {"team": "payments"}, "web": {"team": "web"}}
    with pytest.raises(h.PlanError, match=r'http_reqs cannot be filtered by "tem"'):
        h.Test(
            base_url=nginx.url(),
            scenarios={"s": h.shared_iterations(j, tags={"team": "x"})},
            thresholds={"http_reqs{tem:x}": ["count>1"]},
        ).validate()
