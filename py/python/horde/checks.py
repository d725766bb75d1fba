"""Checks on responses, and extractors that take values out of them.

A check is counted (the ``checks`` metric, per check name) and never stops a journey. An
extractor sets a variable for the steps that follow; when it finds nothing, the iteration ends
there (unless ``optional=True``) and the journey's funnel says so.

``json_path`` and ``header`` serve both roles: in ``check=`` they check that the value exists (or
equals ``equals``); in ``extract=`` they take the value.

Example:
    >>> import horde as h
    >>> r = h.post("/cart", check=[h.status(201), h.json_path("$.cart_id")],
    ...            extract={"cart_id": h.json_path("$.cart_id")})
    >>> [c._plan()["kind"] for c in r.checks]
    ['status', 'json_path']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = [
    "Check",
    "Extractor",
    "body_contains",
    "cookie",
    "header",
    "json_path",
    "regex",
    "status",
]

_UNSET: Any = object()


class Check:
    """Base class of response checks."""

    name: str | None = None

    def _plan(self) -> dict[str, Any]:
        raise NotImplementedError


class Extractor:
    """Base class of value extractors."""

    optional: bool = False

    def _plan_extract(self, var: str) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Status(Check):
    """The status is one of ``codes``."""

    codes: tuple[int, ...]
    name: str | None = None

    def _plan(self) -> dict[str, Any]:
        return {"kind": "status", "any_of": list(self.codes), "name": self.name}


@dataclass(frozen=True)
class Header(Check, Extractor):
    """A header is present (equal to ``equals``, if given); as an extractor, its value."""

    header: str
    equals: str | None = None
    name: str | None = None
    optional: bool = False

    def _plan(self) -> dict[str, Any]:
        return {"kind": "header", "header": self.header, "equals": self.equals, "name": self.name}

    def _plan_extract(self, var: str) -> dict[str, Any]:
        return {"from": "header", "var": var, "header": self.header, "optional": self.optional}


@dataclass(frozen=True)
class BodyContains(Check):
    """The body contains ``text``."""

    text: str
    name: str | None = None

    def _plan(self) -> dict[str, Any]:
        return {"kind": "body_contains", "text": self.text, "name": self.name}


@dataclass(frozen=True)
class JsonPath(Check, Extractor):
    """A JSON path (RFC 9535) check or extractor.

    As a check: the path matches (equal to ``equals``, if given). As an extractor: the first
    match (strings without quotes, anything else as JSON text).
    """

    path: str
    equals: Any = _UNSET
    name: str | None = None
    optional: bool = False

    def _plan(self) -> dict[str, Any]:
        plan: dict[str, Any] = {"kind": "json_path", "path": self.path, "name": self.name}
        if self.equals is not _UNSET:
            plan["equals"] = self.equals
        return plan

    def _plan_extract(self, var: str) -> dict[str, Any]:
        return {"from": "json_path", "var": var, "path": self.path, "optional": self.optional}


@dataclass(frozen=True)
class Regex(Extractor):
    """A capture group of a regular expression over the body."""

    pattern: str
    group: int = 1
    optional: bool = False

    def _plan_extract(self, var: str) -> dict[str, Any]:
        return {
            "from": "regex",
            "var": var,
            "pattern": self.pattern,
            "group": self.group,
            "optional": self.optional,
        }


@dataclass(frozen=True)
class Cookie(Extractor):
    """The value of a cookie the response sets."""

    cookie: str
    optional: bool = False

    def _plan_extract(self, var: str) -> dict[str, Any]:
        return {"from": "cookie", "var": var, "cookie": self.cookie, "optional": self.optional}


def status(*codes: int, name: str | None = None) -> Status:
    """Checks that the status is one of ``codes``: ``status(200)``, ``status(200, 204)``."""
    if not codes or any(isinstance(c, bool) or not isinstance(c, int) for c in codes):
        raise TypeError(f"status() takes one or more int status codes, got {codes!r}")
    return Status(tuple(codes), name)


def header(name: str, equals: str | None = None, *, optional: bool = False, check_name: str | None = None) -> Header:
    """A header: checks it is present (or equals ``equals``); as an extractor, takes its value."""
    return Header(name, equals, check_name, optional)


def body_contains(text: str, *, name: str | None = None) -> BodyContains:
    """Checks that the body contains ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"body_contains() takes a string, got {text!r}")
    return BodyContains(text, name)


def json_path(path: str, equals: Any = _UNSET, *, optional: bool = False, name: str | None = None) -> JsonPath:
    """A JSON path such as ``$.items[0].id``.

    As a check it passes when the path matches (or equals ``equals``); as an extractor it takes
    the first match.
    """
    if not isinstance(path, str):
        raise TypeError(f"json_path() takes a string path, got {path!r}")
    return JsonPath(path, equals, name, optional)


def regex(pattern: str, group: int = 1, *, optional: bool = False) -> Regex:
    """Extracts capture ``group`` (0: the whole match) of ``pattern`` over the body."""
    return Regex(pattern, group, optional)


def cookie(name: str, *, optional: bool = False) -> Cookie:
    """Extracts the value of cookie ``name``: from the response's ``Set-Cookie``, else from the VU's jar."""
    return Cookie(name, optional)


def check_list(check: Check | Sequence[Check] | Mapping[str, Check] | None) -> tuple[Check, ...]:
    """Normalises ``check=`` to a tuple of checks (dict keys become check names)."""
    if check is None:
        return ()
    if isinstance(check, Check):
        return (check,)
    if isinstance(check, Mapping):
        out = []
        for name, c in check.items():
            if not isinstance(c, Check):
                raise TypeError(f"check {name!r} is {c!r}, not a check (use h.status(...), h.json_path(...), ...)")
            out.append(replace(c, name=name))  # type: ignore[type-var]
        return tuple(out)
    items = tuple(check)
    for c in items:
        if not isinstance(c, Check):
            raise TypeError(f"{c!r} is not a check (use h.status(...), h.json_path(...), ...)")
    return items


def extract_list(extract: Mapping[str, Extractor] | None) -> tuple[tuple[str, Extractor], ...]:
    """Normalises ``extract=`` to (variable, extractor) pairs."""
    if extract is None:
        return ()
    if not isinstance(extract, Mapping):
        raise TypeError(f"extract= takes a dict of variable name → extractor, got {extract!r}")
    for var, e in extract.items():
        if not isinstance(e, Extractor):
            raise TypeError(
                f"extract {var!r}: {e!r} is not an extractor (use h.json_path, h.header, h.regex, h.cookie)"
            )
    return tuple(extract.items())
