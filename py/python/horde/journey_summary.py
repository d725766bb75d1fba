"""The k6-style end-of-test summary of a journey test.

Metrics (✓/✗ where a threshold applies), thresholds with their observed values, per-request
times, each journey's funnel, checks, and the generator's health.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from horde.facts import METRICS
from horde.summary import bytes_text as _bytes
from horde.summary import error_lines, generator_line, latency_text, timed_out_line, trend_ms
from horde.summary import ms_text as _ms

if TYPE_CHECKING:
    from horde.result import Result

DEFAULT_TREND_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)")
_P = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


def render(result: Result, trend_stats: Sequence[str] | None = None) -> str:
    """Formats a journey test's result for a terminal."""
    stats = _stats(trend_stats)
    data = result.to_dict()
    lines = [_headline(result, data), ""]
    lines += _metrics(result, data, stats)
    if result.thresholds:
        lines += ["", "  THRESHOLDS", *_thresholds(result)]
    lines += ["", "  REQUESTS", *_requests(result)]
    total = result.total
    if total.errors:
        lines += ["", "  ERRORS", *("    " + e for e in error_lines(total.errors, total.error_details))]
    journeys = [j for j in data.get("journeys", []) if j["started"] or j["steps"]]
    if journeys:
        lines += ["", "  JOURNEYS"]
        for j in journeys:
            lines += _funnel(result, j, stats)
    if result.checks:
        lines += ["", "  CHECKS", *_checks(result)]
    verdicts = test_type_verdicts(result)
    if verdicts:
        lines += ["", "  VERDICT", *("    " + line for v in verdicts for line in v.splitlines())]
    lines += ["", "  GENERATOR", "    " + _generator(result)]
    for s in result.scenarios:
        if s.get("expected_concurrency"):
            lines.append(
                f"    {s['name']}: {s['achieved_concurrency']:.1f} concurrent sessions achieved, "
                f"{s['expected_concurrency']:g} intended (Little's law)"
            )
    if result.stopped_early:
        lines += ["", f"  stopped early: {result.stopped_early}"]
    for w in result.warnings:
        lines += ["", f"  ! {w}"]
    lines += [f"  · {n}" for n in result.notes]
    verdict = "all thresholds passed" if result.passed else "THRESHOLDS FAILED"
    if result.thresholds:
        lines += ["", f"  {'✓' if result.passed else '✗'} {verdict}"]
    return "\n".join(lines)


def test_type_verdicts(result: Result) -> list[str]:
    """The verdicts of the test types the run's scenarios were made as (``test_type`` tag)."""
    kinds = {s.get("tags", {}).get("test_type") for s in result.scenarios}
    out = []
    for kind in ("stress", "spike"):
        if kind in kinds:
            try:
                out.append(getattr(result, kind)().text())
            except ValueError as e:
                out.append(f"{kind}: no verdict — {e}")
    return out


def _stats(trend_stats: Sequence[str] | None) -> tuple[str, ...]:
    stats = tuple(s.strip() for s in (trend_stats or DEFAULT_TREND_STATS) if s.strip())
    for s in stats:
        if s not in ("avg", "min", "med", "max", "count") and not _P.match(s):
            raise ValueError(f"unknown trend stat {s!r}; use avg, min, med, max, count or p(N)")
    return stats


def _headline(result: Result, data: dict[str, Any]) -> str:
    parts = [f"{s['name']} ({s['shape']['executor']})" for s in result.scenarios]
    name = data["plan"].get("name") or "test"
    workers = len(data["workers"])
    return (
        f"horde — {name} — scenarios: {', '.join(parts)} — {_secs(result.elapsed_s)}, "
        f"{workers} worker{'s' if workers != 1 else ''}"
    )


