"""Presenting a learned :class:`horde.learn.Model`.

The endpoint table, the summary, the model as an ``h.markov`` step, and the model written out as a
readable, editable horde script.

The script is plain horde: ``STATES`` (one request per endpoint, named by its template),
``ENTRY``/``TRANSITIONS`` (the chain, ``h.EXIT`` for leaving), ``THINK`` (20 equally likely pauses
per transition: the 2.5th to 97.5th percentiles of what the log showed), data feeders (the values
production used, repeated in proportion to their counts so hot ids stay hot), the arrival
profile as ramping-arrival-rate stages in sessions per minute, and suggested thresholds.
``PACE`` scales every pause and ``SCALE`` every rate, from the environment (``-e PACE=0.1``).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from horde.model import THINK_POINTS, Endpoint, Model, duration_text, summary_text

__all__ = ["data", "markov_step", "script"]

#: Rows a feeder of many values gets (the values repeated in proportion to their counts).
FEEDER_ROWS = 5_000
#: Values written inline in the script; more go to a CSV file beside it.
INLINE_VALUES = 30
#: Session header: joins the test's requests of one session (and server logs) together.
SESSION_HEADER = ("X-Horde-Session", "${__vu}-${__iteration}")

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def _url(model: Model, e: Endpoint) -> str:
    """The endpoint's request target: placeholders and varying query parameters as ``${name}``."""
    path = _PLACEHOLDER.sub(lambda m: "${" + m.group(1) + "}", e.template)
    params = []
    for name, count, distinct in e.query:
        if count * 2 < e.count:
            continue  # on fewer than half of the requests: left out
        if distinct > 1:
            params.append(f"{name}=${{{name}}}")
        else:
            value = model.feeders.get(name, {}).get("values", [[""]])[0][0]
            params.append(f"{name}={value}")
    return path + ("?" + "&".join(params) if params else "")


def _variables(model: Model) -> list[str]:
    names: list[str] = []
    for e in model.endpoints:
        for n in re.findall(r"\$\{([A-Za-z0-9_]+)\}", _url(model, e)):
            if n not in names and n in model.feeders:
                names.append(n)
    return names


def _shares(feeder: Mapping[str, Any]) -> dict[str, int]:
    """How many rows each of the feeder's values gets: in proportion to its count, at least one."""
    values = feeder["values"]
    total = sum(c for _, c in values) or 1
    return {v: max(1, round(c * FEEDER_ROWS / total)) for v, c in values}


def _rows(feeder: Mapping[str, Any]) -> list[str]:
    """The feeder's values, each repeated as :func:`_shares` says."""
    return [v for v, n in _shares(feeder).items() for _ in range(n)]


