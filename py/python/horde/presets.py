"""Test types as presets, each an ordinary scenario.

Each is an arrival-rate executor with stages (open model: users arrive whatever the system does),
so a preset can always be replaced by the stages it stands for, printed by
``horde inspect``. What each answers, and how its result is read:

========== ============================================= =========================================
preset      shape (defaults)                              question, and the analysis that answers it
========== ============================================= =========================================
smoke       1 session/s for 1 min                         does the script work at all? (thresholds)
load_test   ramp to ``rate`` over 1 min, hold 10 min      does it meet its SLOs at expected peak?
                                                          (thresholds)
stress      ``rate``/4 for 30 s, ramp to ``rate`` ×       how does it fail past capacity, and does
            ``factor`` (2) over 1 min, hold 2 min, drop   it recover? (:meth:`Result.stress`)
            back to ``rate``/4 and watch 1 min
spike       ``rate`` for 30 s, jump to ``rate`` ×         does it survive a sudden jump, and how
            ``factor`` (10) for 10 s, back to ``rate``    long until healthy? (:meth:`Result.spike`)
            and watch 1 min
soak        ramp to ``rate`` over 5 min, hold 4 h          what shows only with time (leaks, pools
                                                          that drain)? (thresholds, per-second data)
breakpoint  a search, not a shape: :func:`horde.breakpoint`  the maximum sustainable throughput
========== ============================================= =========================================

Open model by default; ``vus=`` instead of ``rate=`` gives the closed-model variant (VUs ramping
through the same shape), for systems whose users wait for each answer. Stress and spike scenarios
carry the tag ``test_type`` (``stress``, ``spike``): the end-of-test summary and the report then
give their verdict. ``rate`` is sessions (journey iterations) per second; turn concurrent users
into a rate with :func:`horde.arrival_rate_for`. Every other keyword (``max_vus``,
``pre_allocated_vus``, ``graceful_stop``, ``tags``, ...) goes to the executor.
"""

from __future__ import annotations

import math
from typing import Any

from horde._units import seconds
from horde.executors import (
    Duration,
    Mix,
    Scenario,
    constant_arrival_rate,
    constant_vus,
    ramping_arrival_rate,
    ramping_vus,
)
from horde.steps import Journey

__all__ = ["load_test", "smoke", "soak", "spike", "stress"]


def _rate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of sessions per second, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 sessions per second, got {value!r}")
    return float(value)


def _factor(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 1):
        raise ValueError(f"{name} must be > 1 (a multiple of the base rate), got {value!r}")
    return float(value)


def _tagged(kind: str, executor: dict[str, Any]) -> dict[str, Any]:
    """The executor options with a ``test_type`` tag, which tells summaries which verdict to give."""
    tags = executor.get("tags") or {}
    if not isinstance(tags, dict):
        return executor  # the executor names the problem
    return {**executor, "tags": {"test_type": kind, **tags}}


def _length(value: Duration, name: str) -> str:
    s = seconds(value, name)
    if s <= 0:
        raise ValueError(f"{name} must be longer than 0s, got {value!r}")
    return f"{s:g}s"


def _level(rate: Any, vus: Any) -> tuple[float, bool]:
    """The preset's load: sessions per second (open model) or VUs (closed model), exactly one."""
    if (rate is None) == (vus is None):
        raise TypeError("give either rate= (sessions per second, open model) or vus= (closed model), not both")
    if vus is not None:
        if isinstance(vus, bool) or not isinstance(vus, int) or vus < 1:
            raise ValueError(f"vus must be a whole number ≥ 1, got {vus!r}")
        return float(vus), True
    return _rate(rate, "rate"), False


