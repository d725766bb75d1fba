"""``horde.attack``: one request, at a fixed rate or back to back.

With a rate it is an open model (requests start on schedule whatever the server does); without,
a closed model (a fixed set of connections sending back to back, like wrk).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from horde._units import seconds
from horde.client import Tls
from horde.errors import PlanError
from horde.executors import Scenario, executor
from horde.facts import DEFAULTS, renamed
from horde.result import Result
from horde.running import Progress, run_plan
from horde.steps import journey, request
from horde.test import Test

__all__ = ["CONNECTIONS", "attack", "attack_plan"]

#: Connections an attack uses unless told otherwise (like wrk's -c).
CONNECTIONS = 64

# Plan fields → the attack() argument a user wrote, so errors name what the user can change.
_ARGUMENTS = {
    "executor.rate": "rate",
    "executor.duration_s": "duration",
    "executor.max_duration_s": "duration",
    "executor.iterations": "requests",
    "executor.max_iterations": "requests",
    "executor.vus": "connections",
    "executor.max_vus": "connections",
    "executor.pre_allocated_vus": "connections",
    "request.method": "method",
    "request.url": "url",
    "request.headers": "headers",
    "request.timeout_s": "timeout",
    "connect_timeout_s": "connect_timeout",
    "tls.ca_file": "tls.ca",
    "tls.client_cert": "tls.cert",
    "tls.client_key": "tls.key",
    "hosts": "hosts",
    "send_window_us": "send_window",
}
# Where each part of the attack's plan lives.
_PLACES = re.compile(r"^(scenarios\.attack\.|journeys\.attack\.steps\[0\]\.|options\.http\.|options\.)")


def attack(
    url: str,
    *,
    rate: float | None = None,
    duration: float | str | None = None,
    requests: int | None = None,
    connections: int = CONNECTIONS,
    method: str = "GET",
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    timeout: float | str | None = None,
    connect_timeout: float | str | None = None,
    workers: int | None = None,
    send_window: float | str | None = None,
    outputs: Sequence[str] = (),
    tls: Tls | None = None,
    insecure: bool = False,
    hosts: Mapping[str, str | Sequence[str]] | None = None,
    max_redirects: int | None = None,
    source_addresses: str | Sequence[str] | None = None,
    strict: bool = False,
    progress: Progress | str | None = "auto",
) -> Result:
    """Sends one request over and over and measures the responses.

    With ``rate``, requests start at that many per second whatever the server does (open model),
    over at most ``connections`` connections; latency counts from when each request *should* have
    been sent, so a stalling server shows up in the percentiles. Without ``rate``, ``connections``
    connections send back to back (closed model, like wrk).

    Arguments left out take the engine's defaults (``horde.DEFAULTS``).

    Args:
        url: an ``http://`` or ``https://`` URL.
        rate: requests per second (open model).
        duration: how long, seconds or a string like ``"30s"`` (default: ``requests/rate`` with both,
            else the engine's default duration, ``horde.DEFAULTS["executor"]["duration_s"]``).
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
            wake-up (0 sends each exactly on time, at a much higher CPU cost). Early requests are
            timed from when they actually left.
        tls: HTTPS settings (``h.Tls(ca=..., cert=..., key=...)``).
        insecure: skip certificate verification (flagged in the summary).
        hosts: host name → address(es) to use instead of DNS.
        max_redirects: redirects followed per request (0: measure the 3xx itself).
        source_addresses: local addresses to spread connections over (IPs or IPv4 ranges such
            as ``"127.0.0.2-127.0.0.9"``): each holds at most the ephemeral port range's
            connections to one address and port.
        strict: refuse to start when the connections may exceed the host's open-file limit or
            ephemeral ports (by default: a warning before any load).
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
    try:
        return run_plan(_test(**_arguments(locals())).to_plan(), progress)
    except PlanError as e:
        raise _rename(e) from None


def attack_plan(
    url: str,
    *,
    rate: float | None = None,
    duration: float | str | None = None,
    requests: int | None = None,
    connections: int = CONNECTIONS,
    method: str = "GET",
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    timeout: float | str | None = None,
    connect_timeout: float | str | None = None,
    workers: int | None = None,
    send_window: float | str | None = None,
    outputs: Sequence[str] = (),
    tls: Tls | None = None,
    insecure: bool = False,
    hosts: Mapping[str, str | Sequence[str]] | None = None,
    max_redirects: int | None = None,
    source_addresses: str | Sequence[str] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Builds the plan :func:`attack` runs (same arguments, minus ``progress``).

    Example:
        >>> plan = attack_plan("http://127.0.0.1:8080/", rate=50, duration="2s")
        >>> plan["scenarios"]["attack"]["executor"]["type"], plan["kind"]
        ('constant_arrival_rate', 'attack')
    """
    try:
        return _test(**_arguments(locals())).to_plan()
    except PlanError as e:
        raise _rename(e) from None


def _arguments(given: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in given.items() if k != "progress"}


def _test(
    url: str,
    rate: float | None,
    duration: float | str | None,
    requests: int | None,
    connections: int,
    method: str,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None,
    body: str | bytes | None,
    timeout: float | str | None,
    connect_timeout: float | str | None,
    workers: int | None,
    send_window: float | str | None,
    outputs: Sequence[str],
    tls: Tls | None,
    insecure: bool,
    hosts: Mapping[str, str | Sequence[str]] | None,
    max_redirects: int | None,
    source_addresses: str | Sequence[str] | None,
    strict: bool,
) -> Test:
    """The attack as a test: one journey of one request, under the executor its arguments say.

    Nothing is checked here but types: the whole plan is checked at once when it compiles, so
    that every wrong argument is reported together.
    """
    _expect(url, str, "url")
    _expect(method, str, "method")
    _expect_number(rate, "rate")
    _expect_int(requests, "requests")
    _expect_int(connections, "connections")
    _expect_int(workers, "workers")
    duration_s = None if duration is None else seconds(duration, "duration")
    timeout_s = seconds(timeout, "timeout") if timeout is not None else DEFAULTS["options"]["http"]["timeout_s"]
    target = journey("attack", request(method, url, headers=headers, body=body, timeout=timeout))
    if rate is not None:
        if duration_s is None and requests and rate > 0 and math.isfinite(requests / rate):
            duration_s = requests / rate
        spec = executor(
            "constant_arrival_rate",
            rate=rate,
            duration_s=duration_s if duration_s is not None else DEFAULTS["executor"]["duration_s"],
            pre_allocated_vus=connections,
            max_vus=connections,
            max_iterations=requests,
            when_saturated="queue",
        )
    elif requests is not None:
        spec = executor("shared_iterations", vus=connections, iterations=requests, max_duration_s=duration_s)
    else:
        spec = executor("constant_vus", vus=connections, duration_s=duration_s)
    # In-flight requests at the end may finish; they are bounded by the timeout anyway.
    scenario = Scenario(((target, 1.0),), spec, graceful_stop=timeout_s + 1.0)
    return Test(
        scenarios={"attack": scenario},
        name="attack",
        timeout=timeout,
        connect_timeout=connect_timeout,
        workers=workers,
        send_window=send_window,
        outputs=[outputs] if isinstance(outputs, str) else outputs,
        tls=tls,
        insecure=insecure,
        hosts=hosts,
        cookies="per_vu",
        max_redirects=max_redirects,
        compression=False,
        source_addresses=source_addresses,
        strict=strict,
        _kind="attack",
        _checked=False,
    )


def _rename(error: PlanError) -> PlanError:
    """Rewrites plan paths to the attack() argument names the user wrote."""
    bare = PlanError(str(error), [(_argument_path(path), m) for path, m in error.issues])
    return renamed(bare, _ARGUMENTS, title="invalid attack: ")


def _argument_path(path: str) -> str:
    """A plan path without the place of the attack's part in it, its list index, or a host name."""
    bare = re.sub(r"\[\d+\]$", "", _PLACES.sub("", path))
    return "hosts" if bare.startswith("hosts.") else bare


def _expect(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {kind.__name__}, got {value!r} ({type(value).__name__})")


def _expect_number(value: object, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")


def _expect_int(value: object, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < 0:  # the plan's counts are unsigned; zero goes on to the engine
        raise PlanError(f"invalid attack: {name}: must be ≥ 1, got {value}", [(name, f"must be ≥ 1, got {value}")])
