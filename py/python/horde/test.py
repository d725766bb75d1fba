"""``Test``: journeys, executors, test data and thresholds put together, and run.

Example:
    >>> import horde as h
    >>> home = h.journey("home", h.get("/", check=h.status(200)))
    >>> test = h.Test(
    ...     base_url="http://127.0.0.1:8080",
    ...     scenarios={"visitors": h.constant_arrival_rate(home, rate=50, duration="10s")},
    ...     thresholds={"http_req_duration": ["p(95)<500"], "http_req_failed": ["rate<0.01"]},
    ... )
    >>> test.to_plan()["scenarios"]["visitors"]["journey"]
    'home'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from horde import _native
from horde._units import seconds
from horde.client import Dns, Tls, http_options
from horde.data import Data
from horde.env import secrets_used
from horde.errors import PlanError
from horde.executors import Scenario
from horde.outputs import parse as parse_output
from horde.result import Result
from horde.running import Progress, run_plan
from horde.steps import Journey

__all__ = ["Test"]

ThresholdSpec = str | Mapping[str, Any]


class Test:
    """A load test.

    What users do (journeys), how many arrive and when (scenarios), with what data, and what
    must hold (thresholds).

    Args:
        scenarios: name → scenario, made by an executor (``h.ramping_vus(journey, ...)``).
        base_url: joined to request paths that are not absolute URLs.
        data: variable name → test data (``h.csv(...)``, ``h.values(...)``). One column: the
            variable is the key; several: ``key.column``.
        thresholds: metric (optionally with ``{tag:value}`` filters) → conditions in k6 syntax
            (``"p(95)<500"``), or dicts ``{"threshold": ..., "abort_on_fail": True,
            "delay_abort_eval": "10s"}``.
        timeout: default request timeout.
        connect_timeout: TCP connect timeout.
        workers: worker threads (default: one per CPU this process may use).
        send_window: how early a request may leave so that sends due close together share one
            wake-up (0: every request exactly on time, at a much higher CPU cost); early
            requests are timed from when they actually left.
        seed: makes think times, branches and random helpers repeat from run to run.
        name: a label shown in results.
        outputs: live outputs in ``kind=target`` form, e.g. ``["json=run.jsonl",
            "influxdb=http://127.0.0.1:8086/horde"]`` (see :mod:`horde.outputs`).
        tls: HTTPS settings, ``h.Tls(ca="ca.pem", cert=..., key=..., min_version="1.3")``.
        insecure: skip certificate verification (flagged in the summary).
        dns: name resolution, ``h.Dns(ttl="5m", select="round_robin", policy="prefer_ipv4")``.
        hosts: host name → address(es) to use instead of DNS, e.g. ``{"shop.example.com":
            "127.0.0.1"}``: test a new backend under the production name (``Host`` and TLS SNI
            keep the name).
        cookies: the VU's cookie jar: ``"per_iteration"`` (emptied at each iteration: every
            session a new visitor), ``"per_vu"`` (kept: a returning visitor) or ``"off"``.
            Arguments left out (None) take the engine's defaults, ``horde.DEFAULTS["options"]``;
            the engine checks the client's options when the test is made.
        max_redirects: redirects followed per request (each hop is timed and counted); a step's
            ``max_redirects=`` overrides it.
        connections: ``"per_vu"`` (keep-alive), ``"per_iteration"`` (users who arrive fresh) or
            ``"per_request"``.
        max_connections_per_host: at most this many connections per host at once; VUs share
            them and wait in turn (like a browser's six per host, or a client pool). A cap below
            the number of CPUs runs on that many worker threads, so that it holds.
        compression: codings offered in ``Accept-Encoding`` and decoded when a check or
            extraction reads the body (``True`` for gzip, deflate and br; ``False`` for none).
        expect_continue_timeout: how long a request sent with ``Expect: 100-continue`` waits for
            the server's ``100 Continue`` before sending its body anyway.
        redact_headers: header fields whose values results, reports and ``horde inspect`` show
            as ``<redacted>`` (default: Authorization, Proxy-Authorization, Cookie, Set-Cookie;
            ``[]`` keeps them). Values made with ``h.secret`` are never written, whatever this says.
        source_addresses: local addresses to spread connections over, in turn (IPs, or IPv4
            ranges such as ``"127.0.0.2-127.0.0.9"``): one local address holds at most the
            ephemeral port range's connections (about 28,000) to one address and port.
        strict: refuse to start when the test may hold more connections than the host's
            open-file limit or ephemeral ports allow (by default: a warning before any load,
            with the numbers and the fix).
    """

    def __init__(
        self,
        *,
        scenarios: Mapping[str, Scenario],
        base_url: str | None = None,
        data: Mapping[str, Data] | None = None,
        thresholds: Mapping[str, Sequence[ThresholdSpec] | ThresholdSpec] | None = None,
        timeout: float | str | None = None,
        connect_timeout: float | str | None = None,
        workers: int | None = None,
        send_window: float | str | None = None,
        seed: int | None = None,
        name: str | None = None,
        outputs: Sequence[str] = (),
        tls: Tls | None = None,
        insecure: bool = False,
        dns: Dns | None = None,
        hosts: Mapping[str, str | Sequence[str]] | None = None,
        cookies: str | None = None,
        max_redirects: int | None = None,
        connections: str | None = None,
        max_connections_per_host: int | None = None,
        compression: Sequence[str] | bool = True,
        expect_continue_timeout: float | str | None = None,
        redact_headers: Sequence[str] | None = None,
        source_addresses: str | Sequence[str] | None = None,
        strict: bool = False,
        _kind: str = "test",
        _checked: bool = True,
    ) -> None:
        if not isinstance(scenarios, Mapping) or not scenarios:
            raise TypeError(
                "Test(scenarios=...) needs a dict of name → scenario, e.g. {'shoppers': h.constant_vus(journey)}"
            )
        for key, s in scenarios.items():
            if not isinstance(s, Scenario):
                raise TypeError(
                    f"scenario {key!r} is {s!r}; make it with an executor such as h.constant_vus(journey, ...)"
                )
        for key, d in (data or {}).items():
            if not isinstance(d, Data):
                raise TypeError(f"data {key!r} is {d!r}; make it with h.csv(...), h.json_rows(...) or h.values(...)")
        if base_url is not None and not isinstance(base_url, str):
            raise TypeError(f"base_url must be a string, got {base_url!r}")
        self.scenarios = dict(scenarios)
        self.base_url = base_url
        self.data = dict(data or {})
        self.thresholds = _thresholds(thresholds or {})
        self.http = http_options(
            timeout=timeout,
            connect_timeout=connect_timeout,
            tls=tls,
            insecure=insecure,
            dns=dns,
            hosts=hosts,
            cookies=cookies,
            max_redirects=max_redirects,
            connections=connections,
            max_connections_per_host=max_connections_per_host,
            compression=compression,
            expect_continue_timeout=expect_continue_timeout,
            source_addresses=source_addresses,
            checked=_checked,
        )
        if not isinstance(strict, bool):
            raise TypeError(f"strict must be True or False, got {strict!r}")
        self.strict = strict
        self.workers = workers
        self.send_window = None if send_window is None else seconds(send_window, "send_window")
        self.kind = _kind
        self.seed = seed
        self.name = name
        if isinstance(outputs, str):
            raise TypeError(f"outputs takes a list of 'kind=target' strings, got {outputs!r}")
        self.outputs = [parse_output(o) for o in outputs]
        if redact_headers is not None and (
            isinstance(redact_headers, str) or not all(isinstance(n, str) for n in redact_headers)
        ):
            raise TypeError(f"redact_headers must be a list of header names, got {redact_headers!r}")
        self.redact_headers = None if redact_headers is None else list(redact_headers)

    def to_plan(self) -> dict[str, Any]:
        """The plan the engine runs (what ``horde inspect`` prints)."""
        journeys: dict[str, Journey] = {}
        for scenario in self.scenarios.values():
            for j, _ in scenario.journeys:
                seen = journeys.setdefault(j.name, j)
                if seen is not j and seen != j:
                    raise PlanError(
                        f"two different journeys are both named {j.name!r}; give them distinct names",
                        [("journeys", f"duplicate name {j.name!r}")],
                    )
        options: dict[str, Any] = {
            "workers": self.workers,
            "seed": self.seed,
            "http": self.http,
            "outputs": self.outputs,
        }
        if self.send_window is not None:
            options["send_window_us"] = round(self.send_window * 1e6)
        if self.strict:
            options["strict"] = True
        if self.redact_headers is not None:
            options["redact_headers"] = self.redact_headers
        plan = {
            "version": _native.PLAN_VERSION,
            "name": self.name,
            "kind": self.kind,
            "journeys": {name: j._plan(self.base_url) for name, j in journeys.items()},
            "scenarios": {name: s._plan() for name, s in self.scenarios.items()},
            "data": [d._plan(name) for name, d in self.data.items()],
            "thresholds": self.thresholds,
            "options": options,
        }
        secrets = secrets_used(json.dumps(plan))
        if secrets:
            plan["secrets"] = secrets
        return plan

    def validate(self) -> None:
        """Checks the plan without sending anything.

        Raises:
            PlanError: every problem found, each with its path.
        """
        _native.validate_plan(json.dumps(self.to_plan()))

    def run(self, progress: Progress | str | None = "auto") -> Result:
        """Runs the test and returns its result (Ctrl-C stops it and returns what was measured).

        In Jupyter a live display shows progress (``progress="auto"``); pass a callable to get the
        progress dicts yourself, or None for nothing.

        Raises:
            PlanError: the test is invalid (nothing was sent).
            RunError: the run could not start.
        """
        return run_plan(self.to_plan(), progress)

    def __repr__(self) -> str:
        return f"<horde.Test scenarios={list(self.scenarios)} thresholds={len(self.thresholds)}>"


def _thresholds(spec: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for metric, conditions in spec.items():
        items = [conditions] if isinstance(conditions, (str, Mapping)) else list(conditions)
        parsed: list[dict[str, Any]] = []
        for c in items:
            if isinstance(c, str):
                parsed.append({"expression": c})
            elif isinstance(c, Mapping):
                unknown = set(c) - {"threshold", "abort_on_fail", "delay_abort_eval"}
                if "threshold" not in c or unknown:
                    raise TypeError(
                        f"threshold for {metric!r}: use {{'threshold': 'p(95)<500', 'abort_on_fail': True, "
                        f"'delay_abort_eval': '10s'}}, got {dict(c)!r}"
                    )
                parsed.append(
                    {
                        "expression": c["threshold"],
                        "abort_on_fail": bool(c.get("abort_on_fail", False)),
                        "delay_abort_eval_s": seconds(c.get("delay_abort_eval", 0), "delay_abort_eval"),
                    }
                )
            else:
                raise TypeError(f"threshold for {metric!r} must be a string like 'p(95)<500', got {c!r}")
        out[metric] = parsed
    return out
