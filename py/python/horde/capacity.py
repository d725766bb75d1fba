"""Breakpoint search: the maximum sustainable throughput of a journey (or one URL) under an SLO.

A *trial* holds a constant arrival rate λ for a while (an ordinary open-model run of the engine:
no Python on its hot path). λ **passes** when, over its steady seconds (all but the first and the
last):

1. it was fully delivered — requests completed at ≥ 99 % of λ per second, give or take the one
   request that second boundaries round away (a server that queues or drops the excess shows here
   first);
2. the SLO held — the SLO is a set of ordinary thresholds (``p(99)<500`` on ``http_req_duration``,
   ``rate<0.01`` on ``http_req_failed`` by default), judged by the engine, with timed-out requests
   as lower bounds; they abort the trial as soon as they fail, so a clearly overloaded trial ends
   early;
3. latency showed no upward trend — a one-sided Mann–Kendall test (α = 0.01) on the per-second
   p99, and a rise of at least 25 % from the first third of the steady seconds to the last (a
   queue that grows slowly passes a short SLO check but not this);
4. the test and the generator kept up — no dropped iterations, no waits for VUs, and the engine's
   verdict says the target limited the run. A rate the generator could not deliver twice in a row
   (once may be a shared host's late timer) ends the search: horde then reports that, never a
   capacity.

The search (after vegeta's breaker and RFC 9971's MLRsearch): *bracket* with short trials from
the lowest rate, doubling until one fails; then *refine* by bisecting (geometric mean) between the
highest full-hold pass and the lowest failure, each trial held for ``hold``, until the bracket is
narrower than ``precision``. A rate passes only after a full hold. The capacity is the highest rate
that passed; the bracket [pass, fail] says how close it is.

How long to hold: above capacity by a share δ, a queue grows at δ·C requests per second, so
latency climbs by δ per second held and the delivery check (1) misses by δ at once. Check (1)
sees δ ≥ 1 % in any hold with a hundred or more completions per second; the default 8 s hold gives
the trend test (3) eight points (six steady ones), the fewest at which it can reach α = 0.01.

The **knee** is where latency starts to climb: the lowest rate tried whose median is at least
twice the median at the lowest rate (the unloaded baseline).

Everything reported is a function of the trials kept in the result, so a saved search loads back
to the same verdict (:func:`judge`).
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from horde._units import seconds
from horde.executors import constant_arrival_rate
from horde.result import Latency, Result
from horde.steps import Journey, Request, get, journey
from horde.test import Test

__all__ = ["Capacity", "Trial", "breakpoint", "judge", "load_capacity"]

CAPACITY_VERSION = 1
DEFAULT_SLO = {"http_req_duration": "p(99)<500", "http_req_failed": "rate<0.01"}
DELIVERED = 0.99  # completions per second over the steady seconds, as a share of the rate
TREND_RISE = 1.25  # last third's median p99 over the first third's, for a trend to count
TREND_Z = 2.326  # one-sided α = 0.01
KNEE_FACTOR = 2.0  # median latency over the unloaded median


@dataclass(frozen=True)
class Trial:
    """One held rate and what it showed."""

    rate: float
    hold_s: float
    phase: str  # "bracket" or "refine"
    outcome: str  # "pass", "fail", "generator" (horde could not deliver) or "test" (VU cap too low)
    reasons: tuple[str, ...]
    delivered_per_s: float  # sessions (requests, for a URL) that finished per steady second
    goodput_per_s: float  # successful requests per steady second
    error_ratio: float
    p50_ms: float  # of the request the SLO names, else of every request
    p99_ms: float
    p99_lower_bound: bool
    result: Result = field(repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """The rate was sustained: delivered, within the SLO, steady, and honestly generated."""
        return self.outcome == "pass"


@dataclass(frozen=True)
class Verdict:
    """The answer of a search."""

    capacity: float | None  # req/s (journeys/s for a journey); None when there is no honest answer
    bracket: tuple[float, float] | None  # highest pass, lowest failure above it
    why_none: str | None
    knee: float | None
    baseline_p50_ms: float | None
    at_capacity: Trial | None


def _steady_seconds(hold_s: float) -> range:
    """A trial's steady seconds: all but the first and the last."""
    return range(1, max(2, math.ceil(hold_s - 1e-9) - 1))


