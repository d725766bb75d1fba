"""HAR recordings → horde journeys: ``horde convert recording.har -o journey.py``, or :func:`convert_har`.

Reads a HAR 1.2 file (what a browser's DevTools "Save all as HAR" writes) and writes a readable horde script that
runs as is: one request step per recorded request, the recorded status as its check, the user's pauses as think
times, a small scenario and ``base_url=h.env("BASE_URL", <the recording's origin>)``. Values the server made up for
the recorded session are correlated automatically (:mod:`horde.correlation` says how); the script lists each one at
the top, and :attr:`Conversion.correlations` returns them. How the script is laid out is :mod:`horde.har_script`'s.

What is kept, and how:

- **Requests**: those to the origin of the first request. Dropped and counted: static assets (by extension —
  images, CSS, JavaScript, fonts, media — or by the response's type; ``keep_static=True`` keeps them), requests to
  other origins (third parties; ``other_origins=True`` keeps them, with absolute URLs), requests that got no
  response (status 0: blocked or cancelled), WebSocket connections and schemes other than http(s).
- **Redirects**: a 3xx response whose ``Location`` the next request fetched becomes one step that follows it (as
  the browser did; horde follows redirects), checked against the final status. A redirect that was not followed
  keeps its own status, with ``max_redirects=0``.
- **Headers**: all but those the engine or its cookie jar sets, or a browser adds on its own: hop-by-hop ones
  (Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*), HTTP/2 pseudo-headers, Host,
  Content-Length, Cookie (the cookie jar sends what the server set), Accept-Encoding (the engine negotiates
  compression), and browser noise: Sec-* (client hints, fetch metadata), User-Agent, Accept-Language, Referer,
  Origin, Cache-Control, Pragma, Priority, DNT, Upgrade-Insecure-Requests, and the conditional If-None-Match and
  If-Modified-Since (a VU has no cache: a recorded 304 is checked as 200 or 304). Content-Type goes too when the
  body is written as ``json=`` or ``form=`` with their usual type (the engine sets it).
- **Bodies**: ``json=`` when the body parses as JSON, ``form=`` for a form (unless a field repeats), else ``body=``.
- **Think times**: the gap between one step's end and the next one's start, when it is 50 ms or more.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from horde.correlation import Body, Correlation, Exchange, Response, correlate
from horde.errors import PlanError
from horde.har_script import RecordedStep, left_out, render

__all__ = ["Conversion", "convert_har"]

MIN_THINK_S = 0.05
STATIC_EXTENSIONS = tuple(
    re.split(
        r"\s+",
        ".css .js .mjs .map .png .jpg .jpeg .gif .webp .avif .svg .ico .bmp .woff .woff2 .ttf .otf .eot "
        ".mp4 .webm .mp3",
    )
)
STATIC_TYPES = ("image/", "font/", "text/css", "video/", "audio/")
STATIC_RESOURCE_TYPES = ("stylesheet", "script", "image", "font", "media")
DROPPED_HEADERS = frozenset(
    re.split(
        r"\s+",
        "connection keep-alive proxy-connection proxy-authorization proxy-authenticate te trailer transfer-encoding "
        "upgrade host content-length cookie accept-encoding user-agent accept-language referer origin cache-control "
        "pragma priority dnt upgrade-insecure-requests if-none-match if-modified-since",
    )
)
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Conversion:
    """A converted recording.

    Attributes:
        script: the horde script (Python source): ``horde run`` runs it as is.
        correlations: each value a response returned and later requests sent back, now extracted.
        requests: the requests the journey sends.
        dropped: what is not a step of its own, and how much, e.g. ``{"static assets": 12, "redirects": 1}``.
    """

    script: str
    correlations: tuple[Correlation, ...]
    requests: int
    dropped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """What the conversion did, in a few lines (``horde convert`` prints them on stderr)."""
        lines = [f"{self.requests} requests" + "".join(f"; {line}" for line in left_out(self.dropped))]
        if not self.correlations:
            lines.append("no correlations: no value a response returned was sent back later")
        else:
            lines.append(f"{len(self.correlations)} correlation(s):")
            lines.extend(f"  {c.describe()}" for c in self.correlations)
        return "\n".join(lines)


def convert_har(
    path: str | os.PathLike[str],
    *,
    keep_static: bool = False,
    other_origins: bool = False,
    correlate_values: bool = True,
    name: str | None = None,
) -> Conversion:
    """Converts a HAR recording into a horde script, with automatic correlation.

    Args:
        path: the HAR file (JSON, as a browser's DevTools export it).
        keep_static: keep requests for static assets (images, CSS, JavaScript, fonts, media).
        other_origins: keep requests to origins other than the first request's (absolute URLs).
        correlate_values: find and extract correlated values (False: send everything as recorded).
        name: the journey's name (default: the file's name without its extension).

    Raises:
        PlanError: the file is not JSON, not a HAR, or has no request to convert (the message says which).
        OSError: the file cannot be read.

    Example:
        >>> conversion = convert_har("recording.har")  # doctest: +SKIP
        >>> [c.variable for c in conversion.correlations]  # doctest: +SKIP
        ['cart_id']
        >>> Path("journey.py").write_text(conversion.script)  # doctest: +SKIP
    """
    entries = read_entries(path)
    origin = _origin(next((e["request"]["url"] for e in entries if _is_http(e["request"]["url"])), "http://"))
    dropped: dict[str, int] = {}
    kept = []
    for n, entry in enumerate(entries, 1):
        reason = _left_out(entry, origin, keep_static, other_origins)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
        else:
            kept.append((n, entry))
    if not kept:
        left = ", ".join(left_out(dropped))
        raise PlanError(f"{path}: no request left to convert ({left})", [("log.entries", "all left out")])
    steps = _steps(kept, origin, dropped)
    exchanges = [s.exchange for s in steps]
    found = correlate(exchanges) if correlate_values else []
    script = render(
        name=name or _name(path), origin=origin, source=os.fspath(path), steps=steps, correlations=found,
        dropped=dropped, started=entries[0].get("startedDateTime"),
    )  # fmt: skip
    return Conversion(script, tuple(found), len(steps), dropped)


def read_entries(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries of a HAR file, in the order they started, each with a request URL and method.

    Raises:
        PlanError: not JSON (with the position of the error), not a HAR (no ``log.entries``), no entries, or an entry
            without ``request.url`` or ``request.method``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise PlanError(f"{path}: not a HAR file: not UTF-8 text (byte {e.start})", [("file", "not UTF-8")]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlanError(
            f"{path}: not a HAR file: not JSON ({e.msg} at line {e.lineno} column {e.colno})",
            [("file", f"not JSON: {e.msg} at line {e.lineno} column {e.colno}")],
        ) from None
    log = doc.get("log") if isinstance(doc, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise PlanError(
            f'{path}: not a HAR file: no log.entries (a HAR is {{"log": {{"entries": [...]}}}}, as a browser\'s '
            "DevTools save it)",
            [("log.entries", "missing")],
        )
    if not entries:
        raise PlanError(f"{path}: the HAR has no entries: nothing was recorded", [("log.entries", "empty")])
    for n, entry in enumerate(entries):
        request = _object(_object(entry).get("request"))
        for key in ("url", "method"):
            if not isinstance(request.get(key), str) or not request[key]:
                where = f"log.entries[{n}].request.{key}"
                raise PlanError(f"{path}: {where} is missing: not a HAR 1.2 entry", [(where, "missing")])
        try:
            urlsplit(request["url"]).port  # noqa: B018 — parses the authority too
        except ValueError as e:
            where = f"log.entries[{n}].request.url"
            raise PlanError(f"{path}: {where}: {e}: {request['url']!r}", [(where, str(e))]) from None
    times = [_started(e) for e in entries]
    if None in times:
        return entries  # as recorded
    order = sorted(range(len(entries)), key=lambda n: times[n] or 0.0)
    return [entries[n] for n in order]


def _left_out(entry: dict[str, Any], origin: str, keep_static: bool, other_origins: bool) -> str | None:
    url = entry["request"]["url"]
    if not _is_http(url):
        return "non-HTTP requests"
    if not _status(entry):
        return "requests without a response"
    if _status(entry) == 101:
        return "WebSocket connections"
    if _origin(url) != origin and not other_origins:
        return "requests to other origins"
    mime = str(_object(_object(entry.get("response")).get("content")).get("mimeType") or "").lower()
    static = (
        urlsplit(url).path.lower().endswith(STATIC_EXTENSIONS)
        or mime.startswith(STATIC_TYPES)
        or "javascript" in mime
        or entry.get("_resourceType") in STATIC_RESOURCE_TYPES  # Chromium's own classification
    )
    return "static assets" if static and not keep_static else None


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a HAR field of the wrong type counts as absent."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one (as :func:`_object`)."""
    return value if isinstance(value, list) else []


