"""Journey steps: requests, think times, branches, repeats, groups and custom metrics.

Steps are plain immutable values; a :class:`Journey` is a named list of them. Nothing here talks
to the network: :class:`horde.Test` turns journeys into the plan the native engine runs.

Example:
    >>> import horde as h
    >>> browse = h.journey(
    ...     "browse",
    ...     h.get("/v1/products", name="list", check=h.status(200)),
    ...     h.think(1, 3),
    ...     h.maybe(0.3, h.get("/v1/products/${product}", name="detail")),
    ... )
    >>> [type(s).__name__ for s in browse.steps]
    ['Request', 'Think', 'Maybe']
"""

from __future__ import annotations

import base64
import json as jsonlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from horde._units import seconds
from horde.checks import Check, Extractor, check_list, extract_list
from horde.errors import PlanError

__all__ = [
    "Choose",
    "Group",
    "Journey",
    "Maybe",
    "Metric",
    "Repeat",
    "Request",
    "Step",
    "Think",
    "choose",
    "counter",
    "delete",
    "file",
    "get",
    "group",
    "head",
    "journey",
    "maybe",
    "options",
    "patch",
    "post",
    "put",
    "rate",
    "repeat",
    "request",
    "think",
    "trend",
]


class Step:
    """Base class of journey steps."""

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Request(Step):
    """An HTTP request, with its checks and extractions (see :func:`request`)."""

    method: str
    url: str
    name: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    timeout: float | None = None
    checks: tuple[Check, ...] = ()
    extract: tuple[tuple[str, Extractor], ...] = ()
    max_redirects: int | None = None

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "method": self.method,
            "url": _absolute(self.url, base_url),
            "headers": [list(h) for h in self.headers],
            "body": self.body,
            "name": self.name,
            "timeout_s": self.timeout,
            "max_redirects": self.max_redirects,
            "checks": [c._plan() for c in self.checks],
            "extract": [e._plan_extract(var) for var, e in self.extract],
        }
        return {"request": spec}


@dataclass(frozen=True)
class Think(Step):
    """A pause (see :func:`think`)."""

    spec: dict[str, Any]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"think": self.spec}


@dataclass(frozen=True)
class Maybe(Step):
    """Steps run with a probability (see :func:`maybe`)."""

    probability: float
    steps: tuple[Step, ...]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"maybe": {"probability": self.probability, "steps": _plan_all(self.steps, base_url)}}


@dataclass(frozen=True)
class Choose(Step):
    """One of several weighted branches (see :func:`choose`)."""

    branches: tuple[tuple[float, tuple[Step, ...]], ...]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {
            "choose": {"branches": [{"weight": w, "steps": _plan_all(steps, base_url)} for w, steps in self.branches]}
        }


@dataclass(frozen=True)
class Repeat(Step):
    """Steps repeated a number of times (see :func:`repeat`)."""

    times: int
    steps: tuple[Step, ...]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"repeat": {"times": self.times, "steps": _plan_all(self.steps, base_url)}}


@dataclass(frozen=True)
class Group(Step):
    """A named part of a journey (see :func:`group`)."""

    name: str
    steps: tuple[Step, ...]

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"group": {"name": self.name, "steps": _plan_all(self.steps, base_url)}}


@dataclass(frozen=True)
class Metric(Step):
    """A sample of a user-defined metric (see :func:`counter`, :func:`rate`, :func:`trend`)."""

    name: str
    kind: str
    value: str

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"metric": {"name": self.name, "kind": self.kind, "value": self.value}}


@dataclass(frozen=True)
class Journey:
    """What one user does in one session: a name and its steps."""

    name: str
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def _plan(self, base_url: str | None) -> dict[str, Any]:
        return {"steps": _plan_all(self.steps, base_url)}


