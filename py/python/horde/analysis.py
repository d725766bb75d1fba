"""Answers read off a result's per-second data: how it failed, what a spike did, how long to recover.

They tell how a system failed under stress, what a spike did to it, and how long it took to be
healthy again. They work on any result whose offered load rose
and fell (a preset's, or stages of your own; a saved one too), because they read only what the
result keeps: the load offered each second (arrivals due in an open model, target VUs in a closed
one), and per second the requests finished, failed, timed out and their response-time p99.

Definitions (each a constant below, so a verdict can be checked by hand):

- **Windows.** The *base* load is the offered load of the first full second. The *disturbance*
  runs from the first second offered more than 1.5× base to the last one; *before* is every second
  up to it (the first excepted), *after* every second from its end.
- **Baseline.** Median per-second p99 and error ratio over *before*.
- **Healthy second.** p99 at most ``HEALTHY_P99`` × the baseline p99 (plus 1 ms, so a sub-millisecond
  baseline is not held to microseconds) and errors at most the baseline's plus 1 point.
- **Recovery time.** From the end of the disturbance to the first second of ``HEALTHY_RUN``
  healthy seconds in a row; "did not recover" when *after* holds no such run.
- **Capacity from a ramp.** Sliding windows of ``WINDOW`` seconds: a window *holds* when the
  sessions finished kept up with those offered (≥ 95 %: on a rising load sessions finish a latency
  after they arrive, so a little behind), its worst
  per-second p99 is within the bound and its errors under the limit. The estimate is the offered
  rate of the last window that held and of the first that did not. It is as coarse as the ramp's
  slope, and a ramp spends a second or two at each rate, so a queue that grows slowly passes:
  :func:`horde.breakpoint`, which holds each rate, is the answer to rely on.
- **Stress: how it failed.** Over the seconds of the highest offered load, *goodput* (successful
  requests per second) against the best goodput of the run: *graceful* when it held at ≥ 80 % of
  its peak and the excess was refused fast (timeouts under half of the failures) with the
  successful requests' p99 bounded (≤ ``BOUNDED_P99`` × baseline); *catastrophic* when goodput fell
  below 50 % of its peak or timeouts dominate the failures; *degraded* in between.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from horde.result import Result

__all__ = ["RampCapacity", "Recovery", "Spike", "Stress", "capacity", "recovery", "spike", "stress"]

RISE = 1.5  # offered load above this multiple of base is the disturbance
HEALTHY_P99 = 2.0  # a healthy second's p99, as a multiple of the baseline's
HEALTHY_RUN = 3  # healthy seconds in a row that end a recovery
GRACEFUL_GOODPUT = 0.8
CATASTROPHIC_GOODPUT = 0.5
BOUNDED_P99 = 10.0
WINDOW = 3  # seconds per window of a ramp's capacity estimate
RAMP_DELIVERED = 0.95  # a rising load's sessions finish a latency after they arrive: a little behind


@dataclass(frozen=True)
class Second:
    """One second of the whole run."""

    second: int
    offered: float
    finished: int
    requests: int
    failed: int
    timed_out: int
    p99_ms: float
    ok_p99_ms: float

    @property
    def goodput(self) -> int:
        """Successful requests."""
        return self.requests - self.failed

    @property
    def error_ratio(self) -> float:
        """Failed requests, as a share."""
        return self.failed / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Recovery:
    """How long the system took to be healthy again after the disturbance."""

    disturbance: tuple[int, int]  # first and last second of raised load
    baseline_p99_ms: float
    baseline_error_ratio: float
    recovered_at: int | None  # the second it was healthy again (None: not within the run)
    recovery_s: float | None  # from the end of the disturbance
    observed_s: float  # how long after the disturbance the run watched

    def text(self) -> str:
        """The recovery in a sentence."""
        if self.recovery_s is None:
            return (
                f"did not recover within the {self.observed_s:g} s observed after the load dropped "
                f"(baseline p99 {self.baseline_p99_ms:.2f} ms, errors {100 * self.baseline_error_ratio:.2f} %)"
            )
        return (
            f"recovered {self.recovery_s:g} s after the load dropped (p99 back within {HEALTHY_P99:g}× "
            f"the baseline {self.baseline_p99_ms:.2f} ms for {HEALTHY_RUN} s)"
        )


@dataclass(frozen=True)
class Stress:
    """How the system failed under the highest load."""

    verdict: str  # "graceful", "degraded", "catastrophic" or "held" (no failure at all)
    peak_goodput: float  # best successful requests per second of the run
    overload_goodput: float  # median successful requests per second at the highest load
    overload_offered: float
    overload_error_ratio: float
    timeout_share: float  # of the failures at the highest load
    ok_p99_ms: float  # the successful requests' worst per-second p99 at the highest load
    recovery: Recovery

    def text(self) -> str:
        """The verdict and its figures, for a terminal."""
        lines = [
            f"stress: {self.verdict} — at the highest load ({self.overload_offered:g}/s offered) goodput was "
            f"{self.overload_goodput:.0f}/s, {100 * self.overload_goodput / max(self.peak_goodput, 1e-9):.0f} % of "
            f"its peak {self.peak_goodput:.0f}/s; {100 * self.overload_error_ratio:.1f} % failed "
            f"({100 * self.timeout_share:.0f} % of them timeouts); successful requests' p99 up to "
            f"{self.ok_p99_ms:.1f} ms",
            f"  {self.recovery.text()}",
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class Spike:
    """What a sudden jump of load did."""

    requests: int
    failed: int
    timed_out: int
    worst_p99_ms: float
    dropped_iterations: int
    recovery: Recovery

    def text(self) -> str:
        """The spike's toll and the recovery, for a terminal."""
        return (
            f"spike: {self.failed} of {self.requests} requests failed during it ({self.timed_out} timed out), "
            f"worst per-second p99 {self.worst_p99_ms:.1f} ms, {self.dropped_iterations} iterations dropped\n"
            f"  {self.recovery.text()}"
        )


