"""The end-of-test summary text (what the CLI prints and ``Result.summary()`` returns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from horde.result import Latency, Result

_COLUMNS = ("avg", "min", "med", "max", "p90", "p95", "p99", "p99.9")


def render(result: Result) -> str:
    """Formats ``result`` for a terminal."""
    lines = [_headline(result), ""]
    total = result.total
    failed_pct = 100.0 * total.failed / total.requests if total.requests else 0.0
    lines.append(
        _row(
            "requests",
            f"{total.requests}   {result.rate:.1f}/s achieved{_target(result)}"
            f"   {total.failed} failed ({failed_pct:.2f}%)",
        )
    )
    status = ", ".join(f"{code}: {n}" for code, n in sorted(total.status.items())) or "none"
    lines.append(_row("status codes", status))
    errors = error_lines(total.errors, total.error_details)
    for i, line in enumerate(errors or ["none"]):
        lines.append(_row("errors" if i == 0 else "", line))
    lines.append(_row("data", f"{bytes_text(total.bytes_sent)} sent, {bytes_text(total.bytes_received)} received"))
    lines.append("")
    lines.append(" " * 18 + "".join(f"{c:>10}" for c in _COLUMNS))
    lines.append(_latency_row("response time", result.response_time))
    if total.failed:
        lines.append(_latency_row("successful only", result.expected_response_time))
    lines.append(_latency_row("service time", result.service_time))
    if _open_model(result):
        lines.append(_latency_row("send lag", result.send_lag))
    if total.timed_out:
        lines.append(f"  {timed_out_line(total.requests, total.timed_out)}")
    lines.append("")
    lines.append(_row("generator", generator_line(result)))
    lines.append(_row("", _reading(result)))
    if result.stopped_early:
        lines.append("")
        lines.append(f"  stopped early: {result.stopped_early}")
    for w in result.warnings:
        lines.append("")
        lines.append(f"  ! {w}")
    for note in result.notes:
        lines.append(f"  · {note}")
    return "\n".join(lines)


def error_lines(errors: dict[str, int], details: dict[str, str]) -> list[str]:
    """One line per error class, most frequent first, then what to do where the fix is horde's side.

    Each line has the count, what the class means and what the engine saw.
    """
    from horde.facts import ERRORS

    lines = []
    for cls, n in sorted(errors.items(), key=lambda kv: -kv[1]):
        known = ERRORS.get(cls, {})
        detail = details.get(cls, "")
        lines.append(f"{cls}: {n:,}  {known.get('meaning', '')}" + (f" ({detail})" if detail else ""))
        if known.get("advice"):
            lines.append(f"  → {known['advice']}")
    return lines


def _headline(result: Result) -> str:
    """What was attacked and how, in the engine's words for each scenario (its shape)."""
    parts = []
    for s in result.scenarios:
        shape = s["shape"]
        if shape["model"] == "open":
            desc = (
                f"open model, {shape['target']:g} req/s for {shape['planned_s']:g}s "
                f"over ≤{shape['max_vus']} connections"
            )
        elif shape["iterations"] is not None:
            desc = f"closed model, {shape['max_vus']} connections sharing {shape['iterations']} requests"
        else:
            desc = f"closed model, {shape['max_vus']} connections for {shape['planned_s']:g}s"
        first = result.plan["journeys"][result.plan["scenarios"][s["name"]]["journey"]]["steps"][0]["request"]
        parts.append(f"{s['name']}: {first['method']} {first['url']} — {desc}")
    workers = len(result.to_dict()["workers"])
    return f"horde — {'; '.join(parts)} — {workers} worker{'s' if workers != 1 else ''}"


def _target(result: Result) -> str:
    rates = [s["shape"]["target"] for s in result.scenarios if s["shape"]["model"] == "open"]
    return f" (target {sum(rates):g}/s)" if rates else ""


def _open_model(result: Result) -> bool:
    return any(s["shape"]["model"] == "open" for s in result.scenarios)


#: How each verdict of the engine reads (``Result.limited_by``).
LIMITED_BY = {
    "target": "the target (the results describe it)",
    "test": "the test's own limits (too few VUs or connections for the target's latency)",
    "generator": "the generator (saturated: the results describe horde)",
}


def generator_line(result: Result) -> str:
    """Connections, client activity, CPU and workers of the load generator, in one line."""
    g: dict[str, Any] = result.generator
    rings = sorted({w["ring_mode"] for w in result.to_dict()["workers"]})
    return (
        f"{g['connections_opened']} connections opened{client_activity(g)}, CPU {100 * g['busy_ratio']:.1f}% of "
        f"{len(result.to_dict()['workers'])} worker(s), io_uring {'/'.join(rings)}; limited by "
        f"{LIMITED_BY[result.limited_by]}"
    )


def client_activity(g: dict[str, Any]) -> str:
    """TLS handshakes (and how many resumed), redirects followed, pool waits: ", ..." or ""."""
    parts = []
    if g.get("tls_handshakes"):
        parts.append(f"{g['tls_handshakes']} TLS handshakes ({g.get('tls_resumed', 0)} resumed)")
    if g.get("redirects"):
        parts.append(f"{g['redirects']} redirects followed")
    if g.get("pool_waits"):
        parts.append(f"{g['pool_waits']} waits for a pooled connection")
    return "".join(", " + p for p in parts)


def _reading(result: Result) -> str:
    if _open_model(result):
        return "response time counts from each request's intended send time (coordinated omission corrected)"
    return "closed model: response time = service time; a stalled server shows as lost throughput, not as latency"


def _row(label: str, value: str) -> str:
    if not label:
        return f"  {'':<16}  {value}"
    return f"  {label + ' ':.<16}  {value}"


def _latency_row(label: str, lat: Latency) -> str:
    fields = ("mean_ms", "min_ms", "p50_ms", "max_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms")
    return f"  {label:<16}" + "".join(f"{latency_text(lat, f):>10}" for f in fields)


def latency_text(lat: Latency, field: str) -> str:
    """One statistic of ``lat`` (e.g. ``"p95_ms"``) for humans, ``≥`` before a lower bound."""
    return ("≥" if field in lat.lower_bounds else "") + ms_text(getattr(lat, field))


def timed_out_line(requests: int, timed_out: int) -> str:
    """What a "≥" means, with the share of requests behind it."""
    share = 100.0 * timed_out / requests if requests else 0.0
    return (
        f"≥ a lower bound: {timed_out} requests ({share:.1f}%) timed out and count at their timeout; "
        "they would have taken longer"
    )


def trend_ms(s: dict[str, Any]) -> dict[str, float]:
    """A stored latency summary (µs) as a trend's values in ms, named as k6's summary export does."""
    return {
        "avg": s["mean_us"] / 1000,
        "min": s["min_us"] / 1000,
        "med": s["p50_us"] / 1000,
        "max": s["max_us"] / 1000,
        "p(90)": s["p90_us"] / 1000,
        "p(95)": s["p95_us"] / 1000,
        "p(99)": s["p99_us"] / 1000,
        "p(99.9)": s["p999_us"] / 1000,
        "count": s["count"],
    }


def ms_text(value: float) -> str:
    """Milliseconds for humans: µs, ms or s."""
    if value != value:  # NaN
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f}s"
    if value >= 1:
        return f"{value:.2f}ms"
    return f"{value * 1000:.0f}µs"


def bytes_text(n: float) -> str:
    """Bytes for humans (decimal units)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"
