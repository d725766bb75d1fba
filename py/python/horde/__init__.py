"""horde: realistic, honest HTTP load tests.

Describe the load in Python; a native engine (Rust, io_uring, one pinned worker per CPU) plays
it and measures latency from when each request *should* have been sent.

Example:
    >>> import horde
    >>> result = horde.attack("http://127.0.0.1:8080/", rate=200, duration="5s")  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
"""

# This is the public API.
from horde._native import Histogram, __version__
from horde.attack import attack, attack_plan
from horde.errors import HordeError, PlanError, RunError
from horde.result import Latency, RequestStats, Result, load

__all__ = [
    "Histogram",
    "HordeError",
    "Latency",
    "PlanError",
    "RequestStats",
    "Result",
    "RunError",
    "__version__",
    "attack",
    "attack_plan",
    "load",
]
