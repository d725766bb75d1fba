"""The workload model ``h.learn`` returns, and the text that presents it.

Endpoints, the session behaviour (a first-order Markov chain with exit probabilities and the pauses
on each transition), the data production used, and the arrival profile; the endpoint table and the
summary.

``horde.learn`` builds it from the engine's tables; ``horde.model_script`` writes it as a script or
an ``h.markov`` step.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from horde._units import seconds

__all__ = ["THINK_POINTS", "Endpoint", "Model", "duration_text", "from_tables", "parse_compress", "parse_scale"]

#: Quantiles that stand for a think-time distribution in a script (20 equally likely values).
THINK_POINTS = 20


@dataclass(frozen=True)
class Endpoint:
    """An endpoint of the model: a method and a path template, and what the log said of it."""

    method: str
    template: str
    count: int
    share: float
    status: dict[str, int]
    bytes_median: int | None
    duration_s: tuple[float, float] | None
    query: tuple[tuple[str, int, int], ...]
    example: str

    @property
    def name(self) -> str:
        """``METHOD /template`` — the state's name and the request's name in results."""
        return f"{self.method} {self.template}"


@dataclass
class Model:
    """A workload learned from access logs (see the module docstring for what each part is)."""

    endpoints: list[Endpoint]
    entry: dict[str, float]
    transitions: dict[str, dict[str, float]]
    exits: dict[str, float]
    counts: dict[tuple[str, str], int]
    think_s: dict[tuple[str, str], list[float]]
    pooled_think_s: list[float]
    sessions: int
    session_by: str
    session_timeout_s: float
    per_minute: list[tuple[int, int]]
    requests_per_session: tuple[float, float, float, float]
    session_duration_s: tuple[float, float, float, float]
    feeders: dict[str, dict[str, Any]]
    dropped: dict[str, int]
    lines: int
    malformed: int
    malformed_examples: list[dict[str, Any]]
    files: list[dict[str, Any]]
    span_s: tuple[float, float]
    min_observations: int = 30
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    # ── reading ────────────────────────────────────────────────────────────────────────────

    @property
    def requests(self) -> int:
        """Requests in the model (static assets and health checks excluded)."""
        return sum(e.count for e in self.endpoints)

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name`` (``"GET /products/{product_id}"``)."""
        for e in self.endpoints:
            if e.name == name:
                return e
        raise KeyError(f"no endpoint {name!r}; endpoints: {', '.join(e.name for e in self.endpoints)}")

    def think_samples(self, a: str, b: str) -> list[float]:
        """Pauses before ``b`` after ``a``: this transition's own when it has enough, else pooled."""
        own = self.think_s.get((a, b), [])
        return own if len(own) >= self.min_observations else self.pooled_think_s

    @property
    def think_median_s(self) -> float:
        """Median pause between two requests of a session, seconds."""
        return _median(self.pooled_think_s)

    def arrival_stages(
        self,
        *,
        window: float | str = "15m",
        compress: tuple[float, float] | None = None,
        scale: float = 1.0,
        peak: float | str | None = None,
    ) -> list[tuple[float, float]]:
        """Sessions per minute over the log as ``(stage seconds, sessions per minute)`` stages.

        The log's span is cut into ``window``-long windows, each window's average rate a stage
        target (ramping linearly between them, so the first stage ramps from the first window's
        rate). ``peak`` keeps only the busiest stretch of that length; ``compress=(from, to)``
        shortens time by ``from/to`` (rates stay production's: the day's shape at its real
        intensity, in less time); ``scale`` multiplies every rate ("2x production").
        """
        width = seconds(window, "window")
        if width < 60:
            raise ValueError(f"window must be at least 1m, got {window!r}")
        if not self.per_minute:
            return []
        first = self.per_minute[0][0]
        last = self.per_minute[-1][0]
        per_min = [0] * (last - first + 1)
        for minute, n in self.per_minute:
            per_min[minute - first] += n
        if peak is not None:
            length = max(1, round(seconds(peak, "peak") / 60))
            if length < len(per_min):
                sums = [sum(per_min[:length])]
                for i in range(length, len(per_min)):
                    sums.append(sums[-1] + per_min[i] - per_min[i - length])
                start = max(range(len(sums)), key=sums.__getitem__)
                per_min = per_min[start : start + length]
        step = max(1, round(width / 60))
        rates = [sum(per_min[i : i + step]) / len(per_min[i : i + step]) for i in range(0, len(per_min), step)]
        factor = compress[1] / compress[0] if compress else 1.0
        lengths = [len(per_min[i : i + step]) * 60 * factor for i in range(0, len(per_min), step)]
        return [(round(d, 3), round(r * scale, 3)) for d, r in zip(lengths, rates, strict=True)]

    # ── presenting ─────────────────────────────────────────────────────────────────────────

    def table(self, top: int = 20) -> str:
        """The endpoint mix: count, share, status mix, median size and response time."""
        return endpoint_table(self, top)

    def summary(self) -> str:
        """What was read, what was left out, and what the sessions look like."""
        return summary_text(self)

    def to_json(self) -> str:
        """The engine's tables this model was built from, as JSON (``Model.from_json`` reads them)."""
        return json.dumps({"tables": self.raw, "min_observations": self.min_observations})

    @classmethod
    def from_json(cls, text: str) -> Model:
        """A model saved with :meth:`to_json`."""
        d = json.loads(text)
        return from_tables(d["tables"], d.get("min_observations", 30))


