"""Dataverse's webhook: the registered steps post RemoteExecutionContexts; the function enqueues the right job."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from admin import WEBHOOK_STEPS, register_webhooks
from devstack.sandbox import Sandbox
from messaging.envelopes import ConfigurationJob, OutboxJob, RecordTypeJob, read_outbound
from tests.pipeline.conftest import queued

pytestmark = pytest.mark.azurite

FIXTURES = Path(__file__).resolve().parents[1] / "dataverse" / "fixtures"


def outbound_jobs(sandbox: Sandbox, expected: int, timeout: float = 10) -> list[Any]:
    """Jobs waiting on sms-outbound, once `expected` have arrived (webhooks are delivered asynchronously)."""
    deadline = time.monotonic() + timeout
    queue = sandbox.queues().queue("sms-outbound")
    while time.monotonic() < deadline:
        messages = list(queue.peek_messages(max_messages=32))
        if len(messages) >= expected:
            return [read_outbound(base64.b64decode(m.content)) for m in messages]
        time.sleep(0.05)
    pytest.fail(f"fewer than {expected} jobs arrived on sms-outbound")


def post(sandbox: Sandbox, body: bytes, key: str | None = None, **headers: str) -> requests.Response:
    params = {"code": key if key is not None else sandbox.options.function_key}
    return requests.post(sandbox.url + "/api/dataverse/webhook", params=params, data=body,
                         headers={"Content-Type": "application/json", **headers}, timeout=10)


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def test_microsofts_example_payload_for_an_outbox_create_enqueues_one_send(sandbox: Sandbox) -> None:
    body = (FIXTURES / "webhook_outbox_create.json").read_bytes()
    response = post(sandbox, body, **{"x-ms-dynamics-entity-name": "smsb_outbox",
                                      "x-ms-dynamics-request-name": "Create"})
    assert response.status_code == 202, response.text
    (job,) = outbound_jobs(sandbox, 1)
    assert isinstance(job, OutboxJob)
    assert job.outbox_id == uuid.UUID(json.loads(body)["PrimaryEntityId"])
    assert job.origin == "webhook"


def test_oversized_configuration_update_without_target_still_asks_for_validation(sandbox: Sandbox) -> None:
    context = json.loads((FIXTURES / "webhook_outbox_create_oversized.json").read_text())
    context.update({"PrimaryEntityName": "smsb_configuration", "MessageName": "Update"})
    response = post(sandbox, json.dumps(context).encode(), **{"x-ms-dynamics-msg-size-exceeded": ""})
    assert response.status_code == 202, response.text
    (job,) = outbound_jobs(sandbox, 1)
    assert isinstance(job, ConfigurationJob)
    assert job.validate is True


def test_wrong_or_missing_function_key_is_401(sandbox: Sandbox) -> None:
    body = (FIXTURES / "webhook_outbox_create.json").read_bytes()
    assert post(sandbox, body, key="wrong").status_code == 401
    assert requests.post(sandbox.url + "/api/dataverse/webhook", data=body, timeout=10).status_code == 401
    assert queued(sandbox, "sms-outbound") == 0


def test_unknown_table_is_400_with_an_error_log_row(sandbox: Sandbox) -> None:
    context = json.loads((FIXTURES / "webhook_contact_update.json").read_text())
    response = post(sandbox, json.dumps(context).encode())
    assert response.status_code == 400
    assert response.json()["error"] == "unhandled_event"
    (log,) = sandbox.rows("smsb_errorlog")
    assert log["smsb_source"] == "webhook"
    assert "contact" in log["smsb_details"]
    assert queued(sandbox, "sms-outbound") == 0


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"MessageName": "Create"}'])
def test_malformed_context_is_400(sandbox: Sandbox, body: bytes) -> None:
    assert post(sandbox, body).status_code == 400
    assert queued(sandbox, "sms-outbound") == 0


def test_registered_steps_turn_dataverse_writes_into_jobs(sandbox: Sandbox) -> None:
    client = sandbox.app.dataverse
    outbox = uuid.uuid4()
    client.create_with_id("smsb_outboxes", "activityid", outbox, {"subject": "Hi", "smsb_freeform": "Hello"})
    configuration = sandbox.product.configuration_id  # type: ignore[union-attr]
    client.update("smsb_configurations", configuration, {"smsb_validaterequestedon": "2026-11-26T10:00:00Z"})
    client.update("smsb_configurations", configuration, {"smsb_description": "not a filtered column"})
    record_type = sandbox.product.record_type_ids["contact"]  # type: ignore[union-attr]
    client.update("smsb_recordtypes", record_type, {"smsb_phonefield": "telephone1"})
    jobs = outbound_jobs(sandbox, 3)
    by_kind = {type(job): job for job in jobs}
    assert len(jobs) == 3  # the description change is not a registered filtering attribute
    assert by_kind[OutboxJob].outbox_id == outbox
    assert by_kind[ConfigurationJob].configuration_id == configuration
    assert by_kind[ConfigurationJob].validate is True
    assert by_kind[RecordTypeJob].record_type_id == record_type


def test_registration_is_idempotent_and_updates_a_changed_key(sandbox: Sandbox) -> None:
    client = sandbox.app.dataverse
    again = register_webhooks(client, sandbox.url, sandbox.options.function_key)
    assert not again.changed
    assert len(again.steps_unchanged) == len(WEBHOOK_STEPS)
    rotated = register_webhooks(client, sandbox.url, "a-new-function-key")
    assert rotated.endpoint_updated
    assert not rotated.steps_created
    (endpoint,) = sandbox.rows("serviceendpoint", name="SMS Bridge")
    assert endpoint["authvalue"] == "a-new-function-key"


def test_releasing_a_held_outbox_early_queues_its_send(sandbox: Sandbox) -> None:
    client = sandbox.app.dataverse
    outbox = uuid.uuid4()
    client.create_with_id("smsb_outboxes", "activityid", outbox, {
        "subject": "Photo", "smsb_freeform": "Here it is", "smsb_sendafter": "2099-01-01T00:00:00Z"})
    outbound_jobs(sandbox, 1)
    sandbox.queues().queue("sms-outbound").clear_messages()
    client.update("smsb_outboxes", outbox, {"smsb_sendafter": "2020-01-01T00:00:00Z"})  # the upload is done
    (job,) = outbound_jobs(sandbox, 1)
    assert isinstance(job, OutboxJob)
    assert job.outbox_id == outbox
