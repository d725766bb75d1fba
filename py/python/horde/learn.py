"""``h.learn`` / ``horde model``: a workload model learned from production access logs.

The native engine reads the logs in one streaming pass (plain or gzip; nginx/Apache combined or
common, any nginx ``log_format`` pattern, JSON lines, AWS ALB) and returns its tables; this module
turns them into a :class:`Model`:

- **endpoints** — paths normalised into templates (numeric ids, UUIDs, hex hashes, and the
  user's ``rules``), with their share, status mix, median response size and response time;
  static assets and health checks are left out (and counted);
- **sessions** — rebuilt by a session id (``session="cookie:NAME"`` or ``"field:NAME"``) or else
  by client address + user agent, ended by ``session_timeout`` of inactivity;
- **behaviour** — a first-order Markov chain over endpoints: entry probabilities, transition and
  exit probabilities (the customer behaviour model graph), and think times as the empirical
  distribution of the pauses seen on each transition (pooled when a transition has fewer than
  ``min_observations``);
- **data** — the values each placeholder and query parameter took, with their counts, so
  feeders keep production's popularity skew;
- **arrivals** — sessions started per minute over the log's span.

:meth:`Model.test` runs it directly (an ``h.markov`` step the engine walks natively);
:meth:`Model.script` writes it as an editable horde script (see ``horde.model_script``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from horde._units import seconds
from horde.errors import LogError

__all__ = ["Model", "learn", "parse_compress", "parse_scale"]

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
        from horde.model_script import endpoint_table

        return endpoint_table(self, top)

    def summary(self) -> str:
        """What was read, what was left out, and what the sessions look like."""
        from horde.model_script import summary_text

        return summary_text(self)

    def markov(
        self, base_url: str | None = None, *, pace: float = 1.0, headers: Mapping[str, str] | None = None
    ) -> Any:
        """The model as an ``h.markov`` step: one request per endpoint, the learned chain and pauses."""
        from horde.model_script import markov_step

        return markov_step(self, pace=pace, headers=headers)

    def script(self, base_url: str = "http://127.0.0.1:8080", **kwargs: Any) -> str:
        """The model as a readable horde script (see :func:`horde.model_script.script`)."""
        from horde.model_script import script

        return script(self, base_url, **kwargs)

    def to_json(self) -> str:
        """The engine's tables this model was built from, as JSON (``Model.from_json`` reads them)."""
        return json.dumps({"tables": self.raw, "min_observations": self.min_observations})

    @classmethod
    def from_json(cls, text: str) -> Model:
        """A model saved with :meth:`to_json`."""
        d = json.loads(text)
        return _model(d["tables"], d.get("min_observations", 30))


def learn(
    *paths: str | os.PathLike[str],
    format: str = "auto",
    pattern: str | None = None,
    fields: Mapping[str, str] | None = None,
    session: str | None = None,
    session_timeout: float | str = "30m",
    rules: Sequence[str] = (),
    drop: Sequence[str] = (),
    keep_static: bool = False,
    keep_health: bool = False,
    min_observations: int = 30,
) -> Model:
    """Learns a workload model from access logs.

    Args:
        paths: log files, plain or gzip, read in the order given (oldest first).
        format: ``"auto"`` (from each file's first line), ``"combined"``, ``"common"``,
            ``"json"``, ``"alb"`` or ``"pattern"``.
        pattern: for ``format="pattern"``: the nginx ``log_format`` the log was written with.
        fields: for JSON lines: record field (``time``, ``addr``, ``agent``, ``method``,
            ``target``, ``request``, ``status``, ``bytes``, ``duration``, ``cookie``) → dotted
            JSON path, where the presets (nginx JSON, Caddy, Traefik, ECS) do not fit.
        session: what identifies a session: ``"cookie:NAME"`` (from a logged Cookie header) or
            ``"field:NAME"`` (a log field); default: client address + user agent.
        session_timeout: inactivity that ends a session (default 30 minutes).
        rules: ``"REGEX=REPLACEMENT"`` path rules applied before the automatic ones, e.g.
            ``"/v1/users/[^/]+=/v1/users/{user}"``.
        drop: regexes of paths to leave out (besides static assets and health checks).
        keep_static: keep static assets in the model.
        keep_health: keep health checks in the model.
        min_observations: a transition with fewer pauses than this uses the pooled think times.

    Raises:
        LogError: an unknown format (the message lists those horde reads and quotes the line),
            an empty log, no line that parses, a bad rule or option.
        OSError: a file cannot be read.
    """
    from horde import _native

    if not paths:
        raise LogError("learn() needs at least one log file")
    if isinstance(min_observations, bool) or not isinstance(min_observations, int) or min_observations < 1:
        raise LogError(f"min_observations must be an int ≥ 1, got {min_observations!r}")
    text = _native.learn(
        [os.fspath(p) for p in paths],
        format=format,
        pattern=pattern,
        fields=dict(fields or {}),
        session=session,
        session_timeout_s=seconds(session_timeout, "session_timeout"),
        rules=list(rules),
        drop=list(drop),
        keep_static=keep_static,
        keep_health=keep_health,
    )
    return _model(json.loads(text), min_observations)


def _model(t: dict[str, Any], min_observations: int) -> Model:
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
