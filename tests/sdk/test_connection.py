"""The SDK reaches the emulator as it reaches Dataverse: https, a bearer token for the org's scope, a record read."""

from __future__ import annotations

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from devstack.dataverse_emulator import DataverseEmulator, RunningServer

from .conftest import TOKEN, StaticCredential


def test_the_sdk_reads_a_record_over_https_with_a_token_for_the_org_scope(
    client: DataverseClient, emulator: DataverseEmulator, server: RunningServer, credential: StaticCredential
) -> None:
    contact_id = emulator.store.insert("contact", {"firstname": "Maria", "lastname": "Lopez",
                                                   "mobilephone": "+15550100"})

    record = client.records.retrieve("contact", contact_id, select=["firstname", "mobilephone"])

    assert record is not None
    assert record["firstname"] == "Maria"
    assert record["mobilephone"] == "+15550100"
    assert server.url.startswith("https://")
    assert credential.scopes
    assert set(credential.scopes) == {f"{server.url}/.default"}
    authorized = [r for r in emulator.requests.records if r.status == 200]
    assert authorized, emulator.requests.describe()


def test_a_wrong_token_is_refused_as_dataverse_refuses_it(
    client: DataverseClient, emulator: DataverseEmulator, credential: StaticCredential
) -> None:
    credential.token = TOKEN + "-stale"
    contact_id = emulator.store.insert("contact", {"lastname": "Lopez"})

    with pytest.raises(HttpError) as refused:
        client.records.retrieve("contact", contact_id)

    assert refused.value.status_code == 401
