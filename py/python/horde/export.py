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

if TYPE_CHECKING:
    from horde.result import Result

SUMMARY_VERSION = 1


def schema() -> dict[str, Any]:
    """The JSON Schema of the summary export."""
    text = resources.files("horde").joinpath("schemas/summary.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _trend(s: dict[str, Any]) -> dict[str, float]:
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


def summary(result: Result) -> dict[str, Any]:
    """The summary export of ``result`` as a dict."""
    data = result.to_dict()
    total = data["total"]
    duration = max(result.duration_s, 1e-9)
    metrics: dict[str, Any] = {
        "http_reqs": {"type": "counter", "values": {"count": total["requests"], "rate": total["requests"] / duration}},
        "http_req_failed": {
            "type": "rate",
            "values": {
                "rate": total["failed"] / total["requests"] if total["requests"] else 0.0,
                "passes": total["failed"],
                "fails": total["requests"] - total["failed"],
            },
        },
        "http_req_duration": {"type": "trend", "values": _trend(total["response_time"])},
        "http_req_service_time": {"type": "trend", "values": _trend(total["service_time"])},
        "http_req_connecting": {"type": "trend", "values": _trend(total["connecting"])},
        "http_req_waiting": {"type": "trend", "values": _trend(total["waiting"])},
        "http_req_receiving": {"type": "trend", "values": _trend(total["receiving"])},
        "data_sent": {
            "type": "counter",
            "values": {"count": total["bytes_sent"], "rate": total["bytes_sent"] / duration},
        },
        "data_received": {
            "type": "counter",
            "values": {"count": total["bytes_received"], "rate": total["bytes_received"] / duration},
        },
        "iterations": {
            "type": "counter",
            "values": {"count": data["generator"]["iterations"], "rate": data["generator"]["iterations"] / duration},
        },
        "dropped_iterations": {"type": "counter", "values": {"count": data["generator"]["dropped_iterations"]}},
        "vus_max": {"type": "gauge", "values": {"value": data.get("vus_max", 0)}},
    }
    if total.get("tls_handshaking", {}).get("count"):
        metrics["http_req_tls_handshaking"] = {"type": "trend", "values": _trend(total["tls_handshaking"])}
    checks = data.get("checks", [])
    if checks:
        passes = sum(c["passes"] for c in checks)
        fails = sum(c["fails"] for c in checks)
        values = {"rate": passes / max(passes + fails, 1), "passes": passes, "fails": fails}
        metrics["checks"] = {"type": "rate", "values": values}
    for m in data.get("metrics", []):
        if m["kind"] == "trend" and m["trend"]:
            # Trends are stored in thousandths of their unit, as durations in µs: _trend gives the unit.
            values = {k: v for k, v in _trend(m["trend"]).items() if k != "count"}
            values["count"] = m["count"]
        elif m["kind"] == "rate":
            trues = round(m["rate"] * m["count"])
            values = {"rate": m["rate"], "passes": trues, "fails": m["count"] - trues}
        else:
            values = {"count": m["sum"], "rate": m["sum"] / duration}
        metrics[m["name"]] = {"type": m["kind"], "values": values}
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
        "warnings": result.warnings,
        "metrics": metrics,
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
                "response_time_ms": _trend(r["response_time"]),
            }
            for r in data["requests"]
        ],
        "checks": checks,
        "journeys": result.journeys,
        "scenarios": result.scenarios,
    }


def write(result: Result, path: str | Path) -> None:
    """Writes the summary export of ``result`` to ``path``."""
    Path(path).write_text(json.dumps(summary(result), indent=2), encoding="utf-8")
