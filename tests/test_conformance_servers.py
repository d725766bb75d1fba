"""Self-test of the conformance servers and the test PKI: every endpoint on every server, plain and TLS, checked with
the standard library alone (http.client, ssl, raw sockets), plus the bad-TLS servers."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from certs import Pki
from conformance import ClientCertServer, Lighttpd, Nginx, ServerProcess, Uvicorn, authority
from conformance.content import BYE, CHUNKED, COOKIE, GZIP_PLAIN, HELLO, LARGE_SIZE, SET, large_body

SERVERS: list[type[ServerProcess]] = [Nginx, Lighttpd, Uvicorn]
Server = ServerProcess | ClientCertServer


def _children() -> set[int]:
    children: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        children.update(int(pid) for pid in (task / "children").read_text().split())
    return children


@pytest.fixture(scope="module", autouse=True)
def no_leftover_processes() -> Iterator[None]:
    before = _children()
    yield
    assert _children() - before == set(), "a conformance server outlived its test"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(
    scope="module",
    params=[(kind, tls) for kind in SERVERS for tls in (False, True)],
    ids=lambda p: f"{p[0].name}-{'https' if p[1] else 'http'}",
)
def server(request: pytest.FixtureRequest, pki: Pki) -> Iterator[ServerProcess]:
    kind, tls = request.param
    with kind().start(pki if tls else None) as started:
        yield started


def client_context(pki: Pki, cert: bool = False, version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=pki.ca)
    if cert:
        context.load_cert_chain(pki.client_cert, pki.client_key)
    if version is not None:
        context.minimum_version = context.maximum_version = version
    return context


def connect(server: Server, context: ssl.SSLContext | None = None) -> http.client.HTTPConnection:
    if server.tls is None:
        return http.client.HTTPConnection(server.host, server.port, timeout=10)
    return http.client.HTTPSConnection(
        server.host, server.port, timeout=10, context=context or client_context(server.tls)
    )


def fetch(
    server: Server, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = connect(server)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def raw_socket(server: Server) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=10)
    if server.tls is None:
        return sock
    return client_context(server.tls).wrap_socket(sock, server_hostname=server.host)


def read_head(sock: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """The status line, the headers (lower-case names) and whatever followed the head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed inside the response head: {data!r}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def request_bytes(server: Server, path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {authority(server.host, server.port)}\r\n{extra}\r\n".encode()


def test_hello(server: ServerProcess) -> None:
    response, body = fetch(server, "GET", "/hello")
    assert (response.status, body) == (200, HELLO)
    assert response.getheader("content-length") == "6"
    assert response.getheader("transfer-encoding") is None


@pytest.mark.parametrize("size", [0, 40, 100_000])
def test_echo_returns_the_body_exactly(server: ServerProcess, size: int) -> None:
    sent = json.dumps({"name": "horde", "pad": "x" * size, "unicode": "é✓"}, ensure_ascii=False).encode()
    response, body = fetch(server, "POST", "/echo", body=sent, headers={"Content-Type": "application/json"})
    assert response.status == 200
    assert (response.getheader("content-type") or "").startswith("application/json")
    assert body == sent


def test_chunked_is_chunked_on_the_wire(server: ServerProcess) -> None:
    with raw_socket(server) as sock:
        sock.sendall(request_bytes(server, "/chunked", "Connection: close\r\n"))
        status, headers, data = read_head(sock)
        while chunk := sock.recv(65536):
            data += chunk
    assert status.startswith(b"HTTP/1.1 200")
    assert headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in headers
    body, chunks = b"", 0
    while True:
        size_line, data = data.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        assert data[size : size + 2] == b"\r\n", "chunk data not followed by CRLF"
        body, data, chunks = body + data[:size], data[size + 2 :], chunks + 1
    assert body == CHUNKED
    assert data == b"\r\n"  # no trailers, then the end
    assert chunks >= 1


def test_large(server: ServerProcess) -> None:
    response, body = fetch(server, "GET", "/large")
    assert response.status == 200
    assert response.getheader("content-length") == str(LARGE_SIZE)
    assert len(body) == LARGE_SIZE and body.endswith(b"END\n")
    assert body == large_body()


def test_head_large_has_length_and_no_body(server: ServerProcess) -> None:
    connection = connect(server)
    try:
        connection.request("HEAD", "/large")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"")
        assert response.getheader("content-length") == str(LARGE_SIZE)
        # Had the server sent a body after the head, this second response on the same connection would be garbage.
        connection.request("GET", "/hello")
        assert connection.getresponse().read() == HELLO
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "location"), [("/redirect", "/hello"), ("/loop", "/loop2"), ("/loop2", "/loop")])
def test_relative_redirects(server: ServerProcess, path: str, location: str) -> None:
    response, _ = fetch(server, "GET", path)
    assert (response.status, response.getheader("location")) == (302, location)


