"""RemoteExecutionContext parsing, against Microsoft's documented example and payloads of the same shape."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dataverse import (
    Entity,
    EntityReference,
    MalformedWebhook,
    Money,
    OptionSetValue,
    parse_webhook,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_the_documented_update_example_is_read_completely() -> None:
    context = parse_webhook(fixture("webhook_contact_update.json"),
                            {"x-ms-dynamics-entity-name": "contact", "x-ms-dynamics-request-name": "Update"})
    assert context.message_name == "Update"
    assert context.primary_entity_name == "contact"
    assert context.primary_entity_id == uuid.UUID("6d81597f-0f9f-e711-8122-000d3aa2331c")
    assert context.secondary_entity_name is None
    assert (context.stage, context.mode, context.depth) == (40, 1, 1)
    assert context.is_async
    assert context.user_id == uuid.UUID("11bb11bb-cc22-dd33-ee44-55ff55ff55ff")
    assert context.initiating_user_id == context.user_id
    assert context.business_unit_id == uuid.UUID("e2b9dd85-e89e-e711-8122-000d3aa2331c")
    assert context.correlation_id == uuid.UUID("aaaa0000-bb11-2222-33cc-444444dddddd")
    assert context.organization_name == "OrgName"
    assert context.operation_created_on == datetime(2017, 9, 26, 7, 4, 8, tzinfo=UTC)
    assert context.owning_extension == EntityReference("sdkmessageprocessingstep",
                                                       uuid.UUID("75417616-4ea2-e711-8122-000d3aa2331c"))
    assert not context.target_omitted


def test_the_target_carries_only_submitted_attributes_with_typed_values() -> None:
    target = parse_webhook(fixture("webhook_contact_update.json")).target
    assert isinstance(target, Entity)
    assert target.logical_name == "contact"
    assert target["firstname"] == "James"
    assert target["modifiedon"] == datetime(2017, 9, 26, 0, 4, 7, tzinfo=UTC)
    assert target["modifiedby"] == EntityReference("systemuser", uuid.UUID("11bb11bb-cc22-dd33-ee44-55ff55ff55ff"))
    assert target["modifiedonbehalfby"] is None
    assert "lastname" not in target
    assert target.guid("contactid") == uuid.UUID("6d81597f-0f9f-e711-8122-000d3aa2331c")


def test_asynchronous_steps_carry_the_primary_name_image() -> None:
    context = parse_webhook(fixture("webhook_contact_update.json"))
    image = context.post_images["AsynchronousStepPrimaryName"]
    assert image["fullname"] == "James Glynn (sample)"
    assert context.pre_images == {}


def test_option_sets_money_references_and_formatted_values_on_create() -> None:
    context = parse_webhook(fixture("webhook_outbox_create.json"))
    target = context.target
    assert target is not None
    assert context.message_name == "Create"
    assert target.option("smsb_sendstatus") == 1
    assert target["smsb_sendstatus"] == OptionSetValue(1)
    assert target["smsb_channels"] == (OptionSetValue(1), OptionSetValue(2))
    assert target["smsb_price"] == Money(Decimal("0.0075"))
    assert target["smsb_configuration"] == EntityReference(
        "smsb_configuration", uuid.UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "Main number")
    assert target.guid("smsb_configuration") == uuid.UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    assert target.formatted_values["smsb_sendstatus"] == "Pending"
    assert context.output_parameters["id"] == "9a1e4b7c-2d3f-4e5a-8b6c-7d8e9f0a1b2c"
    assert context.target_reference == EntityReference("smsb_outbox", context.primary_entity_id)


def test_an_oversized_event_says_the_target_was_omitted() -> None:
    context = parse_webhook(fixture("webhook_outbox_create_oversized.json"),
                            {"X-MS-Dynamics-Msg-Size-Exceeded": "true"})
    assert context.target_omitted
    assert context.target is None
    assert context.post_images == {}
    assert context.primary_entity_id == uuid.UUID("9a1e4b7c-2d3f-4e5a-8b6c-7d8e9f0a1b2c")


def test_the_size_header_alone_marks_the_target_omitted() -> None:
    context = parse_webhook(fixture("webhook_outbox_create.json"), {"x-ms-dynamics-msg-size-exceeded": ""})
    assert context.target_omitted


def test_a_delete_target_is_a_reference() -> None:
    payload = json.loads(fixture("webhook_outbox_create.json"))
    payload["MessageName"] = "Delete"
    payload["InputParameters"] = [{"key": "Target", "value": {
        "__type": "EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts",
        "Id": payload["PrimaryEntityId"], "KeyAttributes": [], "LogicalName": "smsb_outbox", "Name": None}}]
    context = parse_webhook(json.dumps(payload))
    assert context.target is None
    assert context.target_reference == EntityReference("smsb_outbox", context.primary_entity_id)


def broken(change: dict[str, Any]) -> bytes:
    payload = json.loads(fixture("webhook_outbox_create.json"))
    payload.update(change)
    return json.dumps(payload).encode()


@pytest.mark.parametrize(("body", "message"), [
    (b"<xml/>", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (broken({"PrimaryEntityId": "not-a-guid"}), "PrimaryEntityId"),
    (broken({"InputParameters": {"Target": 1}}), "key/value array"),
    (broken({"InputParameters": [{"value": 1}]}), "without a key"),
    (broken({"Stage": "forty"}), "Stage"),
    (broken({"PostEntityImages": [{"key": "img", "value": "text"}]}), "entity image"),
    (broken({"InputParameters": [{"key": "Target", "value": {
        "__type": "OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts", "Value": "x"}}]}),
     "integer"),
])
def test_malformed_payloads_raise_a_typed_error(body: bytes, message: str) -> None:
    with pytest.raises(MalformedWebhook, match=message):
        parse_webhook(body)


def test_a_payload_without_message_name_is_refused() -> None:
    payload = json.loads(fixture("webhook_outbox_create.json"))
    del payload["MessageName"]
    with pytest.raises(MalformedWebhook, match="MessageName"):
        parse_webhook(payload)
