"""Breakpoint search against servers of known capacity (tests/capacity_server.py: S slots × T ms of
service, so at most 1000·S/T requests a second): the capacity found is within 5 % of the truth, it
comes with its bracket and knee, a saved search loads back to the same verdict, a search the test
itself limits reports no capacity, and bad input is refused before any load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import horde as h
from browser import renders_in_chromium
from cli import horde
from servers import CapacityServer


@pytest.mark.parametrize(("slots", "service_ms"), [(1, 20.0), (4, 2.0)], ids=["50/s", "2000/s"])
def test_the_capacity_found_is_the_servers(slots, service_ms, tmp_path):
    server = CapacityServer(slots, service_ms)
    try:
        # Doubling from 0.15× never lands on the capacity: the bisection has to find it.
        c = h.breakpoint(server.url(), rates=(server.capacity * 0.15, server.capacity * 8), progress=None)
    finally:
        server.stop()
    assert c.capacity is not None, c.summary()
    assert c.capacity == pytest.approx(server.capacity, rel=0.05), c.summary()
    lo, hi = c.bracket
    assert lo == c.capacity and (hi - lo) / lo <= 0.02 + 1e-9
    # Latency is flat until the slots are all busy: the knee is at the capacity, not below it.
    assert c.knee is not None and c.knee >= 0.9 * server.capacity, c.summary()
    curves = c.curves()
    assert [r["rate"] for r in curves] == sorted(r["rate"] for r in curves)
    # Above capacity the server still completes at its capacity (it queues): goodput plateaus.
    over = [r for r in curves if r["rate"] > 1.1 * server.capacity]
    assert over and all(r["delivered_per_s"] <= 1.05 * server.capacity for r in over)
    text = c.summary()
    assert "capacity" in text and "knee" in text and "bracket" in text
    # A saved search is judged again from its trials, to the same verdict.
    c.save(tmp_path / "search.json")
    back = h.load_capacity(tmp_path / "search.json")
    assert back.verdict == c.verdict and back.summary() == text
    with pytest.raises(ValueError, match=r"breakpoint search: read it with horde\.load_capacity"):
        h.load(tmp_path / "search.json")
    # The report: verdict, curves and trials, drawn.
    out = tmp_path / "search.html"
    p = horde("report", str(tmp_path / "search.json"), "-o", str(out))
    assert p.returncode == 0, p.stderr
    page = out.read_text()
    assert "Throughput against offered load" in page and "capacity" in page and "<svg" in page
    renders_in_chromium(out)


def test_too_few_vus_is_reported_instead_of_a_capacity():
    # 1,000 req/s at 50 ms keeps 50 requests in flight; the search may use 4 VUs.
    server = CapacityServer(100, 50.0)
    try:
        c = h.breakpoint(server.url(), rates=(200, 2000), max_vus=4, progress=None)
    finally:
        server.stop()
    assert c.capacity is None
    assert "no capacity: the test itself limited the run at 200/s" in c.why_none
    assert "raise max_vus" in c.summary()


def test_bad_input_is_refused_before_any_load():
    url = "http://127.0.0.1:9/"  # discard port: nothing may be sent
    with pytest.raises(h.PlanError, match="p99<500"):
        h.breakpoint(url, slo={"http_req_duration": "p99<500"}, progress=None)
    with pytest.raises(ValueError, match="0 < lowest < highest, got \\(500, 100\\)"):
        h.breakpoint(url, rates=(500, 100), progress=None)
    with pytest.raises(ValueError, match=r"precision must be a share between 0 and 1.*got 0"):
        h.breakpoint(url, precision=0, progress=None)
    with pytest.raises(ValueError, match="hold must be at least 3s"):
        h.breakpoint(url, hold="1s", progress=None)
    with pytest.raises(TypeError, match="target must be a journey or a URL"):
        h.breakpoint(42, progress=None)


def test_a_generator_that_cannot_keep_up_is_reported_instead_of_a_capacity(nginx):
    # Each session spends a few milliseconds of horde's CPU (20,000 metric steps) before its
    # request, on one worker: from a few hundred sessions a second horde, not nginx, is the limit.
    spin = h.journey("spin", h.repeat(20_000, h.counter("spins", 1)), h.get(nginx.url(), name="page"))
    c = h.breakpoint(spin, rates=(100, 20_000), workers=1, progress=None)
    assert c.capacity is None, c.summary()
    assert c.why_none.startswith("no capacity: at ") and "the generator could not deliver" in c.why_none
    generator = [t for t in c.trials if t.outcome == "generator"]
    # A busy host may make a lower rate fail once and pass on its retry; the search stops where a
    # rate fails twice in a row.
    assert len(generator) >= 2 and generator[-1].rate == generator[-2].rate, "retried once, then stopped"
    assert c.trials[-1] is generator[-1] and c.trials[-2] is generator[-2], [t.rate for t in c.trials]


def test_a_ramp_brackets_the_capacity_coarsely(tmp_path):
    server = CapacityServer(4, 8.0)  # 500/s
    try:
        one = h.journey("one", h.get(server.url()))
        # 300 → 700/s over 16 s: 25/s more each second, the estimate's resolution.
        ramp = h.ramping_arrival_rate(one, start_rate=300, stages=[("16s", 700)], max_vus=3000)
        r = h.Test(scenarios={"s": ramp}, timeout="2s").run(progress=None)
    finally:
        server.stop()
    estimate = r.capacity(p99_ms=500)
    assert estimate.rate is not None and estimate.broke_at is not None, estimate.text()
    assert estimate.rate < estimate.broke_at, estimate.text()
    assert 0.85 * server.capacity <= estimate.rate <= 1.15 * server.capacity, estimate.text()
    assert estimate.broke_at >= 0.95 * server.capacity, estimate.text()
    assert "horde.breakpoint holds each rate" in estimate.text()
    r.save(tmp_path / "ramp.json")
    assert h.load(tmp_path / "ramp.json").capacity(p99_ms=500) == estimate


def test_ctrl_c_stops_the_search_with_the_trials_it_has(nginx):
    # A search that would take minutes; Ctrl-C during its second trial ends it, not just the trial.
    code = (
        "import os, signal, threading, horde as h\n"
        "threading.Timer(6, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        f"c = h.breakpoint({nginx.url()!r}, rates=(50, 5000), progress=None)\n"
        "print(len(c.trials)); print(c.summary())\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert p.returncode == 0, p.stderr
    trials = int(p.stdout.splitlines()[0])
    assert 1 <= trials <= 2, p.stdout
    assert "interrupted (Ctrl-C)" in p.stdout
