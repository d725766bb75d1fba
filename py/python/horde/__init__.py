"""horde: realistic, honest HTTP load tests.

Describe how users behave in Python — journeys of requests, think times and branches, driven by
k6-style executors — and a native engine (Rust, io_uring, one pinned worker per CPU, no Python on
the hot path) plays the crowd, measuring latency from when each request *should* have been sent.

Example:
    >>> import horde as h
    >>> checkout = h.journey(
    ...     "checkout",
    ...     h.get("/v1/products/prod-123", name="product", check=h.status(200)),
    ...     h.think(1, 3),
    ...     h.post("/v1/cart/items", name="add to cart", json={"product_id": "prod-123"},
    ...            check=h.status(201), extract={"cart_id": h.json_path("$.cart_id")}),
    ... )
    >>> test = h.Test(
    ...     base_url="http://127.0.0.1:8080",
    ...     scenarios={"shoppers": h.ramping_vus(checkout, stages=[("30s", 20), ("1m", 20)])},
    ...     thresholds={"http_req_duration": ["p(95)<500"]},
    ... )
    >>> result = test.run()  # doctest: +SKIP
"""

# This is the public API.
from horde._native import Histogram, __version__
from horde.attack import attack, attack_plan
from horde.capacity import Capacity, breakpoint, load_capacity
from horde.checks import body_contains, cookie, header, json_path, regex, status
from horde.client import Dns, Tls
from horde.data import csv, json_rows, values
from horde.env import Secret, env, secret
from horde.errors import HordeError, LogError, PlanError, RunError, ThresholdsFailed
from horde.executors import (
    arrival_rate_for,
    constant_arrival_rate,
    constant_vus,
    mix,
    per_vu_iterations,
    ramping_arrival_rate,
    ramping_vus,
    sessions,
    shared_iterations,
)
from horde.facts import DEFAULTS, ERRORS, METRICS
from horde.learn import Model, learn
from horde.markov import EXIT, markov
from horde.presets import load_test, smoke, soak, spike, stress
from horde.result import Latency, RequestStats, Result, load
from horde.steps import (
    choose,
    counter,
    delete,
    file,
    get,
    group,
    head,
    journey,
    maybe,
    options,
    patch,
    post,
    put,
    rate,
    repeat,
    request,
    think,
    trend,
)
from horde.targets import Target, targets
from horde.test import Test

__all__ = [
    "DEFAULTS",
    "ERRORS",
    "EXIT",
    "METRICS",
    "Capacity",
    "Dns",
    "Histogram",
    "HordeError",
    "Latency",
    "LogError",
    "Model",
    "PlanError",
    "RequestStats",
    "Result",
    "RunError",
    "Secret",
    "Target",
    "Test",
    "ThresholdsFailed",
    "Tls",
    "__version__",
    "arrival_rate_for",
    "attack",
    "attack_plan",
    "body_contains",
    "breakpoint",
    "choose",
    "constant_arrival_rate",
    "constant_vus",
    "cookie",
    "counter",
    "csv",
    "delete",
    "env",
    "file",
    "get",
    "group",
    "head",
    "header",
    "journey",
    "json_path",
    "json_rows",
    "learn",
    "load",
    "load_capacity",
    "load_test",
    "markov",
    "maybe",
    "mix",
    "options",
    "patch",
    "per_vu_iterations",
    "post",
    "put",
    "ramping_arrival_rate",
    "ramping_vus",
    "rate",
    "regex",
    "repeat",
    "request",
    "secret",
    "sessions",
    "shared_iterations",
    "smoke",
    "soak",
    "spike",
    "status",
    "stress",
    "targets",
    "think",
    "trend",
    "values",
]
