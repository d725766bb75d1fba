"""Target lists for :func:`horde.attack`: vegeta's ``http`` and ``json`` targets files, read into :class:`Target`.

This module owns reading and checking the lists; how an attack spreads its requests over them
(round-robin or weighted) is :mod:`horde.attack`'s.

**http format** (vegeta's default). A target is a request line ``METHOD URL``, then header lines
``Name: value`` (repeatable, names kept as written), then optionally one ``@path`` line naming a
file whose bytes are the body, sent as they are. A relative ``@path`` is read from the targets
file's directory (vegeta reads it from the current directory; the two agree when vegeta is run
beside its file). A target ends at a blank line, at its ``@path`` line or at the next request
line. Lines starting with ``#`` are comments. As in vegeta, a method is an upper-case word (``GET``,
``PURGE``), a header needs a name and a value, and the URL is sent as written (no templates)::

    GET http://127.0.0.1:8080/v1/orders/42
    Authorization: Bearer test-token

    # weight: 3
    POST http://127.0.0.1:8080/v1/cart/items
    Content-Type: application/json
    @cart_item.json

**json format**: one JSON object per line, as vegeta's ``-format=json``: ``method`` and ``url``
(required), ``header`` (name → list of values) and ``body`` (base64)::

    {"method": "GET", "url": "http://127.0.0.1:8080/v1/orders/42", "header": {"Accept": ["application/json"]}}
    {"method": "POST", "url": "http://127.0.0.1:8080/v1/cart/items", "body": "eyJza3UiOiAxfQ==", "weight": 3}

**Weights** (horde's addition; vegeta reads them as comments): a comment ``# weight: N`` above a
target's request line (only comments and blank lines between), or a ``"weight"`` field in JSON.
A weight is a number > 0, 1 when left out; ``order="weighted"`` attacks pick each request's
target with probability weight / sum of weights.

Every problem is a :class:`horde.PlanError` that names the file, the line and what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from horde import _native
from horde.errors import PlanError
from horde.executors import Scenario, executor
from horde.steps import Request, journey, request
from horde.test import Test

__all__ = ["FORMATS", "Target", "check", "steps", "targets"]

#: The targets formats :func:`targets` reads (vegeta's names).
FORMATS = ("http", "json")

_METHOD = re.compile(r"[A-Z]+")
# vegeta's test for "this line starts a new target": an upper-case word and white space.
_REQUEST_LINE = re.compile(r"^[A-Z]+\s")
_WEIGHT = re.compile(r"^#\s*weight\s*:(.*)$", re.IGNORECASE)
_JSON_FIELDS = ("method", "url", "header", "body", "weight")


@dataclass(frozen=True)
class Target:
    """One request of a target list.

    Attributes:
        method: HTTP method, e.g. ``"GET"``.
        url: absolute ``http://`` or ``https://`` URL, sent as written (``${`` is not a template).
        headers: ``(name, value)`` pairs, in order, sent as written.
        body: the body's bytes, or None.
        weight: relative share of requests under ``order="weighted"`` (> 0).
        where: where it was read, e.g. ``"targets.txt:4"`` (named in error messages).

    Example:
        >>> Target("GET", "http://127.0.0.1:8080/", weight=2).weight
        2.0
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    weight: float = 1.0
    where: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.weight, bool) or not isinstance(self.weight, (int, float)):
            raise TypeError(f"Target weight must be a number, got {self.weight!r}")
        object.__setattr__(self, "weight", float(self.weight))
        object.__setattr__(self, "headers", tuple((str(n), str(v)) for n, v in self.headers))


def targets(path: str | os.PathLike[str], *, format: str = "http") -> list[Target]:
    """Reads a vegeta targets file (``format="http"`` or ``"json"``) and checks every target.

    Raises:
        PlanError: the file cannot be read, or a target is wrong; the message names the file, the
            line and the problem (``targets.txt:4: bad method 'get': ...``).

    Example:
        >>> import horde as h
        >>> ts = h.targets("targets.txt")  # doctest: +SKIP
        >>> result = h.attack(targets=ts, rate=100, duration="10s")  # doctest: +SKIP
    """
    name = os.fspath(path)
    if format not in FORMATS:
        raise PlanError(
            f"targets format {format!r} is not one of {', '.join(FORMATS)}", [("format", f"unknown {format!r}")]
        )
    try:
        data = Path(name).read_bytes()
    except OSError as e:
        raise PlanError(f"targets file {name!r}: {e.strerror}", [("targets", f"cannot read {name!r}")]) from None
    try:
        text = data.decode("utf-8-sig")  # an editor's byte order mark is not part of the first line
    except UnicodeDecodeError as e:
        _fail(name, data[: e.start].count(b"\n") + 1, "not UTF-8 text")
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    parsed = _http(lines, name) if format == "http" else _json(lines, name)
    if not parsed:
        raise PlanError(f"{name}: no targets in the file", [(name, "no targets")])
    check(parsed)
    return parsed


