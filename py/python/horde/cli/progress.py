"""A one-line live status on a terminal, refreshed in place (``horde attack`` and ``horde run``)."""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """Call with the engine's progress dicts; ``clear()`` removes the line."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, p: dict[str, Any]) -> None:
        """Redraws the line (at most twice a second)."""
        now = time.monotonic()
        if now - self._last < 0.5:
            return
        self._last = now
        line = (
            f"  {p['elapsed_s']:5.0f}s  {p['requests']:>10} requests  {p['last_second_requests']:>8}/s"
            f"  p95 {p['last_second_p95_us'] / 1000:8.2f}ms  {p['failed']} failed  {p['active_vus']} VUs"
        )
        if p.get("thresholds_failing"):
            line += f"  ✗ {p['thresholds_failing']} threshold(s) failing"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def clear(self) -> None:
        """Erases the status line."""
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
