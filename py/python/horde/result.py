"""``Result``: what a run measured, read from the engine's result document.

The document is plain JSON (``save``/``load`` round-trip it unchanged). Latencies are exposed in
milliseconds with the unit in the name; full-resolution histograms are available through
:meth:`Result.histogram`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

from horde import _native
from horde.facts import METRICS

__all__ = ["Latency", "RequestStats", "Result", "load"]

# Tags a result can filter each place's rows by.
_ROW_TAGS = {"requests": {"name", "scenario", "method"}, "journeys": {"journey", "scenario"}, "generator": set()}
# Request metrics kept in a successful-only view too, and where (k6's ``expected_response`` tag).
_VIEWS = {"response_time_hist": "expected_time_hist"}


def _merge(rows: list[dict[str, Any]], field: str) -> _native.Histogram:
    merged = _native.Histogram()
    for r in rows:
        merged.merge(_native.Histogram.from_base64(r[field]))
    return merged


def _no_tags(metric: str, tags: Mapping[str, object], allowed: set[str]) -> None:
    unknown = set(tags) - allowed
    if unknown:
        raise ValueError(f"{metric} cannot be filtered by {sorted(unknown)}; filter by {sorted(allowed) or 'nothing'}")


@dataclass(frozen=True)
class Latency:
    """Summary of a latency distribution, in milliseconds.

    ``lower_bounds`` names the fields (e.g. ``"p95_ms"``) that are only lower bounds: requests given
    up on at a timeout lie among them, counted at their timeout, and would have taken longer.
    """

    count: int
    min_ms: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    lower_bounds: frozenset[str] = frozenset()

    @staticmethod
    def _from(summary: dict[str, Any], lower_bounds: Sequence[str] = ()) -> Latency:
        def ms(key: str) -> float:
            return float(summary[key]) / 1000.0

        return Latency(
            count=int(summary["count"]),
            min_ms=ms("min_us"),
            mean_ms=ms("mean_us"),
            p50_ms=ms("p50_us"),
            p90_ms=ms("p90_us"),
            p95_ms=ms("p95_us"),
            p99_ms=ms("p99_us"),
            p999_ms=ms("p999_us"),
            max_ms=ms("max_us"),
            lower_bounds=frozenset(f"{b}_ms" for b in lower_bounds),
        )


@dataclass(frozen=True)
class RequestStats:
    """Totals for one request name (or all of them)."""

    scenario: str
    name: str
    method: str
    requests: int
    failed: int
    responses: int
    bytes_sent: int
    bytes_received: int
    status: dict[str, int]
    errors: dict[str, int]
    error_details: dict[str, str]
    response_time: Latency
    service_time: Latency
    timed_out: int
    expected_response_time: Latency

    @staticmethod
    def _from(raw: dict[str, Any]) -> RequestStats:
        return RequestStats(
            scenario=raw["scenario"],
            name=raw["name"],
            method=raw["method"],
            requests=raw["requests"],
            failed=raw["failed"],
            responses=raw["responses"],
            bytes_sent=raw["bytes_sent"],
            bytes_received=raw["bytes_received"],
            status=dict(raw["status"]),
            errors=dict(raw["errors"]),
            error_details=dict(raw["error_details"]),
            response_time=Latency._from(raw["response_time"], raw.get("response_time_lower_bounds", ())),
            service_time=Latency._from(raw["service_time"]),
            timed_out=int(raw.get("timed_out", 0)),
            expected_response_time=Latency._from(raw.get("expected_time") or raw["response_time"]),
        )


class Result:
    """What a run measured.

    Example:
        >>> r = horde.attack("http://127.0.0.1:8080/", rate=100, duration=1)  # doctest: +SKIP
        >>> r.requests, r.rate, r.response_time.p99_ms  # doctest: +SKIP
        (100, 100.0, 0.41)
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._total = RequestStats._from(data["total"])

    # -- totals -------------------------------------------------------------------------
    @property
    def requests(self) -> int:
        """Requests finished: responses plus failures."""
        return self._total.requests

    @property
    def failed(self) -> int:
        """Failed requests: errors plus unexpected statuses."""
        return self._total.failed

    @property
    def duration_s(self) -> float:
        """Length of the load phase, seconds."""
        return float(self._data["duration_s"])

    @property
    def elapsed_s(self) -> float:
        """From start until the last response, seconds."""
        return float(self._data["elapsed_s"])

    @property
    def rate(self) -> float:
        """Achieved request rate over the load phase, per second."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def status(self) -> dict[str, int]:
        """Responses by status code."""
        return self._total.status

    @property
    def errors(self) -> dict[str, int]:
        """Failures by error class (``connect_refused``, ``request_timeout``, ...)."""
        return self._total.errors

    @property
    def response_time(self) -> Latency:
        """Response time of every request, from when it should have been sent (no coordinated omission).

        Failed requests count too, at the moment they failed; a request given up on at a timeout
        counts at its timeout, and the statistics it makes uncertain are named in
        ``lower_bounds``. The successful-only view is :attr:`expected_response_time`.
        """
        return self._total.response_time

    @property
    def expected_response_time(self) -> Latency:
        """Response time of the responses with an expected status only (k6's ``{expected_response:true}``)."""
        return self._total.expected_response_time

    @property
    def timed_out(self) -> int:
        """Requests given up on at a timeout (their times are lower bounds)."""
        return self._total.timed_out

    @property
    def service_time(self) -> Latency:
        """Service time: from when each request was actually sent."""
        return self._total.service_time

    @property
    def send_lag(self) -> Latency:
        """How late requests left against their schedule (0 when sent early)."""
        return Latency._from(self._data["generator"]["send_lag"])

    @property
    def total(self) -> RequestStats:
        """All requests together."""
        return self._total

    @property
    def by_request(self) -> list[RequestStats]:
        """Totals per scenario and request name."""
        return [RequestStats._from(r) for r in self._data["requests"]]

    @property
    def generator(self) -> dict[str, Any]:
        """The load generator's own health (lag, connections, CPU, saturation)."""
        return {k: v for k, v in self._data["generator"].items() if not k.endswith("_hist")}

    @property
    def saturated(self) -> bool:
        """True when horde could not keep up: the numbers then describe horde, not the target.

        The calibrated verdict behind it is :attr:`limited_by`.
        """
        return bool(self._data["generator"]["saturated"])

    @property
    def limited_by(self) -> str:
        """What limited the run: ``"target"``, ``"test"`` or ``"generator"``.

        ``"target"``: the results describe it. ``"test"``: the test's own VU or connection caps
        were too low for the target's latency. ``"generator"``: horde could not keep up, and the
        results describe horde.
        """
        return str(self._data["generator"].get("limited_by", "target"))

    @property
    def warnings(self) -> list[str]:
        """Honesty warnings, most important first."""
        return list(self._data["warnings"])

    @property
    def notes(self) -> list[str]:
        """Counts worth knowing that do not change what the results describe."""
        return list(self._data.get("notes", []))

    @property
    def stopped_early(self) -> str | None:
        """Why the run ended before its plan did (e.g. Ctrl-C), if it did."""
        return self._data.get("stopped_early")

    @property
    def passed(self) -> bool:
        """True when every threshold held (and always, when there are none)."""
        return bool(self._data.get("passed", True))

    @property
    def thresholds(self) -> list[dict[str, Any]]:
        """Threshold verdicts: metric, expression, observed value (ms for durations), ok."""
        return list(self._data.get("thresholds", []))

    @property
    def checks(self) -> list[dict[str, Any]]:
        """Per check: scenario, request, name, passes, fails."""
        return list(self._data.get("checks", []))

    @property
    def journeys(self) -> list[dict[str, Any]]:
        """Per journey and scenario: sessions started, completed, ended early, and the funnel."""
        return [{k: v for k, v in j.items() if not k.endswith("_hist")} for j in self._data.get("journeys", [])]

    @property
    def scenarios(self) -> list[dict[str, Any]]:
        """Per scenario: dropped iterations, exhausted data, intended and achieved concurrency."""
        return list(self._data.get("scenarios", []))

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """User-defined metrics (counters, rates, trends)."""
        return list(self._data.get("metrics", []))

    @property
    def metric_summary(self) -> list[dict[str, Any]]:
        """Every metric as the summaries show it (built-in, then the test's own).

        Each has a name, type, unit and values in k6's summary-export layout (durations in ms).
        """
        return list(self._data["summary"])

    @property
    def scenario_series(self) -> list[dict[str, Any]]:
        """One row per second per scenario: VUs, target VUs, iterations, arrivals, drops."""
        return list(self._data.get("scenario_series", []))

    def raise_for_thresholds(self) -> Result:
        """Raises :class:`horde.ThresholdsFailed` when a threshold failed; returns self otherwise."""
        if not self.passed:
            from horde.errors import ThresholdsFailed

            failed = [f"{t['metric']} {t['expression']}" for t in self.thresholds if not t["ok"]]
            raise ThresholdsFailed(f"thresholds failed: {', '.join(failed)}")
        return self

    @property
    def plan(self) -> dict[str, Any]:
        """The plan that produced this result."""
        return self._data["plan"]

    @property
    def series(self) -> list[dict[str, Any]]:
        """One row per second per request key (see ``requests`` for the key index)."""
        return self._data["series"]

    @property
    def generator_series(self) -> list[dict[str, Any]]:
        """One row per second for the generator."""
        return self._data["generator_series"]

    def histogram(self, metric: str = "http_req_duration", **tags: str | bool) -> _native.Histogram:
        """The full-resolution histogram (µs) of ``metric``, over all requests or those matching tags.

        Args:
            metric: a built-in trend (``horde.METRICS`` says which keep a histogram):
                ``"http_req_duration"`` (response time), ``"http_req_service_time"``, the request
                phases, ``"iteration_duration"`` or ``"send_lag"``.
            tags: ``name=``, ``scenario=``, ``method=`` for request metrics; ``journey=``,
                ``scenario=`` for ``iteration_duration``; ``expected_response=True`` for the
                successful-only view of ``http_req_duration``.

        Example:
            >>> h = result.histogram("http_req_duration", name="checkout")  # doctest: +SKIP
            >>> h.percentile(99.9), h.to_base64()[:8]  # doctest: +SKIP
        """
        at = (METRICS.get(metric) or {}).get("histogram")
        if at is None:
            known = ", ".join(name for name, m in METRICS.items() if m["histogram"])
            raise ValueError(f"unknown metric {metric!r}, expected one of {known}")
        place, field = at["rows"], at["field"]
        if "expected_response" in tags:
            view = tags.pop("expected_response")
            if field not in _VIEWS:
                raise ValueError(f"{metric} cannot be filtered by expected_response; only http_req_duration can")
            if view not in (True, "true"):
                raise ValueError(f"expected_response=True is the successful-only view; got {view!r}")
            field = _VIEWS[field]
        _no_tags(metric, tags, _ROW_TAGS[place])
        if place == "generator":
            return _native.Histogram.from_base64(self._data["generator"][field])
        if place == "requests" and not tags:
            return _native.Histogram.from_base64(self._data["total"][field])
        rows = [r for r in self._data.get(place, []) if all(r.get(k) == v for k, v in tags.items())]
        if place == "requests" and not rows:
            names = sorted({r["name"] for r in self._data["requests"]})
            raise ValueError(f"no request matches {tags}; names are {names}")
        return _merge(rows, field)

    def capacity(self, p99_ms: float = 500.0, max_error: float = 0.01) -> Any:
        """The capacity a rising load suggests, coarsely (:func:`horde.breakpoint` holds each rate)."""
        from horde import analysis

        return analysis.capacity(self, p99_ms=p99_ms, max_error=max_error)

    def recovery(self) -> Any:
        """How long after the load dropped back the target was healthy again (:mod:`horde.analysis`)."""
        from horde import analysis

        return analysis.recovery(self)

    def stress(self) -> Any:
        """How the target failed at the highest load — graceful, degraded or catastrophic — and recovered."""
        from horde import analysis

        return analysis.stress(self)

    def spike(self) -> Any:
        """Errors, worst latency and drops during a spike, and the time to recover after it."""
        from horde import analysis

        return analysis.spike(self)

    def timed_out_histogram(self, **tags: str) -> _native.Histogram:
        """The times (µs) of the requests given up on at a timeout: lower bounds.

        A subset of ``histogram("http_req_duration")`` with the same tags, as
        ``Histogram.is_lower_bound`` takes it.
        """
        _no_tags("timed-out requests", tags, _ROW_TAGS["requests"])
        rows = [self._data["total"]] if not tags else self._request_rows(**tags)
        merged = _native.Histogram()
        for r in rows:
            if "timed_out_hist" in r:
                merged.merge(_native.Histogram.from_base64(r["timed_out_hist"]))
        return merged

    def _request_rows(self, **tags: str) -> list[dict[str, Any]]:
        """The stored rows of the requests matching ``tags`` (name, scenario, method)."""
        return [r for r in self._data["requests"] if all(r.get(k) == v for k, v in tags.items())]

    def timeseries(self) -> Any:
        """One row per second × scenario × request name, as a pandas DataFrame.

        Columns: second, scenario, name, method, requests, failed, errors, bytes, response and
        service time (mean/p50/p90/p95/p99/max, ms), and the scenario's VUs, target VUs,
        iterations and intended arrivals (``scheduled``) in that second.
        """
        from horde import tables

        return tables.pandas_frame(tables.series_columns(self), "Result.timeseries()")

    def to_polars(self) -> Any:
        """The same table as :meth:`timeseries`, as a polars DataFrame."""
        from horde import tables

        return tables.polars_frame(tables.series_columns(self), "Result.to_polars()")

    def percentiles(self, metric: str = "http_req_duration", ticks_per_half: int = 5, **tags: str) -> Any:
        """The percentile spectrum of ``metric`` as a pandas DataFrame.

        Columns: percentile, value_ms, count, one_in — the classic HdrHistogram "nines" table.
        """
        from horde import tables

        hist = self.histogram(metric, **tags)
        return tables.pandas_frame(tables.spectrum_columns(hist, ticks_per_half), "Result.percentiles()")

    def summary(self, trend_stats: Sequence[str] | None = None) -> str:
        """The end-of-test summary, as the CLI prints it.

        Args:
            trend_stats: the columns for durations, e.g. ``["avg", "med", "p(95)", "p(99)"]``.
        """
        if self.plan.get("kind") == "attack":
            from horde import summary

            return summary.render(self)
        from horde import journey_summary

        return journey_summary.render(self, trend_stats)

    def _repr_html_(self) -> str:
        """A compact summary table for notebooks."""
        import html

        from horde.summary import latency_text

        rows = []
        for r in [self.total, *self.by_request] if len(self.by_request) > 1 else [self.total]:
            rt = r.response_time
            label = "all requests" if r is self.total else f"{r.scenario} · {r.name}"
            rows.append(
                f"<tr><td>{html.escape(label)}</td><td>{r.requests:,}</td>"
                f"<td>{100 * r.failed / max(r.requests, 1):.2f}%</td>"
                + "".join(f"<td>{latency_text(rt, f)}</td>" for f in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
                + "</tr>"
            )
        verdicts = "".join(
            f"<li>{'✓' if t['ok'] else '✗'} {html.escape(t['metric'])} {html.escape(t['expression'])}</li>"
            for t in self.thresholds
        )
        head = "passed" if self.passed else "THRESHOLDS FAILED"
        warn = "".join(f"<p>⚠ {html.escape(w)}</p>" for w in self.warnings)
        return (
            f"<div><b>horde result</b> — {self.rate:.1f} req/s over {self.duration_s:.1f} s"
            f"{' — ' + head if self.thresholds else ''}"
            "<table><tr><th></th><th>requests</th><th>failed</th><th>p50</th><th>p95</th><th>p99</th>"
            f"<th>max</th></tr>{''.join(rows)}</table>{'<ul>' + verdicts + '</ul>' if verdicts else ''}{warn}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """The raw result document (JSON-compatible)."""
        return self._data

    def save(self, path: str | PathLike[str]) -> None:
        """Writes the result as JSON; :func:`horde.load` reads it back unchanged."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self._data, f)

    def __repr__(self) -> str:
        rt = self.response_time
        verdict = "" if not self.thresholds else (", passed" if self.passed else ", FAILED thresholds")
        return (
            f"<horde.Result {self.requests} requests, {self.rate:.1f}/s, {self.failed} failed, "
            f"p99 {rt.p99_ms:.2f} ms{verdict}{', SATURATED' if self.saturated else ''}>"
        )


def load(path: str | PathLike[str]) -> Result:
    """Reads a result written by :meth:`Result.save` (or ``horde attack --json``)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("kind") == "capacity":
        raise ValueError(f"{path} is a breakpoint search: read it with horde.load_capacity()")
    if not isinstance(data, dict) or "total" not in data or "version" not in data:
        raise ValueError(f"{path} is not a horde result file")
    if "summary" not in data or any("shape" not in s for s in data.get("scenarios", [])):
        # Written by an earlier version: the engine works out what it did not keep.
        data = json.loads(_native.load_result(text))
    return Result(data)
