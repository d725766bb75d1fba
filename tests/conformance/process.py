"""The life of one server subprocess: a temp dir, a free port, start-up with its log on failure, and a clean stop.

Subclasses only say how to configure and launch their server; nothing here knows HTTP.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from certs import Pki

T = TypeVar("T", bound="Stoppable")
S = TypeVar("S", bound="ServerProcess")

START_TIMEOUT = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just gave out for `host`; another process could take it before us, which is rare enough."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def authority(host: str, port: int) -> str:
    """host:port as written in a URL, with IPv6 addresses bracketed."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Stoppable:
    """A server that is stopped on leaving its `with` block."""

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class ServerProcess(Stoppable):
    """A server started as a subprocess (in its own process group) with its files in a temp dir.

    `start(tls, host)` returns once the port accepts connections; `stop()` kills the whole group and removes the dir.
    """

    name = "server"

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.tls: Pki | None = None
        self.dir: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def url(self, path: str = "", host: str | None = None) -> str:
        """e.g. `http://127.0.0.1:PORT/hello`; pass `host="localhost"` (or "shop.test") to name the server instead."""
        return f"{self.scheme}://{authority(host or self.host, self.port)}{path}"

    def start(self: S, tls: Pki | None = None, host: str = "127.0.0.1") -> S:
        if self.proc is not None:
            raise RuntimeError(f"{self.name} is already running on {authority(self.host, self.port)}")
        self.tls, self.host = tls, host
        self.dir = Path(tempfile.mkdtemp(prefix=f"horde-{self.name}-"))
        self.port = free_port(host)
        try:
            command = self._prepare(self.dir)
            with open(self.dir / "output.log", "wb") as output:
                self.proc = subprocess.Popen(
                    command,
                    cwd=self.dir,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group: lighttpd's CGI children die with it
            self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _prepare(self, directory: Path) -> list[str]:
        """Write the configuration and content into `directory`; return the command line that runs the server."""
        raise NotImplementedError

    def _log_files(self) -> list[Path]:
        """Files worth showing when the server fails to start, besides its stdout and stderr."""
        return []

    def _wait_until_listening(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode}:\n{self._logs()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(
            f"{self.name} not listening on {authority(self.host, self.port)} after {START_TIMEOUT}s:\n{self._logs()}"
        )

    def _logs(self) -> str:
        assert self.dir is not None
        parts = []
        for path in [self.dir / "output.log", *self._log_files()]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace').strip()}")
        return "\n".join(parts) or "(no log output)"
