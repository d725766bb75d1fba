"""Loading a user's test script.

Runs it (from its own directory, with ``-e`` variables set), finds its :class:`horde.Test`, and
applies command-line overrides to the scenarios.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from horde.cli import UsageError
from horde.executors import Scenario
from horde.test import Test


class ScriptError(Exception):
    """The script failed or defines no test; the message (with traceback) is for the user."""


@contextmanager
def _in_directory(path: Path):
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def parse_env(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings to a dict (usage error on a malformed pair)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-e takes KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def load_test(path: str, env: dict[str, str]) -> Test:
    """Runs the script at ``path`` and returns its test.

    Raises:
        UsageError: the file does not exist.
        ScriptError: the script raised, or defines no test (or several, none named ``test``).
    """
    script = Path(path)
    if not script.is_file():
        raise UsageError(f"no such script: {path}")
    script = script.resolve()
    os.environ.update(env)
    sys.path.insert(0, str(script.parent))
    try:
        with _in_directory(script.parent):
            namespace = runpy.run_path(str(script), run_name="__horde__")
    except SystemExit as e:
        raise ScriptError(f"{path} called sys.exit({e.code}) while loading") from None
    except BaseException:
        raise ScriptError(traceback.format_exc()) from None
    finally:
        sys.path.pop(0)
    tests = {k: v for k, v in namespace.items() if isinstance(v, Test)}
    if isinstance(namespace.get("test"), Test):
        return namespace["test"]
    if len(tests) == 1:
        return next(iter(tests.values()))
    if not tests:
        raise ScriptError(f"{path} defines no horde.Test; assign one to a variable named `test`")
    raise ScriptError(f"{path} defines several tests ({', '.join(sorted(tests))}); name the one to run `test`")


def apply_overrides(
    test: Test, vus: int | None, duration: float | None, iterations: int | None, rate: float | None
) -> None:
    """Applies ``--vus``, ``--duration``, ``--iterations`` and ``--rate`` to every scenario."""
    for name, s in list(test.scenarios.items()):
        test.scenarios[name] = _override(s, vus, duration, iterations, rate)


def _override(
    s: Scenario, vus: int | None, duration: float | None, iterations: int | None, rate: float | None
) -> Scenario:
    ex: dict[str, Any] = dict(s.executor)
    kind = ex["type"]
    open_model = kind.endswith("arrival_rate")
    peak_vus = _peak_vus(ex)
    if iterations is not None:
        ex = {
            "type": "shared_iterations",
            "vus": vus or peak_vus,
            "iterations": iterations,
            "max_duration_s": duration or ex.get("max_duration_s", 600.0),
        }
        return replace(s, executor=ex)
    if rate is not None and not open_model:
        length = duration or ex.get("duration_s") or ex.get("max_duration_s") or _stages_length(ex) or 10.0
        ex = {
            "type": "constant_arrival_rate",
            "rate": rate,
            "time_unit_s": 1.0,
            "duration_s": length,
            "pre_allocated_vus": vus or max(peak_vus, 1),
            "max_vus": vus or max(peak_vus, 1000),
        }
        return replace(s, executor=ex)
    if rate is not None:
        if kind == "constant_arrival_rate":
            ex["rate"], ex["time_unit_s"] = rate, 1.0
        else:
            _scale_targets(ex, rate * ex.get("time_unit_s", 1.0))
    if vus is not None:
        if open_model:
            ex["max_vus"] = vus
            ex["pre_allocated_vus"] = min(ex["pre_allocated_vus"], vus)
        elif kind == "ramping_vus":
            _scale_targets(ex, vus)
        else:
            ex["vus"] = vus
    if duration is not None:
        if "stages" in ex:
            total = _stages_length(ex)
            for st in ex["stages"]:
                st["duration_s"] = st["duration_s"] * duration / total if total else duration / len(ex["stages"])
        elif "duration_s" in ex:
            ex["duration_s"] = duration
        else:
            ex["max_duration_s"] = duration
    return replace(s, executor=ex)


def _peak_vus(ex: dict[str, Any]) -> int:
    if "vus" in ex:
        return int(ex["vus"])
    if "max_vus" in ex:
        return int(ex["max_vus"])
    return int(max([ex.get("start_vus", 0)] + [st["target"] for st in ex.get("stages", [])]))


def _stages_length(ex: dict[str, Any]) -> float:
    return float(sum(st["duration_s"] for st in ex.get("stages", [])))


def _scale_targets(ex: dict[str, Any], peak: float) -> None:
    ex["stages"] = [dict(st) for st in ex["stages"]]
    top = max([st["target"] for st in ex["stages"]] + [ex.get("start_vus", ex.get("start_rate", 0))])
    factor = peak / top if top else 0.0
    for st in ex["stages"]:
        st["target"] = round(st["target"] * factor, 6)
    for key in ("start_vus", "start_rate"):
        if key in ex:
            ex[key] = type(ex[key])(round(ex[key] * factor))
