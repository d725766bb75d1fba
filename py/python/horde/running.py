"""The poll loop around a native run: progress callbacks, Ctrl-C, and the final result.

The engine installs no signal handlers. This loop waits in short slices with the GIL released,
so Python sees Ctrl-C between slices: the first one stops the run gracefully (in-flight requests
finish), a second one aborts it. Either way the results measured so far are returned.

The command line does not raise KeyboardInterrupt while it runs a test: inside
:func:`stoppable` its signal handlers call :func:`request_stop`, which the loop reads between
slices. A stop asked for before the run starts stops it as soon as it starts, and one asked for
while results are written waits, so that every run ends with a complete result.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from horde import _native
from horde.result import Result

Progress = Callable[[dict[str, Any]], None]

_SLICE_S = 0.2


class _Stops:
    """Stops asked for by signal handlers, for the run under way (or about to start)."""

    def __init__(self) -> None:
        self.active = 0  # stoppable sessions and runs under way (nested: a search runs trials)
        self.requested = 0


_STOPS = _Stops()


@contextlib.contextmanager
def stoppable() -> Iterator[None]:
    """A stretch (running tests, writing their results) in which signals stop runs, not code."""
    if not _STOPS.active:
        _STOPS.requested = 0
    _STOPS.active += 1
    try:
        yield
    finally:
        _STOPS.active -= 1


def request_stop() -> bool:
    """Asks the run under way, or the next one, to stop (a second request aborts it).

    Returns False outside :func:`stoppable` and runs, so that the caller can interrupt instead.
    """
    if not _STOPS.active:
        return False
    _STOPS.requested += 1
    return True


def stop_requested() -> bool:
    """Whether a stop was asked for since the last run started (a caller running several tests stops too)."""
    return _STOPS.requested > 0


def run_plan(plan: dict[str, Any], progress: Progress | str | None = "auto") -> Result:
    """Validates, compiles and runs ``plan`` to completion and returns its result.

    Args:
        plan: the plan as a dict (see ``horde inspect``).
        progress: called with a progress dict about every 200 ms while the run goes on (its
            ``start(plan)`` and ``close()`` are called too, if it has them); ``"auto"`` shows a
            live display in Jupyter and nothing elsewhere; None shows nothing.

    Raises:
        PlanError: the plan is invalid (nothing was sent).
        RunError: the run could not start.
    """
    with stoppable():
        return _run(plan, progress)


def _run(plan: dict[str, Any], progress: Progress | str | None) -> Result:
    compiled = _native.compile_plan(json.dumps(plan))
    if progress == "auto":
        from horde import progress as live

        progress = live.Notebook() if live.in_notebook() else None
    if isinstance(progress, str):
        raise ValueError(f"progress must be a callable, 'auto' or None, got {progress!r}")
    if hasattr(progress, "start"):
        progress.start(plan)  # type: ignore[union-attr]
    # Said before any load (the result's warnings repeat them); with `strict` start() refuses.
    for warning in compiled.preflight():
        sys.stderr.write(f"horde: ! {warning}\n")
    run = compiled.start()
    interrupted = 0
    try:
        while True:
            try:
                if interrupted < _STOPS.requested:
                    interrupted = _STOPS.requested
                    run.stop(abort=interrupted > 1)
                if run.wait(_SLICE_S):
                    break
                if progress is not None:
                    progress(run.progress())
            except KeyboardInterrupt:
                _STOPS.requested += 1
    finally:
        if hasattr(progress, "close"):
            progress.close()  # type: ignore[union-attr]
    return Result(json.loads(run.join()))
