"""The product on loopback (devstack sandbox), and Configuration / Record Type services built from its runtime, the
way the outbound queue worker builds them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dataverse import bind
from devstack.sandbox import Sandbox, SandboxOptions
from messaging.configuration import ConfigurationService, RecordTypeService
from twilio_bridge import TwilioAccounts

pytestmark = pytest.mark.azurite

# A token the Twilio emulator does not know: 32 hex characters, so only Twilio itself can reject it.
WRONG_TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def sandbox(azurite: Any) -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def service(sandbox: Sandbox) -> ConfigurationService:
    app = sandbox.app
    return ConfigurationService(app.dataverse, app.cipher, TwilioAccounts(app.twilio), app.store,
                                public_url=sandbox.url, clock=lambda: datetime.now(UTC))


@pytest.fixture
def record_types(sandbox: Sandbox) -> RecordTypeService:
    return RecordTypeService(sandbox.app.dataverse, sandbox.app.store)


def new_configuration(sandbox: Sandbox, *, token: str | None = None, number: str | None = None,
                      **columns: Any) -> uuid.UUID:
    """A Configuration as an admin saves it in the form: the auth token typed in plaintext."""
    body: dict[str, Any] = {
        "smsb_name": "Support line",
        "smsb_mobilenumber": number or sandbox.options.number,
        "smsb_accountsid": sandbox.options.account_sid,
        "smsb_authtoken": sandbox.options.auth_token if token is None else token,
    }
    body.update(columns)
    return sandbox.app.dataverse.create("smsb_configurations", body)


def new_record_type(sandbox: Sandbox, configuration_id: uuid.UUID, entity: str, phone: str,
                    compliance: str | None = None, *, related: str | None = None) -> uuid.UUID:
    body: dict[str, Any] = {
        "smsb_name": f"{entity} by {phone}",
        "smsb_configuration@odata.bind": bind("smsb_configurations", configuration_id),
        "smsb_entitylogicalname": entity,
        "smsb_phonefield": phone,
    }
    if compliance is not None:
        body["smsb_compliancefield"] = compliance
    if related is not None:
        body["smsb_relatedentitylogicalname"] = related
    return sandbox.app.dataverse.create("smsb_recordtypes", body)


def stored(sandbox: Sandbox, table: str, row_id: uuid.UUID) -> dict[str, Any]:
    row = sandbox.dataverse.store.get(table, str(row_id))
    assert row is not None, f"no {table} row {row_id}"
    return row


def error_rows(sandbox: Sandbox, related_id: uuid.UUID) -> list[dict[str, Any]]:
    return [row for row in sandbox.dataverse.store.rows("smsb_errorlog")
            if row.get("smsb_relatedid") == str(related_id)]