def _steps(kept: list[tuple[int, dict[str, Any]]], origin: str, dropped: dict[str, int]) -> list[RecordedStep]:
    """The journey's steps: a redirect and the request that followed it are one step."""
    steps: list[RecordedStep] = []
    end = None
    i = 0
    while i < len(kept):
        n, first = kept[i]
        chain = [first]
        while _status(chain[-1]) in _REDIRECTS and i + 1 < len(kept) and _follows(chain[-1], kept[i + 1][1]):
            i += 1
            chain.append(kept[i][1])
            dropped["redirects"] = dropped.get("redirects", 0) + 1
        i += 1
        final = _status(chain[-1])
        unfollowed = final in _REDIRECTS
        step = RecordedStep(_exchange(n, first, chain, origin), (200, 304) if final == 304 else (final,))
        step.follows_redirects = not unfollowed
        start = _started(first)
        if end is not None and start is not None and start - end >= MIN_THINK_S:
            step.think_s = start - end
        last = _started(chain[-1])
        took = chain[-1].get("time")
        took = took if isinstance(took, (int, float)) and took > 0 else 0  # -1 or missing: unknown
        end = None if last is None else last + took / 1000
        steps.append(step)
    return steps


def _follows(redirect: dict[str, Any], nxt: dict[str, Any]) -> bool:
    location = next((v for k, v in _headers(redirect.get("response")) if k.lower() == "location"), None)
    location = location or _object(redirect.get("response")).get("redirectURL")
    if not location:
        return False
    try:
        target = urljoin(redirect["request"]["url"], str(location)).split("#")[0]
    except ValueError:  # a Location that is not a URL: not followed
        return False
    return bool(target == nxt["request"]["url"].split("#")[0])


