"""The conformance endpoints on uvicorn (h11, asyncio loop) running asgi_app in a subprocess, plain or TLS."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .process import ServerProcess

TESTS = Path(__file__).resolve().parent.parent


class Uvicorn(ServerProcess):
    """`python -m uvicorn conformance.asgi_app:app`; `Uvicorn().start(pki)` for TLS with the good certificate."""

    name = "uvicorn"

    def _prepare(self, directory: Path) -> list[str]:
        if importlib.util.find_spec("uvicorn") is None:
            raise RuntimeError(f"uvicorn is not installed for {sys.executable} (pip install uvicorn)")
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "conformance.asgi_app:app",
            "--app-dir",
            str(TESTS),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--http",
            "h11",
            "--loop",
            "asyncio",
            "--ws",
            "none",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            # As long as nginx's default, so that a client reusing an idle connection finds it open.
            "--timeout-keep-alive",
            "75",
        ]
        if self.tls is not None:
            command += ["--ssl-certfile", self.tls.server_chain, "--ssl-keyfile", self.tls.server_key]
        return command