def _focus_name(conditions: Mapping[str, Sequence[str]]) -> str | None:
    """The request an SLO's latency condition names (``http_req_duration{name:checkout}``), if any."""
    for metric in conditions:
        m = re.fullmatch(r"http_req_duration\{(.*)\}", metric.replace(" ", ""))
        if m:
            tags = dict(t.split(":", 1) for t in m.group(1).split(",") if ":" in t)
            if "name" in tags:
                return tags["name"]
    return None


def _latency(result: Result, focus: str | None) -> tuple[Latency, dict[int, float]]:
    """The latency the question is about, and its p99 per second (ms).

    That of the request the SLO names, else of every request.
    """
    rows = result.to_dict()
    per_second: dict[int, float] = {}
    if focus is None:
        for p in rows.get("total_series", []):
            per_second[p["second"]] = p["response_time"]["p99"] / 1000
        return result.response_time, per_second
    keys = {i for i, r in enumerate(rows["requests"]) if r["name"] == focus}
    stats = [r for r in result.by_request if r.name == focus]
    for p in rows["series"]:
        if p["key"] in keys:
            per_second[p["second"]] = max(per_second.get(p["second"], 0.0), p["response_time"]["p99"] / 1000)
    return (stats[0].response_time if stats else result.response_time), per_second


def _mann_kendall_rising(values: Sequence[float]) -> bool:
    """One-sided Mann–Kendall test for an upward trend at α = 0.01."""
    n = len(values)
    if n < 4:
        return False
    s = sum((values[j] > values[i]) - (values[j] < values[i]) for i in range(n) for j in range(i + 1, n))
    var = n * (n - 1) * (2 * n + 5) / 18
    z = (s - 1) / math.sqrt(var) if s > 0 else 0.0
    return z > TREND_Z


