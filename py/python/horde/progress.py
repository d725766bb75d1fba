"""Live progress while a run goes on.

One line refreshed in place on a terminal (rich), a plain line every few seconds when the output
is a log (CI), or a live-updating cell in Jupyter.

Each renderer is called with the engine's progress dict about five times a second and closed at
the end; what it shows comes from that dict alone (the engine says how long the plan runs, which
stage it is in and what it aims for).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from horde.summary import ms_text

PLAIN_EVERY_S = 5.0


def line(p: dict[str, Any]) -> str:
    """One status line from the engine's progress dict (where the run is, what it aims for)."""
    elapsed = p["elapsed_s"]
    planned = p.get("planned_s") or 0.0
    parts = [f"{_clock(elapsed)} / {_clock(planned)}" if planned else _clock(elapsed)]
    stage = p.get("stage")
    if stage:
        unit = " VUs" if stage["unit"] == "vus" else "/s"
        parts.append(f"stage {stage['index']}/{stage['count']} → {stage['target']:g}{unit}")
    elif p.get("target_per_s"):
        parts.append(f"target {p['target_per_s']:g}/s")
    failed = 100.0 * p["failed"] / p["requests"] if p["requests"] else 0.0
    parts += [
        f"{p['active_vus']} VUs",
        f"{p['last_second_requests']:,} req/s",
        f"{failed:.2f}% failed",
        f"p95 {ms_text(p['last_second_p95_us'] / 1000)}",
    ]
    if p.get("limited_by") == "generator":
        parts.append("⚠ generator saturated")
    elif p.get("limited_by") == "test":
        parts.append("⚠ test-limited")
    if p.get("thresholds_failing"):
        parts.append(f"✗ {p['thresholds_failing']} threshold(s) failing")
    return "  ".join(parts)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


class Terminal:
    """A line refreshed in place on a terminal."""

    def start(self, plan: dict[str, Any]) -> None:
        """Called once with the plan before the run starts."""
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self._text = Text
        self._live = Live(Text("  starting…"), console=Console(stderr=True), refresh_per_second=4, transient=True)
        self._live.start()

    def __call__(self, p: dict[str, Any]) -> None:
        """Shows the latest numbers."""
        self._live.update(self._text("  " + line(p)))

    def close(self) -> None:
        """Removes the line."""
        self._live.stop()


class Plain:
    """A plain line every few seconds, for logs."""

    def __init__(self, every_s: float = PLAIN_EVERY_S) -> None:
        self._every = every_s
        self._last = time.monotonic()

    def start(self, plan: dict[str, Any]) -> None:
        """Called once with the plan before the run starts."""
        self._last = time.monotonic()

    def __call__(self, p: dict[str, Any]) -> None:
        """Prints a line when it is time."""
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            sys.stderr.write(f"[horde] {line(p)}\n")
            sys.stderr.flush()

    def close(self) -> None:
        """Nothing to clean up."""


class Notebook:
    """A live-updating output in Jupyter."""

    def start(self, plan: dict[str, Any]) -> None:
        """Called once with the plan before the run starts."""
        from IPython.display import HTML, display

        self._html = HTML
        self._handle = display(HTML("<code>horde: starting…</code>"), display_id=True)

    def __call__(self, p: dict[str, Any]) -> None:
        """Shows the latest numbers."""
        self._handle.update(self._html(f"<code>horde: {line(p)}</code>"))

    def close(self) -> None:
        """Leaves the last line in place."""


def in_notebook() -> bool:
    """Whether we run inside a Jupyter kernel."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def for_terminal(quiet: bool) -> Terminal | Plain | None:
    """The CLI's renderer: in place on a terminal, plain lines in a log, nothing when quiet."""
    if quiet:
        return None
    return Terminal() if sys.stderr.isatty() else Plain()
