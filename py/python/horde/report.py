"""A self-contained HTML report of a result.

Verdicts, tables and plots (inline SVG), readable offline and attachable to a CI run
(``horde report run.json -o report.html``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from horde._deps import optional
from horde.journey_summary import FUNNEL_COLUMNS, funnel, observed_text
from horde.summary import LIMITED_BY, latency_text, ms_text

if TYPE_CHECKING:
    from horde.capacity import Capacity
    from horde.result import Result

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
  color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .2rem}
h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666}.verdict{display:inline-block;padding:.2rem .7rem;border-radius:4px;font-weight:600;margin:.6rem 0}
.pass{background:#e3f4e8;color:#1e6b37}.fail{background:#fbe4e2;color:#9b2a1f}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6;font-weight:600}
.ok{color:#1e6b37}.bad{color:#9b2a1f;font-weight:600}
.warn{background:#fff7e0;border-left:4px solid #e0a800;padding:.5rem .8rem;margin:.5rem 0}
.note{color:#555;padding:.2rem .8rem;margin:.2rem 0}
figure{margin:1rem 0}svg{max-width:100%;height:auto}
"""


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    optional("matplotlib.pyplot", "horde report").close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _e(value: Any) -> str:
    return html.escape(str(value))


def render(result: Result) -> str:
    """The report as one HTML document."""
    from horde import plot

    data = result.to_dict()
    started = dt.datetime.fromtimestamp(data["started_at_unix_s"], tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    name = data["plan"].get("name") or "load test"
    verdict = "passed" if result.passed else "thresholds failed"
    parts = [
        f"<h1>horde — {_e(name)}</h1>",
        f"<div class=meta>{_e(started)} · load phase {result.duration_s:.1f} s · {result.requests:,} requests · "
        f"{len(data['workers'])} worker(s)</div>",
        f"<div class='verdict {'pass' if result.passed else 'fail'}'>{_e(verdict)}</div>",
    ]
    for w in result.warnings:
        parts.append(f"<div class=warn>{_e(w)}</div>")
    for n in result.notes:
        parts.append(f"<div class=note>{_e(n)}</div>")
    if result.stopped_early:
        parts.append(f"<div class=warn>stopped early: {_e(result.stopped_early)}</div>")
    if result.thresholds:
        rows = [[_e(t["metric"]), _e(t["expression"]), _observed(t), _mark(t["ok"])] for t in result.thresholds]
        parts += ["<h2>Thresholds</h2>", _table(["metric", "condition", "observed", ""], rows)]
    from horde.journey_summary import test_type_verdicts

    verdicts = test_type_verdicts(result)
    if verdicts:
        parts += ["<h2>Verdict</h2>", *(f"<pre>{_e(v)}</pre>" for v in verdicts)]
        parts.append(f"<figure>{_svg(plot.recovery(result))}</figure>")
    parts += ["<h2>Requests</h2>", _requests(result)]
    parts += [
        "<h2>Over time</h2>",
        f"<figure>{_svg(plot.latency(result))}</figure>",
        f"<figure>{_svg(plot.throughput(result))}</figure>",
    ]
    parts += ["<h2>Distribution</h2>", f"<figure>{_svg(plot.spectrum(result))}</figure>"]
    if len(result.by_request) > 1:
        parts.append(f"<figure>{_svg(plot.by_request(result))}</figure>")
    for j in result.journeys:
        parts += [f"<h2>Journey {_e(j['journey'])} ({_e(j['scenario'])})</h2>", _funnel(j)]
    if result.checks:
        rows = [
            [_e(f"{c['request']} · {c['name']}"), str(c["passes"]), str(c["fails"]), _mark(c["fails"] == 0)]
            for c in result.checks
        ]
        parts += ["<h2>Checks</h2>", _table(["check", "passed", "failed", ""], rows)]
    g = result.generator
    parts += [
        "<h2>Generator</h2>",
        _table(
            ["connections opened", "CPU", "send lag p99", "limited by"],
            [
                [
                    str(g["connections_opened"]),
                    f"{100 * g['busy_ratio']:.1f}%",
                    ms_text(result.send_lag.p99_ms),
                    _e(LIMITED_BY[result.limited_by]),
                ]
            ],
        ),
    ]
    body = "\n".join(parts)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>horde — {_e(name)}</title>"
        f"<style>{_CSS}</style></head><body>{body}</body></html>"
    )