def _numbers(values: list[float]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def _quantiles(samples: list[float], n: int) -> list[float]:
    if not samples:
        return [0.0]
    s = sorted(samples)
    return [round(s[min(len(s) - 1, int((i + 0.5) / n * len(s)))], 3) for i in range(n)]


def markov_step(model: Model, *, pace: float = 1.0, headers: Mapping[str, str] | None = None) -> Any:
    """The model as an ``h.markov`` step (requests relative to the test's ``base_url``)."""
    import horde as h

    hdrs = dict(headers if headers is not None else [SESSION_HEADER])
    states = {e.name: h.request(e.method, _url(model, e), name=e.name, headers=hdrs) for e in model.endpoints}
    transitions = {a: {**row, h.EXIT: model.exits.get(a, 0.0)} for a, row in model.transitions.items()}
    for name, p in model.exits.items():
        transitions.setdefault(name, {h.EXIT: p})

    def pauses(a: str, b: str) -> Any:
        return h.think(samples=[v * pace for v in _quantiles(model.think_samples(a, b), THINK_POINTS)])

    thinks = {(a, b): pauses(a, b) for a, row in model.transitions.items() for b in row}
    return h.markov(states, entry=model.entry, transitions=transitions, thinks=thinks)


def data(model: Model) -> dict[str, Any]:
    """Feeders for every variable the model's requests use."""
    import horde as h

    return {n: h.values(_rows(model.feeders[n]), per="iteration", order="random") for n in _variables(model)}


def script(
    model: Model,
    base_url: str = "http://127.0.0.1:8080",
    *,
    path: str | Path | None = None,
    window: float | str = "15m",
    compress: tuple[float, float] | None = None,
    scale: float = 1.0,
    peak: float | str | None = None,
    source: str = "access logs",
) -> str:
    """The model as a horde script.

    With ``path``, feeders of many values go to CSV files in ``<path stem>_data/`` (written
    here), else every value is inline.
    """
    stages = model.arrival_stages(window=window, compress=compress, scale=scale, peak=peak)
    data_dir = Path(path).with_name(Path(path).stem + "_data") if path is not None else None
    lines = [
        '"""A workload learned by `horde model` from ' + source + ".",
        "",
        *(f"  {line}" for line in summary_text(model).splitlines()),
        "",
        "Run it:  horde run THIS.py                    (BASE_URL defaults to " + base_url + ")",
        "         horde run THIS.py -e PACE=0.1 -e SCALE=2   (pauses ×0.1, arrival rates ×2)",
        "Edit it: requests in STATES (bodies and checks are not in access logs: add them),",
        "         the chain in ENTRY/TRANSITIONS, pauses in THINK, the load in STAGES.",
        '"""',
        "",
        "import horde as h",
        "",
        'PACE = float(h.env("PACE", "1"))  # scales every pause',
        'SCALE = float(h.env("SCALE", "1"))  # scales every arrival rate',
        f'SESSION = {{"{SESSION_HEADER[0]}": "{SESSION_HEADER[1]}"}}  # one id per session, to join with server logs',
        "",
        "# One state per endpoint, most requested first (share of requests in the log).",
        "STATES = {",
    ]
    for e in model.endpoints:
        call = f'h.request("{e.method}", "{_url(model, e)}", name="{e.name}", headers=SESSION)'
        lines.append(f'    "{e.name}": {call},  # {100 * e.share:.2f}%')
    lines += ["}", "", "# Where sessions start.", "ENTRY = {"]
    lines += [f'    "{n}": {p:.4f},' for n, p in model.entry.items()]
    lines += [
        "}",
        "",
        "# Where a session goes next (h.EXIT: it ends), with the log's observation counts.",
        "TRANSITIONS = {",
    ]
    for a in [e.name for e in model.endpoints]:
        row = model.transitions.get(a, {})
        lines.append(f'    "{a}": {{')
        for b, p in sorted(row.items(), key=lambda kv: -kv[1]):
            lines.append(f'        "{b}": {p:.4f},  # {model.counts[(a, b)]:,}')
        lines.append(f"        h.EXIT: {model.exits.get(a, 1.0 if not row else 0.0):.4f},")
        lines.append("    },")
    lines += [
        "}",
        "",
        f"# Pauses before each move: {THINK_POINTS} equally likely values (percentiles of the log's pauses);",
        f"# transitions seen fewer than {model.min_observations} times use the pooled pauses.",
        "",
        "def pauses(*seconds):",
        "    return h.think(samples=[s * PACE for s in seconds])",
        "",
        "",
        "def repeat(counts):",
        '    """Each value as many times as given: drawn at random, hot values stay hot."""',
        "    return [value for value, n in counts.items() for _ in range(n)]",
        "",
        "",
        f"POOLED = pauses({_numbers(_quantiles(model.pooled_think_s, THINK_POINTS))})",
        "THINK = {",
    ]
    for (a, b), samples in model.think_s.items():
        if len(samples) >= model.min_observations:
            lines.append(f'    ("{a}", "{b}"): pauses(')
            lines.append(f"        {_numbers(_quantiles(samples, THINK_POINTS))}")
            lines.append("    ),")
    lines += ["}", "", "# The values production used, hot ones as often as in the log.", "DATA = {"]
    for n in _variables(model):
        f = model.feeders[n]
        note = f"# {f['distinct']:,} distinct values{' (more than kept)' if f['capped'] else ''}"
        if f["distinct"] <= INLINE_VALUES or data_dir is None:
            lines.append(f'    "{n}": h.values(repeat({_shares(f)!r}), per="iteration", order="random"),  {note}')
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            with (data_dir / f"{n}.csv").open("w", newline="", encoding="utf-8") as out:
                w = csv.writer(out)
                w.writerow([n])
                w.writerows([v] for v in _rows(f))
            rel = f"{data_dir.name}/{n}.csv"
            lines.append(f'    "{n}": h.csv("{rel}", column="{n}", per="iteration", order="random"),  {note}')
    mean_s = max(model.session_duration_s[0], 1.0)
    peak_rate = max((r for _, r in stages), default=1.0)
    vus = max(10, math.ceil(2 * peak_rate / 60 * mean_s) + 10)
    first = stages[0][1] if stages else 1.0
    lines += [
        "}",
        "",
        "# Sessions per minute over the log"
        + (f" (its busiest {peak})" if peak else "")
        + (f", {duration_text(compress[0])} of log in {duration_text(compress[1])}" if compress else "")
        + (f", ×{scale:g}" if scale != 1 else "")
        + ": (stage, target rate).",
        "STAGES = [",
        *(f'    ("{d:g}s", {r:g} * SCALE),' for d, r in stages),
        "]",
        "",
        "learned = h.journey(",
        '    "learned",',
        "    h.markov(STATES, entry=ENTRY, transitions=TRANSITIONS, think=POOLED, thinks=THINK),",
        ")",
        "",
        "test = h.Test(",
        f'    base_url=h.env("BASE_URL", "{base_url}"),',
        "    data=DATA,",
        "    scenarios={",
        '        "production": h.ramping_arrival_rate(',
        f'            learned, stages=STAGES, start_rate={first:g} * SCALE, time_unit="1m",',
        f"            pre_allocated_vus={vus}, max_vus={vus * 4},",
        "        ),",
        "    },",
        f"    thresholds={_thresholds(model)!r},",
        ")",
        "",
    ]
    return "\n".join(lines)


def _thresholds(model: Model) -> dict[str, list[str]]:
    """Suggested: no more failures than production had, and p95 within 1.5× production's."""
    out = {"http_req_failed": ["rate<0.01"]}
    timed = [e for e in model.endpoints if e.duration_s and e.share >= 0.01]
    if timed:
        worst = max(e.duration_s[1] for e in timed if e.duration_s)
        out["http_req_duration"] = [f"p(95)<{max(1, math.ceil(1.5 * worst * 1e3))}"]
    return out
