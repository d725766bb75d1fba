"""What the engine knows and Python presents: every default a plan takes, the built-in metrics and the error classes.

Both are read once from the engine, where they are defined; nothing in Python repeats them.

Example:
    >>> import horde
    >>> horde.DEFAULTS["scenario"]["graceful_stop_s"]
    30.0
    >>> horde.METRICS["http_req_duration"]["type"], horde.METRICS["http_req_duration"]["unit"]
    ('trend', 'ms')
"""

from __future__ import annotations

import json
import re
from typing import Any

from horde import _native
from horde.errors import PlanError

__all__ = ["DEFAULTS", "ERRORS", "METRICS", "renamed"]

#: Defaults for fields a plan leaves out: ``scenario``, ``executor`` and ``options`` (run and
#: HTTP client options, as the engine's ``Options`` default).
DEFAULTS: dict[str, Any] = json.loads(_native.defaults())

#: The built-in metrics by name: ``type`` (counter, gauge, rate, trend), ``unit`` (ms, bytes,
#: none), ``description``, ``tags`` (threshold filters) and ``histogram`` (where a result keeps
#: its full histogram: ``{"rows": "requests" | "journeys" | "generator", "field": ...}``).
METRICS: dict[str, dict[str, Any]] = {m["name"]: m for m in json.loads(_native.metrics())}

#: The error classes by name: ``meaning`` (a line), ``advice`` (what to do, where the fix is on the
#: generator's side, else None) and ``timeout`` (its times are lower bounds).
ERRORS: dict[str, dict[str, Any]] = {e["name"]: e for e in json.loads(_native.error_classes())}

_SECONDS_SUFFIX = re.compile(r"_s(?=$|\.|\[)")


def renamed(
    error: PlanError, names: dict[str, str] | None = None, strip: str = "", prefix: str = "", title: str = ""
) -> PlanError:
    """``error`` with the engine's field paths turned into the Python argument names a user wrote.

    ``strip`` comes off the front of each path (``executor.``); plan fields in seconds end in
    ``_s`` where Python arguments take a duration (``duration_s`` → ``duration``); ``names`` maps
    what differs otherwise (``tls.ca_file`` → ``ca``); ``prefix`` goes in front (``tls.``).

    Example:
        >>> e = renamed(PlanError("x", [("executor.stages[0].duration_s", "must be ≥ 0")]), strip="executor.")
        >>> e.issues
        [('stages[0].duration', 'must be ≥ 0')]
    """
    issues: list[tuple[str, str]] = []
    for path, message in error.issues:
        bare = path.removeprefix(strip)
        name = prefix + _SECONDS_SUFFIX.sub("", (names or {}).get(bare, bare))
        if (name, message) not in issues:
            issues.append((name, message))
    text = "; ".join(f"{n}: {m}" for n, m in issues) if issues else str(error)
    return PlanError(title + text, issues)