def seconds(result: Result) -> list[Second]:
    """The run second by second: load offered, and what the requests did."""
    data = result.to_dict()
    offered: dict[int, float] = {}
    finished: dict[int, int] = {}
    for p in result.scenario_series:
        value = p["scheduled"] if p["scheduled"] else p["target_vus"]
        offered[p["second"]] = offered.get(p["second"], 0.0) + value
        finished[p["second"]] = finished.get(p["second"], 0) + p.get("finished", 0)
    out = []
    for p in sorted(data.get("total_series", []), key=lambda p: p["second"]):
        ok = p.get("expected_time") or p["response_time"]
        out.append(
            Second(
                second=p["second"],
                offered=offered.get(p["second"], 0.0),
                finished=finished.get(p["second"], 0),
                requests=p["requests"],
                failed=p["failed"],
                timed_out=p.get("timed_out", 0),
                p99_ms=p["response_time"]["p99"] / 1000,
                ok_p99_ms=ok["p99"] / 1000,
            )
        )
    return out


def _disturbance(rows: list[Second]) -> tuple[int, int, float]:
    if len(rows) < 3:
        raise ValueError("the result is too short to analyse: it needs a few seconds before, during and after")
    base = rows[1].offered if rows[1].offered else rows[0].offered
    raised = [r.second for r in rows if r.offered > RISE * base]
    if base <= 0 or not raised:
        raise ValueError(
            "the offered load never rose above 1.5× its starting level: there is no disturbance to analyse "
            "(use a stress or spike shape: horde.presets)"
        )
    return raised[0], raised[-1], base


def recovery(result: Result) -> Recovery:
    """How long until the system was healthy again after the load dropped back (module docstring)."""
    rows = seconds(result)
    start, end, _ = _disturbance(rows)
    before = [r for r in rows if 0 < r.second < start and r.requests]
    if not before:
        raise ValueError("no seconds before the load rose: the run needs a baseline to recover to")
    p99 = statistics.median(r.p99_ms for r in before)
    errors = statistics.median(r.error_ratio for r in before)
    after = [r for r in rows if r.second > end]

    def healthy(r: Second) -> bool:
        return r.requests > 0 and r.p99_ms <= HEALTHY_P99 * p99 + 1.0 and r.error_ratio <= errors + 0.01

    recovered = None
    for i in range(len(after) - HEALTHY_RUN + 1):
        if all(healthy(r) for r in after[i : i + HEALTHY_RUN]):
            recovered = after[i].second
            break
    return Recovery(
        disturbance=(start, end),
        baseline_p99_ms=p99,
        baseline_error_ratio=errors,
        recovered_at=recovered,
        recovery_s=None if recovered is None else float(recovered - end - 1),
        observed_s=float(len(after)),
    )


