"""Request bodies: from files (bytes sent as they are, or text with templates), from per-VU test
data, and `Expect: 100-continue` — the body waits for the server's go-ahead, goes after the expect
timeout when the server says nothing, and is never sent when the server answers first."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

import horde as h
from conformance import Lighttpd, Nginx, Uvicorn


class ExpectServer:
    """Reads a request head, then either waits silently for the body ("silent") or answers 417
    at once without reading it ("reject"); records when head and body arrived, and in "silent"
    mode each request's target and body as received."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.events: list[tuple[str, float]] = []
        self.received: list[tuple[str, bytes]] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, _, rest = buf.partition(b"\r\n\r\n")
            self.events.append(("head", time.monotonic()))
            if self.mode == "reject":
                conn.sendall(b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
                conn.settimeout(1.0)
                with contextlib.suppress(TimeoutError):
                    self.events.append(("after 417", float(len(conn.recv(65536)))))
                return
            length = int(
                next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[1]
            )
            while len(rest) < length:
                rest += conn.recv(65536)
            self.events.append(("body", time.monotonic()))
            self.received.append((head.split(b" ")[1].decode(), rest))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(rest), rest))

    def close(self) -> None:
        self.sock.close()


def one_post(url: str, body, expect: bool = True, **options) -> h.Result:
    headers = {"Expect": "100-continue"} if expect else {}
    journey = h.journey("post", h.post(url, body=body, headers=headers, check=h.body_contains("payload")))
    test = h.Test(scenarios={"s": h.shared_iterations(journey, vus=1, iterations=2)}, workers=1, **options)
    return test.run(progress=None)


@pytest.mark.parametrize("server_class", [Nginx, Lighttpd, Uvicorn], ids=["nginx", "lighttpd", "uvicorn"])
def test_expect_continue_gets_the_go_ahead_from_real_servers(server_class):
    with server_class().start() as server:
        r = one_post(server.url("/echo"), "the payload")
    assert r.errors == {} and r.status == {"200": 2}
    assert r.checks[0]["passes"] == 2


def test_the_body_goes_after_the_expect_timeout_when_the_server_is_silent():
    with contextlib.closing(ExpectServer("silent")) as server:
        r = one_post(f"http://127.0.0.1:{server.port}/", "the payload", expect_continue_timeout="300ms")
    assert r.errors == {} and r.checks[0]["passes"] == 2
    head, body = server.events[0][1], server.events[1][1]
    assert body - head >= 0.25, "the body waited for the expect timeout"


def test_a_final_answer_before_the_body_means_no_body_and_no_reuse():
    with contextlib.closing(ExpectServer("reject")) as server:
        r = one_post(f"http://127.0.0.1:{server.port}/", "the payload", expect_continue_timeout="5s")
    assert r.status == {"417": 2}
    assert r.generator["connections_opened"] == 2, "the connection was not reused"
    assert all(kind != "after 417" or size == 0 for kind, size in server.events), server.events


def test_bodies_from_files_and_per_vu_data(tmp_path):
    binary = tmp_path / "payload.bin"
    binary.write_bytes(b"payload \x00\xff ${not a template}")
    template = tmp_path / "payload.json"
    template.write_text('{"payload": "${item}"}')
    with Nginx().start() as server:
        journey = h.journey(
            "bodies",
            h.post(server.url("/echo"), name="bytes", body=h.file(binary), check=h.body_contains("${not a template}")),
            h.post(
                server.url("/echo"), name="template", body=h.file(template, text=True), check=h.json_path("$.payload")
            ),
            h.post(server.url("/echo"), name="data", body="payload ${item}", check=h.body_contains("payload item-")),
        )
        test = h.Test(
            data={"item": h.values([f"item-{i}" for i in range(3)], per="vu")},
            scenarios={"s": h.per_vu_iterations(journey, vus=3, iterations=1)},
        )
        r = test.run(progress=None)
    assert r.errors == {}
    assert all(c["fails"] == 0 and c["passes"] == 3 for c in r.checks), r.checks
    with pytest.raises(h.PlanError, match="body"):
        h.file(tmp_path / "missing.bin")


def test_a_bytes_body_is_sent_exactly_when_the_url_or_a_header_is_templated():
    # A template anywhere makes the request rendered per request; the bytes must not go through text.
    payload = bytes(range(256)) * 8 + b"\r\n\r\n $${not an escape} ${not a template}"
    with contextlib.closing(ExpectServer("silent")) as server:
        base = f"http://127.0.0.1:{server.port}"
        journey = h.journey(
            "bytes",
            h.put(base + "/url/${item}", name="url", body=payload),
            h.put(base + "/header", name="header", headers={"X-Item": "${item}"}, body=payload),
        )
        test = h.Test(
            data={"item": h.values(["a", "b"], per="iteration")},
            scenarios={"s": h.per_vu_iterations(journey, vus=1, iterations=2)},
            workers=1,
        )
        r = test.run(progress=None)
    assert r.errors == {} and r.status == {"200": 4}
    targets = [target for target, _ in server.received]
    assert targets == ["/url/a", "/header", "/url/b", "/header"]
    assert all(body == payload for _, body in server.received), [len(body) for _, body in server.received]
