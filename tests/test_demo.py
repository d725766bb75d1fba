"""horde demo: the naive test passes, the realistic journey fails, in under two minutes."""

from __future__ import annotations

import time

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