def journey(name: str, *steps: Step) -> Journey:
    """A journey: what one virtual user does in one iteration, in order.

    Example:
        >>> j = journey("home", get("http://127.0.0.1:8080/"))
        >>> j.name, len(j.steps)
        ('home', 1)
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"journey name must be a non-empty string, got {name!r}")
    return Journey(name, _steps(steps, f"journey {name!r}"))


def request(
    method: str,
    url: str,
    *,
    name: str | None = None,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    json: Any = None,
    form: Mapping[str, str] | None = None,
    body: str | bytes | None = None,
    timeout: float | str | None = None,
    check: Check | Sequence[Check] | Mapping[str, Check] | None = None,
    extract: Mapping[str, Extractor] | None = None,
    max_redirects: int | None = None,
) -> Request:
    """An HTTP request step.

    Args:
        method: HTTP method.
        url: absolute ``http://`` URL, or a path joined to the test's ``base_url``. The path and
            query may use ``${var}`` templates (data columns, extracted values, built-ins like
            ``${__vu}``, helpers like ``${uuid()}``).
        name: the request's name in results (default: method and path with templates unexpanded).
        headers: header fields; values may use templates.
        json: a body sent as JSON; strings inside may use templates (their values are
            JSON-escaped).
        form: a body sent form-encoded; values may use templates.
        body: a raw body (text may use templates; bytes are sent as they are).
        timeout: this request's timeout (seconds or ``"10s"``).
        check: one check, a list, or a dict of named checks (see :mod:`horde.checks`).
        extract: variables to set from the response, e.g. ``{"cart_id": json_path("$.id")}``.
        max_redirects: redirects this request follows (default: the test's ``max_redirects``);
            0 keeps the 3xx response itself for checks.

    Example:
        >>> r = request("POST", "/cart", json={"sku": "${sku}"}, check=status(201))
        >>> r.body
        {'json': '{"sku": "${sku}"}'}
    """
    if not isinstance(method, str) or not isinstance(url, str):
        raise TypeError(f"request(method, url) takes strings, got {method!r}, {url!r}")
    given = [k for k, v in (("json", json), ("form", form), ("body", body)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"give one of json=, form= or body=, not {' and '.join(given)}")
    if max_redirects is not None and (
        isinstance(max_redirects, bool) or not isinstance(max_redirects, int) or max_redirects < 0
    ):
        raise ValueError(f"max_redirects must be a whole number ≥ 0, got {max_redirects!r}")
    return Request(
        method=method.upper(),
        url=url,
        name=name,
        headers=tuple(header_pairs(headers)),
        body=body_spec(json, form, body),
        timeout=None if timeout is None else seconds(timeout, "timeout"),
        checks=check_list(check),
        extract=extract_list(extract),
        max_redirects=max_redirects,
    )


def file(path: str | os.PathLike[str], *, text: bool = False) -> bytes | str:
    """A request body read from a file when the test is built.

    Bytes (the default) are sent exactly as they are; with ``text=True`` the file is read as UTF-8
    and may use ``${var}`` templates like any text body.

    Raises:
        PlanError: the file cannot be read (or is not UTF-8 with ``text=True``).

    Example:
        >>> h_body = file(__file__)[:3]  # doctest: +SKIP
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
        return data.decode("utf-8") if text else data
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise PlanError(f"body file {name!r}: {reason}", [("body", f"cannot read {name!r}: {reason}")]) from None


def get(url: str, **kwargs: Any) -> Request:
    """A GET request (see :func:`request`)."""
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> Request:
    """A POST request (see :func:`request`)."""
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> Request:
    """A PUT request (see :func:`request`)."""
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Any) -> Request:
    """A PATCH request (see :func:`request`)."""
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Any) -> Request:
    """A DELETE request (see :func:`request`)."""
    return request("DELETE", url, **kwargs)


def head(url: str, **kwargs: Any) -> Request:
    """A HEAD request (see :func:`request`)."""
    return request("HEAD", url, **kwargs)


def options(url: str, **kwargs: Any) -> Request:
    """An OPTIONS request (see :func:`request`)."""
    return request("OPTIONS", url, **kwargs)


def think(
    low: float | str | None = None,
    high: float | str | None = None,
    *,
    mean: float | str | None = None,
    stddev: float | str | None = None,
    distribution: str | None = None,
    samples: Sequence[float] | None = None,
) -> Think:
    """A pause, as a user reading a page.

    ``think(2)`` is exactly 2 s; ``think(1, 3)`` uniform between 1 and 3 s;
    ``think(mean=2)`` exponential with a 2 s mean; ``think(mean=2, stddev=0.5)`` normal;
    ``think(samples=[4.1, 9.0, 22.5])`` one of the observed pauses, each equally likely (an
    empirical distribution, as ``horde model`` learns from access logs).

    Example:
        >>> think(1, 3).spec
        {'distribution': 'uniform', 'min_s': 1.0, 'max_s': 3.0}
    """
    if samples is not None or distribution == "empirical":
        if samples is None or low is not None or high is not None or mean is not None or stddev is not None:
            raise ValueError("think(samples=[...]) takes the observed pauses and nothing else")
        values = [seconds(v, f"think samples[{i}]") for i, v in enumerate(samples)]
        if not values:
            raise ValueError("think(samples=[...]) needs at least one pause")
        return Think({"distribution": "empirical", "samples_s": values})
    if distribution is None:
        if low is not None:
            distribution = "uniform" if high is not None else "fixed"
        elif mean is not None:
            distribution = "normal" if stddev is not None else "exponential"
        else:
            raise TypeError("think() needs a duration: think(2), think(1, 3), or think(mean=2)")
    if distribution == "fixed" and low is not None and high is None:
        return Think({"distribution": "fixed", "seconds": seconds(low, "think")})
    if distribution == "uniform" and low is not None and high is not None:
        return Think(
            {
                "distribution": "uniform",
                "min_s": seconds(low, "think low"),
                "max_s": seconds(high, "think high"),
            }
        )
    if distribution == "exponential" and mean is not None:
        return Think({"distribution": "exponential", "mean_s": seconds(mean, "think mean")})
    if distribution == "normal" and mean is not None and stddev is not None:
        return Think(
            {
                "distribution": "normal",
                "mean_s": seconds(mean, "think mean"),
                "stddev_s": seconds(stddev, "think stddev"),
            }
        )
    raise ValueError(
        f"think(): distribution {distribution!r} does not fit the arguments; use think(2), "
        "think(1, 3), think(mean=2) or think(mean=2, stddev=0.5)"
    )


