"""A test server that counts requests per endpoint template and the transitions between them (issue 12).

Every request is answered 200 with a small JSON body (``POST /cart/items`` returns a fresh ``cart_id``
uuid, ``POST /checkout`` an ``order_id``), over HTTP/1.1 with keep-alive, a thread per connection.
Each request is mapped to the first template whose method matches and whose regex matches the raw
path+query (``"METHOD template"``, else ``"other"``). Requests carrying an ``X-Horde-Session`` header
are chained per session: the first one counts as the session's entry, each later one as a transition
from the session's previous endpoint, and the last one seen as its exit.

    server = start(truth.templates)         # or start(logsynth.templates())
    ... run the load script against server.url ...
    server.counts(); server.transitions(); server.stop()
"""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

SESSION_HEADER = "X-Horde-Session"
OTHER = "other"


class _Server(http.server.ThreadingHTTPServer):
    """Daemon threads; no traceback when a client goes away mid-response (a run cut short does that)."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class CountingServer:
    """The server, listening on 127.0.0.1 at a free port from construction until `stop()`."""

    def __init__(self, templates: Iterable[Sequence[str]]) -> None:
        self._patterns = [(m, re.compile(rx), f"{m} {tpl}") for m, tpl, rx in templates]
        self.names = [name for _, _, name in self._patterns]
        self._lock = threading.Lock()
        self.reset()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                outer._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def classify(self, method: str, target: str) -> str:
        """The endpoint name of a request: the first template matching its method and raw path+query."""
        for m, regex, name in self._patterns:
            if m == method and regex.match(target):
                return name
        return OTHER

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self._counts: Counter[str] = Counter()
            self._transitions: dict[str, Counter[str]] = {}
            self._entries: Counter[str] = Counter()
            self._last: dict[str, str] = {}  # session → its latest endpoint
            self._without_session = 0

    def _serve(self, h: http.server.BaseHTTPRequestHandler) -> None:
        _read_body(h)
        name = self.classify(h.command, h.path)
        session = h.headers.get(SESSION_HEADER)
        with self._lock:
            self._counts[name] += 1
            if session is None:
                self._without_session += 1
            else:
                previous = self._last.get(session)
                if previous is None:
                    self._entries[name] += 1
                else:
                    self._transitions.setdefault(previous, Counter())[name] += 1
                self._last[session] = name
        reply: dict[str, Any] = {"ok": True, "endpoint": name}
        if h.command == "POST" and name == "POST /cart/items":
            reply["cart_id"] = str(uuid.uuid4())
        elif h.command == "POST" and name == "POST /checkout":
            reply["order_id"] = uuid.uuid4().hex
        body = json.dumps(reply).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def counts(self) -> dict[str, int]:
        """Requests per endpoint name (every template, zero or not, and ``"other"``)."""
        with self._lock:
            return {name: self._counts[name] for name in [*self.names, OTHER]}

    def transitions(self) -> dict[str, dict[str, int]]:
        """Counts of consecutive (from, to) requests within a session, as ``{from: {to: count}}``."""
        with self._lock:
            return {src: dict(row) for src, row in self._transitions.items()}

    def exits(self) -> dict[str, int]:
        """Sessions per last endpoint seen so far (final once the load has stopped)."""
        with self._lock:
            return dict(Counter(self._last.values()))

    def entries(self) -> dict[str, int]:
        """Sessions per first endpoint."""
        with self._lock:
            return dict(self._entries)

    def sessions(self) -> int:
        """Distinct ``X-Horde-Session`` values seen."""
        with self._lock:
            return len(self._last)

    def without_session(self) -> int:
        """Requests that carried no session header."""
        with self._lock:
            return self._without_session

    def snapshot(self) -> dict[str, Any]:
        """Everything counted, as JSON-serialisable data."""
        return {
            "counts": self.counts(),
            "transitions": self.transitions(),
            "entries": self.entries(),
            "exits": self.exits(),
            "sessions": self.sessions(),
            "without_session": self.without_session(),
        }

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CountingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_body(h: http.server.BaseHTTPRequestHandler) -> None:
    """Consume the request body (Content-Length or chunked) so the next request on the connection parses."""
    if "chunked" in h.headers.get("Transfer-Encoding", "").lower():
        while True:
            size = int(h.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            h.rfile.read(size + 2)  # the chunk and its CRLF
    length = int(h.headers.get("Content-Length") or 0)
    if length:
        h.rfile.read(length)


def start(templates: Iterable[Sequence[str]]) -> CountingServer:
    """Start a counting server for ``templates`` ((method, template, regex) triples, e.g. ``Truth.templates``)."""
    return CountingServer(templates)
