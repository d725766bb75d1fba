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


def run_plan(plan: dict[str, Any], progress: Progress | None = None) -> Result:
    """Validates, compiles and runs ``plan`` to completion and returns its result.

    Args:
        plan: the plan as a dict (see ``horde inspect``).
        progress: called with a progress dict about every 200 ms while the run goes on.

    Raises:
        PlanError: the plan is invalid (nothing was sent).
        RunError: the run could not start.
    """
    compiled = _native.compile_plan(json.dumps(plan))
    run = compiled.start()
    interrupted = 0
    while True:
        try:
            if run.wait(_SLICE_S):
                break
            if progress is not None:
                progress(run.progress())
        except KeyboardInterrupt:
            interrupted += 1
            run.stop(abort=interrupted > 1)
    return Result(json.loads(run.join()))
