"""The script :func:`horde.har.convert_har` writes: a converted recording laid out as a horde test to read and edit.

It owns the text only — what goes in it is :mod:`horde.har`'s and :mod:`horde.correlation`'s. Long calls are split one
argument a line, as ``ruff format`` would, so the script reads like a hand-written one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from horde.correlation import Correlation, Exchange, Var


@dataclass
class RecordedStep:
    """One request step of the journey being written, with the think time before it."""

    exchange: Exchange
    checks: tuple[int, ...]
    think_s: float = 0.0
    follows_redirects: bool = True


def left_out(dropped: dict[str, int]) -> list[str]:
    """What was not written as a step of its own, a phrase per reason: ``3 static assets left out``."""
    return [
        f"{n} {what} followed by the request before them" if what == "redirects" else f"{n} {what} left out"
        for what, n in dropped.items()
    ]


WIDTH = 100
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: How to keep what was left out, by reason.
HINTS = {
    "static assets": "--keep-static / keep_static=True keeps them",
    "requests to other origins": "--other-origins / other_origins=True keeps them",
    "redirects": "horde follows redirects, as the browser did",
}


class Code(str):
    """Script text written as it is (an extractor call), not as a string literal."""


def render(
    *,
    name: str,
    origin: str,
    source: str,
    steps: list[RecordedStep],
    correlations: list[Correlation],
    dropped: dict[str, int],
    started: Any,
) -> str:
    """The whole script."""
    when = f" on {started}" if isinstance(started, str) else ""
    lines = [
        f'"""The journey recorded in {_basename(source)}, converted by `horde convert`: run it with `horde run`.',
        "",
        "Edit it freely (think times, checks, the scenario). BASE_URL points it at another server:",
        "horde run THIS_FILE.py -e BASE_URL=https://staging.example",
        '"""',
        "",
        f"# Recorded against {origin}{when}: {len(steps)} requests.",
    ]
    for what, phrase in zip(dropped, left_out(dropped), strict=True):
        hint = f" ({HINTS[what]})" if what in HINTS else ""
        lines.append(f"# {phrase[0].upper()}{phrase[1:]}{hint}.")
    lines.append("#")
    if correlations:
        lines.append("# Correlations: values a response returned and later requests sent back, now taken from each")
        lines.append("# new response instead of being sent as recorded:")
        for c in correlations:
            lines.append(f"#   {c.variable} = {json.dumps(c.value)} from {c.source} (entry {c.entry}), {c.extractor}")
            lines.append(f"#     sent by: {', '.join(c.used_in)}")
    else:
        lines.append("# Correlations: none (no value a response returned was sent back by a later request).")
    lines += ["", "import horde as h", "", "journey = h.journey(", f"    {_string(name)},"]
    for step in steps:
        if step.think_s:
            lines.append(f"    h.think({round(step.think_s, 2):g}),")
        lines.append(f"    {_request(step)},")
    lines += [
        ")",
        "",
        "test = h.Test(",
        f'    base_url=h.env("BASE_URL", {_string(origin)}),',
        "    # One user walking the recorded journey over and over; try h.ramping_vus or an arrival rate next.",
        f'    scenarios={{{_string(name)}: h.constant_vus(journey, vus=1, duration="1m")}},',
        '    thresholds={"checks": ["rate>0.99"]},',
        ")",
        "",
    ]
    return "\n".join(lines)


def _request(step: RecordedStep) -> str:
    x: Exchange = step.exchange
    if x.method in METHODS:
        func, args = f"h.{x.method.lower()}", [_string(x.url)]
    else:
        func, args = "h.request", [_string(x.method), _string(x.url)]
    headers = list(x.headers)
    kwargs: list[tuple[str, Any]] = []
    body: tuple[str, Any] | None = None
    if x.body is not None:
        kind, value = x.body.kind, x.body.value
        if kind == "json" and _has_var(value):
            # A number replaced by a variable is not a JSON string: the body goes as text.
            kind, value = "body", _json_text(value)
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json"))
        elif kind == "form":
            value = dict(value)
        elif kind == "text":
            kind = "body"
        body = (kind, value)
    if headers:
        names = [k.lower() for k, _ in headers]
        kwargs.append(("headers", dict(headers) if len(set(names)) == len(names) else [tuple(h) for h in headers]))
    if body is not None:
        kwargs.append(body)
    kwargs.append(("check", Code(f"h.status({', '.join(map(str, step.checks))})")))
    if x.extract:
        kwargs.append(("extract", {k: Code(v) for k, v in x.extract.items()}))
    if not step.follows_redirects:
        kwargs.append(("max_redirects", 0))
    return _call(func, args, kwargs, indent=4)


def _call(func: str, args: list[str], kwargs: list[tuple[str, Any]], indent: int) -> str:
    """A call on one line when it fits, else one argument a line."""
    flat = f"{func}({', '.join([*args, *(f'{k}={_flat(v)}' for k, v in kwargs)])})"
    if indent + len(flat) + 1 <= WIDTH:
        return flat
    pad = " " * (indent + 4)
    lines = [f"{func}("]
    lines += [f"{pad}{a}," for a in args]
    lines += [f"{pad}{k}={_literal(v, indent + 4, WIDTH - indent - 6 - len(k))}," for k, v in kwargs]
    lines.append(" " * indent + ")")
    return "\n".join(lines)


def _literal(value: Any, indent: int, room: int) -> str:
    """A Python literal, split over lines (one item a line) when it is longer than ``room``."""
    flat = _flat(value)
    if len(flat) <= room or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    pad = " " * (indent + 4)
    inner = WIDTH - indent - 5
    if isinstance(value, dict):
        items = [f"{pad}{_flat(k)}: {_literal(v, indent + 4, inner - len(_flat(k)) - 2)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    items = [f"{pad}{_literal(v, indent + 4, inner)}," for v in value]
    return open_ + "\n" + "\n".join(items) + "\n" + " " * indent + close


def _flat(value: Any) -> str:
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_flat(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)  # bool, None, int, float: Python spells them as JSON does not


def _has_var(doc: Any) -> bool:
    if isinstance(doc, dict):
        return any(_has_var(v) for v in doc.values())
    if isinstance(doc, list):
        return any(_has_var(v) for v in doc)
    return isinstance(doc, Var)


def _json_text(doc: Any) -> str:
    marks: list[str] = []

    def mark(o: Any) -> Any:
        if isinstance(o, Var):
            marks.append(o.name)
            return f"\0{len(marks) - 1}\0"
        raise TypeError(f"not JSON: {o!r}")

    text = json.dumps(doc, default=mark, ensure_ascii=False)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: "${" + marks[int(m.group(1))] + "}", text)


def _string(text: str) -> str:
    """A Python string literal: double quotes (JSON's escapes are Python's), single ones if that saves escapes."""
    if '"' in text and "'" not in text:
        return repr(text)
    return json.dumps(text, ensure_ascii=False)


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]
