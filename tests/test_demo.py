"""horde demo: the naive test passes, the realistic journey fails, in under two minutes."""

from __future__ import annotations

import re
import time

import pytest

from cli import horde


def test_demo_tells_the_story_in_under_two_minutes():
    started = time.monotonic()
    p = horde("demo", "--quiet", timeout=150)
    took = time.monotonic() - started
    assert p.returncode == 0, p.stdout + p.stderr
    assert took < 120, f"demo took {took:.0f}s"
    verdict = next(line for line in p.stdout.splitlines() if line.strip().startswith("verdict"))
    assert verdict.split()[1:] == ["PASSED", "FAILED"], verdict
    assert "p95 response time" in p.stdout and "checkouts failed or were too slow" in p.stdout


def test_demo_capacity_finds_the_checkout_capacity_the_pool_implies():
    # Checkout holds one of 4 connections for 3 × 40 ms: at most 33.3 checkouts a second.
    p = horde("demo", "capacity", "--quiet", timeout=400)
    assert p.returncode == 0, p.stdout + p.stderr
    found = re.search(r"measured ([0-9.]+) checkouts/s; the pool allows .* = ([0-9.]+) \(", p.stdout)
    assert found, p.stdout
    measured, analytic = float(found.group(1)), float(found.group(2))
    assert analytic == pytest.approx(33.3, abs=0.05)  # printed to one decimal
    assert measured == pytest.approx(analytic, rel=0.05), p.stdout
    assert "bracket" in p.stdout and "knee" in p.stdout
