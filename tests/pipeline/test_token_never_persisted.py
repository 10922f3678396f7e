"""An auth token an admin types is plaintext in the webhook Dataverse sends about it. An asynchronous step would
make the platform keep that payload in a System Job (asyncoperation) until the job is done — for good if it fails
— so the Configuration steps are synchronous: their payload is never persisted, and a save the function app did not
acknowledge is rolled back instead of being left for later."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from admin import register_webhooks
from admin.webhooks import WEBHOOK_STEPS
from dataverse import DataverseError
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import queued

pytestmark = pytest.mark.azurite


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def persisted_anywhere(sandbox: Sandbox, secret: str) -> list[str]:
    """Where the platform kept `secret`: every System Job it ever created (even those deleted since), and the
    asyncoperation rows left now."""
    places = [f"system job {job.name}" for job in sandbox.dataverse.webhooks.system_jobs if secret in job.data]
    places += [f"asyncoperation {row['asyncoperationid']}" for row in sandbox.rows("asyncoperation")
               if secret in str(row)]
    return places


def test_a_token_typed_into_a_configuration_never_lands_in_a_system_job(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    client = sandbox.app.dataverse
    changed = secrets.token_hex(16)
    client.update("smsb_configurations", product.configuration_id, {
        "smsb_authtoken": changed, "smsb_validaterequestedon": datetime.now(UTC).isoformat()})
    created = secrets.token_hex(16)
    client.create_with_id("smsb_configurations", "smsb_configurationid", uuid.uuid4(), {
        "smsb_name": "Second sender", "smsb_mobilenumber": "+15005550123",
        "smsb_accountsid": product.account_sid, "smsb_authtoken": created})
    # Meanwhile an Outbox row (asynchronous, as before) is persisted as a System Job, and cleaned up on success.
    client.create_with_id("smsb_outboxes", "activityid", uuid.uuid4(), {"subject": "Hi", "smsb_freeform": "Hello"})
    sandbox.dataverse.webhooks.drain(10)

    assert persisted_anywhere(sandbox, changed) == []
    assert persisted_anywhere(sandbox, created) == []
    assert [job.table for job in sandbox.dataverse.webhooks.system_jobs] == ["smsb_outbox"]
    # The app still heard of both changes: a sealing job each, waiting on sms-outbound, plus the send.
    assert queued(sandbox, "sms-outbound") == 3


def test_with_the_function_app_unreachable_a_typed_token_is_refused_not_stored(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    before = sandbox.dataverse.store.get("smsb_configuration", str(product.configuration_id))
    assert before is not None
    assert sandbox.host is not None
    sandbox.host.stop()
    with pytest.raises(DataverseError):
        sandbox.app.dataverse.update("smsb_configurations", product.configuration_id,
                                     {"smsb_authtoken": secrets.token_hex(16)})
    after = sandbox.dataverse.store.get("smsb_configuration", str(product.configuration_id))
    assert after is not None
    assert after["smsb_authtoken"] == before["smsb_authtoken"]  # still the sealed one
    assert sandbox.dataverse.webhooks.system_jobs == []


def test_the_configuration_steps_are_registered_synchronous_and_the_others_asynchronous(sandbox: Sandbox) -> None:
    steps = {row["name"]: row for row in sandbox.rows("sdkmessageprocessingstep")}
    for spec in WEBHOOK_STEPS:
        row = steps[spec.name]
        if spec.table == "smsb_configuration":
            assert (row["mode"], row["asyncautodelete"]) == (0, False), spec.name
        else:
            assert (row["mode"], row["asyncautodelete"]) == (1, True), spec.name


def test_registering_again_over_an_older_asynchronous_registration_makes_it_synchronous(sandbox: Sandbox) -> None:
    store = sandbox.dataverse.store
    (older,) = [row for row in store.rows("sdkmessageprocessingstep")
                if row["name"] == "SMS Bridge: Update of smsb_configuration"]
    store.put("sdkmessageprocessingstep", older["sdkmessageprocessingstepid"],
              {**older, "mode": 1, "asyncautodelete": True})
    report = register_webhooks(sandbox.app.dataverse, sandbox.url, sandbox.options.function_key)
    assert report.steps_updated == ["SMS Bridge: Update of smsb_configuration"]
    fixed = store.get("sdkmessageprocessingstep", older["sdkmessageprocessingstepid"])
    assert fixed is not None
    assert (fixed["mode"], fixed["asyncautodelete"]) == (0, False)
    assert not register_webhooks(sandbox.app.dataverse, sandbox.url, sandbox.options.function_key).changed
