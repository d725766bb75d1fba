"""The conformance endpoints as a bare ASGI application (no framework), served by uvicorn in a subprocess:
`python -m uvicorn --app-dir tests conformance.asgi_app:app`."""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable
from typing import Any

from .content import BYE, CHUNKED_LINES, COOKIE, GZIP_PLAIN, HELLO, SET, cookie_echo, large_body
from .process import authority

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LARGE = large_body()
GZIPPED = gzip.compress(GZIP_PLAIN, mtime=0)
REDIRECTS = {"/redirect": "/hello", "/loop": "/loop2", "/loop2": "/loop"}
TEXT = (b"content-type", b"text/plain")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path, headers = scope["path"], _headers(scope)
    if path == "/hello":
        await _respond(send, 200, [TEXT], HELLO)
    elif path == "/echo":
        await _respond(send, 200, [(b"content-type", b"application/json")], await _body(receive))
    elif path == "/chunked":
        # No Content-Length and several body messages: uvicorn frames it chunked, one chunk per line.
        await send({"type": "http.response.start", "status": 200, "headers": [TEXT]})
        for line in CHUNKED_LINES:
            await send({"type": "http.response.body", "body": line, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/large":
        await _respond(send, 200, [(b"content-type", b"application/octet-stream")], LARGE)
    elif path in REDIRECTS:
        await _respond(send, 302, [(b"location", REDIRECTS[path].encode())], b"")
    elif path == "/redirect/abs":
        host = headers.get("host") or authority(*scope["server"])
        await _respond(send, 302, [(b"location", f"{scope['scheme']}://{host}/hello".encode())], b"")
    elif path == "/cookie/set":
        await _respond(send, 200, [TEXT, (b"set-cookie", COOKIE.encode())], SET)
    elif path == "/cookie/echo":
        await _respond(send, 200, [TEXT], cookie_echo(headers.get("cookie", "")))
    elif path == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/close":
        await _respond(send, 200, [TEXT, (b"connection", b"close")], BYE)
    elif path == "/gzip":
        vary = (b"vary", b"accept-encoding")
        if "gzip" in _codings(headers.get("accept-encoding", "")):
            await _respond(send, 200, [TEXT, vary, (b"content-encoding", b"gzip")], GZIPPED)
        else:
            await _respond(send, 200, [TEXT, vary], GZIP_PLAIN)
    else:
        await _respond(send, 404, [TEXT], b"not found\n")


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by lower-case name; repeated ones joined as a proxy would (`; ` for Cookie, `, ` otherwise)."""
    joined: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in joined:
            value = joined[name] + ("; " if name == "cookie" else ", ") + value
        joined[name] = value
    return joined


def _codings(accept_encoding: str) -> set[str]:
    """The content codings an Accept-Encoding header accepts (those without q=0)."""
    accepted = set()
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if coding and not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            accepted.add(coding.lower())
    return accepted
