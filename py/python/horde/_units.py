"""Parsing of human units in arguments: durations like ``"1m30s"``."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)")
_SCALE = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(value: float | int | str, name: str) -> float:
    """Returns a duration in seconds from a number of seconds or a string like ``"1m30s"``.

    Args:
        value: seconds as a number, or a string of number-unit parts (``h``, ``m``, ``s``,
            ``ms``, ``us``).
        name: the argument's name, used in error messages.

    Raises:
        TypeError: ``value`` is neither a number nor a string.
        ValueError: the string does not parse, or the duration is not a finite number ≥ 0.

    Example:
        >>> seconds("1m30s", "duration"), seconds("250ms", "timeout"), seconds(2, "duration")
        (90.0, 0.25, 2.0)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{name} must be a number of seconds or a string like '10s', got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            total = float(text)
        else:
            parts = _DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
                raise ValueError(f"{name} must be a duration like '10s', '1m30s' or '500ms', got {value!r}")
            total = sum(float(n) * _SCALE[u] for n, u in parts)
    else:
        total = float(value)
    if not math.isfinite(total) or total < 0:
        raise ValueError(f"{name} must be a finite duration ≥ 0, got {value!r}")
    return total
