"""Real servers for the Python tests, on 127.0.0.1: a throwaway nginx and a tiny stalling server."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from conformance import free_port

NGINX = os.environ.get("HORDE_NGINX", "/usr/sbin/nginx")

_CONF = """
daemon off;
master_process off;
worker_processes 1;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location = /status {{ stub_status; }}
        location = /echo {{ return 200 "$request_method $http_x_test $content_length\\n"; }}
    }}
}}
"""


def wait_for_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Nginx:
    """nginx in the foreground with its own config in a temp dir; `stop()` kills it."""

    def __init__(self) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError(f"nginx not found at {NGINX} (install Debian's nginx-light or set HORDE_NGINX)")
        self.dir = tempfile.mkdtemp(prefix="horde-nginx-")
        self.port = free_port()
        Path(self.dir, "nginx.conf").write_text(_CONF.format(dir=self.dir, port=self.port))
        self.proc = subprocess.Popen(
            [NGINX, "-p", self.dir, "-c", f"{self.dir}/nginx.conf", "-e", f"{self.dir}/error.log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class StallServer:
    """Answers each request `delay` seconds after reading its head (keep-alive, a thread each).

    With ``freeze_every`` and ``freeze_for``, it also freezes for ``freeze_for`` seconds in every
    ``freeze_every``, starting ``freeze_at`` seconds after it starts: a request that arrives during
    a freeze is answered when the freeze ends (as a server stopped by a long GC pause is).
    """

    def __init__(
        self, delay: float, freeze_every: float = 0.0, freeze_for: float = 0.0, freeze_at: float = 0.0
    ) -> None:
        self.delay = delay
        self.freeze_every, self.freeze_for, self.freeze_at = freeze_every, freeze_for, freeze_at
        self.started = time.monotonic()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buf = b""
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    if self._stop.wait(self._frozen_for() + self.delay):
                        return
                    try:
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    except OSError:
                        return

    def _frozen_for(self) -> float:
        """How long until the current freeze ends (0 outside one)."""
        if not self.freeze_every:
            return 0.0
        since = time.monotonic() - self.started - self.freeze_at
        if since < 0:
            return 0.0
        phase = since % self.freeze_every
        return max(0.0, self.freeze_for - phase)

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()


class CapacityServer:
    """tests/capacity_server.py in its own process: ``slots`` × ``service_ms`` (capacity
    ``1000 × slots / service_ms`` req/s), past capacity queueing, shedding or collapsing."""

    def __init__(
        self, slots: int, service_ms: float, mode: str = "queue", queue: int = 0, record: str | None = None
    ) -> None:
        self.capacity = 1000.0 * slots / service_ms
        cmd = [sys.executable, str(Path(__file__).with_name("capacity_server.py")), "--slots", str(slots)]
        cmd += ["--service-ms", str(service_ms), "--mode", mode, "--queue", str(queue)]
        if record:
            cmd += ["--record", record]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        wait_for_port(self.port)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class DemoShop:
    """horde's bundled demo shop in a subprocess on a free port."""

    def __init__(self, pool_size: int = 4, query_ms: float = 40) -> None:
        import sys

        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "horde.demo.shop",
                "--port",
                str(self.port),
                "--pool-size",
                str(pool_size),
                "--query-ms",
                str(query_ms),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=10)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


