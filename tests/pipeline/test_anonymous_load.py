"""Anonymous callers of the Twilio webhooks cannot make the app query Dataverse: shapes are checked first, every
active Configuration is held in one map refreshed in the background, and a webhook is answered without waiting
for Dataverse (a cold instance queues it for the worker to verify)."""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from admin.replay import list_poison
from app import runtime
from app.runtime import Runtime
from app.settings import Settings
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import inbound_params, new_sid, post_signed, queued
from twilio_bridge import sign

pytestmark = pytest.mark.azurite

CONFIGURATIONS = r"smsb_configurations"
CUSTOMER = "+16565550177"


def random_account_sid() -> str:
    return "AC" + secrets.token_hex(16)


def configuration_reads(sandbox: Sandbox) -> int:
    return sandbox.dataverse.requests.count(path=CONFIGURATIONS)


@contextlib.contextmanager
def fresh_instance(sandbox: Sandbox) -> Iterator[Runtime]:
    """A second Functions instance of the same app: its own runtime, nothing cached yet."""
    environ = sandbox.environ
    with runtime.use(lambda: Runtime.from_settings(Settings.from_env(environ))):
        yield runtime.current()


def queued_bodies(sandbox: Sandbox, name: str = "sms-inbound") -> list[dict[str, Any]]:
    messages = sandbox.queues().queue(name).peek_messages(max_messages=32)
    return [json.loads(base64.b64decode(m.content)) for m in messages]


def test_random_account_sids_cost_no_dataverse_request(sandbox: Sandbox) -> None:
    sandbox.dataverse.requests.clear()
    for _ in range(40):
        params = inbound_params(sandbox, CUSTOMER, "hello", AccountSid=random_account_sid())
        response = post_signed(sandbox, "/api/twilio/messages", params, token=secrets.token_hex(16))
        assert response.status_code == 404, response.text
    assert configuration_reads(sandbox) == 0, sandbox.dataverse.requests.describe()
    assert queued(sandbox) == 0


def test_flood_of_unknown_accounts_leaves_the_real_configuration_answering_from_memory(sandbox: Sandbox) -> None:
    for _ in range(20):
        params = inbound_params(sandbox, CUSTOMER, "noise", AccountSid=random_account_sid())
        assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 404
    sandbox.dataverse.requests.clear()
    response = post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, CUSTOMER, "real"))
    assert response.status_code == 200, response.text
    assert configuration_reads(sandbox) == 0
    assert queued(sandbox) == 1


@pytest.mark.parametrize(("field", "value"), [
    ("AccountSid", "AC123"),
    ("AccountSid", "XX" + "0" * 32),
    ("AccountSid", "AC" + "g" * 32),
    ("To", "not a number"),
    ("To", "+1" + "5" * 30),
    ("MessagingServiceSid", "MG-not-a-service"),
])
def test_misshapen_addressing_is_refused_before_any_lookup(sandbox: Sandbox, field: str, value: str) -> None:
    sandbox.dataverse.requests.clear()
    params = inbound_params(sandbox, CUSTOMER, "hello", **{field: value})
    response = post_signed(sandbox, "/api/twilio/messages", params)
    assert response.status_code == 400, response.text
    assert field in response.json()["message"]
    assert configuration_reads(sandbox) == 0
    assert queued(sandbox) == 0


def test_misshapen_status_callback_is_refused_before_any_lookup(sandbox: Sandbox) -> None:
    sandbox.dataverse.requests.clear()
    params = {"MessageSid": new_sid(), "AccountSid": "AC" + "z" * 32, "From": sandbox.options.number,
              "To": CUSTOMER, "MessageStatus": "delivered"}
    response = post_signed(sandbox, "/api/twilio/status", params)
    assert response.status_code == 400, response.text
    assert configuration_reads(sandbox) == 0


