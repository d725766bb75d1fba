"""Live outputs: where results go while the run goes on, in k6's ``--out kind=target`` syntax.

- ``json=results.jsonl`` — JSON lines, one metric point per line per request name and second
- ``csv=results.csv`` — one row per request name and second
- ``hdr=latency.hlog`` — an HdrHistogram interval log of response times, one histogram per second
- ``influxdb=http://127.0.0.1:8086/horde`` — InfluxDB 1.x line protocol (the path is the database)
- ``prometheus=http://127.0.0.1:9090/api/v1/write`` — Prometheus remote write

An output that falls behind or whose server is down never slows the load: what it could not
deliver is counted and reported in the summary, and the local result is complete.

Example:
    >>> parse("influxdb=http://127.0.0.1:8086/horde")
    {'type': 'influxdb', 'url': 'http://127.0.0.1:8086', 'database': 'horde'}
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlsplit

from horde.errors import PlanError

KINDS = ("json", "csv", "hdr", "influxdb", "prometheus")


def parse(spec: str) -> dict[str, Any]:
    """One ``kind=target`` output to its plan form.

    Raises:
        PlanError: the kind is unknown or the target is missing.
    """
    if not isinstance(spec, str):
        raise TypeError(f"an output is a string like 'json=results.jsonl', got {spec!r}")
    kind, sep, target = spec.partition("=")
    kind, target = kind.strip(), target.strip()
    if not sep or not target:
        _refuse(spec, "expected kind=target, e.g. json=results.jsonl")
    if kind in ("json", "csv"):
        return {"type": kind, "path": target}
    if kind in ("hdr", "hdr_log"):
        return {"type": "hdr_log", "path": target}
    if kind == "influxdb":
        parts = urlsplit(target)
        database = parts.path.strip("/")
        if not database:
            _refuse(spec, "put the database in the path, e.g. influxdb=http://127.0.0.1:8086/horde")
        return {"type": "influxdb", "url": f"{parts.scheme}://{parts.netloc}", "database": database}
    if kind == "prometheus":
        return {"type": "prometheus", "url": target}
    _refuse(spec, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")


def _refuse(spec: str, problem: str) -> NoReturn:
    raise PlanError(f"output {spec!r}: {problem}", [("outputs", f"{spec!r}: {problem}")])