def _mark(result: Result, metric: str) -> str:
    """✓/✗ for the thresholds on a summary row.

    Those on the metric under any filter count, except those on a view that has its own row
    (``{expected_response:true}``).
    """
    own_rows = {m["name"] for m in result.metric_summary if "{" in m["name"]}

    def applies(selector: str) -> bool:
        if "{" in metric or selector == metric:
            return selector == metric
        return selector.split("{")[0] == metric and selector not in own_rows

    verdicts = [t["ok"] for t in result.thresholds if applies(t["metric"])]
    if not verdicts:
        return " "
    return "✓" if all(verdicts) else "✗"


def _row(result: Result, name: str, value: str) -> str:
    # A view of the metric above (``http_req_duration{expected_response:true}``) is indented
    # under it, as k6 shows it.
    tag = name.partition("{")[2]
    label = f"  {{ {tag.rstrip('}')} }}" if tag else name
    return f"  {_mark(result, name)} {(label + ' ').ljust(30, '.')}: {value}"


def _metrics(result: Result, data: dict[str, Any], stats: tuple[str, ...]) -> list[str]:
    """One row per metric of the engine's summary (built-in, then the test's own), k6's way."""
    lines = []
    for m in result.metric_summary:
        v = m["values"]
        if m["type"] == "trend":
            value = _trend(
                v,
                stats,
                m["unit"] == "ms",
                lambda p, name=m["name"]: _percentile(result, name, p),
                set(m.get("lower_bounds", ())),
            )
        elif m["type"] == "rate":
            passes, fails = int(v["passes"]), int(v["fails"])
            value = f"{_pct(passes, passes + fails)}  ✓ {passes}  ✗ {fails}"
        elif m["type"] == "counter":
            if m["unit"] == "bytes":
                value = f"{_bytes(v['count'])}  {_bytes(v['rate'])}/s"
            else:
                value = f"{v['count']:g}  {v['rate']:.{_rate_digits(m)}f}/s"
        else:
            value = f"{v['value']:g}"
        lines.append(_row(result, m["name"], value))
    return lines


def _rate_digits(m: dict[str, Any]) -> int:
    """Built-in counters are counted events (one decimal); the test's own may be fractional."""
    return 1 if m["name"] in METRICS else 2


def _percentile(result: Result, metric: str, p: float) -> tuple[float, bool]:
    """Percentile ``p`` of a trend the summary does not store, in ms, and whether it is a lower bound.

    It comes from the metric's full histogram.
    """
    base, _, tag = metric.partition("{")
    if base not in METRICS or not METRICS[base]["histogram"]:
        return float("nan"), False
    if tag:
        return result.histogram(base, expected_response=True).percentile(p) / 1000, False
    hist = result.histogram(base)
    censored = result.timed_out_histogram() if base == "http_req_duration" else None
    bound = censored is not None and hist.is_lower_bound(censored, p)
    return hist.percentile(p) / 1000, bound


def _trend(values: dict[str, float], stats: tuple[str, ...], ms: bool, percentile: Any, lower_bounds: set[str]) -> str:
    """``stats`` of a trend's summary ``values`` (ms, or the metric's own unit); ``≥`` marks a lower bound.

    Percentiles the summary does not store come from ``percentile(p)`` (value, lower bound).
    """
    out = []
    for stat in stats:
        if stat == "count":
            out.append(f"count={values['count']:g}")
            continue
        bound = stat in lower_bounds
        if stat in values:
            v = values[stat]
        else:
            p = float(_P.match(stat).group(1))  # type: ignore[union-attr]
            key = f"p({p:g})"
            if key in values:
                v, bound = values[key], key in lower_bounds
            else:
                v, bound = percentile(p)
        out.append(f"{stat}{'≥' if bound else '='}{_ms(v) if ms else f'{v:g}'}")
    return " ".join(out)


def _thresholds(result: Result) -> list[str]:
    lines = []
    last = None
    for t in result.thresholds:
        if t["metric"] != last:
            lines.append(f"    {t['metric']}")
            last = t["metric"]
        agg = t["expression"].split("<")[0].split(">")[0].split("=")[0].split("!")[0].strip()
        sign = "≥" if t.get("lower_bound") else "="
        shown = f"{agg}{sign}{observed_text(t)}" if t["observed"] is not None else "no data"
        tail = "  (aborted the run)" if t.get("aborted") else ""
        lines.append(f"    {'✓' if t['ok'] else '✗'} '{t['expression']}' {shown}{tail}")
    return lines


