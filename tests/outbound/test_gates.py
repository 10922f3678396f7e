"""Outbox rows that must not be sent, or not yet: each ends with the reason an admin reads on the row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack.sandbox import Sandbox
from messaging.ids import conversation_id
from messaging.names import OutboxStatus, StatusChoice
from messaging.outbound import OutboundResult
from tests.outbound.conftest import (
    CONSENT_COLUMN,
    contact,
    demo_contact,
    job,
    outbox,
    outbox_row,
    processor,
    template,
    texts,
)

pytestmark = pytest.mark.azurite


def require_consent(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    sandbox.app.dataverse.update("smsb_recordtypes", product.record_type_ids["contact"],
                                 {"smsb_compliancefield": CONSENT_COLUMN})
    sandbox.app.directory.invalidate(product.configuration_id)


def test_a_contact_whose_consent_column_is_no_is_skipped_with_the_reason(sandbox: Sandbox) -> None:
    require_consent(sandbox)
    refused = outbox(sandbox, contact(sandbox, "Noah", "Nope", "+16565550101", **{CONSENT_COLUMN: False}),
                     text="Big sale!")
    agreed = outbox(sandbox, contact(sandbox, "Yara", "Yes", "+16565550102", **{CONSENT_COLUMN: True}),
                    text="Big sale!")
    worker = processor(sandbox)

    skipped = worker.process(job(refused))
    sent = worker.process(job(agreed))

    assert skipped.result is OutboundResult.SKIPPED
    row = outbox_row(sandbox, refused)
    assert row["smsb_sendstatus"] == int(OutboxStatus.SKIPPED)
    assert row["smsb_failurereason"] == (f"contact 'Noah Nope' has not agreed to receive texts: "
                                         f"contact.{CONSENT_COLUMN} is not Yes (Record Type 'Contact')")
    assert sent.result is OutboundResult.SENT
    assert [t.to for t in texts(sandbox)] == ["+16565550102"]


def test_a_placeholder_naming_no_column_fails_and_names_it(sandbox: Sandbox) -> None:
    wrong = template(sandbox, "Hi {firstname}, your {favouritecolour} order is ready")
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), template=wrong)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED
    reason = outbox_row(sandbox, outbox_id)["smsb_failurereason"]
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.FAILED)
    assert "{favouritecolour}" in reason
    assert "contact" in reason
    assert texts(sandbox) == []


def test_a_placeholder_with_a_fallback_fills_an_empty_column(sandbox: Sandbox) -> None:
    greeting = template(sandbox, "Hi {firstname}, reply to {emailaddress1|this number} with questions")
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), template=greeting)

    assert processor(sandbox).process(job(outbox_id)).result is OutboundResult.SENT
    assert texts(sandbox)[0].body == "Hi Avery, reply to this number with questions"


def test_a_text_longer_than_1600_characters_once_filled_in_fails_with_its_length(sandbox: Sandbox) -> None:
    long = template(sandbox, "Dear {fullname}: " + "x" * 1700)
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), template=long)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED
    assert outbox_row(sandbox, outbox_id)["smsb_failurereason"] == (
        "The text is 1,717 characters once filled in; at most 1,600 can be sent")
    assert texts(sandbox) == []


def test_a_draft_template_is_not_sent(sandbox: Sandbox) -> None:
    draft = template(sandbox, "Hi {firstname}", published=False)
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), template=draft)

    assert processor(sandbox).process(job(outbox_id)).result is OutboundResult.FAILED
    assert outbox_row(sandbox, outbox_id)["smsb_failurereason"] == "The Message Template 'Order ready' is not Published"


def test_a_blocked_number_is_skipped(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    number = "+16562185892"
    sandbox.app.dataverse.upsert("smsb_conversations", conversation_id(product.configuration_id, number), {
        "smsb_name": number, "smsb_phonenumber": number, "smsb_state": 3,
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
    })
    outbox_id = outbox(sandbox, text="Hello again", smsb_mobilenumber="(656) 218-5892")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SKIPPED
    assert outbox_row(sandbox, outbox_id)["smsb_failurereason"].startswith(f"{number} is blocked")
    assert texts(sandbox) == []


def test_a_configuration_that_is_not_validated_sends_nothing(sandbox: Sandbox) -> None:
    product = sandbox.product
    assert product is not None
    sandbox.app.dataverse.update("smsb_configurations", product.configuration_id, {"smsb_validationstatus": 3})
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Hello")

    assert processor(sandbox).process(job(outbox_id)).result is OutboundResult.SKIPPED
    assert "is not validated (status Invalid)" in outbox_row(sandbox, outbox_id)["smsb_failurereason"]


def test_a_contact_without_a_number_is_skipped_with_the_column_named(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Harper Quinn"), text="Hello")  # number in telephone1

    assert processor(sandbox).process(job(outbox_id)).result is OutboundResult.SKIPPED
    assert outbox_row(sandbox, outbox_id)["smsb_failurereason"] == (
        "contact 'Harper Quinn' has no number in contact.mobilephone")


def test_a_send_after_in_the_future_is_held_pending_until_due(sandbox: Sandbox) -> None:
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Reminder",
                       smsb_sendafter=due.isoformat())

    held = processor(sandbox).process(job(outbox_id))
    assert held.result is OutboundResult.HELD
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.PENDING)
    assert texts(sandbox) == []

    later = processor(sandbox, clock=lambda: due + timedelta(seconds=1)).process(job(outbox_id))
    assert later.result is OutboundResult.SENT
    assert len(texts(sandbox)) == 1


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