def _http(lines: list[str], name: str) -> list[Target]:
    """The http format (see the module's docstring)."""
    out: list[Target] = []
    weight: tuple[float, int] | None = None  # a "# weight:" for the next request line, and its line
    i = 0
    while i < len(lines):
        line, number = lines[i].strip(), i + 1
        i += 1
        if not line:
            continue
        if line.startswith("#"):
            weight = _weight_comment(line, name, number, weight) or weight
            continue
        method, url = _request_line(line, name, number)
        where, given = f"{name}:{number}", weight
        headers: list[tuple[str, str]] = []
        body, weight = None, None
        while i < len(lines):
            line = lines[i].strip()
            if not line or _REQUEST_LINE.match(line):
                break
            i += 1
            if line.startswith("#"):
                weight = _weight_comment(line, name, i, weight) or weight
                continue
            if weight is not None:
                _fail(name, weight[1], "'# weight:' goes above a target's request line, not among its headers")
            if line.startswith("@"):
                body = _body_file(line[1:].strip(), name, i)
                break
            headers.append(_header_line(line, name, i))
        out.append(Target(method, url, tuple(headers), body, given[0] if given else 1.0, where))
    if weight is not None:
        _fail(name, weight[1], "'# weight:' with no target after it")
    return out


def _request_line(line: str, name: str, number: int) -> tuple[str, str]:
    parts = line.split(None, 1)
    if line.startswith("{"):
        _fail(name, number, "a JSON object in an http targets file (for JSON targets use the json format)")
    if not _METHOD.fullmatch(parts[0]):
        if ":" in parts[0]:
            _fail(name, number, f"header line outside a target: {line!r} (headers follow 'METHOD URL', before @body)")
        if len(parts) == 1:
            _fail(name, number, f"expected a request line 'METHOD URL', got {line!r}")
        _fail(name, number, f"bad method {parts[0]!r}: a method is an upper-case word such as GET or POST")
    if len(parts) == 1:
        _fail(name, number, f"missing URL after {parts[0]}")
    url = parts[1].strip()
    if any(c.isspace() for c in url):
        _fail(name, number, f"bad URL {url!r}: white space in a URL (one target per request line)")
    return parts[0], url


def _header_line(line: str, name: str, number: int) -> tuple[str, str]:
    field, colon, value = line.partition(":")
    if not colon or not field.strip() or not value.strip():
        _fail(name, number, f"bad header {line!r}: a header line is 'Name: value' (an @file line ends the target)")
    return field.strip(), value.strip()


def _body_file(path: str, name: str, number: int) -> bytes:
    if not path:
        _fail(name, number, "'@' names no body file")
    full = Path(name).parent / path
    try:
        return full.read_bytes()
    except OSError as e:
        _fail(name, number, f"cannot read body file {path!r}: {e.strerror or e}")


def _weight_comment(line: str, name: str, number: int, pending: tuple[float, int] | None) -> tuple[float, int] | None:
    """The weight a ``# weight: N`` comment gives (None for any other comment)."""
    m = _WEIGHT.match(line)
    if not m:
        return None
    if pending is not None:
        _fail(name, number, f"a second '# weight:' for one target (the first is on line {pending[1]})")
    return _weight(m.group(1).strip(), name, number), number


def _weight(raw: Any, name: str, number: int) -> float:
    try:
        value = float(raw) if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        _fail(name, number, f"bad weight {raw!r}: a weight is a number > 0")
    return value


def _json(lines: list[str], name: str) -> list[Target]:
    """The json format: one object a line (blank lines skipped)."""
    out = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            _fail(name, number, f"bad JSON at column {e.colno}: {e.msg}")
        if not isinstance(obj, dict):
            _fail(name, number, f"a JSON target is an object, got {type(obj).__name__}")
        unknown = sorted(set(obj) - set(_JSON_FIELDS))
        if unknown:
            _fail(name, number, f"unknown field {unknown[0]!r} (a target has {', '.join(_JSON_FIELDS)})")
        out.append(
            Target(
                _json_string(obj, "method", name, number),
                _json_string(obj, "url", name, number),
                _json_headers(obj.get("header"), name, number),
                _json_body(obj, name, number),
                _weight(obj["weight"], name, number) if "weight" in obj else 1.0,
                f"{name}:{number}",
            )
        )
    return out


