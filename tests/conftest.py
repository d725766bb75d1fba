from __future__ import annotations

from collections.abc import Iterator

import pytest

from certs import Pki
from servers import DemoShop, JarServer, Nginx, StallServer


@pytest.fixture(scope="session")
def nginx() -> Iterator[Nginx]:
    server = Nginx()
    yield server
    server.stop()


@pytest.fixture
def stall_server() -> Iterator[StallServer]:
    server = StallServer(delay=5.0)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def shop() -> Iterator[DemoShop]:
    """The demo shop with a database pool big enough never to be the bottleneck."""
    server = DemoShop(pool_size=256, query_ms=1)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A test CA with server, expired, wrong-name, untrusted and client certificates (see certs.py)."""
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def jar_server() -> Iterator[JarServer]:
    server = JarServer()
    yield server
    server.stop()
