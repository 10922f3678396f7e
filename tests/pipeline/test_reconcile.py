"""Reconciliation: texts Twilio received while the app's webhook pointed nowhere are filed exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.azurite import free_port
from devstack.dataverse_emulator import DataverseEmulator
from devstack.sandbox import Sandbox
from devstack.twilio_emulator.emulator import InboundMedia
from messaging.names import StatusChoice
from twilio_bridge import MessageSender, OutgoingMessage, TwilioCredentials

pytestmark = pytest.mark.azurite


def test_texts_missed_while_the_webhook_pointed_nowhere_are_recovered_once(sandbox: Sandbox) -> None:
    number = sandbox.options.number
    sandbox.twilio.configure_number(number, sms_url=f"http://127.0.0.1:{free_port()}/nowhere")
    missed = [sandbox.twilio.send_inbound("+16562185892", number, f"missed {i}") for i in range(3)]
    picture = b"\x89PNG\r\n\x1a\n" + bytes(200)
    missed.append(sandbox.twilio.send_inbound("+16562185893", number, "with a photo",
                                              media=(InboundMedia(picture, "image/png"),)))
    assert all(r.delivery is None or r.delivery.status != 200 for r in missed)
    assert sandbox.rows("smsb_message") == []

    progress: list[tuple[str, int, int]] = []
    report = sandbox.app.reconciler.run(timedelta(hours=2), progress=lambda *p: progress.append(p))
    assert (report.received_at_twilio, report.missing, report.recovered) == (4, 4, 4)
    assert report.problems == []
    filed = {m["smsb_sid"]: m for m in sandbox.rows("smsb_message")}
    assert set(filed) == {r.message_sid for r in missed}
    assert filed[missed[0].message_sid]["smsb_body"] == "missed 0"
    (media,) = sandbox.rows("smsb_messagemedia")
    assert media["smsb_size"] == len(picture)
    (avery,) = sandbox.rows("smsb_conversation", smsb_phonenumber="+16562185892")
    assert avery["smsb_customername"] == "Avery Park"
    assert progress[-1] == ("recovering texts to +15005550006", 4, 4)

    again = sandbox.app.reconciler.run(timedelta(hours=2))
    assert (again.missing, again.recovered) == (0, 0)
    assert len(sandbox.rows("smsb_message")) == 4


def test_unsettled_sent_messages_are_refreshed_from_twilio(make_sandbox: Any) -> None:
    two_hours_ago = datetime.now(UTC) - timedelta(hours=1, minutes=30)
    sandbox: Sandbox = make_sandbox(dataverse_factory=lambda: DataverseEmulator(clock=lambda: two_hours_ago),
                                    twilio_callback_delay=0.01)
    product = sandbox.product
    assert product is not None
    to = "+16563339000"
    result = MessageSender(sandbox.app.twilio).send(
        TwilioCredentials(sandbox.options.account_sid, sandbox.options.auth_token),
        OutgoingMessage(to=to, body="hello", from_=product.number))  # no status callback: nobody told us
    assert sandbox.twilio.wait_idle(10)
    message_id = uuid.uuid4()
    sandbox.app.dataverse.upsert("smsb_messages", message_id, {
        "smsb_name": "out", "smsb_direction": 2, "smsb_body": "hello", "smsb_to": to, "smsb_sid": result.sid,
        "smsb_status": int(StatusChoice.SENT),
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
    })
    report = sandbox.app.reconciler.run(timedelta(hours=2))
    assert (report.statuses_checked, report.statuses_updated) == (1, 1)
    stored = sandbox.dataverse.store.get("smsb_message", str(message_id))
    assert stored is not None
    assert stored["smsb_status"] == int(StatusChoice.DELIVERED)
