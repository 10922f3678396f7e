"""Fixtures shared by every test area: a real Azurite queue service, started once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devstack.azurite import Azurite, free_port
from devstack.config import azurite_connection_string


@dataclass(frozen=True)
class AzuriteService:
    host: str
    port: int

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.host, self.port)


@pytest.fixture(scope="session")
def azurite() -> Iterator[AzuriteService]:
    service = Azurite("127.0.0.1", free_port())
    service.start()
    try:
        yield AzuriteService(service.host, service.port)
    finally:
        service.stop()