def _trial(rate: float, hold_s: float, phase: str, result: Result, question: Mapping[str, Any]) -> Trial:
    """Judges one trial's result (pure: a loaded result is judged the same).

    The generator is what limited a trial when the engine says so *and* it mattered to this
    question: its workers were busy (≥ 90 %), or requests left later than the lag budget (a tenth
    of the SLO's tightest latency bound) at p99. An idle worker woken a millisecond late by a
    shared host distorts a 5 ms response time, not a "p(99)<500" verdict.
    """
    steady = _steady_seconds(hold_s)
    n = len(steady)
    finished: dict[int, int] = {}
    for p in result.scenario_series:
        finished[p["second"]] = finished.get(p["second"], 0) + p.get("finished", 0)
    delivered = sum(finished.get(s, 0) for s in steady) / n
    good_rows = {p["second"]: p["requests"] - p["failed"] for p in result.to_dict().get("total_series", [])}
    good = sum(good_rows.get(s, 0) for s in steady) / n
    latency, p99_per_second = _latency(result, question.get("focus"))
    reasons: list[str] = []
    dropped = sum(s.get("dropped_iterations", 0) for s in result.scenarios)
    busy = float(result.generator.get("busy_ratio", 0.0))
    lag_budget_ms = float(question["lag_budget_ms"])
    generator_bound = result.limited_by == "generator" and (busy >= 0.9 or result.send_lag.p99_ms > lag_budget_ms)
    if generator_bound:
        outcome = "generator"
        reasons.append(f"the generator could not deliver {rate:g}/s: {'; '.join(result.warnings) or 'saturated'}")
    elif result.limited_by == "test" or dropped:
        outcome = "test"
        reasons.append(f"{dropped} iterations dropped or waited for a VU: raise max_vus")
    else:
        if result.stopped_early:
            reasons.append(f"stopped early: {result.stopped_early}")
        # One session either way is the second boundaries' rounding, not a shortfall.
        if delivered * n < DELIVERED * rate * n - 1:
            reasons.append(f"delivered {delivered:.1f}/s of {rate:g}/s offered")
        failed = [f"{t['metric']} {t['expression']}" for t in result.thresholds if not t["ok"]]
        if failed:
            reasons.append("SLO failed: " + ", ".join(failed))
        p99s = [p99_per_second.get(s, 0.0) for s in steady]
        third = max(1, len(p99s) // 3)
        first, last = sorted(p99s[:third]), sorted(p99s[-third:])
        if (
            len(p99s) >= 4
            and _mann_kendall_rising(p99s)
            and last[len(last) // 2] > TREND_RISE * max(first[len(first) // 2], 1e-3)
        ):
            reasons.append(
                f"latency rising through the hold (p99 {first[len(first) // 2]:.1f} → {last[len(last) // 2]:.1f} ms)"
            )
        outcome = "fail" if reasons else "pass"
    total = result.total
    return Trial(
        rate=rate,
        hold_s=hold_s,
        phase=phase,
        outcome=outcome,
        reasons=tuple(reasons),
        delivered_per_s=delivered,
        goodput_per_s=good,
        error_ratio=total.failed / total.requests if total.requests else 0.0,
        p50_ms=latency.p50_ms,
        p99_ms=latency.p99_ms,
        p99_lower_bound="p99_ms" in latency.lower_bounds,
        result=result,
    )


def judge(trials: Sequence[Trial], hold_s: float) -> Verdict:
    """The verdict of a search from its trials (what a loaded search recomputes)."""
    # The search stops after a rate the generator (or the test's caps) could not deliver twice.
    stopper = trials[-1] if trials and trials[-1].outcome in ("generator", "test") else None
    trials = [t for t in trials if t.phase != "recovery"]
    ordered = sorted(trials, key=lambda t: t.rate)
    baseline = ordered[0].p50_ms if ordered else None
    knee = None
    if baseline is not None:
        knee = next((t.rate for t in ordered if t.p50_ms >= KNEE_FACTOR * max(baseline, 1e-3)), None)
    if stopper is not None:
        why = (
            f"no capacity: at {stopper.rate:g}/s {stopper.reasons[0]}"
            if stopper.outcome == "generator"
            else f"no capacity: the test itself limited the run at {stopper.rate:g}/s ({stopper.reasons[0]})"
        )
        return Verdict(None, None, why, knee, baseline, None)
    held = [t for t in trials if t.passed and t.hold_s >= hold_s]
    if not held:
        low = ordered[0].rate if ordered else 0.0
        return Verdict(None, None, f"no rate passed: the capacity is below {low:g}/s", knee, baseline, None)
    best = max(held, key=lambda t: t.rate)
    above = [t.rate for t in trials if t.outcome == "fail" and t.rate > best.rate]
    bracket = (best.rate, min(above)) if above else None
    open_ended = None if above else f"every rate passed up to {best.rate:g}/s: the capacity is at least that"
    return Verdict(best.rate if above else None, bracket, open_ended, knee, baseline, best)


class Capacity:
    """A breakpoint search: its trials and verdict (``horde.load`` reads a saved one back)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.trials = [_trial(t["rate"], t["hold_s"], t["phase"], Result(t["result"]), data) for t in data["trials"]]
        self.verdict = judge(self.trials, data["hold_s"])

    @property
    def capacity(self) -> float | None:
        """The maximum sustainable rate (per second), or None with :attr:`why_none` saying why."""
        return self.verdict.capacity

    @property
    def bracket(self) -> tuple[float, float] | None:
        """The highest rate that passed and the lowest above it that failed."""
        return self.verdict.bracket

    @property
    def knee(self) -> float | None:
        """The lowest rate tried at which the median latency had doubled from the unloaded one."""
        return self.verdict.knee

    @property
    def why_none(self) -> str | None:
        """Why there is no capacity figure (generator or test limited, out of range)."""
        return self.verdict.why_none

    @property
    def slo(self) -> dict[str, list[str]]:
        """The conditions each trial had to meet, by metric."""
        return dict(self._data["slo"])

    @property
    def elapsed_s(self) -> float:
        """How long the search took, seconds."""
        return float(self._data["elapsed_s"])

    def curves(self) -> list[dict[str, float]]:
        """Throughput and latency against offered load: one row per trial, by rate."""
        return [
            {
                "rate": t.rate,
                "delivered_per_s": t.delivered_per_s,
                "goodput_per_s": t.goodput_per_s,
                "p50_ms": t.p50_ms,
                "p99_ms": t.p99_ms,
                "error_ratio": t.error_ratio,
                "passed": t.passed,
            }
            for t in sorted(self.trials, key=lambda t: t.rate)
        ]

    def summary(self) -> str:
        """The verdict and the trials, for a terminal."""
        v = self.verdict
        slo = ", ".join(f"{m} {e}" for m, es in self.slo.items() for e in es)
        unit = self._data.get("unit", "req/s")
        if v.capacity is not None and v.bracket is not None:
            lo, hi = v.bracket
            head = (
                f"capacity {v.capacity:.4g} {unit} — the next rate tried, {hi:.4g}, failed "
                f"(bracket {100 * (hi - lo) / lo:.1f} % wide)"
            )
        else:
            head = v.why_none or "no verdict"
        lines = [f"horde — breakpoint of {self._data['target']} — SLO {slo}", "", f"  {head}"]
        if self._data.get("interrupted"):
            lines.append("  ! interrupted (Ctrl-C): the verdict is judged from the trials finished before")
        if self._data.get("not_recovered"):
            lines.append(
                f"  ! the target did not recover within {self._data['recovery_s']:g}s after an overload: "
                "the search stopped there"
            )
        if v.at_capacity is not None:
            t = v.at_capacity
            lines.append(
                f"  at capacity: {t.goodput_per_s:.1f} successful requests/s, p50 {t.p50_ms:.2f} ms, "
                f"p99 {'≥' if t.p99_lower_bound else ''}{t.p99_ms:.2f} ms, errors {100 * t.error_ratio:.2f} %"
            )
        if v.knee is not None and v.baseline_p50_ms is not None:
            lines.append(
                f"  knee: latency starts to climb by {v.knee:.4g} {unit} "
                f"(median ≥ {KNEE_FACTOR:g}× the unloaded {v.baseline_p50_ms:.2f} ms)"
            )
        lines += ["", f"  {len(self.trials)} trials in {self.elapsed_s:.0f} s:"]
        focus = self._data.get("focus")
        lines.append(
            f"        rate   hold  phase    delivered/s   ok req/s     p50 ms     p99 ms  errors  verdict"
            f"{f'   (latency of {focus!r})' if focus else ''}"
        )
        for t in self.trials:
            why = f" — {'; '.join(t.reasons)}" if t.reasons else ""
            lines.append(
                f"  {t.rate:>10.4g} {t.hold_s:>5.0f}s  {t.phase:<8} {t.delivered_per_s:>11.1f} {t.goodput_per_s:>10.1f}"
                f" {t.p50_ms:>10.2f} {('≥' if t.p99_lower_bound else '') + f'{t.p99_ms:.2f}':>10}"
                f" {100 * t.error_ratio:>6.2f}%  {t.outcome}{why}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The saved document: the search's settings and every trial's full result."""
        return self._data

    def save(self, path: str | PathLike[str]) -> None:
        """Writes the search (every trial's full result) as JSON; ``horde.load`` reads it back."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self._data, f)

    def __repr__(self) -> str:
        v = self.verdict
        return f"<horde.Capacity {v.capacity if v.capacity is not None else v.why_none}, {len(self.trials)} trials>"


def _slo(slo: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    if not isinstance(slo, Mapping) or not slo:
        raise TypeError(f"slo must be a dict of metric → condition, e.g. {DEFAULT_SLO!r}; got {slo!r}")
    out = {}
    for metric, cond in slo.items():
        conds = [cond] if isinstance(cond, str) else list(cond)
        if not conds or not all(isinstance(c, str) for c in conds):
            raise TypeError(f"slo[{metric!r}] must be a condition such as 'p(99)<500', got {cond!r}")
        out[metric] = conds
    return out


def breakpoint(
    target: Journey | str,
    *,
    slo: Mapping[str, str | Sequence[str]] | None = None,
    rates: tuple[float, float] = (10.0, 10_000.0),
    precision: float = 0.02,
    hold: float | str = "8s",
    step: float | str = "4s",
    max_vus: int | None = None,
    timeout: float | str | None = None,
    recovery: float | str = "60s",
    base_url: str | None = None,
    progress: Callable[[str], None] | str | None = "auto",
    **test_options: Any,
) -> Capacity:
    """Finds the highest arrival rate at which ``target`` meets ``slo`` (module docstring: how).

    Args:
        target: a journey (the rate is then sessions per second) or a URL (one GET per arrival).
        slo: thresholds each trial must meet, ``{metric: condition}`` (default: p99 < 500 ms and
            under 1 % failed).
        rates: the lowest and highest rates to try, per second.
        precision: stop when the bracket [pass, fail] is narrower than this share of the pass.
        hold: how long each refining trial holds its rate (see the module docstring).
        step: how long each bracketing trial holds its rate.
        max_vus: VUs a trial may use (default: enough for every session to take its timeout).
        timeout: per-request timeout (default: 3× the SLO's largest latency bound, at least 2 s).
        recovery: after an overloaded trial, how long to wait (probing at the lowest rate) for the
            target to be healthy again before the next trial; the search stops if it is not.
        base_url: prefix for the journey's relative URLs.
        progress: ``"auto"`` prints a line per trial on stderr; a callable gets them; None is quiet.
        test_options: passed to each trial's :class:`horde.Test` (``workers``, ``tls``, ...).

    Raises:
        ValueError: a rate range, precision or duration that cannot work (before any load).
        PlanError: an SLO that does not parse, or a journey the engine rejects (before any load).
    """
    conditions = _slo(slo if slo is not None else DEFAULT_SLO)
    lo, hi = _rates(rates)
    if not isinstance(precision, (int, float)) or isinstance(precision, bool) or not 0 < precision < 1:
        raise ValueError(f"precision must be a share between 0 and 1 (e.g. 0.02 for 2 %), got {precision!r}")
    hold_s, step_s = seconds(hold, "hold"), seconds(step, "step")
    recovery_s = seconds(recovery, "recovery")
    for name, value in (("hold", hold_s), ("step", step_s)):
        if value < 3:
            raise ValueError(f"{name} must be at least 3s (a trial judges its steady seconds), got {value:g}s")
    if isinstance(target, str):
        unit = "req/s"
        desc = f"GET {target}"
        target = journey("breakpoint", get(target, name="request"))
    elif isinstance(target, Journey):
        unit = "sessions/s"
        desc = f"journey {target.name!r}"
    else:
        raise TypeError(f"target must be a journey or a URL, got {target!r}")
    bound_ms = _latency_bound_ms(conditions)
    timeout_s = seconds(timeout, "timeout") if timeout is not None else max(2.0, 3 * (bound_ms or 0) / 1000)
    lag_budget_ms = max(1.0, (bound_ms or 10.0) / 10)
    say = _say(progress)
    requests = max(1, sum(1 for s in target.steps if isinstance(s, Request)))

    def trial_test(rate: float, length: float) -> Test:
        vus = max_vus if max_vus is not None else min(50_000, math.ceil(rate * timeout_s * requests) + 16)
        return Test(
            base_url=base_url,
            scenarios={
                "trial": constant_arrival_rate(
                    target,
                    rate=rate,
                    duration=length,
                    pre_allocated_vus=min(vus, 64),
                    max_vus=vus,
                    graceful_stop=timeout_s,
                )
            },
            thresholds={
                m: [{"threshold": c, "abort_on_fail": True, "delay_abort_eval": "2s"} for c in cs]
                for m, cs in conditions.items()
            },
            timeout=timeout_s,
            name=f"breakpoint trial {rate:g}/s",
            **test_options,
        )

    # Bad SLOs and journeys fail here, before any load.
    trial_test(lo, step_s).validate()

    started = time.monotonic()
    data: dict[str, Any] = {
        "horde_capacity_version": CAPACITY_VERSION,
        "kind": "capacity",
        "target": desc,
        "unit": unit,
        "slo": conditions,
        "rates": [lo, hi],
        "precision": precision,
        "hold_s": hold_s,
        "step_s": step_s,
        "recovery_s": recovery_s,
        "lag_budget_ms": lag_budget_ms,
        "focus": _focus_name(conditions),
        "trials": [],
        "elapsed_s": 0.0,
    }
    trials: list[Trial] = []

    def attempt(rate: float, phase: str, length: float) -> Trial:
        result = trial_test(rate, length).run(progress=None)
        if result.stopped_early and "on request" in result.stopped_early:
            # Ctrl-C: the user stops the search, not just this trial (which is not judged).
            raise KeyboardInterrupt
        data["trials"].append({"rate": rate, "hold_s": length, "phase": phase, "result": result.to_dict()})
        t = _trial(rate, length, phase, result, data)
        trials.append(t)
        say(
            f"{phase:<8} {rate:>10.4g}/s  delivered {t.delivered_per_s:.1f}/s  p99 {t.p99_ms:.2f} ms  "
            f"→ {t.outcome}{' — ' + '; '.join(t.reasons) if t.reasons else ''}"
        )
        return t

    def run(rate: float, phase: str) -> Trial:
        length = hold_s if phase == "refine" else step_s
        t = attempt(rate, phase, length)
        if t.outcome in ("generator", "test"):
            # Once may be the host (a shared VM's late timer); twice in a row ends the search.
            t = attempt(rate, phase, length)
        if t.outcome == "fail":
            recover()
        return t

    def recover() -> None:
        """Waits for the target to drain the backlog an overloaded trial left.

        Probes at the lowest rate until one passes with the median back within twice the unloaded
        one, so that the next trial measures the target and not the last one's leftovers.
        """
        baseline = next((t.p50_ms for t in trials if t.phase != "recovery" and t.rate == lo), None)
        deadline = time.monotonic() + recovery_s
        while time.monotonic() < deadline:
            probe = attempt(lo, "recovery", 3.0)
            healthy = probe.result.passed and not probe.result.stopped_early
            if healthy and (baseline is None or probe.p50_ms <= KNEE_FACTOR * max(baseline, 1e-3)):
                return
        raise_not_recovered()

    def raise_not_recovered() -> None:
        data["not_recovered"] = True
        raise _NotRecoveredError

    try:
        _search(run, lo, hi, precision, trials)
    except _NotRecoveredError:
        say(f"the target did not recover within {recovery_s:g}s of low load: the search stops")
    except KeyboardInterrupt:
        data["interrupted"] = True
        say("interrupted: the search stops with the trials it has")
    finally:
        data["elapsed_s"] = time.monotonic() - started
    return Capacity(data)


class _NotRecoveredError(Exception):
    """The target stayed degraded after an overloaded trial."""


def _search(run: Callable[[float, str], Trial], lo: float, hi: float, precision: float, trials: list[Trial]) -> None:
    """Bracket by doubling from ``lo``, confirm the last pass with a full hold, then bisect."""

    def stopped() -> bool:
        return bool(trials) and trials[-1].outcome in ("generator", "test")

    # Bracket: double from the lowest rate until a trial fails.
    rate, good, bad = lo, None, None
    while not stopped():
        if not run(rate, "bracket").passed:
            bad = rate if not stopped() else None
            break
        good = rate
        if rate >= hi:
            break
        rate = min(hi, rate * 2)
    # Refine: the last bracketing pass must hold for a full hold (else halve), then bisect.
    while good is not None and not stopped() and not run(good, "refine").passed:
        bad, good = good, (good / 2 if good / 2 >= lo else None)
    while good is not None and bad is not None and not stopped() and (bad - good) / good > precision:
        mid = math.sqrt(good * bad)
        if run(mid, "refine").passed:
            good = mid
        else:
            bad = mid


def _rates(rates: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(r) for r in rates)
    except (TypeError, ValueError):
        raise ValueError(f"rates must be (lowest, highest) per second, got {rates!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or lo >= hi:
        raise ValueError(f"rates must be (lowest, highest) with 0 < lowest < highest, got {rates!r}")
    return lo, hi


def _latency_bound_ms(conditions: Mapping[str, Sequence[str]]) -> float | None:
    """The tightest upper bound the SLO puts on a request duration, ms (None without one)."""
    bounds = [
        float(m.group(1))
        for metric, conds in conditions.items()
        if metric.split("{")[0] in ("http_req_duration", "iteration_duration")
        for c in conds
        for m in [re.search(r"<=?\s*([0-9.]+)", c)]
        if m
    ]
    return min(bounds, default=None)


def _say(progress: Callable[[str], None] | str | None) -> Callable[[str], None]:
    if progress is None:
        return lambda _line: None
    if progress == "auto":
        return lambda line: print(f"  {line}", file=sys.stderr, flush=True)
    if callable(progress):
        return progress
    raise TypeError(f"progress must be 'auto', None or a callable, got {progress!r}")


def load_capacity(path: str | PathLike[str]) -> Capacity:
    """Reads a search written by :meth:`Capacity.save`; its verdict is judged again from its trials."""
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except ValueError:
            data = None
    if not isinstance(data, dict) or data.get("kind") != "capacity" or "trials" not in data:
        raise ValueError(f"{path} is not a horde breakpoint search")
    return Capacity(data)
