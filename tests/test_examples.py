"""Every script under examples/ runs with the real CLI against the demo shop, and its journeys go through.

Scripts are found with a glob (``examples/*.py``), so a new example is covered without touching this file. A
file whose name starts with ``_`` is a helper module the scripts import (``examples/_shop.py``), not a script.

Each script reads its target with ``h.env("BASE_URL", ...)``; ``-e BASE_URL=`` points it at the demo shop this
test session started on a free loopback port (the ``shop`` fixture: a database pool big enough never to be the
bottleneck, so every example should pass its own thresholds). Each run is shortened with ``horde run``'s own
overrides, listed in ``RUNS``; a script not listed there gets ``DEFAULT`` (``--duration 2s``, which scales
stages down proportionally and bounds iteration-based executors by their max_duration).

examples/analysis.ipynb is executed by tests/test_notebook.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import horde as h
from cli import horde

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
HELPERS = sorted(p for p in EXAMPLES.glob("_*.py"))


@dataclass(frozen=True)
class Run:
    """How one example is run: CLI overrides, the exit code it must give and, if fixed, how many sessions."""

    args: tuple[str, ...] = ("--duration", "2s")
    exit_code: int = 0
    sessions: int | None = None


DEFAULT = Run()
RUNS = {
    # The 19-minute ramp to 200 shoppers compressed to 2 s, 50 VUs, think times × 0.01 (its PACE knob).
    "checkout.py": Run(("--duration", "2s", "--vus", "50", "-e", "PACE=0.01")),
    # 10 VUs × 5 iterations of ~1 s each: run as written (~6 s), so the count it promises can be checked.
    "per_vu_iterations.py": Run((), sessions=50),
    # 100 shared iterations would take ~10 s; --iterations keeps the executor (shared_iterations), fewer of them.
    "shared_iterations.py": Run(("--iterations", "20"), sessions=20),
}


def test_examples_are_found():
    assert "checkout.py" in {p.name for p in SCRIPTS}
    assert set(RUNS) <= {p.name for p in SCRIPTS}, "RUNS names an example that no longer exists"


@pytest.mark.parametrize("helper", HELPERS, ids=lambda p: p.name)
def test_helper_modules_are_imported_not_run(helper):
    """A ``_`` file is skipped as a script, so it must really be a module some script imports."""
    importers = [p.name for p in SCRIPTS if re.search(rf"^(from|import) {helper.stem}\b", p.read_text(), re.M)]
    assert importers, f"{helper.name} is imported by no example: a script named with a leading '_' is never run"
    p = horde("inspect", str(helper))
    assert p.returncode == 1 and "defines no horde.Test" in p.stderr, p.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs_and_its_journeys_go_through(script, shop, tmp_path):
    run = RUNS.get(script.name, DEFAULT)
    out = tmp_path / "result.json"
    p = horde("run", script, "-e", f"BASE_URL={shop.url()}", *run.args, "--json", out, "-q", timeout=60)
    assert p.returncode == run.exit_code, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    r = h.load(out)

    assert r.requests > 0
    assert r.failed == 0, (r.status, r.errors)
    assert r.checks and all(c["fails"] == 0 and c["passes"] > 0 for c in r.checks), r.checks
    assert all(s["dropped_iterations"] == 0 for s in r.scenarios), r.scenarios
    # Every journey of the plan ran, every session completed, and every step was reached and went through.
    planned = {m["journey"] for s in r.plan["scenarios"].values() for m in s.get("mix") or [s]}
    assert {j["journey"] for j in r.journeys} == planned
    for j in r.journeys:
        assert j["started"] > 0 and j["completed"] == j["started"], j
        for step in j["steps"]:
            assert step["reached"] > 0 and step["ok"] == step["reached"], (j["journey"], step)
    if run.sessions is not None:
        assert sum(j["started"] for j in r.journeys) == run.sessions
