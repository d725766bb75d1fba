"""Results as tables.

The per-second series and percentile spectra as columns, ready for pandas or polars (imported only
when asked for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from horde._deps import optional

if TYPE_CHECKING:
    from horde import _native
    from horde.result import Result

_STATS = ("mean", "p50", "p90", "p95", "p99", "max")


def series_columns(result: Result) -> dict[str, list[Any]]:
    """One row per second × scenario × request name, as columns.

    Latencies are in milliseconds; ``vus``, ``target_vus``, ``scheduled`` (intended arrivals) and
    ``iterations`` are the scenario's, repeated on each of its request rows.
    """
    data = result.to_dict()
    keys = data["requests"]
    scenario_rows = {(p["second"], p["scenario"]): p for p in data.get("scenario_series", [])}
    cols: dict[str, list[Any]] = {
        name: []
        for name in (
            "second",
            "scenario",
            "name",
            "method",
            "requests",
            "failed",
            "errors",
            "bytes_sent",
            "bytes_received",
            *[f"response_time_{s}_ms" for s in _STATS],
            *[f"service_time_{s}_ms" for s in _STATS],
            "vus",
            "target_vus",
            "iterations",
            "scheduled",
        )
    }
    for p in data["series"]:
        key = keys[p["key"]]
        scenario = scenario_rows.get((p["second"], key["scenario"]), {})
        cols["second"].append(p["second"])
        cols["scenario"].append(key["scenario"])
        cols["name"].append(key["name"])
        cols["method"].append(key["method"])
        for field in ("requests", "failed", "errors", "bytes_sent", "bytes_received"):
            cols[field].append(p[field])
        for which in ("response_time", "service_time"):
            for s in _STATS:
                cols[f"{which}_{s}_ms"].append(p[which][s] / 1000.0)
        for field in ("vus", "target_vus", "iterations", "scheduled"):
            cols[field].append(scenario.get(field, 0))
    return cols


def spectrum_columns(hist: _native.Histogram, ticks_per_half: int = 5) -> dict[str, list[Any]]:
    """The percentile spectrum (HdrHistogram's classic output) of a histogram in µs."""
    cols: dict[str, list[Any]] = {"percentile": [], "value_ms": [], "count": [], "one_in": []}
    for q, value, count in hist.quantiles(ticks_per_half):
        cols["percentile"].append(100.0 * q)
        cols["value_ms"].append(value / 1000.0)
        cols["count"].append(count)
        cols["one_in"].append(float("inf") if q >= 1.0 else 1.0 / (1.0 - q))
    return cols


def pandas_frame(cols: dict[str, list[Any]], purpose: str) -> Any:
    """A pandas DataFrame from columns."""
    pd = optional("pandas", purpose)
    return pd.DataFrame(cols)


def polars_frame(cols: dict[str, list[Any]], purpose: str) -> Any:
    """A polars DataFrame from columns."""
    pl = optional("polars", purpose)
    return pl.DataFrame(cols)
