"""A tiny HTTPS server (stdlib `ssl`, a thread per connection) that rejects clients without a certificate in TLS.

nginx's `ssl_verify_client on` completes the handshake without a client certificate and answers 400; this server
instead fails the handshake (`CERT_REQUIRED`), as a strict TLS terminator would. Under TLS 1.3 the client has already
sent its Finished and thinks the handshake is complete when the server's `certificate_required` alert (116) arrives,
so the client sees the failure on its first read, not on connect; under TLS 1.2 the alert is `handshake_failure` (40),
during the handshake.

Any request on an accepted connection gets `200 hello\\n`, with the client certificate's subject in `x-client-subject`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from typing import TYPE_CHECKING, TypeVar, cast

from .content import HELLO
from .process import Stoppable, authority

if TYPE_CHECKING:
    from certs import Pki

C = TypeVar("C", bound="ClientCertServer")

VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class ClientCertServer(Stoppable):
    """Serves HTTPS with the Pki's server certificate and requires a client certificate signed by its CA.

    Args:
        pki: the test PKI.
        version: "TLSv1.2" or "TLSv1.3" to allow only that version; both by default.

    Attributes:
        handshake_errors: what the server's handshake raised, one string per rejected connection (e.g.
            "PEER_DID_NOT_RETURN_A_CERTIFICATE"), to assert that the rejection happened in TLS. The client may see
            the alert before the server records it: use `rejections()` to wait.
    """

    name = "python-ssl"

    def __init__(self, pki: Pki, version: str | None = None) -> None:
        self.tls = pki
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(pki.server_chain, pki.server_key)
        self.context.load_verify_locations(pki.ca)
        self.context.verify_mode = ssl.CERT_REQUIRED
        if version is not None:
            self.context.minimum_version = self.context.maximum_version = VERSIONS[version]
        self.host = "127.0.0.1"
        self.port = 0
        self.handshake_errors: list[str] = []
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Condition()

    def url(self, path: str = "", host: str | None = None) -> str:
        return f"https://{authority(host or self.host, self.port)}{path}"

    def start(self: C, host: str = "127.0.0.1") -> C:
        self.host = host
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def rejections(self, count: int = 1, timeout: float = 5.0) -> list[str]:
        """`handshake_errors` once it holds `count` entries (or after `timeout` seconds, whatever it holds)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.handshake_errors) >= count, timeout)
            return list(self.handshake_errors)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
            self._listener.close()
            self._listener = None
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            raw.settimeout(10)
            # ssl closes the descriptor it wraps when the handshake fails; this duplicate keeps the connection open
            # for _linger, and lets stop() shut the connection down whatever state it is in.
            spare = raw.dup()
            with self._lock:
                self._connections.add(spare)
            threading.Thread(target=self._serve, args=(raw, spare), daemon=True).start()

    def _serve(self, raw: socket.socket, spare: socket.socket) -> None:
        try:
            try:
                connection = self.context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as error:
                with self._lock:
                    self.handshake_errors.append(getattr(error, "reason", None) or str(error))
                    self._lock.notify_all()
                _linger(spare)
                return
            with connection:
                self._answer(connection)
        except OSError:
            return
        finally:
            with self._lock:
                self._connections.discard(spare)
            spare.close()
            raw.close()

    def _answer(self, connection: ssl.SSLSocket) -> None:
        """200 hello\\n to each request (heads only, no bodies) until the client closes or asks to."""
        peer = connection.getpeercert() or {}
        rdns = cast("tuple[tuple[tuple[str, str], ...], ...]", peer.get("subject", ()))
        subject = ", ".join(f"{key}={value}" for rdn in rdns for key, value in rdn)
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = connection.recv(65536)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            close = b"\r\nconnection: close" in head.lower()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                + f"x-client-subject: {subject}\r\ncontent-length: {len(HELLO)}\r\n".encode()
                + (b"connection: close\r\n\r\n" if close else b"\r\n")
                + HELLO
            )
            if close:
                connection.unwrap()  # close_notify, so the client sees a clean end of the stream
                return


def _linger(raw: socket.socket) -> None:
    """Read and drop what the client still sends (its request, written before it read our alert) until it closes,
    for at most 2 s: closing with unread data would send a reset that can destroy the alert before the client reads
    it."""
    raw.settimeout(2)
    while raw.recv(65536):
        pass