def from_tables(t: dict[str, Any], min_observations: int = 30) -> Model:
    """The model in the engine's tables (what ``_native.learn`` returns)."""
    total = sum(e["count"] for e in t["endpoints"]) or 1
    endpoints = [
        Endpoint(
            method=e["method"],
            template=e["template"],
            count=e["count"],
            share=e["count"] / total,
            status={f"{i + 1}xx": n for i, n in enumerate(e["status"]) if n},
            bytes_median=e["bytes_median"],
            duration_s=tuple(e["duration_s"]) if e["duration_s"] else None,
            query=tuple((q["name"], q["count"], q["distinct"]) for q in e["query"]),
            example=e["example"],
        )
        for e in t["endpoints"]
    ]
    names = [e.name for e in endpoints]
    s = t["sessions"]
    count = s["count"] or 1
    entry = {names[i]: n / count for i, n in enumerate(s["entry"]) if n}
    out: dict[int, int] = {}
    for tr in s["transitions"]:
        out[tr["from"]] = out.get(tr["from"], 0) + tr["count"]
    leaving = {i: out.get(i, 0) + n for i, n in enumerate(s["exit"])}
    transitions: dict[str, dict[str, float]] = {}
    counts: dict[tuple[str, str], int] = {}
    think: dict[tuple[str, str], list[float]] = {}
    for tr in s["transitions"]:
        a, b = names[tr["from"]], names[tr["to"]]
        transitions.setdefault(a, {})[b] = tr["count"] / leaving[tr["from"]]
        counts[(a, b)] = tr["count"]
        think[(a, b)] = tr["think_s"]
    exits = {names[i]: n / leaving[i] for i, n in enumerate(s["exit"]) if leaving[i]}
    return Model(
        endpoints=endpoints,
        entry=entry,
        transitions=transitions,
        exits=exits,
        counts=counts,
        think_s=think,
        pooled_think_s=s["think_s"],
        sessions=s["count"],
        session_by=s["by"],
        session_timeout_s=s["timeout_s"],
        per_minute=[(m, n) for m, n in s["per_minute"]],
        requests_per_session=tuple(s["requests"]),
        session_duration_s=tuple(s["duration_s"]),
        feeders={f["name"]: f for f in t["feeders"]},
        dropped=dict(t["dropped"]),
        lines=t["lines"],
        malformed=t["malformed"],
        malformed_examples=t["malformed_examples"],
        files=t["files"],
        span_s=(t["span_s"][0], t["span_s"][1]),
        min_observations=min_observations,
        raw=t,
    )


