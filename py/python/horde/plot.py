"""Plots of results (matplotlib, imported when first used: ``pip install 'horde[plot]'``).

Every function draws on ``ax`` when given (so plots compose into your own figures) and returns
the figure.

Example:
    >>> import horde, horde.plot
    >>> r = horde.load("run.json")  # doctest: +SKIP
    >>> horde.plot.latency(r)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from horde._deps import optional

if TYPE_CHECKING:
    from horde.capacity import Capacity
    from horde.result import Result

__all__ = ["by_request", "capacity", "compare", "latency", "recovery", "spectrum", "throughput"]

_COLORS = ("#1b6ca8", "#e07a1f", "#2a9d55", "#c0392b", "#7b4ea3", "#6d6d6d")


def _axes(ax: Any, size: tuple[float, float] = (9.0, 4.0)) -> tuple[Any, Any]:
    plt = optional("matplotlib.pyplot", "horde.plot")
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _totals(result: Result) -> list[dict[str, Any]]:
    rows = result.to_dict().get("total_series") or []
    return sorted(rows, key=lambda p: p["second"])


def _per_second(result: Result, field: str) -> dict[int, int]:
    """``field`` of the scenario series summed over scenarios, by second."""
    sums: dict[int, int] = {}
    for p in result.scenario_series:
        sums[p["second"]] = sums.get(p["second"], 0) + p[field]
    return sums


def latency(
    result: Result,
    percentiles: Sequence[str] = ("p50", "p95", "p99", "max"),
    metric: str = "response_time",
    ax: Any = None,
) -> Any:
    """Latency percentiles per second (all requests), with active VUs on a second axis."""
    fig, ax = _axes(ax)
    rows = _totals(result)
    seconds = [p["second"] for p in rows]
    for i, pct in enumerate(percentiles):
        ax.plot(seconds, [p[metric][pct] / 1000 for p in rows], label=pct, color=_COLORS[i % len(_COLORS)])
    ax.set_xlabel("seconds")
    ax.set_ylabel(f"{metric.replace('_', ' ')} (ms)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    vus = _per_second(result, "vus")
    if any(vus.values()):
        twin = ax.twinx()
        twin.fill_between(seconds, [vus.get(s, 0) for s in seconds], step="post", alpha=0.12, color="#444")
        twin.set_ylabel("VUs in an iteration")
        twin.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    ax.set_title("Latency over time")
    return fig


def throughput(result: Result, ax: Any = None) -> Any:
    """Requests and failed requests per second, with the intended arrivals for open models."""
    fig, ax = _axes(ax)
    rows = _totals(result)
    seconds = [p["second"] for p in rows]
    ax.plot(seconds, [p["requests"] for p in rows], label="requests/s", color=_COLORS[0])
    ax.plot(seconds, [p["failed"] for p in rows], label="failed/s", color=_COLORS[3])
    scheduled = _per_second(result, "scheduled")
    if any(scheduled.values()):
        ax.plot(seconds, [scheduled.get(s, 0) for s in seconds], "--", label="sessions due/s", color=_COLORS[2])
    ax.set_xlabel("seconds")
    ax.set_ylabel("per second")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title("Throughput and errors")
    return fig


def spectrum(
    result: Result, metric: str = "http_req_duration", label: str | None = None, ax: Any = None, **tags: str
) -> Any:
    """The percentile spectrum on a log "nines" axis — the plot HdrHistogram users know."""
    fig, ax = _axes(ax)
    hist = result.histogram(metric, **tags)
    points = [(q, v) for q, v, _ in hist.quantiles(5) if q < 1.0]
    xs = [1.0 / (1.0 - q) for q, _ in points]
    ax.plot(xs, [v / 1000 for _, v in points], label=label or metric, drawstyle="steps-post")
    ax.set_xscale("log")
    ticks = [1, 2, 10, 100, 1000, 10_000, 100_000]
    ax.set_xticks([t for t in ticks if t <= max(xs, default=1) * 10])
    ax.set_xticklabels([_nines(t) for t in ticks if t <= max(xs, default=1) * 10])
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title("Latency by percentile")
    return fig


def _nines(one_in: float) -> str:
    return "0%" if one_in <= 1 else f"{100 - 100 / one_in:g}%"


def by_request(result: Result, ax: Any = None) -> Any:
    """p50 / p95 / p99 response time of each request name."""
    fig, ax = _axes(ax, (9.0, 0.6 + 0.45 * max(1, len(result.by_request))))
    rows = result.by_request
    labels = [f"{r.scenario} · {r.name}" for r in rows]
    height = 0.25
    for i, (pct, attr) in enumerate((("p50", "p50_ms"), ("p95", "p95_ms"), ("p99", "p99_ms"))):
        ax.barh(
            [y + i * height for y in range(len(rows))],
            [getattr(r.response_time, attr) for r in rows],
            height=height,
            label=pct,
            color=_COLORS[i],
        )
    ax.set_yticks([y + height for y in range(len(rows))])
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel("response time (ms)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Response time by request")
    return fig


def compare(results: Sequence[Result], labels: Sequence[str] | None = None, metric: str = "http_req_duration") -> Any:
    """Two or more results overlaid (before/after a change): spectra and p95 over time."""
    plt = optional("matplotlib.pyplot", "horde.plot.compare")
    labels = list(labels or [f"run {i + 1}" for i in range(len(results))])
    if len(labels) != len(results):
        raise ValueError(f"compare(): {len(results)} results but {len(labels)} labels")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    for r, label in zip(results, labels, strict=True):
        spectrum(r, metric, label=label, ax=left)
        rows = _totals(r)
        right.plot([p["second"] for p in rows], [p["response_time"]["p95"] / 1000 for p in rows], label=label)
    right.set_xlabel("seconds")
    right.set_ylabel("p95 response time (ms)")
    right.grid(True, alpha=0.3)
    right.legend(loc="upper left")
    right.set_title("p95 over time")
    return fig


def capacity(search: Capacity) -> Any:
    """A breakpoint search: delivered throughput and latency against the offered rate.

    Each trial is a point (a circle passed, a cross failed); the capacity and the knee are marked.
    """
    plt = optional("matplotlib.pyplot", "horde.plot.capacity")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    rows = search.curves()
    rates = [r["rate"] for r in rows]
    top = max(rates, default=1.0)
    left.plot([0, top], [0, top], ":", color=_COLORS[5], label="offered = delivered")
    for passed, marker in ((True, "o"), (False, "x")):
        pick = [r for r in rows if r["passed"] is passed]
        label = "passed" if passed else "failed"
        left.scatter(
            [r["rate"] for r in pick],
            [r["delivered_per_s"] for r in pick],
            marker=marker,
            label=label,
            color=_COLORS[0] if passed else _COLORS[3],
        )
        right.scatter(
            [r["rate"] for r in pick],
            [r["p99_ms"] for r in pick],
            marker=marker,
            color=_COLORS[3],
            label=f"p99 ({label})",
        )
        right.scatter(
            [r["rate"] for r in pick],
            [r["p50_ms"] for r in pick],
            marker=marker,
            color=_COLORS[0],
            label=f"p50 ({label})",
        )
    for ax in (left, right):
        if search.capacity is not None:
            ax.axvline(search.capacity, color=_COLORS[2], label=f"capacity {search.capacity:.4g}/s")
        if search.knee is not None:
            ax.axvline(search.knee, color=_COLORS[1], linestyle="--", label=f"knee {search.knee:.4g}/s")
        ax.set_xlabel("offered rate (per second)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    left.set_ylabel("delivered (per second)")
    left.set_title("Throughput against offered load")
    right.set_yscale("log")
    right.set_ylabel("latency (ms)")
    right.set_title("Latency against offered load")
    return fig


def recovery(result: Result, ax: Any = None) -> Any:
    """A stress or spike run second by second: load offered, successful requests, failures, p99.

    The raised load is shaded and the moment the target was healthy again marked.
    """
    from horde import analysis

    fig, ax = _axes(ax)
    rows = analysis.seconds(result)
    secs = [r.second for r in rows]
    ax.plot(secs, [r.offered for r in rows], "--", color=_COLORS[5], label="offered/s")
    ax.plot(secs, [r.goodput for r in rows], color=_COLORS[0], label="successful/s")
    ax.plot(secs, [r.failed for r in rows], color=_COLORS[3], label="failed/s")
    ax.set_xlabel("seconds")
    ax.set_ylabel("per second")
    ax.grid(True, alpha=0.3)
    twin = ax.twinx()
    answered = [r for r in rows if r.requests]
    twin.plot(
        [r.second for r in answered],
        [max(r.p99_ms, 1e-3) for r in answered],
        color=_COLORS[1],
        alpha=0.8,
        label="p99 (ms)",
    )
    twin.set_yscale("log")
    twin.set_ylabel("p99 (ms)")
    try:
        rec = analysis.recovery(result)
    except ValueError:
        rec = None
    if rec is not None:
        start, end = rec.disturbance
        ax.axvspan(start, end + 1, color=_COLORS[3], alpha=0.08, label="raised load")
        if rec.recovered_at is not None:
            ax.axvline(rec.recovered_at, color=_COLORS[2], label=f"healthy again (+{rec.recovery_s:g} s)")
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = twin.get_legend_handles_labels()
    ax.legend(lines + more, labels + more_labels, loc="upper left", fontsize="small")
    ax.set_title("Load, goodput and recovery")
    return fig
