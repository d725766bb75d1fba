"""Live progress while a run goes on.

One line refreshed in place on a terminal (rich), a plain line every few seconds when the output
is a log (CI), or a live-updating cell in Jupyter.

Each renderer is called with the engine's progress dict about five times a second and closed at
the end; what it shows comes from that dict and the plan (total length, current stage, target).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from horde.summary import ms_text

PLAIN_EVERY_S = 5.0


class Shape:
    """What the plan says about time: total length and each scenario's stages or rate."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.total_s = 0.0
        self.ramps: list[tuple[str, float, list[tuple[float, float]], str]] = []
        self.rate = 0.0
        for name, s in plan.get("scenarios", {}).items():
            ex = s["executor"]
            start = float(s.get("start_s", 0.0))
            if "stages" in ex:
                stages = [(st["duration_s"], st["target"]) for st in ex["stages"]]
                length = sum(d for d, _ in stages)
                unit = "VUs" if ex["type"] == "ramping_vus" else "/s"
                self.ramps.append((name, start, stages, unit))
            else:
                length = ex.get("duration_s") or ex.get("max_duration_s") or 0.0
            if ex["type"] == "constant_arrival_rate":
                self.rate += ex["rate"] / ex.get("time_unit_s", 1.0)
            self.total_s = max(self.total_s, start + length)

    def stage(self, elapsed: float) -> str:
        """The current stage of the first ramping scenario, e.g. ``stage 2/4 → 200 VUs``."""
        for _name, start, stages, unit in self.ramps:
            t = elapsed - start
            for i, (duration, target) in enumerate(stages):
                if t < duration:
                    return f"stage {i + 1}/{len(stages)} → {target:g} {unit}".replace(" /s", "/s")
                t -= duration
        return ""


def line(p: dict[str, Any], shape: Shape) -> str:
    """One status line."""
    elapsed = p["elapsed_s"]
    parts = [f"{_clock(elapsed)} / {_clock(shape.total_s)}" if shape.total_s else _clock(elapsed)]
    stage = shape.stage(elapsed)
    if stage:
        parts.append(stage)
    elif shape.rate:
        parts.append(f"target {shape.rate:g}/s")
    failed = 100.0 * p["failed"] / p["requests"] if p["requests"] else 0.0
    parts += [
        f"{p['active_vus']} VUs",
        f"{p['last_second_requests']:,} req/s",
        f"{failed:.2f}% failed",
        f"p95 {ms_text(p['last_second_p95_us'] / 1000)}",
    ]
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

        self._shape = Shape(plan)
        self._text = Text
        self._live = Live(Text("  starting…"), console=Console(stderr=True), refresh_per_second=4, transient=True)
        self._live.start()

    def __call__(self, p: dict[str, Any]) -> None:
        """Shows the latest numbers."""
        self._live.update(self._text("  " + line(p, self._shape)))

    def close(self) -> None:
        """Removes the line."""
        self._live.stop()


class Plain:
    """A plain line every few seconds, for logs."""

    def __init__(self, every_s: float = PLAIN_EVERY_S) -> None:
        self._every = every_s
        self._shape = Shape({})
        self._last = time.monotonic()

    def start(self, plan: dict[str, Any]) -> None:
        """Called once with the plan before the run starts."""
        self._shape = Shape(plan)
        self._last = time.monotonic()

    def __call__(self, p: dict[str, Any]) -> None:
        """Prints a line when it is time."""
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            sys.stderr.write(f"[horde] {line(p, self._shape)}\n")
            sys.stderr.flush()

    def close(self) -> None:
        """Nothing to clean up."""


class Notebook:
    """A live-updating output in Jupyter."""

    def start(self, plan: dict[str, Any]) -> None:
        """Called once with the plan before the run starts."""
        from IPython.display import HTML, display

        self._shape = Shape(plan)
        self._html = HTML
        self._handle = display(HTML("<code>horde: starting…</code>"), display_id=True)

    def __call__(self, p: dict[str, Any]) -> None:
        """Shows the latest numbers."""
        self._handle.update(self._html(f"<code>horde: {line(p, self._shape)}</code>"))

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
