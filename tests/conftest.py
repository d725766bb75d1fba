from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import Nginx, StallServer


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
