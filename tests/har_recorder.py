"""A recording reverse proxy: what a browser's DevTools do when they save a HAR, for tests (stdlib only).

``Recorder(upstream)`` listens on a free port of 127.0.0.1 and forwards every request to ``upstream``
(``http://127.0.0.1:PORT``, one connection per request), passing the response back unchanged. Each exchange becomes a
HAR 1.2 entry, with the URL the client used (the proxy's), every header both ways, the request body as ``postData``,
the response body as ``content`` (base64 when it is not UTF-8), ``startedDateTime`` and the time it took split into
``send``/``wait``/``receive``. ``har()`` returns the recording, ``save(path)`` writes it.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# RFC 9110 7.6.1: not forwarded by a proxy.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Recorder:
    """A reverse proxy on 127.0.0.1 to ``upstream`` that records each exchange as a HAR entry."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer._forward(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def har(self) -> dict[str, Any]:
        with self._lock:
            entries = sorted(self.entries, key=lambda e: e["startedDateTime"])
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "horde tests/har_recorder.py", "version": "1"},
                "pages": [],
                "entries": entries,
            }
        }

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(self.har(), indent=1), encoding="utf-8")
        return path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _forward(self, h: http.server.BaseHTTPRequestHandler) -> None:
        started = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP]
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            upstream.putrequest(h.command, h.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                upstream.putheader(k, v)
            upstream.endheaders(body or None)
            t_sent = time.perf_counter()
            response = upstream.getresponse()
            t_head = time.perf_counter()
            content = response.read()
            t_done = time.perf_counter()
            reply = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            status, reason = response.status, response.reason
        finally:
            upstream.close()
        entry = _entry(self.url(h.path), h.command, headers, body, status, reason, reply, content)
        entry["startedDateTime"] = started.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ms = [round((b - a) * 1000, 3) for a, b in ((t0, t_sent), (t_sent, t_head), (t_head, t_done))]
        entry["timings"] = {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": ms[0], "wait": ms[1],
                            "receive": ms[2]}  # fmt: skip
        entry["time"] = round(sum(ms), 3)
        # Recorded before the client has its response: once it has, the recording holds the exchange.
        with self._lock:
            self.entries.append(entry)
        h.send_response(status, reason)
        for k, v in reply:
            if k.lower() not in ("content-length", "date", "server"):
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(content)
        h.wfile.flush()


def _entry(
    url: str,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    status: int,
    reason: str,
    reply: list[tuple[str, str]],
    content: bytes,
) -> dict[str, Any]:
    """One HAR 1.2 entry, without its times."""

    def pairs(items: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"name": k, "value": v} for k, v in items]

    def header(items: list[tuple[str, str]], name: str) -> str:
        return next((v for k, v in items if k.lower() == name), "")

    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(headers),
        "queryString": pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": len(body),
    }
    if body:
        request["postData"] = {"mimeType": header(headers, "content-type"), "text": body.decode("utf-8", "replace")}
    try:
        text, encoding = content.decode("utf-8"), None
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(content).decode("ascii"), "base64"
    response_content: dict[str, Any] = {"size": len(content), "mimeType": header(reply, "content-type"), "text": text}
    if encoding:
        response_content["encoding"] = encoding
    return {
        "request": request,
        "response": {
            "status": status,
            "statusText": reason,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": pairs(reply),
            "content": response_content,
            "redirectURL": header(reply, "location"),
            "headersSize": -1,
            "bodySize": len(content),
        },
        "cache": {},
    }
