"""Payloads no one meant to send: a Dataverse webhook nested thousands of levels deep is a 400 naming the problem;
a queue message that is JSON but not an object (or nested past reason) is a permanent failure with an Error Log
row, kept in the poison queue — nothing lost, nothing crashes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from admin.replay import list_poison
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import queued

pytestmark = pytest.mark.azurite

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_QUEUED = b"[" * 20_000 + b"]" * 20_000  # still under a queue message's 64 KB once in base64
DEEP_OBJECT = b'{"MessageName": "Create", "PrimaryEntityName": "smsb_outbox", "InputParameters": ' + DEEP + b"}"


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def post_webhook(sandbox: Sandbox, body: bytes) -> requests.Response:
    return requests.post(sandbox.url + "/api/dataverse/webhook", params={"code": sandbox.options.function_key},
                         data=body, headers={"Content-Type": "application/json"}, timeout=30)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b'{"a": ' * 5_000 + b"1" + b"}" * 5_000])
def test_a_deeply_nested_webhook_is_a_400_that_names_the_nesting(sandbox: Sandbox, body: bytes) -> None:
    response = post_webhook(sandbox, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed"
    assert "nested" in response.json()["message"]
    assert queued(sandbox, "sms-outbound") == 0


def put(sandbox: Sandbox, queue: str, body: bytes) -> None:
    sandbox.queues().queue(queue).send_message(base64.b64encode(body).decode("ascii"))


@pytest.mark.parametrize("queue", ["sms-inbound", "sms-outbound"])
@pytest.mark.parametrize(("body", "problem"), [
    (b"[1, 2, 3]", "not a JSON object"),
    (b'"just a string"', "not a JSON object"),
    (DEEP_QUEUED, "nested"),
])
def test_a_queue_message_that_is_not_a_json_object_fails_permanently_with_an_error_log_row(
        make_sandbox: Any, queue: str, body: bytes, problem: str) -> None:
    sandbox = make_sandbox()
    for name in (queue, f"{queue}-poison"):
        sandbox.queues().queue(name).clear_messages()
    put(sandbox, queue, body)
    for _ in range(10):
        if sandbox.drain(queue) == 0:
            break
    assert queued(sandbox, queue) == 0
    assert queued(sandbox, f"{queue}-poison") == 1  # kept, to be looked at
    names = [row["smsb_name"] for row in sandbox.rows("smsb_errorlog")]
    assert "Message cannot be processed" in names
    (first,) = [row for row in sandbox.rows("smsb_errorlog") if row["smsb_name"] == "Message cannot be processed"]
    assert problem in first["smsb_details"]
    assert "AttributeError" not in first["smsb_details"]
    (listed,) = list_poison(sandbox.app.queue_service, f"{queue}-poison")
    assert listed.kind == "unreadable"


def test_a_webhook_of_ordinary_depth_still_passes(sandbox: Sandbox) -> None:
    context: dict[str, Any] = {"MessageName": "Create", "PrimaryEntityName": "smsb_outbox",
                               "PrimaryEntityId": "6d81597f-0f9f-e711-8122-000d3aa2331c"}
    parent: dict[str, Any] = dict(context)
    for _ in range(8):  # Dataverse stops an event chain at Depth 8
        parent = {**context, "ParentContext": parent}
    response = post_webhook(sandbox, json.dumps({**context, "ParentContext": parent}).encode())
    assert response.status_code == 202, response.text
