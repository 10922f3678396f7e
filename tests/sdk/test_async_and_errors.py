"""The README's last two sections: the async client (``AsyncDataverseClient``) and the typed error hierarchy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from devstack.dataverse_emulator import DataverseEmulator, RunningServer
from devstack.tls import LocalCertificates

from .conftest import TOKEN

# The async client is run the way a developer runs it: a script started with SSL_CERT_FILE naming the devstack's
# CA. aiohttp builds its verifying SSL context when it is imported, so setting the variable inside this test process
# (which imported aiohttp long ago) would not reach it.
ASYNC_SCRIPT = """
import asyncio, json, sys, time
from azure.core.credentials import AccessToken
from PowerPlatform.Dataverse.aio import AsyncDataverseClient

class StaticAsyncCredential:
    async def get_token(self, *scopes, **options):
        return AccessToken(sys.argv[2], int(time.time()) + 3600)
    async def close(self):
        return None
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        return None

async def main():
    async with StaticAsyncCredential() as credential, AsyncDataverseClient(sys.argv[1], credential) as client:
        ids = await asyncio.gather(
            client.records.create("account", {"name": "Company A"}),
            client.records.create("account", {"name": "Company B"}),
        )
        found = await client.query.builder("account").select("name").order_by("name").top(50).execute()
        print(json.dumps({"ids": list(ids), "names": [r["name"] for r in found]}))

asyncio.run(main())
"""


def test_the_async_client_creates_concurrently_and_queries_with_the_builder(
    server: RunningServer, certificates: LocalCertificates, emulator: DataverseEmulator
) -> None:
    env = {**os.environ, "SSL_CERT_FILE": str(certificates.ca_file)}
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", ASYNC_SCRIPT, server.url, TOKEN], env=env, capture_output=True,
        text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {emulator.store.get("account", i)["name"] for i in result["ids"]} == {"Company A", "Company B"}
    assert result["names"] == ["Company A", "Company B"]


def test_a_throttled_request_is_an_http_error_marked_transient_with_its_retry_after(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    emulator.faults.add(r"/accounts", status=429, retry_after=7, count=1, method="POST")

    with pytest.raises(HttpError) as throttled:
        client.records.create("account", {"name": "Contoso Ltd"})

    assert throttled.value.status_code == 429
    assert throttled.value.is_transient is True
    assert throttled.value.details.get("retry_after") == 7
    assert not emulator.store.rows("account")


def test_a_refused_write_is_an_http_error_not_marked_transient(client: DataverseClient) -> None:
    with pytest.raises(HttpError) as refused:
        client.records.create("account", {"name": "x" * 161})

    assert refused.value.status_code == 400
    assert refused.value.is_transient is False
