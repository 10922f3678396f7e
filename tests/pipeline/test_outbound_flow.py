"""Outbound, end to end on the devstack: an Outbox row created through the Web API → Dataverse webhook → function
host → sms-outbound → Twilio emulator → signed status callbacks → sms-inbound → the message reaches Delivered."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devstack.sandbox import Sandbox
from messaging.names import OutboxStatus, StatusChoice
from tests.pipeline.conftest import queued

pytestmark = pytest.mark.azurite

AVERY = "Avery Park"  # a seeded contact, mobilephone "+1 (656) 218-5892"


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox(twilio_callback_delay=0.01)
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def settle(sandbox: Sandbox, timeout: float = 20) -> None:
    """Run both queues until the webhooks, the send and every status callback have been handled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sandbox.dataverse.webhooks.drain(1)
        handled = sandbox.drain("sms-outbound") + sandbox.drain("sms-inbound")
        sandbox.twilio.wait_idle(5)
        if not handled and not queued(sandbox, "sms-outbound") and not queued(sandbox, "sms-inbound"):
            return


def create_outbox(sandbox: Sandbox, **fields: Any) -> uuid.UUID:
    contact = sandbox.demo["contacts"][AVERY]
    outbox = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox, {
        "subject": "Appointment reminder",
        "smsb_configuration@odata.bind": f"/smsb_configurations({sandbox.product.configuration_id})",  # type: ignore[union-attr]
        "smsb_outbox_activity_parties": [{"participationtypemask": 2,
                                          "partyid_contact@odata.bind": f"/contacts({contact})"}],
        **fields,
    })
    return outbox


def test_an_outbox_row_sends_one_text_that_reaches_delivered(sandbox: Sandbox) -> None:
    outbox = create_outbox(sandbox, smsb_freeform="See you at 10:00 tomorrow")
    settle(sandbox)
    (sent,) = sandbox.twilio.messages
    assert (sent.to, sent.body, sent.from_) == ("+16562185892", "See you at 10:00 tomorrow", "+15005550006")
    outbox_row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert outbox_row is not None
    assert outbox_row["smsb_sendstatus"] == int(OutboxStatus.SENT)
    assert outbox_row["smsb_sid"] == sent.sid
    (message,) = sandbox.rows("smsb_message", smsb_sid=sent.sid)
    assert message["smsb_direction"] == 2
    assert message["smsb_status"] == int(StatusChoice.DELIVERED)
    assert message["smsb_deliveredon"] is not None


def test_a_template_is_rendered_against_the_contact(sandbox: Sandbox) -> None:
    template = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_messagetemplates", "smsb_messagetemplateid", template, {
        "smsb_name": "Reminder", "smsb_templatetype": 1, "smsb_entitylogicalname": "contact",
        "smsb_body": "Hi {firstname}, your {{appointment}} is tomorrow.", "smsb_publishstate": 2,
    })
    create_outbox(sandbox, **{"smsb_messagetemplate@odata.bind": f"/smsb_messagetemplates({template})"})
    settle(sandbox)
    (sent,) = sandbox.twilio.messages
    assert sent.body == "Hi Avery, your {appointment} is tomorrow."


def test_an_opted_out_recipient_is_skipped_with_a_reason(sandbox: Sandbox) -> None:
    sandbox.twilio.send_inbound("+16562185892", sandbox.options.number, "STOP")
    settle(sandbox)
    outbox = create_outbox(sandbox, smsb_freeform="Special offer!")
    settle(sandbox)
    assert [m.body for m in sandbox.twilio.messages if m.direction.startswith("outbound")] == []
    outbox_row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert outbox_row is not None
    assert outbox_row["smsb_sendstatus"] == int(OutboxStatus.SKIPPED)
    assert "opted out" in outbox_row["smsb_failurereason"].lower()


def test_an_image_is_served_to_twilio_only_through_a_signed_expiring_link(sandbox: Sandbox) -> None:
    picture = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20
    outbox = create_outbox(sandbox, smsb_freeform="Your receipt")
    sandbox.app.dataverse.upload_file("smsb_outboxes", outbox, "smsb_attachment", picture, "receipt.jpg")
    link = sandbox.app.media_links.url_for(outbox)
    fetched = requests.get(link, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == picture
    assert fetched.headers["Content-Type"] == "image/jpeg"
    query = parse_qs(urlsplit(link).query)
    base = f"{sandbox.url}/api/media/{outbox}"
    tampered = requests.get(base, params={"exp": query["exp"][0], "sig": "A" * 43}, timeout=10)
    unsigned = requests.get(base, timeout=10)
    expired_link = sandbox.app.media_links.url_for(outbox, now=datetime.now(UTC) - timedelta(hours=2))
    expired = requests.get(expired_link, timeout=10)
    assert (tampered.status_code, unsigned.status_code, expired.status_code) == (403, 403, 403)
    other = requests.get(link.replace(str(outbox), str(uuid.uuid4())), timeout=10)
    assert other.status_code == 403


def test_pressing_validate_wires_the_number_with_no_url_copied_by_hand(sandbox: Sandbox) -> None:
    configuration = sandbox.product.configuration_id  # type: ignore[union-attr]
    # A number as the console sells it, answering with Twilio's demo reply (another system's URL would need
    # Take Over Number: tests/configuration).
    sandbox.twilio.configure_number(sandbox.options.number, sms_url="https://demo.twilio.com/welcome/sms/reply")
    sandbox.app.dataverse.update("smsb_configurations", configuration, {
        "smsb_validaterequestedon": datetime.now(UTC).isoformat(), "smsb_validationstatus": 1,
        "smsb_callbackurl": None})
    settle(sandbox)
    row = sandbox.dataverse.store.get("smsb_configuration", str(configuration))
    assert row is not None
    assert row["smsb_validationstatus"] == 2
    assert row["smsb_callbackurl"] == f"{sandbox.url}/api/twilio/messages"
    (number,) = [n for n in sandbox.twilio.numbers if n.phone_number == sandbox.options.number]
    assert number.sms_url == f"{sandbox.url}/api/twilio/messages"


def test_a_plaintext_token_typed_by_an_admin_is_sealed_in_place(sandbox: Sandbox) -> None:
    configuration = sandbox.product.configuration_id  # type: ignore[union-attr]
    sandbox.app.dataverse.update("smsb_configurations", configuration,
                                 {"smsb_authtoken": sandbox.options.auth_token})
    settle(sandbox)
    row = sandbox.dataverse.store.get("smsb_configuration", str(configuration))
    assert row is not None
    assert row["smsb_authtoken"].startswith("enc:v1:")
    assert sandbox.app.cipher.decrypt(row["smsb_authtoken"], configuration) == sandbox.options.auth_token
