"""Outbox rows that must not be sent, or not yet, where what Dataverse and Twilio hold decides: a text Twilio
schedules, the Configuration found when none is named, an opt-out read back by number. The gates themselves are
held to their reasons over plain values in `tests/messaging/outbound/test_rules.py`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack.sandbox import Sandbox
from messaging.ids import conversation_id
from messaging.names import OutboxStatus, StatusChoice
from messaging.outbound import OutboundResult
from tests.outbound.conftest import (
    demo_contact,
    job,
    outbox,
    outbox_row,
    processor,
    texts,
)

pytestmark = pytest.mark.azurite











def test_a_send_after_days_ahead_is_scheduled_with_twilio_behind_a_messaging_service(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    service = sandbox.twilio.add_messaging_service(product.account_sid, [product.number])
    sandbox.app.dataverse.update("smsb_configurations", product.configuration_id,
                                 {"smsb_messagingservicesid": service.sid})
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="See you on Friday",
                       smsb_sendafter=due.isoformat())

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SCHEDULED, outcome.reason
    (text,) = texts(sandbox)
    assert text.status == "scheduled"
    assert text.send_at == due
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.SENT)
    message = sandbox.rows("smsb_message", smsb_sid=text.sid)
    assert [m["smsb_status"] for m in message] == [int(StatusChoice.SCHEDULED)]


def test_an_outbox_without_a_configuration_uses_the_only_active_one(sandbox: Sandbox) -> None:
    outbox_id = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, {
        "subject": "No From", "smsb_freeform": "Hello", "smsb_mobilenumber": "+16565550177"})

    assert processor(sandbox).process(job(outbox_id)).result is OutboundResult.SENT
    assert [t.to for t in texts(sandbox)] == ["+16565550177"]


def test_a_number_that_opted_out_before_it_was_linked_to_the_contact_is_skipped(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    number = "+16562185892"  # Avery Park's mobile; the conversation came from an inbound STOP, no customer linked
    conversation = conversation_id(product.configuration_id, number)
    sandbox.app.dataverse.upsert("smsb_conversations", conversation, {
        "smsb_name": number, "smsb_phonenumber": number, "smsb_state": 1, "smsb_optedout": True,
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
    })
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Big sale!")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SKIPPED
    assert outbox_row(sandbox, outbox_id)["smsb_failurereason"].startswith(f"{number} has opted out")
    assert sandbox.rows("smsb_message") == []
    assert texts(sandbox) == []
