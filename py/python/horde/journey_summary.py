"""The k6-style end-of-test summary of a journey test.

Metrics (✓/✗ where a threshold applies), thresholds with their observed values, per-request
times, each journey's funnel, checks, and the generator's health.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from horde.summary import bytes_text as _bytes
from horde.summary import generator_line
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
    journeys = [j for j in data.get("journeys", []) if j["started"] or j["steps"]]
    if journeys:
        lines += ["", "  JOURNEYS"]
        for j in journeys:
            lines += _funnel(j, stats)
    if result.checks:
        lines += ["", "  CHECKS", *_checks(result)]
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
    verdict = "all thresholds passed" if result.passed else "THRESHOLDS FAILED"
    if result.thresholds:
        lines += ["", f"  {'✓' if result.passed else '✗'} {verdict}"]
    return "\n".join(lines)


def _stats(trend_stats: Sequence[str] | None) -> tuple[str, ...]:
    stats = tuple(s.strip() for s in (trend_stats or DEFAULT_TREND_STATS) if s.strip())
    for s in stats:
        if s not in ("avg", "min", "med", "max", "count") and not _P.match(s):
            raise ValueError(f"unknown trend stat {s!r}; use avg, min, med, max, count or p(N)")
    return stats


def _headline(result: Result, data: dict[str, Any]) -> str:
    parts = []
    for s in data["plan"]["scenarios"]:
        spec = data["plan"]["scenarios"][s]
        parts.append(f"{s} ({spec['executor']['type']})")
    name = data["plan"].get("name") or "test"
    workers = len(data["workers"])
    return (
        f"horde — {name} — scenarios: {', '.join(parts)} — {_secs(result.elapsed_s)}, "
        f"{workers} worker{'s' if workers != 1 else ''}"
    )


def _mark(result: Result, metric: str) -> str:
    verdicts = [t["ok"] for t in result.thresholds if t["metric"].split("{")[0] == metric]
    if not verdicts:
        return " "
    return "✓" if all(verdicts) else "✗"


def _row(result: Result, name: str, value: str) -> str:
    return f"  {_mark(result, name)} {(name + ' ').ljust(30, '.')}: {value}"


def _metrics(result: Result, data: dict[str, Any], stats: tuple[str, ...]) -> list[str]:
    total = data["total"]
    duration = max(result.duration_s, 1e-9)
    lines = []
    if result.checks:
        passes = sum(c["passes"] for c in result.checks)
        fails = sum(c["fails"] for c in result.checks)
        lines.append(_row(result, "checks", f"{_pct(passes, passes + fails)}  ✓ {passes}  ✗ {fails}"))
    lines.append(
        _row(
            result,
            "data_received",
            f"{_bytes(total['bytes_received'])}  {_bytes(total['bytes_received'] / duration)}/s",
        )
    )
    lines.append(
        _row(
            result,
            "data_sent",
            f"{_bytes(total['bytes_sent'])}  {_bytes(total['bytes_sent'] / duration)}/s",
        )
    )
    lines.append(_row(result, "dropped_iterations", str(data["generator"]["dropped_iterations"])))
    for metric, key in (
        ("http_req_duration", "response_time"),
        ("http_req_service_time", "service_time"),
    ):
        lines.append(_row(result, metric, _trend(total[key], stats)))
    tls = total.get("tls_handshaking") or {}
    if tls.get("count"):
        lines.append(_row(result, "http_req_tls_handshaking", _trend(tls, stats)))
    lines.append(
        _row(
            result,
            "http_req_failed",
            f"{_pct(total['failed'], total['requests'])}  ✓ {total['failed']}  ✗ {total['requests'] - total['failed']}",
        )
    )
    lines.append(_row(result, "http_reqs", f"{total['requests']}  {total['requests'] / duration:.1f}/s"))
    iterations = result.histogram("iteration_duration")
    if iterations.count:
        stored: dict[str, Any] = {"count": iterations.count, "min_us": iterations.min, "max_us": iterations.max}
        stored |= {"mean_us": iterations.mean, "p50_us": iterations.percentile(50)}
        lines.append(_row(result, "iteration_duration", _trend(stored, stats, hist=iterations)))
    lines.append(
        _row(
            result,
            "iterations",
            f"{data['generator']['iterations']}  {data['generator']['iterations'] / duration:.1f}/s",
        )
    )
    lines.append(_row(result, "vus_max", str(data.get("vus_max", 0))))
    for m in data.get("metrics", []):
        if m["kind"] == "counter":
            value = f"{m['sum']:g}  {m['sum'] / duration:.2f}/s"
        elif m["kind"] == "rate":
            trues = round(m["rate"] * m["count"])
            value = f"{100 * m['rate']:.2f}%  ✓ {trues}  ✗ {m['count'] - trues}"
        else:
            value = _trend(m["trend"], stats, unit=False) if m["trend"] else "no samples"
        lines.append(_row(result, m["name"], value))
    return lines


def _trend(s: dict[str, Any], stats: tuple[str, ...], unit: bool = True, hist: Any = None) -> str:
    """``stats`` of a stored summary ``s`` (µs); percentiles it does not store come from ``hist``."""
    out = []
    for stat in stats:
        if stat == "count":
            out.append(f"count={s['count']}")
            continue
        if stat == "avg":
            v = s["mean_us"]
        elif stat == "min":
            v = s["min_us"]
        elif stat == "max":
            v = s["max_us"]
        elif stat == "med":
            v = s["p50_us"]
        else:
            p = float(_P.match(stat).group(1))  # type: ignore[union-attr]
            key = {
                50.0: "p50_us",
                90.0: "p90_us",
                95.0: "p95_us",
                99.0: "p99_us",
                99.9: "p999_us",
            }.get(p)
            v = s[key] if key and key in s else (hist.percentile(p) if hist is not None else float("nan"))
        out.append(f"{stat}={_ms(v / 1000) if unit else f'{v / 1000:g}'}")
    return " ".join(out)


def _thresholds(result: Result) -> list[str]:
    lines = []
    last = None
    for t in result.thresholds:
        if t["metric"] != last:
            lines.append(f"    {t['metric']}")
            last = t["metric"]
        observed = t["observed"]
        agg = t["expression"].split("<")[0].split(">")[0].split("=")[0].split("!")[0].strip()
        if observed is None:
            shown = "no data"
        elif agg == "rate" and not t["metric"].startswith(("http_reqs", "iterations", "data_")):
            shown = f"rate={100 * observed:.2f}%"
        elif agg in ("avg", "min", "med", "max") or agg.startswith("p("):
            shown = f"{agg}={_ms(observed)}" if t["metric"].split("{")[0] != "iterations" else f"{agg}={observed:g}"
        else:
            shown = f"{agg}={observed:g}"
        tail = "  (aborted the run)" if t.get("aborted") else ""
        lines.append(f"    {'✓' if t['ok'] else '✗'} '{t['expression']}' {shown}{tail}")
    return lines


def _requests(result: Result) -> list[str]:
    rows = [("name", "scenario", "reqs", "failed", "med", "p95", "p99", "max")]
    for r in result.by_request:
        rt = r.response_time
        rows.append(
            (
                r.name,
                r.scenario,
                str(r.requests),
                _pct(r.failed, r.requests),
                _ms(rt.p50_ms),
                _ms(rt.p95_ms),
                _ms(rt.p99_ms),
                _ms(rt.max_ms),
            )
        )
    return _table(rows, indent=4)


def _funnel(j: dict[str, Any], stats: tuple[str, ...]) -> list[str]:
    head = (
        f"    {j['journey']} ({j['scenario']}): {j['started']} sessions, {j['completed']} completed, "
        f"{j['aborted']} ended early, {j['interrupted']} cut by the end of the run"
    )
    lines = [head]
    if j["duration"]["count"]:
        lines.append(f"      session duration  {_trend(j['duration'], stats)}")
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