def _median(values: Sequence[float]) -> float:
    if not values:
        return math.nan
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def parse_compress(text: str) -> tuple[float, float]:
    """``"24h=10m"`` → (86400, 600): that much of the log's time plays in this much test time."""
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*([^=]+?)\s*", text)
    if not m:
        raise ValueError(f"compress must look like 24h=10m (log time=test time), got {text!r}")
    a, b = seconds(m.group(1), "compress"), seconds(m.group(2), "compress")
    if a <= 0 or b <= 0:
        raise ValueError(f"compress needs two durations > 0, got {text!r}")
    return a, b


def parse_scale(text: str | float) -> float:
    """``"2x"``, ``"50%"`` or ``1.5`` → a factor > 0 on every arrival rate."""
    s = str(text).strip().lower()
    try:
        factor = float(s[:-1]) / 100 if s.endswith("%") else float(s.rstrip("x"))
    except ValueError:
        raise ValueError(f"scale must look like 2x, 50% or 1.5, got {text!r}") from None
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"scale must be > 0, got {text!r}")
    return factor


def endpoint_table(model: Model, top: int = 20) -> str:
    """The endpoint mix, most requested first: count, share, status mix, size and time medians."""
    rows = [("endpoint", "requests", "share", "status", "size p50", "time p50", "time p95")]
    for e in model.endpoints[:top]:
        status = " ".join(f"{k}:{100 * n / e.count:.0f}%" for k, n in e.status.items())
        size = _bytes(e.bytes_median) if e.bytes_median is not None else "–"
        t50, t95 = (f"{1e3 * e.duration_s[0]:.1f}ms", f"{1e3 * e.duration_s[1]:.1f}ms") if e.duration_s else ("–", "–")
        rows.append((e.name, f"{e.count:,}", f"{100 * e.share:.2f}%", status, size, t50, t95))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    rest = len(model.endpoints) - top
    if rest > 0:
        n = sum(e.count for e in model.endpoints[top:])
        lines.append(f"… {rest} more endpoints: {n:,} requests ({100 * n / max(model.requests, 1):.2f}%)")
    return "\n".join(lines)


def summary_text(model: Model) -> str:
    """What was read and left out, the sessions, and the malformed lines' first examples."""
    span = model.span_s[1] - model.span_s[0]
    first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(model.span_s[0]))
    last = time.strftime("%Y-%m-%d %H:%M", time.gmtime(model.span_s[1]))
    out = [
        f"read {model.lines:,} lines from {len(model.files)} file(s) "
        f"({', '.join(f['format'] for f in model.files)}), {first} – {last} UTC ({duration_text(span)})",
        f"model: {model.requests:,} requests, {len(model.endpoints)} endpoints",
    ]
    left = ", ".join(f"{n:,} {k}" for k, n in model.dropped.items())
    if left:
        total = sum(model.dropped.values())
        out.append(
            f"left out: {left} ({100 * total / max(model.lines, 1):.1f}% of lines; "
            "keep_static/keep_health to keep them)"
        )
    r, d = model.requests_per_session, model.session_duration_s
    out.append(
        f"sessions: {model.sessions:,} (by {model.session_by}, "
        f"{duration_text(model.session_timeout_s)} inactivity ends one); "
        f"requests per session mean {r[0]:.1f}, median {r[1]:.0f}, p90 {r[2]:.0f}; "
        f"duration median {duration_text(d[1])}, p90 {duration_text(d[2])}; "
        f"think time median {model.think_median_s:.1f}s"
    )
    if model.per_minute:
        peak = max(n for _, n in model.per_minute)
        out.append(f"arrivals: {model.sessions / max(span / 60, 1):.1f} sessions/min on average, busiest minute {peak}")
    if model.malformed:
        out.append(f"malformed: {model.malformed:,} lines (not fatal); first ones:")
        out.extend(f"  {m['file']}:{m['line']}: {m['text']}" for m in model.malformed_examples)
    return "\n".join(out)


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def duration_text(s: float) -> str:
    """``90`` → ``1.5min``: a duration as the summary writes it."""
    if s >= 3600:
        return f"{s / 3600:.1f}h"
    if s >= 60:
        return f"{s / 60:.1f}min"
    return f"{s:.1f}s"
