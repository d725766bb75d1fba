"""``horde.attack``: one request, or a list of targets, at a fixed rate or back to back.

With a rate it is an open model (requests start on schedule whatever the server does); without,
a closed model (a fixed set of connections sending back to back, like wrk). A target list
(:func:`horde.targets`, vegeta's files) is spread over in turn or by weight; how is told at
:func:`attack`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from horde import _native
from horde._units import seconds
from horde.client import Tls
from horde.errors import PlanError
from horde.executors import Scenario, executor
from horde.facts import DEFAULTS, renamed
from horde.result import Result
from horde.running import Progress, run_plan
from horde.steps import Journey, Request, choose, header_pairs, journey, repeat, request
from horde.targets import Target, check, steps
from horde.test import Test

__all__ = ["CONNECTIONS", "ORDERS", "attack", "attack_plan"]

#: How an attack spreads its requests over a target list.
ORDERS = ("round-robin", "weighted")

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
    "max_connections_per_host": "connections",
    "send_window_us": "send_window",
}
# Where each part of the attack's plan lives (a target list's scenarios have other names, and its
# journeys several steps: the request's fields are what the user wrote).
_PLACES = re.compile(r"^(scenarios\.[^.]+\.|journeys\.[^.]+\..*?(?=request\.)|options\.http\.|options\.)")


def attack(
    url: str | None = None,
    *,
    targets: Sequence[Target] | None = None,
    order: str = "round-robin",
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
    """Sends one request, or the requests of a target list, over and over and measures the responses.

    With ``rate``, requests start at that many per second whatever the server does (open model),
    over at most ``connections`` connections; latency counts from when each request *should* have
    been sent, so a stalling server shows up in the percentiles. Without ``rate``, ``connections``
    connections send back to back (closed model, like wrk).

    With ``targets`` (``h.targets("targets.txt")``), each request goes to one of them, at the host
    and port its URL names; results count each target under its name (``GET /v1/orders/42``).
    ``order="round-robin"`` (vegeta's) sends them in turn, evenly. Open model: one scenario per
    target at ``rate / n``, the k-th starting k/``rate`` s after the first, so that together they
    are one schedule at ``rate`` whose i-th request goes to target i mod n (exact with
    ``requests``); each target gets its share of ``connections`` (at least one). Closed model: each
    connection sends the targets in the list's order, so each gets the same count whatever its
    latency; with ``requests`` not a multiple of n, one connection sends the first
    ``requests % n`` once more. ``order="weighted"`` picks each request's target at random with
    probability weight / sum of weights (``Target.weight``). Each server gets up to
    ``connections`` pooled connections, so switching targets never reconnects. ``headers`` go
    before each target's own and ``body`` is for targets without one (as vegeta's ``-header``
    and ``-body``); ``method`` does not apply.

    Arguments left out take the engine's defaults (``horde.DEFAULTS``).

    Args:
        url: an ``http://`` or ``https://`` URL (or ``targets``).
        targets: a target list instead of ``url`` (see :mod:`horde.targets`).
        order: ``"round-robin"`` or ``"weighted"``, for ``targets``.
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
        PlanError: an argument has a wrong value (the message names it, or a target's line); nothing
            was sent.
        RunError: the run could not start.

    Example:
        >>> import horde
        >>> result = horde.attack("http://127.0.0.1:8080/", rate=100, duration=2)  # doctest: +SKIP
        >>> print(result.summary())  # doctest: +SKIP
        >>> result = horde.attack(targets=horde.targets("targets.txt"), rate=300, requests=900)  # doctest: +SKIP
    """
    plan = _plan(_arguments(locals()))
    try:
        return run_plan(plan, progress)
    except PlanError as e:
        raise _rename(e) from None


def attack_plan(
    url: str | None = None,
    *,
    targets: Sequence[Target] | None = None,
    order: str = "round-robin",
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
        >>> ts = [Target("GET", "http://127.0.0.1:8080/a"), Target("GET", "http://127.0.0.1:8080/b")]
        >>> plan = attack_plan(targets=ts, rate=50, duration="2s")
        >>> [(s["executor"]["rate"], s.get("start_s")) for s in plan["scenarios"].values()]
        [(25.0, None), (25.0, 0.02)]
    """
    return _plan(_arguments(locals()))


def _arguments(given: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in given.items() if k != "progress"}


def _plan(arguments: dict[str, Any]) -> dict[str, Any]:
    """The attack's plan; a target list is checked first, so that its problems name its lines."""
    targets = arguments["targets"]
    if targets is not None:
        if arguments["url"] is not None:
            raise TypeError("give attack() a url or targets=, not both")
        if str(arguments["method"]).upper() != "GET":
            raise TypeError("method= does not apply to targets: each target has its own method")
        if arguments["order"] not in ORDERS:
            raise PlanError(
                f"invalid attack: order: must be one of {', '.join(ORDERS)}, got {arguments['order']!r}",
                [("order", f"must be one of {', '.join(ORDERS)}")],
            )
        check(targets)
    try:
        return _test(**arguments).to_plan()
    except PlanError as e:
        raise _rename(e) from None


def _test(
    url: str | None,
    targets: Sequence[Target] | None,
    order: str,
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
    """The attack as a test: a journey of one request (or the targets'), under the executor its arguments say.

    Nothing is checked here but types: the whole plan is checked at once when it compiles, so
    that every wrong argument is reported together.
    """
    _expect(method, str, "method")
    _expect_number(rate, "rate")
    _expect_int(requests, "requests")
    _expect_int(connections, "connections")
    _expect_int(workers, "workers")
    duration_s = None if duration is None else seconds(duration, "duration")
    timeout_s = seconds(timeout, "timeout") if timeout is not None else DEFAULTS["options"]["http"]["timeout_s"]
    if rate is not None and duration_s is None and requests and rate > 0 and math.isfinite(requests / rate):
        duration_s = requests / rate
    # In-flight requests at the end may finish; they are bounded by the timeout anyway.
    graceful = timeout_s + 1.0
    if targets is None:
        _expect(url, str, "url")
        one = journey("attack", request(method, str(url), headers=headers, body=body, timeout=timeout))
        spec = _executor(rate, duration_s, requests, connections)
        scenarios = {"attack": Scenario(((one, 1.0),), spec, graceful_stop=graceful)}
    else:
        calls = steps(targets, header_pairs(headers), body, timeout)
        if order == "weighted":
            mixed = journey("targets", choose(*((t.weight, c) for t, c in zip(targets, calls, strict=True))))
            spec = _executor(rate, duration_s, requests, connections)
            scenarios = {"targets": Scenario(((mixed, 1.0),), spec, graceful_stop=graceful)}
        else:
            scenarios = _round_robin(targets, calls, rate, duration_s, requests, connections, graceful)
    return Test(
        scenarios=scenarios,
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
        # Targets on several servers: a VU takes a pooled connection to each, never reconnecting to switch.
        max_connections_per_host=None if targets is None else connections,
        compression=False,
        source_addresses=source_addresses,
        strict=strict,
        # A target list's summary is the journey one: it has a row per request name.
        _kind="attack" if targets is None else "test",
        _checked=False,
    )


def _executor(rate: float | None, duration_s: float | None, requests: int | None, connections: int) -> dict[str, Any]:
    """The executor of an attack: arrivals at ``rate``, else ``connections`` back to back."""
    if rate is not None:
        return executor(
            "constant_arrival_rate",
            rate=rate,
            duration_s=duration_s if duration_s is not None else DEFAULTS["executor"]["duration_s"],
            pre_allocated_vus=connections,
            max_vus=connections,
            max_iterations=requests,
            when_saturated="queue",
        )
    if requests is not None:
        return executor("shared_iterations", vus=connections, iterations=requests, max_duration_s=duration_s)
    return executor("constant_vus", vus=connections, duration_s=duration_s)


def _round_robin(
    targets: Sequence[Target],
    calls: list[Request],
    rate: float | None,
    duration_s: float | None,
    requests: int | None,
    connections: int,
    graceful: float,
) -> dict[str, Scenario]:
    """Scenarios that send the targets in turn (see :func:`attack` for how, and why it is exact)."""
    n = len(calls)
    weighted = [t.where or f"targets[{i}]" for i, t in enumerate(targets) if t.weight != 1.0]
    if weighted:
        why = f"round-robin sends every target in turn, but {weighted[0]} has a weight (use order weighted)"
        raise PlanError(why, [("order", why)])
    whole = _executor(rate, duration_s, requests, connections)
    # The engine checks the attack's own numbers before they are divided, so that a problem
    # names what the user gave.
    _native.check_scenario(json.dumps({"journey": "attack", "executor": whole}))
    if rate is None:
        return _walks(calls, duration_s, requests, connections, graceful)
    if connections < n:
        why = f"must be ≥ {n}, got {connections}: round-robin at a rate gives each of the {n} targets its own"
        raise PlanError(why, [("connections", why + " (or use order weighted)")])
    span: float = whole["duration_s"]
    scenarios = {}
    for i, call in enumerate(calls):
        # Target i gets the requests i, i + n, i + 2n, ... of one schedule at `rate`.
        offset = i / rate
        share = connections // n + (i < connections % n)
        count = None if requests is None else math.ceil((requests - i) / n)
        length = span - offset if count is None else min(span - offset, count * n / rate)
        if (count is not None and count <= 0) or length <= 0:
            continue
        spec = executor(
            "constant_arrival_rate",
            rate=rate / n,
            duration_s=length,
            pre_allocated_vus=share,
            max_vus=share,
            max_iterations=count,
            when_saturated="queue",
        )
        one = journey(f"target-{i + 1}", call)
        scenarios[one.name] = Scenario(((one, 1.0),), spec, start=offset or None, graceful_stop=graceful)
    return scenarios


def _walks(
    calls: list[Request], duration_s: float | None, requests: int | None, connections: int, graceful: float
) -> dict[str, Scenario]:
    """Closed-model round-robin: each connection sends the targets in the list's order, again and again."""

    def scenario(walk: Journey, vus: int, iterations: int | None = None) -> Scenario:
        if iterations is None:
            spec = executor("constant_vus", vus=vus, duration_s=duration_s)
        else:
            spec = executor("shared_iterations", vus=vus, iterations=iterations, max_duration_s=duration_s)
        return Scenario(((walk, 1.0),), spec, graceful_stop=graceful)

    walk = journey("targets", *calls)
    rounds, rest = divmod(requests or 0, len(calls))
    if requests is None or rest == 0:
        return {"targets": scenario(walk, connections, None if requests is None else rounds)}
    if connections == 1 or rounds == 0:
        # One connection sends the rounds, then the first `rest` targets: still one connection.
        alone = journey("targets", *([repeat(rounds, *calls)] if rounds else []), *calls[:rest])
        return {"targets": scenario(alone, 1, 1)}
    tail = journey("targets-rest", *calls[:rest])
    return {"targets": scenario(walk, connections - 1, rounds), "targets-rest": scenario(tail, 1, 1)}


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