def test_with_dataverse_stalled_a_cold_instance_answers_at_once_and_the_worker_files_the_text(
        sandbox: Sandbox) -> None:
    # Dataverse holds every Configuration read far longer than Twilio's 15-second limit.
    sandbox.dataverse.faults.add(CONFIGURATIONS, status=None, latency_ms=30_000, count=1)
    sandbox.dataverse.requests.clear()
    params = inbound_params(sandbox, CUSTOMER, "sent while Dataverse was slow")
    with fresh_instance(sandbox) as instance:
        response = post_signed(sandbox, "/api/twilio/messages", params)
        # Answered while Dataverse still held the read: the emulator logs a request only once it answered it.
        assert configuration_reads(sandbox) == 0
        assert response.status_code == 200, response.text
        assert "<Response/>" in response.text
        (deferred,) = queued_bodies(sandbox)
        assert deferred["kind"] == "deferred"
        # The worker checks the signature exactly as the HTTP trigger would have, then files the text.
        assert sandbox.drain() == 1
        assert instance.directory.cached() is not None
    (message,) = sandbox.rows("smsb_message", smsb_sid=params["MessageSid"])
    assert message["smsb_body"] == "sent while Dataverse was slow"
    assert sandbox.rows("smsb_errorlog") == []


def test_a_cold_instance_does_not_wait_for_dataverse_on_a_status_callback_either(sandbox: Sandbox) -> None:
    sandbox.dataverse.faults.add(CONFIGURATIONS, status=None, latency_ms=30_000, count=1)
    sandbox.dataverse.requests.clear()
    params = {"MessageSid": new_sid(), "AccountSid": sandbox.options.account_sid, "From": sandbox.options.number,
              "To": CUSTOMER, "MessageStatus": "sent"}
    with fresh_instance(sandbox):
        response = post_signed(sandbox, "/api/twilio/status", params)
        assert configuration_reads(sandbox) == 0
        assert response.status_code == 204, response.text
    (deferred,) = queued_bodies(sandbox)
    assert (deferred["kind"], deferred["webhook"]) == ("deferred", "status")


def test_a_forged_webhook_queued_by_a_cold_instance_is_dropped_by_the_worker_without_an_error_log_row(
        sandbox: Sandbox) -> None:
    sandbox.dataverse.faults.add(CONFIGURATIONS, status=None, latency_ms=30_000, count=1)
    forged = inbound_params(sandbox, CUSTOMER, "forged")
    with fresh_instance(sandbox):
        response = post_signed(sandbox, "/api/twilio/messages", forged, token=secrets.token_hex(16))
        assert response.status_code == 200
        assert sandbox.drain() == 1
    assert sandbox.rows("smsb_message", smsb_sid=forged["MessageSid"]) == []
    assert sandbox.rows("smsb_errorlog") == []
    assert queued(sandbox) == 0
    assert queued(sandbox, "sms-inbound-poison") == 0


def test_a_configuration_created_in_dataverse_is_answered_for_without_waiting_for_the_periodic_refresh(
        sandbox: Sandbox) -> None:
    account, token, number = random_account_sid(), secrets.token_hex(16), "+15005550123"
    configuration = uuid.uuid4()
    cipher = sandbox.app.cipher
    sandbox.app.dataverse.create_with_id("smsb_configurations", "smsb_configurationid", configuration, {
        "smsb_name": "Second sender", "smsb_mobilenumber": number, "smsb_accountsid": account,
        "smsb_authtoken": cipher.encrypt(token, configuration),
    })
    # Dataverse's webhook for the new row tells the app; the map is refreshed in the background.
    deadline = time.monotonic() + 20  # a bound for a hang, not a speed requirement
    directory = sandbox.app.directory
    while time.monotonic() < deadline:
        snapshot = directory.cached()
        if snapshot is not None and snapshot.find(account, number) is not None:
            break
        time.sleep(0.05)
    params = inbound_params(sandbox, CUSTOMER, "to the new number", AccountSid=account, To=number)
    url = sandbox.url + "/api/twilio/messages"
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params, token)}, timeout=10)
    assert response.status_code == 200, response.text


def test_a_deferred_webhook_in_the_poison_queue_is_listed_with_its_message_sid(sandbox: Sandbox) -> None:
    sandbox.dataverse.faults.add(CONFIGURATIONS, status=None, latency_ms=30_000, count=1)
    params = inbound_params(sandbox, CUSTOMER, "kept for later")
    with fresh_instance(sandbox):
        assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 200
    (message,) = sandbox.queues().queue("sms-inbound").receive_messages(max_messages=1)
    sandbox.queues().queue("sms-inbound-poison").send_message(message.content)
    sandbox.queues().queue("sms-inbound").delete_message(message)
    (listed,) = list_poison(sandbox.app.queue_service, "sms-inbound-poison")
    assert (listed.kind, listed.reference) == ("deferred", params["MessageSid"])