class Influx:
    """InfluxDB 1.x (Debian's influxdb) in the foreground with its own config and data in a temp dir."""

    def __init__(self, database: str = "horde") -> None:
        import urllib.parse
        import urllib.request

        binary = shutil.which("influxd") or "/usr/bin/influxd"
        if not Path(binary).exists():
            raise RuntimeError("influxd not found (install Debian's influxdb)")
        self.dir = tempfile.mkdtemp(prefix="horde-influx-")
        self.port, rpc = free_port(), free_port()
        Path(self.dir, "influxdb.conf").write_text(
            f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n'
            f'[meta]\n  dir = "{self.dir}/meta"\n'
            f'[data]\n  dir = "{self.dir}/data"\n  wal-dir = "{self.dir}/wal"\n  query-log-enabled = false\n'
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  log-enabled = false\n'
            "[monitor]\n  store-enabled = false\n[continuous_queries]\n  enabled = false\n"
            "[subscriber]\n  enabled = false\n"
        )
        self.proc = subprocess.Popen(
            [binary, "-config", f"{self.dir}/influxdb.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, timeout=20)
        self.database = database
        q = urllib.parse.urlencode({"q": f"CREATE DATABASE {database}"}).encode()
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/query", data=q, timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("InfluxDB did not accept CREATE DATABASE")

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.database}"

    def query(self, q: str) -> dict:
        import json
        import urllib.parse
        import urllib.request

        params = urllib.parse.urlencode({"db": self.database, "q": q})
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/query?{params}", timeout=10) as r:
            return json.load(r)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Prometheus:
    """Prometheus (Debian's prometheus) accepting remote writes, with its own config and data."""

    def __init__(self) -> None:
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        if not Path(binary).exists():
            raise RuntimeError("prometheus not found (install Debian's prometheus)")
        self.dir = tempfile.mkdtemp(prefix="horde-prometheus-")
        self.port = free_port()
        Path(self.dir, "prometheus.yml").write_text("global:\n  scrape_interval: 1h\n")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={self.dir}/prometheus.yml",
                f"--storage.tsdb.path={self.dir}/data",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-remote-write-receiver",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=20)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/write"

    def query(self, q: str) -> dict:
        import json
        import urllib.parse
        import urllib.request

        params = urllib.parse.urlencode({"query": q})
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/query?{params}", timeout=10) as r:
            return json.load(r)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class _QuietServer(http.server.ThreadingHTTPServer):
    """Does not print a traceback when a client goes away mid-response (a run cut short does that)."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class JarServer:
    """Cookies and redirects, on 127.0.0.1 and (for cross-origin hops) 127.0.0.2, same port.

    GET /peer                       records (client port, server address) in `peers`
    GET /set?c=<Set-Cookie value>   sets that cookie            GET /echo, /only/echo   Cookie and Authorization
    GET /chain/N                    302 → /chain/N-1 … /chain/0 (200 "chain done")
    POST /307, /303, /302           → /method (body: "METHOD length=N body=…")
    POST /login                     sets sid=abc, 303 → /account (200 "welcome" with sid, else 302 → /login-form)
    GET /gate                       sets visited=1 and 302 → /gate-check → /gate (a cookie bounce, not a loop)
    GET /cross                      302 → http://127.0.0.2:PORT/echo (another origin)
    """

    def __init__(self) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # head and body are separate writes

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer._get(self)

            def do_POST(self) -> None:
                outer._post(self)

            def do_HEAD(self) -> None:
                outer._get(self)

        self.port = free_port()
        self.peers: list[tuple[int, str]] = []  # (client port, server address) of each /peer request
        self._lock = threading.Lock()
        self._servers = []
        for host in ("127.0.0.1", "127.0.0.2"):
            server = _QuietServer((host, self.port), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        for s in self._servers:
            s.shutdown()
            s.server_close()

    @staticmethod
    def _send(h: object, status: int, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> None:
        from http.server import BaseHTTPRequestHandler

        assert isinstance(h, BaseHTTPRequestHandler)
        h.send_response(status)
        for name, value in headers:
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def _get(self, h: object) -> None:
        from http.server import BaseHTTPRequestHandler
        from urllib.parse import parse_qs, urlsplit

        assert isinstance(h, BaseHTTPRequestHandler)
        url = urlsplit(h.path)
        cookie = h.headers.get("Cookie", "")
        if url.path == "/peer":
            with self._lock:
                served = h.connection.getsockname()[0]
                self.peers.append((h.client_address[1], served))
            self._send(h, 200, b"peer\n")
        elif url.path == "/set":
            value = parse_qs(url.query)["c"][0]
            self._send(h, 200, b"set\n", (("Set-Cookie", value),))
        elif url.path in ("/echo", "/only/echo"):
            auth = h.headers.get("Authorization", "")
            self._send(h, 200, f"cookie: {cookie}\nauth: {auth}\n".encode())
        elif url.path.startswith("/chain/"):
            n = int(url.path.rsplit("/", 1)[1])
            if n == 0:
                self._send(h, 200, b"chain done\n")
            else:
                self._send(h, 302, headers=(("Location", f"/chain/{n - 1}"),))
        elif url.path == "/account":
            if "sid=abc" in cookie:
                self._send(h, 200, b"welcome\n")
            else:
                self._send(h, 302, headers=(("Location", "/login-form"),))
        elif url.path == "/login-form":
            self._send(h, 200, b"please log in\n")
        elif url.path == "/gate":
            if "visited=1" in cookie:
                self._send(h, 200, b"passed\n")
            else:
                self._send(h, 302, headers=(("Set-Cookie", "visited=1; Path=/"), ("Location", "/gate-check")))
        elif url.path == "/gate-check":
            self._send(h, 302, headers=(("Location", "/gate"),))
        elif url.path == "/method":
            length = int(h.headers.get("Content-Length", "0") or 0)
            self._send(h, 200, f"{h.command} length={length} body=\n".encode())
        elif url.path == "/cross":
            self._send(h, 302, headers=(("Location", self.url("/echo", host="127.0.0.2")),))
        else:
            self._send(h, 404, b"not found\n")

    def _post(self, h: object) -> None:
        from http.server import BaseHTTPRequestHandler

        assert isinstance(h, BaseHTTPRequestHandler)
        length = int(h.headers.get("Content-Length", "0") or 0)
        body = h.rfile.read(length)
        if h.path in ("/307", "/303", "/302"):
            self._send(h, int(h.path[1:]), headers=(("Location", "/method"),))
        elif h.path == "/method":
            self._send(h, 200, f"{h.command} length={length} body={body.decode()}\n".encode())
        elif h.path == "/login":
            self._send(h, 303, headers=(("Set-Cookie", "sid=abc; Path=/; HttpOnly"), ("Location", "/account")))
        else:
            self._send(h, 404, b"not found\n")
