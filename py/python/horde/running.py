"""The poll loop around a native run: progress callbacks, Ctrl-C, and the final result.

The engine installs no signal handlers. This loop waits in short slices with the GIL released,
so Python sees Ctrl-C between slices: the first one stops the run gracefully (in-flight requests
finish), a second one aborts it. Either way the results measured so far are returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from horde import _native
from horde.result import Result

Progress = Callable[[dict[str, Any]], None]

_SLICE_S = 0.2


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
    compiled = _native.compile_plan(json.dumps(plan))
    if progress == "auto":
        from horde import progress as live

        progress = live.Notebook() if live.in_notebook() else None
    if isinstance(progress, str):
        raise ValueError(f"progress must be a callable, 'auto' or None, got {progress!r}")
    if hasattr(progress, "start"):
        progress.start(plan)  # type: ignore[union-attr]
    run = compiled.start()
    interrupted = 0
    try:
        while True:
            try:
                if run.wait(_SLICE_S):
                    break
                if progress is not None:
                    progress(run.progress())
            except KeyboardInterrupt:
                interrupted += 1
                run.stop(abort=interrupted > 1)
    finally:
        if hasattr(progress, "close"):
            progress.close()  # type: ignore[union-attr]
    return Result(json.loads(run.join()))