def maybe(probability: float, *steps: Step) -> Maybe:
    """Runs ``steps`` in a share ``probability`` of iterations (e.g. 0.3: 30 % apply a coupon)."""
    if isinstance(probability, bool) or not isinstance(probability, (int, float)):
        raise TypeError(f"maybe(probability, ...) needs a number, got {probability!r}")
    return Maybe(float(probability), _steps(steps, "maybe"))


def choose(*branches: tuple[float, Step | Sequence[Step]]) -> Choose:
    """Runs exactly one branch, picked by weight: ``choose((0.7, browse), (0.3, [search, buy]))``."""
    out = []
    for i, b in enumerate(branches):
        if not (isinstance(b, tuple) and len(b) == 2):
            raise TypeError(f"choose() branch {i} must be (weight, steps), got {b!r}")
        weight, steps = b
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise TypeError(f"choose() branch {i}: weight must be a number, got {weight!r}")
        items = (steps,) if isinstance(steps, Step) else tuple(steps)
        out.append((float(weight), _steps(items, f"choose branch {i}")))
    return Choose(tuple(out))


def repeat(times: int, *steps: Step) -> Repeat:
    """Runs ``steps`` ``times`` times in a row."""
    if isinstance(times, bool) or not isinstance(times, int) or times < 0:
        raise ValueError(f"repeat(times, ...) needs an int ≥ 0, got {times!r}")
    return Repeat(times, _steps(steps, "repeat"))


def group(name: str, *steps: Step) -> Group:
    """Names a part of a journey; request names inside become ``"group::name"``."""
    if not isinstance(name, str):
        raise TypeError(f"group name must be a string, got {name!r}")
    return Group(name, _steps(steps, f"group {name!r}"))


def counter(name: str, value: float | str = 1) -> Metric:
    """Adds ``value`` (a number or a ``${var}``) to the counter metric ``name``."""
    return Metric(name, "counter", str(value))


def rate(name: str, value: bool | str) -> Metric:
    """Adds a true/false sample to the rate metric ``name``."""
    return Metric(name, "rate", str(value).lower() if isinstance(value, bool) else value)


def trend(name: str, value: float | str) -> Metric:
    """Adds a sample to the trend metric ``name`` (percentiles in the summary)."""
    return Metric(name, "trend", str(value))


def _steps(steps: Sequence[Any], where: str) -> tuple[Step, ...]:
    for i, s in enumerate(steps):
        if not isinstance(s, Step):
            raise TypeError(f"{where}: step {i} is {s!r}, not a step (use h.get(...), h.think(...), ...)")
    return tuple(steps)


def _plan_all(steps: Sequence[Step], base_url: str | None) -> list[dict[str, Any]]:
    return [s._plan(base_url) for s in steps]


def _absolute(url: str, base_url: str | None) -> str:
    """``url`` joined to the test's ``base_url`` when it is a path.

    A path without a ``base_url`` goes on as it is: the engine reports it with every other
    problem of the plan, at its place in the plan.
    """
    if "://" in url or base_url is None:
        return url
    return base_url.rstrip("/") + "/" + url.lstrip("/")


def header_pairs(headers: Mapping[str, str] | Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Checked (name, value) pairs from a mapping or a sequence of pairs (a step's or an attack's)."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        items: Any = headers.items()
    elif isinstance(headers, Sequence) and not isinstance(headers, (str, bytes)):
        items = headers
    else:
        raise TypeError(f"headers must be a mapping or (name, value) pairs, got {headers!r}")
    out = []
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"headers must be a mapping or (name, value) pairs, got item {item!r}")
        name, value = item
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"headers: name and value must be strings, got {name!r}: {value!r}")
        out.append((name, value))
    return out


def body_spec(json: Any, form: Mapping[str, str] | None, body: str | bytes | None) -> dict[str, Any] | None:
    """The plan's body object for ``json=``, ``form=`` or ``body=`` (text, or bytes as base64)."""
    if json is not None:
        return {"json": jsonlib.dumps(json)}
    if form is not None:
        return {"form": [[str(k), str(v)] for k, v in form.items()]}
    if isinstance(body, str):
        return {"text": body}
    if isinstance(body, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(bytes(body)).decode("ascii")}
    if body is not None:
        raise TypeError(f"body must be str or bytes, got {type(body).__name__}")
    return None