def _shape(
    journey: Journey | Mix, start: float, stages: list[tuple[str, float]], closed: bool, executor: dict[str, Any]
) -> Scenario:
    """Stages of a level: of arrival rates (open model) or of VUs (closed model, rounded)."""
    if closed:
        return ramping_vus(
            journey, start_vus=round(start), stages=[(d, max(1, round(level))) for d, level in stages], **executor
        )
    return ramping_arrival_rate(journey, start_rate=start, stages=stages, **executor)


def smoke(
    journey: Journey | Mix,
    rate: float | None = 1.0,
    duration: Duration = "1m",
    *,
    vus: int | None = None,
    **executor: Any,
) -> Scenario:
    """A little load, briefly: does the script run and do its checks pass? ``vus=``: closed model."""
    if vus is not None:
        level, _ = _level(None, vus)
        return constant_vus(journey, vus=int(level), duration=_length(duration, "duration"), **executor)
    return constant_arrival_rate(journey, rate=_rate(rate, "rate"), duration=_length(duration, "duration"), **executor)


def load_test(
    journey: Journey | Mix,
    rate: float | None = None,
    ramp: Duration = "1m",
    hold: Duration = "10m",
    *,
    vus: int | None = None,
    **executor: Any,
) -> Scenario:
    """The expected peak: ramp to ``rate`` sessions/s (or ``vus`` VUs) over ``ramp``, hold for ``hold``."""
    level, closed = _level(rate, vus)
    stages = [(_length(ramp, "ramp"), level), (_length(hold, "hold"), level)]
    return _shape(journey, 0, stages, closed, executor)


def soak(
    journey: Journey | Mix,
    rate: float | None = None,
    ramp: Duration = "5m",
    hold: Duration = "4h",
    *,
    vus: int | None = None,
    **executor: Any,
) -> Scenario:
    """Moderate load for hours: ``rate`` sessions/s (or ``vus`` VUs) held for ``hold`` after a ``ramp``."""
    return load_test(journey, rate, ramp=ramp, hold=hold, vus=vus, **executor)


def stress(
    journey: Journey | Mix,
    rate: float | None = None,
    factor: float = 2.0,
    base: float | None = None,
    warm: Duration = "30s",
    ramp: Duration = "1m",
    hold: Duration = "2m",
    observe: Duration = "1m",
    *,
    vus: int | None = None,
    **executor: Any,
) -> Scenario:
    """Past the expected peak, and back: read the result with :meth:`Result.stress`.

    From ``base`` (a quarter of the level), ramp to ``rate`` × ``factor`` (or ``vus`` × ``factor``
    VUs, closed model), hold, drop back to ``base`` and watch it recover.
    """
    level, closed = _level(rate, vus)
    f = _factor(factor, "factor")
    b = _rate(base, "base") if base is not None else (max(1.0, level / 4) if closed else level / 4)
    if b >= level * f:
        raise ValueError(f"base ({b:g}) must be below the level × factor ({level * f:g})")
    stages = [
        (_length(warm, "warm"), b),
        (_length(ramp, "ramp"), level * f),
        (_length(hold, "hold"), level * f),
        ("1s", b),
        (_length(observe, "observe"), b),
    ]
    return _shape(journey, b, stages, closed, _tagged("stress", executor))


def spike(
    journey: Journey | Mix,
    rate: float | None = None,
    factor: float = 10.0,
    warm: Duration = "30s",
    length: Duration = "10s",
    observe: Duration = "1m",
    *,
    vus: int | None = None,
    **executor: Any,
) -> Scenario:
    """A sudden jump: read the result with :meth:`Result.spike`.

    ``rate`` sessions/s (or ``vus`` VUs, closed model), then × ``factor`` for ``length``, then back
    for ``observe``.
    """
    level, closed = _level(rate, vus)
    f = _factor(factor, "factor")
    stages = [
        (_length(warm, "warm"), level),
        ("1s", level * f),
        (_length(length, "length"), level * f),
        ("1s", level),
        (_length(observe, "observe"), level),
    ]
    return _shape(journey, level, stages, closed, _tagged("spike", executor))
