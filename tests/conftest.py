from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import DemoShop, Nginx, StallServer


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