def observed_text(t: dict[str, Any]) -> str:
    """A threshold's observed value in the unit the engine gives it (the summary and report agree)."""
    observed, unit = t["observed"], t.get("unit", "none")
    if observed is None:
        return "no data"
    if unit == "ms":
        return _ms(observed)
    if unit == "ratio":
        return f"{100 * observed:.2f}%"
    if unit == "per_second":
        return f"{observed:g}/s"
    if unit == "bytes":
        return _bytes(observed)
    return f"{observed:g}"


def _requests(result: Result) -> list[str]:
    rows: list[tuple[str, ...]] = [("name", "scenario", "reqs", "failed", "med", "p95", "p99", "max")]
    for r in result.by_request:
        rt = r.response_time
        rows.append(
            (
                r.name,
                r.scenario,
                str(r.requests),
                _pct(r.failed, r.requests),
                *(latency_text(rt, f) for f in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
            )
        )
    lines = _table(rows, indent=4)
    total = result.total
    if total.timed_out:
        lines.append(f"    {timed_out_line(total.requests, total.timed_out)}")
    return lines


def _funnel(result: Result, j: dict[str, Any], stats: tuple[str, ...]) -> list[str]:
    head = (
        f"    {j['journey']} ({j['scenario']}): {j['started']} sessions, {j['completed']} completed, "
        f"{j['aborted']} ended early, {j['interrupted']} cut by the end of the run"
    )
    lines = [head]
    if j["duration"]["count"]:
        durations = result.histogram("iteration_duration", journey=j["journey"], scenario=j["scenario"])
        trend = _trend(trend_ms(j["duration"]), stats, True, lambda p: (durations.percentile(p) / 1000, False), set())
        lines.append(f"      session duration  {trend}")
    rows: list[tuple[str, ...]] = [FUNNEL_COLUMNS]
    for name, counts, skipped, alive in funnel(j):
        share = f" ({100 * skipped / alive:.0f}%)" if alive and skipped else ""
        rows.append((name, *map(str, counts), f"{skipped}{share}"))
    return lines + _table(rows, indent=6)


FUNNEL_COLUMNS = (
    "step",
    "reached",
    "ok",
    "error",
    "timeout",
    "status",
    "check",
    "ended here",
    "cut",
    "skipped by design",
)
_FUNNEL_FIELDS = ("reached", "ok", "error", "timeout", "bad_status", "check_failed", "aborted", "cut")


def funnel(j: dict[str, Any]) -> list[tuple[str, list[int], int, int]]:
    """A journey's funnel, step by step.

    Each row: (name, the counts of FUNNEL_COLUMNS up to "cut", sessions that skipped the step by
    design, sessions still going before it).
    """
    out = []
    alive = j["started"]
    for s in j["steps"]:
        skipped = max(0, alive - s["reached"])
        out.append((s["name"], [s.get(k, 0) for k in _FUNNEL_FIELDS], skipped, alive))
        alive -= s["aborted"] + s.get("cut", 0)
    return out


def _checks(result: Result) -> list[str]:
    lines = []
    for c in result.checks:
        total = c["passes"] + c["fails"]
        mark = "✓" if c["fails"] == 0 else "✗"
        lines.append(
            f"    {mark} {c['request']} · {c['name']}  {_pct(c['passes'], total)}  ✓ {c['passes']}  ✗ {c['fails']}"
        )
    return lines


def _generator(result: Result) -> str:
    lag = result.send_lag
    return generator_line(result) + (f", send lag p99 {_ms(lag.p99_ms)}" if lag.count else "")


def _table(rows: Sequence[tuple[str, ...]], indent: int) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        out.append(" " * indent + "  ".join(cells))
    return out


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0.00%"


def _secs(value: float) -> str:
    m, s = divmod(value, 60)
    return f"{int(m)}m{s:04.1f}s" if m else f"{s:.1f}s"
