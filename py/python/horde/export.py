"""The end-of-test summary export (``--summary-export``).

A small, stable JSON document for CI systems and dashboards, described by
``horde/schemas/summary.schema.json``.

Durations are in milliseconds; the metric layout follows k6's summary export so that tools that
read one can read the other with little change.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from horde.summary import trend_ms

if TYPE_CHECKING:
    from horde.result import Result

SUMMARY_VERSION = 1


def schema() -> dict[str, Any]:
    """The JSON Schema of the summary export."""
    text = resources.files("horde").joinpath("schemas/summary.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def summary(result: Result) -> dict[str, Any]:
    """The summary export of ``result`` as a dict: the engine's metric summary, k6's layout."""
    data = result.to_dict()
    started = dt.datetime.fromtimestamp(data["started_at_unix_s"], tz=dt.timezone.utc)
    return {
        "horde_summary_version": SUMMARY_VERSION,
        "name": data["plan"].get("name"),
        "passed": result.passed,
        "started_at": started.isoformat(timespec="milliseconds"),
        "duration_s": result.duration_s,
        "elapsed_s": result.elapsed_s,
        "stopped_early": result.stopped_early,
        "saturated": result.saturated,
        "limited_by": result.limited_by,
        "warnings": result.warnings,
        "notes": result.notes,
        "metrics": {m["name"]: _metric(m) for m in result.metric_summary},
        "thresholds": result.thresholds,
        "requests": [
            {
                "scenario": r["scenario"],
                "name": r["name"],
                "method": r["method"],
                "requests": r["requests"],
                "failed": r["failed"],
                "status": r["status"],
                "errors": r["errors"],
                "timed_out": r.get("timed_out", 0),
                "response_time_ms": trend_ms(r["response_time"]),
                "response_time_lower_bounds": [_TREND_NAME[s] for s in r.get("response_time_lower_bounds", [])],
                "expected_response_time_ms": trend_ms(r.get("expected_time") or r["response_time"]),
            }
            for r in data["requests"]
        ],
        "checks": result.checks,
        "journeys": result.journeys,
        "scenarios": result.scenarios,
    }


#: A stored summary's statistic names as a trend's values name them.
_TREND_NAME = {
    "mean": "avg",
    "p50": "med",
    "p90": "p(90)",
    "p95": "p(95)",
    "p99": "p(99)",
    "p999": "p(99.9)",
    "max": "max",
}


def _metric(m: dict[str, Any]) -> dict[str, Any]:
    out = {"type": m["type"], "values": m["values"]}
    if m.get("lower_bounds"):
        out["lower_bounds"] = m["lower_bounds"]
    return out


def write(result: Result, path: str | Path) -> None:
    """Writes the summary export of ``result`` to ``path``."""
    Path(path).write_text(json.dumps(summary(result), indent=2), encoding="utf-8")