def test_absolute_redirect_names_this_server(server: ServerProcess) -> None:
    response, _ = fetch(server, "GET", "/redirect/abs")
    assert (response.status, response.getheader("location")) == (302, server.url("/hello"))


def test_cookies(server: ServerProcess) -> None:
    response, body = fetch(server, "GET", "/cookie/set")
    assert (response.status, body, response.getheader("set-cookie")) == (200, SET, COOKIE)
    response, body = fetch(server, "GET", "/cookie/echo", headers={"Cookie": "a=1; session=s3cr3t"})
    assert (response.status, body) == (200, b"cookie: a=1; session=s3cr3t\n")
    response, body = fetch(server, "GET", "/cookie/echo")
    assert (response.status, body) == (200, b"cookie: \n")


def test_empty(server: ServerProcess) -> None:
    response, body = fetch(server, "GET", "/empty")
    assert (response.status, body) == (204, b"")


def test_close_really_closes(server: ServerProcess) -> None:
    with raw_socket(server) as sock:
        sock.sendall(request_bytes(server, "/close"))
        status, headers, body = read_head(sock)
        assert status.startswith(b"HTTP/1.1 200")
        assert headers.get("connection", "").lower() == "close"
        while len(body) < int(headers["content-length"]):
            body += sock.recv(65536)
        assert body == BYE
        sock.settimeout(2)
        try:
            sock.sendall(request_bytes(server, "/hello"))
            assert sock.recv(65536) == b""
        except (ssl.SSLError, ConnectionError):
            pass  # equally a closed connection


def test_gzip_when_asked(server: ServerProcess) -> None:
    response, body = fetch(server, "GET", "/gzip", headers={"Accept-Encoding": "gzip"})
    assert (response.status, response.getheader("content-encoding")) == (200, "gzip")
    assert gzip.decompress(body) == GZIP_PLAIN
    response, body = fetch(server, "GET", "/gzip")  # http.client sends Accept-Encoding: identity
    assert (response.status, response.getheader("content-encoding"), body) == (200, None, GZIP_PLAIN)


def _ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6(), reason="no IPv6 loopback")
@pytest.mark.parametrize("kind", SERVERS, ids=lambda k: k.name)
def test_ipv6_loopback(kind: type[ServerProcess], pki: Pki) -> None:
    for tls in (None, pki):
        with kind().start(tls, host="::1") as started:
            assert started.url().endswith(f"://[::1]:{started.port}")
            response, _ = fetch(started, "GET", "/redirect/abs")
            assert response.getheader("location") == started.url("/hello")
            assert fetch(started, "GET", "/hello")[1] == HELLO


def test_url_can_name_the_server(pki: Pki) -> None:
    with Nginx().start(pki) as started:
        assert started.url("/hello", host="localhost") == f"https://localhost:{started.port}/hello"
        for name in ("localhost", "shop.test"):
            assert handshake(started, client_context(pki), name=name) in ("TLSv1.2", "TLSv1.3")


def test_start_failure_shows_the_log(pki: Pki) -> None:
    with pytest.raises(ValueError, match="unknown server identity"):
        Nginx(cert="nonsense").start(pki)
    broken = Nginx(protocols="TLSv9")
    with pytest.raises(RuntimeError, match=r"nginx exited with status 1:\n--- output.log\n.*TLSv9"):
        broken.start(pki)
    assert broken.proc is None and broken.dir is None


# Bad TLS, on nginx and the Python ssl server.