def _json_string(obj: dict[str, Any], field: str, name: str, number: int) -> str:
    value = obj.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail(name, number, f"missing {field}")
    if not isinstance(value, str):
        _fail(name, number, f"{field} must be a string, got {value!r}")
    return value


def _json_headers(header: Any, name: str, number: int) -> tuple[tuple[str, str], ...]:
    if header is None:
        return ()
    if not isinstance(header, dict):
        _fail(name, number, "header must be an object of name → list of values")
    pairs = []
    for field, values in header.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            _fail(name, number, f'header {field!r} must be a list of strings, e.g. ["v1"]')
        pairs += [(field, v) for v in values]
    return tuple(pairs)


def _json_body(obj: dict[str, Any], name: str, number: int) -> bytes | None:
    body = obj.get("body")
    if body is None or body == "":
        return None
    if not isinstance(body, str):
        _fail(name, number, "body must be a base64 string")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        _fail(name, number, "body is not valid base64 (vegeta's JSON bodies are base64)")


def _fail(name: str, number: int, problem: str) -> NoReturn:
    raise PlanError(f"{name}:{number}: {problem}", [(f"{name}:{number}", problem)])


def check(items: Sequence[Target]) -> None:
    """Has the engine check every target's request; problems name the target's line.

    Raises:
        TypeError: an item is not a :class:`Target`.
        PlanError: a target is wrong (each problem with its ``where``, or ``targets[i]``).
    """
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"targets must be a list of h.Target (e.g. h.targets('targets.txt')), got {items!r}")
    if not items:
        raise PlanError("targets: the list is empty", [("targets", "needs at least one target")])
    issues = []
    for i, t in enumerate(items):
        if not isinstance(t, Target):
            raise TypeError(f"targets[{i}] is {t!r}, not an h.Target")
        if not (math.isfinite(t.weight) and t.weight > 0):
            issues.append((t.where or f"targets[{i}]", f"weight must be > 0, got {t.weight:g}"))
    walk = journey("targets", *steps(items))
    plan = Test(
        scenarios={"check": Scenario(((walk, 1.0),), executor("constant_vus", vus=1, duration_s=1.0))},
        _checked=False,
    ).to_plan()
    try:
        _native.validate_plan(json.dumps(plan))
    except PlanError as e:
        for path, message in e.issues:
            m = re.match(r"^journeys\.targets\.steps\[(\d+)\]\.request\.?(.*)$", path)
            if m:
                t = items[int(m.group(1))]
                field = re.sub(r"\[\d+\]$", "", m.group(2))
                issues.append((t.where or f"targets[{m.group(1)}]", f"{field}: {message}" if field else message))
            else:
                issues.append((path, message))
    if issues:
        raise PlanError("; ".join(f"{w}: {m}" for w, m in issues), issues)


def steps(
    items: Sequence[Target],
    headers: Sequence[tuple[str, str]] = (),
    body: str | bytes | None = None,
    timeout: float | str | None = None,
) -> list[Request]:
    """One request step per target, as vegeta sends them.

    ``headers`` go before each target's own and ``body`` is the body of targets without one (as
    vegeta's ``-header`` and ``-body``). URLs and the targets' header values are literal: a ``${``
    in them is escaped, not a template. Each request is named ``METHOD path?query``; different
    targets that would share a name get ``#k`` (their position in the list) after it.

    Example:
        >>> [s.name for s in steps([Target("GET", "http://a/x"), Target("GET", "http://b/x")])]
        ['GET /x #1', 'GET /x #2']
    """
    bases = [_base_name(t) for t in items]
    first: dict[tuple[Any, ...], int] = {}
    variants: dict[str, set[tuple[Any, ...]]] = {}
    for i, t in enumerate(items):
        key = (t.method, t.url, t.headers, t.body)
        first.setdefault(key, i)
        variants.setdefault(bases[i], set()).add(key)
    out = []
    for i, t in enumerate(items):
        key = (t.method, t.url, t.headers, t.body)
        name = bases[i] if len(variants[bases[i]]) == 1 else f"{bases[i]} #{first[key] + 1}"
        pairs = [*headers, *((n, _literal(v)) for n, v in t.headers)]
        out.append(
            request(
                t.method,
                _literal(t.url),
                name=name,
                headers=pairs,
                body=body if t.body is None else t.body,
                timeout=timeout,
            )
        )
    return out


def _base_name(t: Target) -> str:
    parts = urlsplit(t.url)
    return f"{t.method} {parts.path or '/'}{'?' + parts.query if parts.query else ''}"


def _literal(text: str) -> str:
    """``text`` with ``${`` escaped, so that the engine sends it as written."""
    return text.replace("${", "$${")