def _mark(ok: bool) -> str:
    return "<span class=ok>✓</span>" if ok else "<span class=bad>✗</span>"


def _observed(t: dict[str, Any]) -> str:
    return _e(("≥ " if t.get("lower_bound") else "") + observed_text(t))


def _requests(result: Result) -> str:
    rows = []
    for r in result.by_request:
        rt = r.response_time
        rows.append(
            [
                _e(f"{r.scenario} · {r.name}"),
                f"{r.requests:,}",
                f"{100 * r.failed / max(r.requests, 1):.2f}%",
                *(_e(latency_text(rt, f)) for f in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
            ]
        )
    return _table(["request", "requests", "failed", "p50", "p95", "p99", "max"], rows)


def _funnel(j: dict[str, Any]) -> str:
    head = (
        f"<p>{j['started']:,} sessions, {j['completed']:,} completed, {j['aborted']:,} ended early, "
        f"{j['interrupted']:,} cut by the end of the run.</p>"
    )
    rows = [[_e(name), *map(str, counts), str(skipped)] for name, counts, skipped, _ in funnel(j)]
    return head + _table(list(FUNNEL_COLUMNS), rows)


def render_capacity(search: Capacity) -> str:
    """The report of a breakpoint search: verdict, curves and trials."""
    from horde import plot

    data = search.to_dict()
    v = search.verdict
    name = f"breakpoint of {data['target']}"
    slo = ", ".join(f"{m} {e}" for m, es in search.slo.items() for e in es)
    if v.capacity is not None and v.bracket is not None:
        head = f"capacity {v.capacity:.4g} {data.get('unit', '/s')} (bracket {v.bracket[0]:.4g}–{v.bracket[1]:.4g})"
    else:
        head = v.why_none or "no verdict"
    rows = [
        [
            f"{t.rate:.4g}",
            f"{t.hold_s:g} s",
            _e(t.phase),
            f"{t.delivered_per_s:.1f}",
            f"{t.goodput_per_s:.1f}",
            f"{t.p50_ms:.2f}",
            ("≥" if t.p99_lower_bound else "") + f"{t.p99_ms:.2f}",
            f"{100 * t.error_ratio:.2f}%",
            _mark(t.passed) + " " + _e("; ".join(t.reasons)),
        ]
        for t in search.trials
    ]
    parts = [
        f"<h1>horde — {_e(name)}</h1>",
        f"<div class=meta>SLO {_e(slo)} · {len(search.trials)} trials in {search.elapsed_s:.0f} s</div>",
        f"<div class='verdict {'pass' if v.capacity is not None else 'fail'}'>{_e(head)}</div>",
    ]
    if v.knee is not None:
        parts.append(f"<div class=note>knee: latency starts to climb by {v.knee:.4g}/s</div>")
    parts += [
        "<h2>Curves</h2>",
        f"<figure>{_svg(plot.capacity(search))}</figure>",
        "<h2>Trials</h2>",
        _table(["rate", "hold", "phase", "delivered/s", "ok req/s", "p50 ms", "p99 ms", "errors", "verdict"], rows),
    ]
    body = "\n".join(parts)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>horde — {_e(name)}</title>"
        f"<style>{_CSS}</style></head><body>{body}</body></html>"
    )


def write(result: Result | Capacity, path: str | Path) -> None:
    """Writes the report of a result or of a breakpoint search to ``path``."""
    from horde.capacity import Capacity

    text = render_capacity(result) if isinstance(result, Capacity) else render(result)
    Path(path).write_text(text, encoding="utf-8")
