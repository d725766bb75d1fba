"""Executors: how many users arrive, and when. Names and semantics follow k6's executors.

Closed model — a set of VUs, each starting its next iteration when the previous one ends:
:func:`constant_vus`, :func:`ramping_vus`, :func:`per_vu_iterations`, :func:`shared_iterations`.
Open model — iterations start on a schedule whatever the responses do, as real users arrive:
:func:`constant_arrival_rate`, :func:`ramping_arrival_rate`, and :func:`sessions`, which derives
the arrival rate from a number of concurrent users and their session length (Little's law).

Every executor takes a journey, or a weighted :func:`mix` of journeys, and the options
``start`` (delay from the start of the test), ``graceful_stop`` (how long running iterations
may finish after the executor ends) and ``tags`` (a dict that thresholds can filter by, e.g.
``http_req_duration{team:payments}``). An argument left out (None) takes the engine's default,
listed in ``horde.DEFAULTS["executor"]`` and ``horde.DEFAULTS["scenario"]``; values are checked
by the engine when the scenario is made, and a wrong one raises :class:`horde.PlanError` naming
the argument.

Example:
    >>> import horde as h
    >>> shop = h.journey("shop", h.get("http://127.0.0.1:8080/"))
    >>> s = h.ramping_vus(shop, stages=[("30s", 20), ("1m", 20), ("10s", 0)])
    >>> s.executor["type"], s.executor["stages"][0]
    ('ramping_vus', {'duration_s': 30.0, 'target': 20.0})
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from horde import _native
from horde._units import seconds
from horde.errors import PlanError
from horde.facts import renamed
from horde.steps import Journey

__all__ = [
    "Mix",
    "Scenario",
    "arrival_rate_for",
    "constant_arrival_rate",
    "constant_vus",
    "executor",
    "mix",
    "per_vu_iterations",
    "ramping_arrival_rate",
    "ramping_vus",
    "sessions",
    "shared_iterations",
]

StageSpec = tuple[float | str, float] | Mapping[str, Any]
Duration = float | str


@dataclass(frozen=True)
class Mix:
    """A weighted mix of journeys: each iteration picks one (e.g. production endpoint ratios)."""

    entries: tuple[tuple[Journey, float], ...]


@dataclass(frozen=True)
class Scenario:
    """A journey (or mix) driven by an executor; the values of ``Test(scenarios={...})``."""

    journeys: tuple[tuple[Journey, float], ...]
    executor: dict[str, Any]
    start: float | None = None
    graceful_stop: float | None = None
    expected_concurrency: float | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def _plan(self) -> dict[str, Any]:
        plan: dict[str, Any] = {"executor": self.executor, "tags": dict(self.tags)}
        for key, value in (
            ("start_s", self.start),
            ("graceful_stop_s", self.graceful_stop),
            ("expected_concurrency", self.expected_concurrency),
        ):
            if value is not None:
                plan[key] = value
        if len(self.journeys) == 1 and self.journeys[0][1] == 1.0:
            plan["journey"] = self.journeys[0][0].name
        else:
            plan["mix"] = [{"journey": j.name, "weight": w} for j, w in self.journeys]
        return plan


def mix(*entries: tuple[Journey, float]) -> Mix:
    """A weighted mix: ``mix((browse, 8), (checkout, 2))`` runs browse in 80 % of iterations."""
    out = []
    for i, e in enumerate(entries):
        if not (isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], Journey)):
            raise TypeError(f"mix() entry {i} must be (journey, weight), got {e!r}")
        if isinstance(e[1], bool) or not isinstance(e[1], (int, float)):
            raise TypeError(f"mix() entry {i}: weight must be a number, got {e[1]!r}")
        out.append((e[0], float(e[1])))
    if not out:
        raise TypeError("mix() needs at least one (journey, weight)")
    return Mix(tuple(out))


def executor(kind: str, **fields: Any) -> dict[str, Any]:
    """The plan's executor of ``kind``, with the fields given (None: the engine's default).

    Every executor dict — the DSL's, :func:`horde.attack`'s — is made here.

    Example:
        >>> executor("constant_vus", vus=5, duration_s=None)
        {'type': 'constant_vus', 'vus': 5}
    """
    return {"type": kind, **{k: v for k, v in fields.items() if v is not None}}


def constant_vus(
    journey: Journey | Mix, vus: int | None = None, duration: Duration | None = None, **common: Any
) -> Scenario:
    """``vus`` VUs loop over the journey for ``duration``."""
    return _scenario(
        journey,
        executor("constant_vus", vus=_int(vus, "vus"), duration_s=_seconds(duration, "duration")),
        common,
    )


def ramping_vus(
    journey: Journey | Mix,
    stages: Sequence[StageSpec],
    start_vus: int | None = None,
    graceful_ramp_down: Duration | None = None,
    **common: Any,
) -> Scenario:
    """The number of VUs moves linearly through ``stages``: ``[("2m", 20), ("10m", 200), ...]``."""
    return _scenario(
        journey,
        executor(
            "ramping_vus",
            start_vus=_int(start_vus, "start_vus"),
            stages=_stages(stages),
            graceful_ramp_down_s=_seconds(graceful_ramp_down, "graceful_ramp_down"),
        ),
        common,
    )


def per_vu_iterations(
    journey: Journey | Mix,
    vus: int | None = None,
    iterations: int | None = None,
    max_duration: Duration | None = None,
    **common: Any,
) -> Scenario:
    """Each of ``vus`` VUs runs the journey ``iterations`` times."""
    return _scenario(journey, _iterations("per_vu_iterations", vus, iterations, max_duration), common)


def shared_iterations(
    journey: Journey | Mix,
    vus: int | None = None,
    iterations: int | None = None,
    max_duration: Duration | None = None,
    **common: Any,
) -> Scenario:
    """``vus`` VUs share ``iterations`` iterations in all."""
    return _scenario(journey, _iterations("shared_iterations", vus, iterations, max_duration), common)


def _iterations(kind: str, vus: int | None, iterations: int | None, max_duration: Duration | None) -> dict[str, Any]:
    return executor(
        kind,
        vus=_int(vus, "vus"),
        iterations=_int(iterations, "iterations"),
        max_duration_s=_seconds(max_duration, "max_duration"),
    )


def constant_arrival_rate(
    journey: Journey | Mix,
    rate: float,
    duration: Duration,
    time_unit: Duration | None = None,
    pre_allocated_vus: int | None = None,
    max_vus: int | None = None,
    **common: Any,
) -> Scenario:
    """``rate`` iterations per ``time_unit`` start for ``duration``, whatever the responses do.

    An iteration that finds no free VU (all ``max_vus`` busy) is dropped and counted in
    ``dropped_iterations``.
    """
    return _scenario(
        journey,
        executor(
            "constant_arrival_rate",
            rate=_number(rate, "rate"),
            time_unit_s=_seconds(time_unit, "time_unit"),
            duration_s=_seconds(duration, "duration"),
            pre_allocated_vus=_int(pre_allocated_vus, "pre_allocated_vus"),
            max_vus=_int(max_vus, "max_vus"),
        ),
        common,
    )


def ramping_arrival_rate(
    journey: Journey | Mix,
    stages: Sequence[StageSpec],
    start_rate: float | None = None,
    time_unit: Duration | None = None,
    pre_allocated_vus: int | None = None,
    max_vus: int | None = None,
    **common: Any,
) -> Scenario:
    """The arrival rate moves linearly through ``stages`` of (duration, rate)."""
    return _scenario(
        journey,
        executor(
            "ramping_arrival_rate",
            start_rate=_number(start_rate, "start_rate"),
            time_unit_s=_seconds(time_unit, "time_unit"),
            stages=_stages(stages),
            pre_allocated_vus=_int(pre_allocated_vus, "pre_allocated_vus"),
            max_vus=_int(max_vus, "max_vus"),
        ),
        common,
    )


def arrival_rate_for(concurrent: float, session_duration: Duration) -> float:
    """Little's law: the session arrival rate (per second) for ``concurrent`` users.

    Each session lasts ``session_duration``; ``concurrent / session_duration`` new sessions per
    second keep ``concurrent`` of them running.

    Example:
        >>> round(arrival_rate_for(200, "4m"), 3)
        0.833
    """
    length = seconds(session_duration, "session_duration")
    if length <= 0:
        raise ValueError(f"session_duration must be > 0, got {session_duration!r}")
    return float(_number(concurrent, "concurrent") or 0.0) / length


def sessions(
    journey: Journey | Mix,
    concurrent: float,
    session_duration: Duration,
    duration: Duration,
    max_vus: int | None = None,
    **common: Any,
) -> Scenario:
    """An open-model run sized by users rather than rate.

    ``concurrent`` users whose sessions last about ``session_duration`` arrive at
    ``concurrent / session_duration`` per second (Little's law). The result reports the achieved
    number of concurrent sessions beside the intended one. Unless ``max_vus`` says otherwise, up
    to three times ``concurrent`` VUs (at least 10) absorb sessions that run long.
    """
    rate = arrival_rate_for(concurrent, session_duration)
    limit = max_vus if max_vus is not None else max(10, math.ceil(concurrent * 3))
    s = constant_arrival_rate(
        journey,
        rate,
        duration,
        pre_allocated_vus=min(limit, max(1, math.ceil(concurrent))),
        max_vus=limit,
        **common,
    )
    return Scenario(s.journeys, s.executor, s.start, s.graceful_stop, float(concurrent), s.tags)


def _scenario(journey: Journey | Mix, executor: dict[str, Any], common: Mapping[str, Any]) -> Scenario:
    unknown = set(common) - {"start", "graceful_stop", "tags"}
    if unknown:
        raise TypeError(f"unknown executor option(s) {sorted(unknown)}; common options are start, graceful_stop, tags")
    tags = common.get("tags") or {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise TypeError(f"tags must be a dict of strings, got {tags!r}")
    if isinstance(journey, Journey):
        journeys: tuple[tuple[Journey, float], ...] = ((journey, 1.0),)
    elif isinstance(journey, Mix):
        journeys = journey.entries
    else:
        raise TypeError(f"an executor takes a journey (h.journey(...)) or a mix (h.mix(...)), got {journey!r}")
    scenario = Scenario(
        journeys,
        executor,
        _seconds(common.get("start"), "start"),
        _seconds(common.get("graceful_stop"), "graceful_stop"),
        tags=tuple(sorted(tags.items())),
    )
    check(scenario)
    return scenario


def check(scenario: Scenario) -> None:
    """Has the engine check ``scenario``'s executor and timing; PlanError names the argument."""
    try:
        _native.check_scenario(json.dumps(scenario._plan()))
    except PlanError as e:
        raise renamed(e, strip="executor.") from None


def _stages(stages: Sequence[StageSpec]) -> list[dict[str, float | None]]:
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence):
        raise TypeError(f"stages must be a list of (duration, target), got {stages!r}")
    out = []
    for i, s in enumerate(stages):
        if isinstance(s, Mapping):
            duration, target = s.get("duration"), s.get("target")
        elif isinstance(s, (tuple, list)) and len(s) == 2:
            duration, target = s
        else:
            raise TypeError(f"stage {i} must be (duration, target) or {{'duration': ..., 'target': ...}}, got {s!r}")
        if duration is None or target is None:
            raise TypeError(f"stage {i} needs a duration and a target, got {s!r}")
        out.append(
            {
                "duration_s": seconds(duration, f"stages[{i}].duration"),
                "target": _number(target, f"stages[{i}].target"),
            }
        )
    return out


def _seconds(value: Duration | None, name: str) -> float | None:
    return None if value is None else seconds(value, name)


def _int(value: Any, name: str) -> int | None:
    """A count for the plan (an unsigned integer there); None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise PlanError(f"{name}: must be a whole number ≥ 0, got {value}", [(name, f"must be ≥ 0, got {value}")])
    return value


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)
