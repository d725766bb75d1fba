"""``horde.attack``: one request, at a fixed rate or back to back.

With a rate it is an open model (requests start on schedule whatever the server does); without,
a closed model (a fixed set of connections sending back to back, like wrk).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from horde import _native
from horde._units import seconds
from horde.client import Tls, http_options
from horde.errors import PlanError
from horde.outputs import parse as parse_output
from horde.result import Result
from horde.running import Progress, run_plan
from horde.steps import body_spec, header_pairs

__all__ = ["attack", "attack_plan"]

_DEFAULT_DURATION_S = 10.0
_COUNT_ONLY_MAX_DURATION_S = 600.0

# Plan paths → the attack() argument a user wrote, so errors name what the user can change.
_ARGUMENTS = {
    ".executor.rate": "rate",
    ".executor.duration_s": "duration",
    ".executor.max_duration_s": "duration",
    ".executor.iterations": "requests",
    ".executor.max_iterations": "requests",
    ".executor.vus": "connections",
    ".executor.max_vus": "connections",
    ".executor.pre_allocated_vus": "connections",
    ".request.method": "method",
    ".request.url": "url",
    ".request.headers": "headers",
    ".request.timeout_s": "timeout",
    "options.http.connect_timeout_s": "connect_timeout",
    "options.http.tls.ca_file": "tls.ca",
    "options.http.tls.client_cert": "tls.cert",
    "options.http.tls.client_key": "tls.key",
    "options.http.hosts": "hosts",
    "options.workers": "workers",
}


def attack(
    url: str,
    *,
    rate: float | None = None,
    duration: float | str | None = None,
    requests: int | None = None,
    connections: int = 64,
    method: str = "GET",
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    timeout: float | str = "60s",
    connect_timeout: float | str = "10s",
    workers: int | None = None,
    send_window: float | str = "1ms",
    outputs: Sequence[str] = (),
    tls: Tls | None = None,
    insecure: bool = False,
    hosts: Mapping[str, str | Sequence[str]] | None = None,
    max_redirects: int = 10,
    progress: Progress | str | None = "auto",
) -> Result:
    """Sends one request over and over and measures the responses.

    With ``rate``, requests start at that many per second whatever the server does (open model),
    over at most ``connections`` connections; latency counts from when each request *should* have
    been sent, so a stalling server shows up in the percentiles. Without ``rate``, ``connections``
    connections send back to back (closed model, like wrk).

    Args:
        url: an ``http://`` or ``https://`` URL.
        rate: requests per second (open model).
        duration: how long, seconds or a string like ``"30s"`` (default 10 s, or ``requests/rate``).
        requests: stop after this many requests.
        connections: most connections (open model: the in-flight bound).
        method: HTTP method.
        headers: header fields, as a mapping or ``(name, value)`` pairs.
        body: request body (text is sent as UTF-8).
        timeout: per-request timeout.
        connect_timeout: TCP connect timeout.
        workers: worker threads (default: one per CPU this process may use).
        outputs: live outputs, e.g. ``["json=run.jsonl"]`` (see :mod:`horde.outputs`).
        send_window: how early a request may leave so that sends due close together share one
            wake-up (default 1 ms; 0 sends each exactly on time, at a much higher CPU cost).
            Early requests are timed from when they actually left.
        tls: HTTPS settings (``h.Tls(ca=..., cert=..., key=...)``).
        insecure: skip certificate verification (flagged in the summary).
        hosts: host name → address(es) to use instead of DNS.
        max_redirects: redirects followed per request (0: measure the 3xx itself).
        progress: called with a progress dict a few times a second; ``"auto"`` shows a live
            display in Jupyter and nothing elsewhere.

    Returns:
        The run's :class:`~horde.Result`; after Ctrl-C, what was measured until then.

    Raises:
        TypeError: an argument has the wrong type.
        PlanError: an argument has a wrong value (the message names it); nothing was sent.
        RunError: the run could not start.

    Example:
        >>> import horde
        >>> result = horde.attack("http://127.0.0.1:8080/", rate=100, duration=2)  # doctest: +SKIP
        >>> print(result.summary())  # doctest: +SKIP
    """
    plan = attack_plan(
        url,
        rate=rate,
        duration=duration,
        requests=requests,
        connections=connections,
        method=method,
        headers=headers,
        body=body,
        timeout=timeout,
        connect_timeout=connect_timeout,
        workers=workers,
        send_window=send_window,
        outputs=outputs,
        tls=tls,
        insecure=insecure,
        hosts=hosts,
        max_redirects=max_redirects,
    )
    try:
        _native.validate_plan(json.dumps(plan))
    except PlanError as e:
        raise _rename(e) from None
    return run_plan(plan, progress)


def attack_plan(
    url: str,
    *,
    rate: float | None = None,
    duration: float | str | None = None,
    requests: int | None = None,
    connections: int = 64,
    method: str = "GET",
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    timeout: float | str = "60s",
    connect_timeout: float | str = "10s",
    workers: int | None = None,
    send_window: float | str = "1ms",
    outputs: Sequence[str] = (),
    tls: Tls | None = None,
    insecure: bool = False,
    hosts: Mapping[str, str | Sequence[str]] | None = None,
    max_redirects: int = 10,
) -> dict[str, Any]:
    """Builds the plan :func:`attack` runs (same arguments, minus ``progress``).

    Example:
        >>> plan = attack_plan("http://127.0.0.1:8080/", rate=50, duration="2s")
        >>> plan["scenarios"]["attack"]["executor"]["type"]
        'constant_arrival_rate'
    """
    _expect(url, str, "url")
    _expect(method, str, "method")
    _expect_number(rate, "rate", optional=True)
    _expect_int(requests, "requests", optional=True)
    _expect_int(connections, "connections")
    _expect_int(workers, "workers", optional=True)
    duration_s = None if duration is None else seconds(duration, "duration")
    timeout_s = seconds(timeout, "timeout")
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": [list(pair) for pair in header_pairs(headers)],
        "body": body_spec(None, None, body),
        "timeout_s": timeout_s,
    }
    executor: dict[str, Any]
    if rate is not None:
        if duration_s is None:
            by_count = requests / rate if requests and rate > 0 else None
            duration_s = by_count if by_count and math.isfinite(by_count) else _DEFAULT_DURATION_S
        executor = {
            "type": "constant_arrival_rate",
            "rate": rate,
            "duration_s": duration_s,
            "pre_allocated_vus": connections,
            "max_vus": connections,
            "max_iterations": requests,
            "when_saturated": "queue",
        }
    elif requests is not None:
        executor = {
            "type": "shared_iterations",
            "vus": connections,
            "iterations": requests,
            "max_duration_s": duration_s if duration_s is not None else _COUNT_ONLY_MAX_DURATION_S,
        }
    else:
        executor = {
            "type": "constant_vus",
            "vus": connections,
            "duration_s": duration_s if duration_s is not None else _DEFAULT_DURATION_S,
        }
    return {
        "version": _native.PLAN_VERSION,
        "name": "attack",
        "journeys": {"attack": {"steps": [{"request": request}]}},
        # In-flight requests at the end may finish; they are bounded by the timeout anyway.
        "scenarios": {
            "attack": {
                "journey": "attack",
                "executor": executor,
                "graceful_stop_s": timeout_s + 1.0,
            }
        },
        "options": {
            "workers": workers,
            "http": http_options(
                timeout=timeout_s,
                connect_timeout=connect_timeout,
                tls=tls,
                insecure=insecure,
                dns=None,
                hosts=hosts,
                cookies="per_vu",
                max_redirects=max_redirects,
                connections="per_vu",
                max_connections_per_host=None,
                compression=False,
            ),
            "send_window_us": round(seconds(send_window, "send_window") * 1e6),
            "outputs": [parse_output(o) for o in ([outputs] if isinstance(outputs, str) else outputs)],
        },
    }


def _rename(error: PlanError) -> PlanError:
    """Rewrites plan paths to the attack() argument names the user wrote."""
    issues: list[tuple[str, str]] = []
    for path, message in error.issues:
        bare = re.sub(r"\[\d+\]$", "", path)
        name = next((arg for suffix, arg in _ARGUMENTS.items() if bare.endswith(suffix)), path)
        if (name, message) not in issues:
            issues.append((name, message))
    text = "; ".join(f"{n}: {m}" for n, m in issues) or str(error)
    return PlanError(f"invalid attack: {text}", issues)


def _expect(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {kind.__name__}, got {value!r} ({type(value).__name__})")


def _expect_number(value: object, name: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")


def _expect_int(value: object, name: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < 0:  # zero goes on to the engine, which reports it with every other problem
        raise PlanError(
            f"invalid attack: {name}: must be ≥ 1, got {value}",
            [(name, f"must be ≥ 1, got {value}")],
        )