def _exchange(n: int, first: dict[str, Any], chain: list[dict[str, Any]], origin: str) -> Exchange:
    request = first["request"]
    url = request["url"].split("#")[0]
    parts = urlsplit(url)
    if _origin(url) == origin:
        url = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(k, v) for k, v in _headers(request) if not _dropped_header(k)]
    post = _object(request.get("postData"))
    body, standard_type = _body(post, headers)
    if standard_type:
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    sent = " ".join([request["url"], *(v for _, v in _headers(request)), str(post.get("text") or "")])
    escaped = [(k, _escape(v)) for k, v in headers]
    return Exchange(request["method"].upper(), _escape(url), escaped, body, _response(chain), sent, n)


def _dropped_header(name: str) -> bool:
    lower = name.lower()
    return lower in DROPPED_HEADERS or lower.startswith((":", "sec-", "proxy-"))


def _body(post: dict[str, Any], headers: list[tuple[str, str]]) -> tuple[Body | None, bool]:
    """The request body, and whether its Content-Type is the one the engine sets for it."""
    text = post.get("text") if isinstance(post.get("text"), str) else None
    params = [p for p in _list(post.get("params")) if isinstance(p, dict)]
    if not text and params:
        text = urlencode([(str(p.get("name", "")), str(p.get("value", ""))) for p in params])
    if not text:
        return None, False
    declared = next((v for k, v in headers if k.lower() == "content-type"), "")
    mime = str(post.get("mimeType") or declared).lower()
    if "json" in mime or (not mime and text.lstrip()[:1] in ("{", "[")):
        try:
            doc = json.loads(text)
        except ValueError:
            return Body("text", _escape(text)), False
        return Body("json", _escape_json(doc)), declared.lower().startswith("application/json") or not declared
    if "x-www-form-urlencoded" in mime:
        pairs = parse_qsl(text, keep_blank_values=True)
        if len({k for k, _ in pairs}) == len(pairs):
            return Body("form", [(k, _escape(v)) for k, v in pairs]), True
    return Body("text", _escape(text)), False


def _response(chain: list[dict[str, Any]]) -> Response:
    """The response the step ends with (the last of a redirect chain), with the cookies set on the way."""
    last = _object(chain[-1].get("response"))
    content = _object(last.get("content"))
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8", errors="replace")
        except ValueError:
            text = ""
    response = Response(_status(chain[-1]), _headers(last), str(text))
    mime = str(content.get("mimeType") or "").lower()
    if "json" in mime or response.text.lstrip()[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            response.json, response.is_json = json.loads(response.text), True
    for entry in chain:
        r = _object(entry.get("response"))
        cookies = [(str(c.get("name")), str(c.get("value"))) for c in _list(r.get("cookies")) if isinstance(c, dict)]
        for k, v in _headers(r):
            if k.lower() == "set-cookie":
                for line in v.split("\n"):
                    name, sep, rest = line.partition("=")
                    if sep:
                        cookies.append((name.strip(), rest.split(";")[0].strip()))
        response.cookies.extend(c for c in cookies if c not in response.cookies)
    return response


def _headers(message: Any) -> list[tuple[str, str]]:
    return [
        (h["name"], str(h.get("value", "")))
        for h in _list(_object(message).get("headers"))
        if isinstance(h, dict) and isinstance(h.get("name"), str)
    ]


def _status(entry: dict[str, Any]) -> int:
    status = _object(entry.get("response")).get("status")
    return status if isinstance(status, int) and not isinstance(status, bool) else 0


def _started(entry: dict[str, Any]) -> float | None:
    """``startedDateTime`` in seconds since the epoch (ISO 8601; 'Z' and any number of fraction digits)."""
    text = entry.get("startedDateTime")
    if not isinstance(text, str):
        return None
    text = re.sub(r"[zZ]$", "+00:00", text.strip())
    text = re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _name(path: str | os.PathLike[str]) -> str:
    return Path(path).stem or "recording"


def _escape(text: str) -> str:
    """Recorded text as a template: a literal ``${`` is written ``$${``."""
    return text.replace("${", "$${")


def _escape_json(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {_escape(k): _escape_json(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_escape_json(v) for v in doc]
    return _escape(doc) if isinstance(doc, str) else doc
