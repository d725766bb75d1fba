"""Loading a user's test script.

Runs it (from its own directory, with ``-e`` variables set), finds its :class:`horde.Test`, and
applies command-line overrides to the scenarios.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from horde import _native
from horde.cli import UsageError
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
    """Applies ``--vus``, ``--duration``, ``--iterations`` and ``--rate`` to every scenario.

    What each flag means for each executor is the engine's (``_native.override_executor``).
    """
    for name, s in list(test.scenarios.items()):
        executor = _native.override_executor(json.dumps(s.executor), vus, duration, iterations, rate)
        test.scenarios[name] = replace(s, executor=json.loads(executor))
