"""Microsoft's Dataverse SDK for Python (PyPI ``powerplatform-dataverse-client``) against the emulator.

The SDK is the referee here: whatever it sends is what a Dynamics developer's script sends, so the emulator
must answer it as Dataverse does. The SDK refuses ``http://`` organization URLs, so the emulator is served over
TLS with the devstack's local certificates, and ``REQUESTS_CA_BUNDLE`` makes requests (inside the SDK) trust them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken
from PowerPlatform.Dataverse.client import DataverseClient

from devstack.dataverse_emulator import DataverseEmulator, RunningServer, serve
from devstack.tls import LocalCertificates, local_certificates

TOKEN = "sdk-test-token"


class StaticCredential:
    """An azure-core ``TokenCredential`` handing out the emulator's token (the SDK asks per request)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_options: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> LocalCertificates:
    return local_certificates(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def emulator() -> DataverseEmulator:
    return DataverseEmulator(token=TOKEN)


@pytest.fixture
def server(emulator: DataverseEmulator, certificates: LocalCertificates) -> Iterator[RunningServer]:
    with serve(emulator, ssl_context=certificates.server_context()) as running:
        yield running


@pytest.fixture
def credential() -> StaticCredential:
    return StaticCredential()


@pytest.fixture
def client(
    server: RunningServer, certificates: LocalCertificates, credential: StaticCredential,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[DataverseClient]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))
    with DataverseClient(server.url, credential) as sdk:
        yield sdk