def handshake(server: Server, context: ssl.SSLContext, name: str | None = None) -> str:
    """The TLS version negotiated with `server`, or raises the handshake's ssl.SSLError."""
    with (
        socket.create_connection((server.host, server.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=name or server.host) as tls,
    ):
        version = tls.version()
        assert version is not None
        return version


@pytest.mark.parametrize(
    ("cert", "reason"),
    [
        ("expired", "certificate has expired"),
        ("wrong_name", "IP address mismatch"),
        ("untrusted", "unable to get local issuer certificate"),
    ],
)
def test_bad_server_certificates(pki: Pki, cert: str, reason: str) -> None:
    with Nginx(cert=cert).start(pki) as bad, pytest.raises(ssl.SSLCertVerificationError, match=reason):
        handshake(bad, client_context(pki))


def test_wrong_name_by_hostname_and_intermediate_chain(pki: Pki) -> None:
    with Nginx(cert="wrong_name").start(pki) as bad:
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            handshake(bad, client_context(pki), name="shop.test")
        assert handshake(bad, client_context(pki), name="other.test")
    with Nginx(cert="intermediate").start(pki) as good:
        assert handshake(good, client_context(pki), name="shop.test")


@pytest.mark.parametrize(("only", "other"), [("TLSv1.2", ssl.TLSVersion.TLSv1_3), ("TLSv1.3", ssl.TLSVersion.TLSv1_2)])
def test_single_protocol_version(pki: Pki, only: str, other: ssl.TLSVersion) -> None:
    with Nginx(protocols=only).start(pki) as server:
        assert handshake(server, client_context(pki)) == only
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):
            handshake(server, client_context(pki, version=other))


def test_nginx_client_certificate_is_checked_after_the_handshake(pki: Pki) -> None:
    with Nginx(verify_client="on").start(pki) as server:
        connection = connect(server)
        try:
            connection.request("GET", "/hello")
            response = connection.getresponse()
            assert response.status == 400
            assert b"No required SSL certificate was sent" in response.read()
        finally:
            connection.close()
        connection = connect(server, client_context(pki, cert=True))
        try:
            connection.request("GET", "/hello")
            assert connection.getresponse().read() == HELLO
        finally:
            connection.close()


def fetch_with_client_cert(server: Server, pki: Pki) -> tuple[http.client.HTTPResponse, bytes]:
    connection = connect(server, client_context(pki, cert=True))
    try:
        connection.request("GET", "/hello")
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
def test_python_server_rejects_a_missing_client_certificate_in_tls(pki: Pki, version: ssl.TLSVersion) -> None:
    with ClientCertServer(pki).start() as server:
        with socket.create_connection((server.host, server.port), timeout=10) as raw:
            if version is ssl.TLSVersion.TLSv1_3:
                # The client's handshake completes; the server's alert arrives with the first read.
                with client_context(pki, version=version).wrap_socket(raw, server_hostname=server.host) as tls:
                    tls.sendall(request_bytes(server, "/hello"))
                    with pytest.raises(ssl.SSLError, match="TLSV13_ALERT_CERTIFICATE_REQUIRED"):
                        tls.recv(1024)
            else:
                with pytest.raises(ssl.SSLError, match="SSLV3_ALERT_HANDSHAKE_FAILURE"):
                    client_context(pki, version=version).wrap_socket(raw, server_hostname=server.host)
        assert server.rejections() == ["PEER_DID_NOT_RETURN_A_CERTIFICATE"]
        response, body = fetch_with_client_cert(server, pki)
        assert (response.status, body) == (200, HELLO)
        assert "horde test client" in (response.getheader("x-client-subject") or "")


def test_python_server_rejects_an_untrusted_client_certificate(pki: Pki) -> None:
    context = client_context(pki)
    context.load_cert_chain(pki.untrusted_client_cert, pki.untrusted_client_key)
    with ClientCertServer(pki).start() as server:
        with (
            socket.create_connection((server.host, server.port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=server.host) as tls,
        ):
            tls.sendall(request_bytes(server, "/hello"))
            with pytest.raises(ssl.SSLError, match="TLSV1_ALERT_UNKNOWN_CA"):
                tls.recv(1024)
        assert server.rejections() == ["CERTIFICATE_VERIFY_FAILED"]


def test_pki_files(pki: Pki) -> None:
    for path in (pki.ca, pki.server_cert, pki.server_key, pki.client_combined, pki.untrusted_client_key):
        assert Path(path).read_bytes().startswith(b"-----BEGIN ")
    assert oct(os.stat(pki.server_key).st_mode & 0o777) == "0o600"
    assert Path(pki.intermediate_chain).read_text().count("BEGIN CERTIFICATE") == 2