def stress(result: Result) -> Stress:
    """How the system failed at the highest load, and whether it recovered (module docstring)."""
    rows = seconds(result)
    rec = recovery(result)
    top = max(r.offered for r in rows)
    over = [r for r in rows if r.offered >= 0.95 * top and r.requests]
    peak = max(r.goodput for r in rows)
    goodput = statistics.median(r.goodput for r in over)
    requests = sum(r.requests for r in over)
    failed = sum(r.failed for r in over)
    timed_out = sum(r.timed_out for r in over)
    timeout_share = timed_out / failed if failed else 0.0
    ok_p99 = max(r.ok_p99_ms for r in over)
    held = goodput >= GRACEFUL_GOODPUT * peak
    bounded = ok_p99 <= BOUNDED_P99 * max(rec.baseline_p99_ms, 1.0)
    if failed == 0 and held and bounded:
        verdict = "held"
    elif held and timeout_share < 0.5 and bounded:
        verdict = "graceful"
    elif goodput < CATASTROPHIC_GOODPUT * peak or timeout_share >= 0.5:
        verdict = "catastrophic"
    else:
        verdict = "degraded"
    return Stress(
        verdict=verdict,
        peak_goodput=float(peak),
        overload_goodput=float(goodput),
        overload_offered=top,
        overload_error_ratio=failed / requests if requests else 0.0,
        timeout_share=timeout_share,
        ok_p99_ms=ok_p99,
        recovery=rec,
    )


def spike(result: Result) -> Spike:
    """Errors, worst latency and drops during a spike, and the recovery after it (module docstring)."""
    rows = seconds(result)
    rec = recovery(result)
    start, end = rec.disturbance
    # The spike's own requests finish up to a timeout after it: count until the recovery, or to the end.
    last = rec.recovered_at if rec.recovered_at is not None else rows[-1].second
    during = [r for r in rows if start <= r.second < max(last, end + 1)]
    dropped = sum(p["dropped_iterations"] for p in result.scenario_series if start <= p["second"] <= end)
    return Spike(
        requests=sum(r.requests for r in during),
        failed=sum(r.failed for r in during),
        timed_out=sum(r.timed_out for r in during),
        worst_p99_ms=max((r.p99_ms for r in during), default=0.0),
        dropped_iterations=dropped,
        recovery=rec,
    )


@dataclass(frozen=True)
class RampCapacity:
    """The capacity a ramp suggests: between the last window that held and the first that broke."""

    rate: float | None  # offered per second in the last window that held
    broke_at: float | None  # offered per second in the first window that did not
    second: int | None  # where that window starts
    why: str  # what failed in it, or why there is no estimate

    def text(self) -> str:
        """The estimate in a sentence."""
        if self.rate is None:
            return f"capacity from the ramp: none — {self.why}"
        broke = f", broke at {self.broke_at:.4g}/s (second {self.second}: {self.why})" if self.broke_at else ""
        return (
            f"capacity from the ramp: held up to {self.rate:.4g}/s{broke} — a ramp's estimate, as coarse "
            "as its slope and blind to a queue that grows slowly; horde.breakpoint holds each rate and gives "
            "the answer to rely on"
        )


def capacity(result: Result, p99_ms: float = 500.0, max_error: float = 0.01) -> RampCapacity:
    """The capacity a rising load suggests: the last window that kept up within the bounds."""
    rows = [r for r in seconds(result) if r.second > 0]
    if not any(r.offered for r in rows):
        return RampCapacity(None, None, None, "the result has no offered load per second (an open-model run)")
    last_good: float | None = None
    for i in range(len(rows) - WINDOW + 1):
        w = rows[i : i + WINDOW]
        offered = sum(r.offered for r in w) / WINDOW
        finished = sum(r.finished for r in w) / WINDOW
        requests = sum(r.requests for r in w)
        errors = sum(r.failed for r in w) / requests if requests else 0.0
        worst = max(r.p99_ms for r in w)
        why = []
        if finished < RAMP_DELIVERED * offered - 1:
            why.append(f"finished {finished:.1f}/s of {offered:.4g}/s offered")
        if worst > p99_ms:
            why.append(f"p99 {worst:.1f} ms over {p99_ms:g} ms")
        if errors > max_error:
            why.append(f"{100 * errors:.1f} % failed")
        if why:
            if last_good is None:
                return RampCapacity(None, offered, w[0].second, "the first window already failed: " + "; ".join(why))
            return RampCapacity(last_good, offered, w[0].second, "; ".join(why))
        last_good = max(last_good or 0.0, offered)
    return RampCapacity(None, None, None, f"nothing broke up to {last_good or 0:.4g}/s: the capacity is higher")
