"""Automatic correlation of a recorded session: values a response returned that a later request sent back.

A recording replays only if the values the server made up for that session (a cart id, a CSRF token, an order
number) are taken from each new response instead of being sent back as recorded. This module finds them in a list of
:class:`Exchange` (what :mod:`horde.har` reads from a recording), adds the extraction to the response that first
returned each one and puts ``${variable}`` in its place in every later request. It knows nothing about HAR files or
script text.

The rules, in the order they apply:

1. **What a request sends**: its URL's path segments and query values, its (kept) header values and their words, its
   JSON body's values, its form fields, and the words of a text body.
2. **Only what the server said first**: a value is correlated when an earlier response returned it before any request
   had sent it. A value the client knew first — in the very first request, in the request that produced the response
   (an echo), typed by the user — is never correlated.
3. **Not trivial**: shorter than 4 characters, booleans and null, numbers that are not whole or under 1000, plain
   words (letters only, one case or capitalised: ``confirmed``, ``USD``), text with spaces, URLs and paths, MIME
   types, and anything holding a ``$``. Values are matched as whole tokens, never inside a longer run of letters and
   digits (digits-only values not inside a longer number, date or version either).
4. **Where it is taken from**, the first that finds it: a JSON response's value equal to it (``h.json_path``, named
   after its key), a response header (``h.header``, named after the header), a cookie the response set
   (``h.cookie``), else a regular expression that finds it by the text just before it (``h.regex``: in an HTML tag,
   from its ``name``/``id`` attribute on, and named after it). The extraction is checked against the recorded
   response: it must find this very value.
5. **Earliest response, every later request**: the extraction goes on the earliest response that returned the value,
   and every later occurrence (URL, header, JSON or form value, text body) becomes ``${variable}``.
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Body", "Correlation", "Exchange", "Response", "Var", "correlate", "is_trivial"]

MIN_LENGTH = 4
#: Response headers whose values describe the response, never a value the client sends back.
NOT_VALUES = frozenset(
    re.split(
        r"\s+",
        "date expires last-modified server connection keep-alive transfer-encoding vary cache-control pragma age via "
        "accept-ranges strict-transport-security x-content-type-options x-frame-options x-xss-protection "
        "referrer-policy permissions-policy alt-svc report-to nel server-timing x-powered-by timing-allow-origin "
        "set-cookie location content-type content-length content-encoding content-language content-disposition "
        "content-security-policy",
    )
)
#: JSON keys too generic to name a variable alone: the parent's key is put before them.
GENERIC_KEYS = frozenset({"id", "uuid", "key", "value", "token", "code", "ref", "number"})
_WORD = re.compile(r"[A-Za-z]+(?:[-_][A-Za-z]+)*")
_MIME = re.compile(r"[a-z]+/[a-z0-9.+-]+")
_URL_PIECES = re.compile(r"[/?&=;,]")
_HEADER_WORDS = re.compile(r"[\s,;=]+")
_TEXT_WORDS = re.compile(r"[A-Za-z0-9_.+/=:-]{4,}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_MEMBER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a JSON path member name that needs no quotes
_ATTRIBUTE = re.compile(r"""\b(name|id)\s*=\s*["']?([^"'\s>]+)""", re.I)
_REGEX_META = frozenset("\\.+*?()|[]{}^$")  # outside a class, in both syntaxes


@dataclass(frozen=True)
class Var:
    """A JSON body value replaced by a variable (a number: the body is then sent as text)."""

    name: str


@dataclass
class Body:
    """A request body: ``kind`` is ``json`` (a parsed document), ``form`` (field pairs) or ``text``."""

    kind: str
    value: Any


@dataclass
class Response:
    """What a recorded request got back; ``cookies`` are those set on the way (redirects included)."""

    status: int
    headers: list[tuple[str, str]]
    text: str
    json: Any = None
    is_json: bool = False
    cookies: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Exchange:
    """One request of the journey, in the parts a script sends, and the response it got.

    ``sent`` is everything the recorded request carried (dropped headers too): what the client knew.
    """

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: Body | None
    response: Response
    sent: str
    number: int = 0
    extract: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``METHOD url``, as the summary and the script's comments name it."""
        return f"{self.method} {self.url}"


@dataclass(frozen=True)
class Correlation:
    """A value a response returned and later requests sent back, now taken from each new response.

    Attributes:
        variable: the template variable (``${variable}`` in the later requests).
        value: the recorded value.
        source: the request whose response returned it first (``METHOD url``), and its entry number in the recording.
        extractor: the extraction as script text, e.g. ``h.json_path("$.cart_id")``.
        used_in: the later requests that send it, as they are now written.
    """

    variable: str
    value: str
    source: str
    entry: int
    extractor: str
    used_in: tuple[str, ...]

    def describe(self) -> str:
        """One line: ``cart_id = "cart-51" from POST /v1/cart/items (entry 3), h.json_path(...); sent by ...``."""
        return (
            f"{self.variable} = {json.dumps(self.value)} from {self.source} (entry {self.entry}), "
            f"{self.extractor}; sent by {', '.join(self.used_in)}"
        )


def is_trivial(value: str) -> bool:
    """Whether ``value`` is too plain to be a server-made value worth correlating (rule 3 of the module doc).

    Example:
        >>> [is_trivial(v) for v in ("true", "42", "confirmed", "cart-51", "9f86d081884c")]
        [True, True, True, False, False]
    """
    if len(value) < MIN_LENGTH or "$" in value or any(c.isspace() for c in value):
        return True
    if value.startswith("/") or "://" in value or _MIME.fullmatch(value):
        return True
    if value.isdigit():
        return int(value) < 1000
    if _WORD.fullmatch(value) and (value.islower() or value.isupper() or value.istitle()):
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True  # a number that is not a whole one: a price, a ratio


def correlate(exchanges: list[Exchange]) -> list[Correlation]:
    """Finds the correlations of a recorded journey and rewrites ``exchanges`` in place (rules: the module doc).

    Adds each extraction to ``Exchange.extract`` and replaces the later occurrences by ``${variable}``; returns the
    correlations made, in the order of the requests that first send them back.
    """
    taken: set[str] = set()
    decided: set[str] = set()
    found: list[tuple[str, int, str, str]] = []  # value, source index, variable, extractor
    for j, x in enumerate(exchanges):
        for value in sorted(_atoms(x), key=lambda v: (-len(v), v)):
            if value in decided:
                continue
            decided.add(value)
            # Where the client first sent it (a form value is sent encoded: then here, as far as we can tell).
            known = next((k for k in range(j) if _occurs(exchanges[k].sent, value)), j)
            for i in range(known):
                source = _source(exchanges[i].response, value)
                if source is not None:
                    variable = _unique(source[0], taken)
                    found.append((value, i, variable, source[1]))
                    break
    made = []
    # Longest first: a value inside a longer one must not break it up.
    for value, i, variable, extractor in sorted(found, key=lambda f: -len(f[0])):
        placeholder = "${" + variable + "}"
        used = [j for j in range(i + 1, len(exchanges)) if _substitute(exchanges[j], value, placeholder, variable)]
        if used:
            exchanges[i].extract[variable] = extractor
            made.append((i, variable, value, extractor, used))
    made.sort(key=lambda m: (m[0], [f[2] for f in found].index(m[1])))  # as found
    label = [x.label for x in exchanges]
    return [
        Correlation(variable, value, label[i], exchanges[i].number, extractor, tuple(label[j] for j in used))
        for i, variable, value, extractor, used in made
    ]


# What requests send


def _atoms(x: Exchange) -> set[str]:
    """The non-trivial values a request sends (rule 1)."""
    out = set(_URL_PIECES.split(x.url))
    for _, value in x.headers:
        out.add(value.strip())
        out.update(_HEADER_WORDS.split(value))
    if x.body is not None:
        if x.body.kind == "json":
            for leaf in _leaves(x.body.value):
                out.add(leaf)
                out.update(_URL_PIECES.split(leaf))
        elif x.body.kind == "form":
            out.update(v for _, v in x.body.value)
        else:
            out.update(_TEXT_WORDS.findall(x.body.value))
    return {a for a in out if not is_trivial(a)}


def _leaves(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for v in doc.values():
            yield from _leaves(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _leaves(v)
    elif isinstance(doc, str):
        yield doc
    elif isinstance(doc, int) and not isinstance(doc, bool):
        yield str(doc)


@functools.lru_cache(maxsize=4096)
def _token(value: str) -> re.Pattern[str]:
    """``value`` as a whole token: not inside a longer run of letters and digits (or number, date, version)."""
    edge = "A-Za-z0-9_.:-" if value.isdigit() else "A-Za-z0-9"
    return re.compile(f"(?<![{edge}]){re.escape(value)}(?![{edge}])")


def _occurs(text: str, value: str) -> bool:
    return value in text and _token(value).search(text) is not None


# Where responses return them


def _source(r: Response, value: str) -> tuple[str, str] | None:
    """(name, extractor as script text) taking ``value`` from ``r`` (rule 4), or None."""
    if value not in r.text and not any(value in v for _, v in r.headers) and not any(v == value for _, v in r.cookies):
        return None  # the usual case, found fast
    if r.is_json:
        found = _json_path(r.json, value)
        if found is not None:
            return found
    for name, v in r.headers:
        if name.lower() not in NOT_VALUES and v.strip() == value:
            return name.lower(), f"h.header({_string(name)})"
    for name, v in r.cookies:
        if v == value:
            return name, f"h.cookie({_string(name)})"
    if not _occurs(r.text, value):
        return None
    for n, m in enumerate(_token(value).finditer(r.text)):
        if n == 3:
            break
        found = _regex(r.text, m.start(), value)
        if found is not None:
            return found
    return None


def _json_path(doc: Any, value: str) -> tuple[str, str] | None:
    """The shallowest, first value of ``doc`` equal to ``value``, as (its name, ``h.json_path(...)``)."""
    queue: deque[tuple[Any, str, str, str]] = deque([(doc, "$", "value", "")])  # node, path, key, parent's key
    while queue:
        node, path, key, parent = queue.popleft()
        if isinstance(node, dict):
            for k, v in node.items():
                name = f".{k}" if _MEMBER.fullmatch(k) else "[" + _quoted(k) + "]"
                queue.append((v, path + name, k, key))
        elif isinstance(node, list):
            queue.extend((v, f"{path}[{n}]", key, parent) for n, v in enumerate(node))
        elif (isinstance(node, str) and node == value) or (
            isinstance(node, int) and not isinstance(node, bool) and str(node) == value
        ):
            # {"order": {"id": ...}} and {"products": [{"id": ...}]}: order_id, product_id.
            if key.lower() in GENERIC_KEYS and parent not in ("", "value"):
                key = f"{_singular(parent)}_{key}"
            return key, f"h.json_path({_string(path)})"
    return None


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _quoted(key: str) -> str:
    """A JSON path name selector (RFC 9535): single quotes, with backslashes and quotes escaped."""
    return "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _regex(text: str, pos: int, value: str) -> tuple[str, str] | None:
    """A regex over the body whose first match is ``value`` at ``pos``, found by the text before it."""
    capture = _capture(value)
    if capture is None:
        return None
    line = text.rfind("\n", 0, pos) + 1
    tag_open, tag_close = text.rfind("<", line, pos), text.rfind(">", line, pos)
    starts: list[int] = []
    name = None
    if tag_open > tag_close:  # inside an HTML tag: named after its name (or id) attribute, found from it on
        end = text.find(">", pos)
        named = sorted(_ATTRIBUTE.finditer(text, tag_open, end if end >= 0 else len(text)), key=_name_first)
        if named:
            name = named[0].group(2)
            starts.extend(a.start() for a in named if a.start() < pos)
    for width in (8, 16, 32, 64):
        # Back to where a word starts, unless that is far (minified text has long words).
        start, limit = max(line, pos - width), max(line, pos - 2 * width)
        while start > limit and not text[start - 1].isspace() and text[start - 1] not in "<>{},;":
            start -= 1
        starts.append(start)
    for start in starts:
        prefix = text[start:pos]
        if not prefix.strip():
            continue
        pattern = _escape(prefix) + capture
        m = re.search(pattern, text)
        if m is not None and m.group(1) == value:
            words = _IDENTIFIER.findall(prefix)
            return name or (words[-1] if words else "value"), f"h.regex({_raw(pattern)})"
    return None


def _name_first(attribute: re.Match[str]) -> int:
    return 0 if attribute.group(1).lower() == "name" else 1


def _capture(value: str) -> str | None:
    if value.isdigit():
        return "([0-9]+)"
    if re.fullmatch(r"[A-Za-z0-9_-]+", value):
        return "([A-Za-z0-9_-]+)"
    if re.fullmatch(r"[A-Za-z0-9_.+/=:-]+", value):
        return "([A-Za-z0-9_.+/=:-]+)"
    return None


def _escape(text: str) -> str:
    r"""``text`` as a literal in both Python's and the engine's (Rust) regex syntax; whitespace as ``\s+``."""
    out = []
    for part in re.split(r"(\s+)", text):
        if part and part[0].isspace():
            out.append(r"\s+")
        else:
            out.append("".join("\\" + c if c in _REGEX_META else c for c in part))
    return "".join(out)


# Putting ${variable} in their place


def _substitute(x: Exchange, value: str, placeholder: str, variable: str) -> bool:
    """Replaces ``value`` by ``placeholder`` wherever ``x`` sends it; whether it did."""
    token = _token(value)
    hits = 0

    def sub(text: str) -> str:
        nonlocal hits
        if value not in text:
            return text
        new, n = token.subn(lambda _: placeholder, text)
        hits += n
        return new

    x.url = sub(x.url)
    x.headers = [(name, sub(v)) for name, v in x.headers]
    if x.body is not None:
        if x.body.kind == "json":
            x.body.value = _sub_json(x.body.value, sub, value, variable)
        elif x.body.kind == "form":
            x.body.value = [(k, sub(v)) for k, v in x.body.value]
        else:
            x.body.value = sub(x.body.value)
    return hits > 0


def _sub_json(doc: Any, sub: Any, value: str, variable: str) -> Any:
    if isinstance(doc, dict):
        return {k: _sub_json(v, sub, value, variable) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_sub_json(v, sub, value, variable) for v in doc]
    if isinstance(doc, str):
        return sub(doc)
    if isinstance(doc, int) and not isinstance(doc, bool) and str(doc) == value:
        sub(value)  # counted as a use
        return Var(variable)
    return doc


def _unique(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "value"
    if base[0].isdigit():
        base = "v_" + base
    variable, n = base, 1
    while variable in taken:
        n += 1
        variable = f"{base}_{n}"
    taken.add(variable)
    return variable


def _string(text: str) -> str:
    """A Python string literal: double quotes (JSON's escapes are Python's), single ones if that saves escapes."""
    if '"' in text and "'" not in text:
        return repr(text)
    return json.dumps(text, ensure_ascii=False)


def _raw(pattern: str) -> str:
    """A regex as the most readable Python literal: a raw string when it can be one."""
    for quote in ('"', "'"):
        if quote not in pattern and not pattern.endswith("\\") and "\n" not in pattern:
            return f"r{quote}{pattern}{quote}"
    return _string(pattern)
