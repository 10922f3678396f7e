"""Delivery statuses, end to end: the Twilio emulator's signed callbacks → function host → queue → Dataverse."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from devstack.dataverse_emulator import DataverseEmulator
from devstack.sandbox import Sandbox
from devstack.seed import seed_product
from messaging.envelopes import StatusEnvelope, read_inbound
from messaging.errors import MessageNotFiledYet
from messaging.ids import conversation_id
from messaging.names import StatusChoice
from tests.pipeline.conftest import post_signed, queued
from twilio_bridge import MessageSender, OutgoingMessage, TwilioCredentials, parse_status_callback, sign

pytestmark = pytest.mark.azurite


def outgoing_row(sandbox: Sandbox, to: str, *, outbox: uuid.UUID | None = None) -> uuid.UUID:
    """An outgoing message as the outbound worker writes it before sending: Queued, no SID yet."""
    product = sandbox.product
    assert product is not None
    conversation = conversation_id(product.configuration_id, to)
    client = sandbox.app.dataverse
    client.upsert("smsb_conversations", conversation, {
        "smsb_name": to, "smsb_phonenumber": to, "smsb_state": 2,
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
    })
    message_id = uuid.uuid4()
    body: dict[str, Any] = {
        "smsb_name": f"To {to}", "smsb_direction": 2, "smsb_body": "Your order is ready", "smsb_to": to,
        "smsb_from": product.number, "smsb_status": int(StatusChoice.QUEUED),
        "smsb_conversation@odata.bind": f"/smsb_conversations({conversation})",
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
    }
    if outbox is not None:
        body["smsb_outbox@odata.bind"] = f"/smsb_outboxes({outbox})"
    client.upsert("smsb_messages", message_id, body)
    return message_id


def send(sandbox: Sandbox, to: str, message_id: uuid.UUID, *, record: bool = True) -> str:
    """Send as the outbound worker does: Twilio first, then the SID on the row (unless it "crashes" first)."""
    sender = MessageSender(sandbox.app.twilio)
    result = sender.send(TwilioCredentials(sandbox.options.account_sid, sandbox.options.auth_token), OutgoingMessage(
        to=to, body="Your order is ready", from_=sandbox.options.number,
        status_callback=f"{sandbox.url}/api/twilio/status?m={message_id}",
    ))
    if record:
        sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": result.sid})
    return result.sid


def settle(sandbox: Sandbox) -> None:
    """Let every status callback reach the host, then file everything queued."""
    assert sandbox.twilio.wait_idle(20)
    for _ in range(10):
        if sandbox.drain() == 0 and queued(sandbox) == 0:
            return


def row(sandbox: Sandbox, message_id: uuid.UUID) -> dict[str, Any]:
    found = sandbox.dataverse.store.get("smsb_message", str(message_id))
    assert found is not None
    return found


def test_shuffled_and_duplicated_callbacks_leave_every_message_delivered(make_sandbox: Any) -> None:
    sandbox = make_sandbox(twilio_shuffle_callbacks=True, twilio_duplicate_callbacks=True,
                           twilio_callback_delay=0.01)
    sent = {}
    for n in range(12):
        to = f"+1656333{n:04d}"
        message_id = outgoing_row(sandbox, to)
        sent[message_id] = send(sandbox, to, message_id)
    settle(sandbox)
    for message_id, sid in sent.items():
        stored = row(sandbox, message_id)
        assert stored["smsb_status"] == int(StatusChoice.DELIVERED)
        assert stored["smsb_sid"] == sid
        assert stored["smsb_senton"] is not None
        assert stored["smsb_deliveredon"] is not None
    callbacks = [d for d in sandbox.twilio.deliveries.all() if d.kind == "status"]
    assert len(callbacks) > 24  # duplicates were delivered, and absorbed


def test_failed_delivery_reaches_the_message_and_its_outbox_with_a_readable_reason(sandbox: Sandbox) -> None:
    to = "+16563330100"
    outbox = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox, {
        "subject": "Order ready", "smsb_freeform": "Your order is ready", "smsb_sendstatus": 2})
    sandbox.twilio.set_outcome(to, "undelivered", 30003)
    message_id = outgoing_row(sandbox, to, outbox=outbox)
    send(sandbox, to, message_id)
    settle(sandbox)
    stored = row(sandbox, message_id)
    assert stored["smsb_status"] == int(StatusChoice.UNDELIVERED)
    assert stored["smsb_errorcode"] == 30003
    assert stored["smsb_errormessage"] == "Twilio 30003: The handset is unreachable (switched off or out of coverage)"
    outbox_row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert outbox_row is not None
    assert (outbox_row["smsb_sendstatus"], outbox_row["smsb_errorcode"]) == (4, 30003)
    assert "30003" in outbox_row["smsb_failurereason"]


def test_error_21610_marks_the_conversation_opted_out(sandbox: Sandbox) -> None:
    to = "+16563330200"
    sandbox.twilio.set_outcome(to, "failed", 21610)
    message_id = outgoing_row(sandbox, to)
    send(sandbox, to, message_id)
    settle(sandbox)
    conversation = sandbox.dataverse.store.get(
        "smsb_conversation", str(conversation_id(sandbox.product.configuration_id, to)))  # type: ignore[union-attr]
    assert conversation is not None
    assert conversation["smsb_optedout"] is True


def callback(sandbox: Sandbox, sid: str, status: str, message_id: uuid.UUID, **extra: str) -> StatusEnvelope:
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": sandbox.options.account_sid, "MessageStatus": status,
              "SmsStatus": status, "From": sandbox.options.number, "To": "+16563330300", "ApiVersion": "2010-04-01",
              **extra}
    return StatusEnvelope(sandbox.product.configuration_id, datetime.now(UTC), str(uuid.uuid4()),  # type: ignore[union-attr]
                          parse_status_callback(params.items()), message_id)


def test_callback_that_overtakes_the_sender_waits_for_the_recorded_sid(sandbox: Sandbox) -> None:
    message_id = outgoing_row(sandbox, "+16563330300")
    sid = "SM" + uuid.uuid4().hex
    worker = sandbox.app.inbound_worker
    with pytest.raises(MessageNotFiledYet):
        worker.handle(read_inbound(callback(sandbox, sid, "failed", message_id, ErrorCode="30003").to_json()), 1)
    assert row(sandbox, message_id)["smsb_status"] == int(StatusChoice.QUEUED)
    sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": sid})  # the sender catches up
    worker.handle(read_inbound(callback(sandbox, sid, "failed", message_id, ErrorCode="30003").to_json()), 2)
    assert row(sandbox, message_id)["smsb_status"] == int(StatusChoice.FAILED)


def test_callbacks_fill_in_the_sid_when_the_sender_crashed_before_recording(make_sandbox: Any) -> None:
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    sandbox = make_sandbox(dataverse_factory=lambda: DataverseEmulator(clock=lambda: a_minute_ago))
    message_id = outgoing_row(sandbox, "+16563330350")
    sid = send(sandbox, "+16563330350", message_id, record=False)
    settle(sandbox)
    stored = row(sandbox, message_id)
    assert stored["smsb_sid"] == sid
    assert stored["smsb_status"] == int(StatusChoice.DELIVERED)


def test_statuses_only_move_forward(sandbox: Sandbox) -> None:
    message_id = outgoing_row(sandbox, "+16563330300")
    sid = "SM" + uuid.uuid4().hex
    sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": sid})
    status = sandbox.app.inbound_worker
    for state in ("sent", "delivered", "sent", "queued", "delivered"):
        status.handle(read_inbound(callback(sandbox, sid, state, message_id).to_json()), 1)
    stored = row(sandbox, message_id)
    assert stored["smsb_status"] == int(StatusChoice.DELIVERED)
    assert stored["smsb_sid"] == sid


def test_concurrent_callbacks_retry_on_a_stale_etag(sandbox: Sandbox) -> None:
    message_id = outgoing_row(sandbox, "+16563330400")
    sid = "SM" + uuid.uuid4().hex
    sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": sid})
    processor = sandbox.app.inbound_worker
    # Another callback changes the row between this worker's read and write: the write must not win blindly.
    client = sandbox.app.dataverse
    original_update = client.update
    raced = []

    def racing_update(entity_set: str, key: Any, data: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(True)
            original_update("smsb_messages", message_id, {"smsb_status": int(StatusChoice.DELIVERED)})
        return original_update(entity_set, key, data, **kwargs)

    client.update = racing_update  # type: ignore[method-assign]
    try:
        outcome = processor.handle(read_inbound(callback(sandbox, sid, "sent", message_id).to_json()), 1)
    finally:
        del client.update
    assert outcome.attempts == 2  # type: ignore[union-attr]
    assert outcome.applied is False  # type: ignore[union-attr]  # on fresh data, "sent" is no longer news
    assert row(sandbox, message_id)["smsb_status"] == int(StatusChoice.DELIVERED)


def test_callback_for_an_unknown_message_is_retried_then_logged(sandbox: Sandbox) -> None:
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": sandbox.options.account_sid,
              "MessageStatus": "delivered", "SmsStatus": "delivered", "From": sandbox.options.number,
              "To": "+16563330500", "ApiVersion": "2010-04-01"}
    response = post_signed(sandbox, "/api/twilio/status", params)
    assert response.status_code == 204
    deadline = time.monotonic() + 30
    while queued(sandbox, "sms-inbound-poison") == 0 and time.monotonic() < deadline:
        sandbox.drain()
    assert queued(sandbox, "sms-inbound-poison") == 1
    (log,) = sandbox.rows("smsb_errorlog")
    assert log["smsb_source"] == "status"
    assert log["smsb_twiliosid"] == sid
    assert log["smsb_name"] == "Message moved to sms-inbound-poison"


def test_status_callback_with_a_bad_signature_is_refused(sandbox: Sandbox) -> None:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": sandbox.options.account_sid,
              "MessageStatus": "delivered", "From": sandbox.options.number, "To": "+16563330600"}
    assert post_signed(sandbox, "/api/twilio/status", params, signature="forged").status_code == 403
    assert queued(sandbox) == 0


def test_timestamps_use_when_the_callback_arrived(sandbox: Sandbox) -> None:
    message_id = outgoing_row(sandbox, "+16563330700")
    sid = "SM" + uuid.uuid4().hex
    sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": sid})
    envelope = callback(sandbox, sid, "delivered", message_id)
    sandbox.app.inbound_worker.handle(read_inbound(envelope.to_json()), 1)
    stored = row(sandbox, message_id)
    assert abs(stored["smsb_deliveredon"] - envelope.received_at) < timedelta(seconds=1)


# -- callbacks belong to the Configuration whose token signed them ---------------------------------------------
OTHER_ACCOUNT = "AC" + "3" * 32
OTHER_TOKEN = "4" * 32
OTHER_NUMBER = "+15005550010"


def other_configuration(sandbox: Sandbox) -> uuid.UUID:
    """A second Configuration (another Twilio account) in the same environment."""
    product = sandbox.product
    assert product is not None
    return seed_product(sandbox.app.dataverse, sandbox.app.cipher, account_sid=OTHER_ACCOUNT,
                        auth_token=OTHER_TOKEN, number=OTHER_NUMBER, team_id=product.team_id,
                        public_url=sandbox.url).configuration_id


def sent_row(sandbox: Sandbox, to: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    """An Outbox sent from the devstack Configuration: its message Sent, with its SID. (outbox, message, SID)"""
    outbox = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox, {
        "subject": "Order ready", "smsb_freeform": "Your order is ready", "smsb_sendstatus": 3})
    message_id = outgoing_row(sandbox, to, outbox=outbox)
    sid = "SM" + uuid.uuid4().hex
    sandbox.app.dataverse.update("smsb_messages", message_id, {"smsb_sid": sid, "smsb_status": int(StatusChoice.SENT)})
    return outbox, message_id, sid


def forged_failure(sandbox: Sandbox, sid: str, to: str, *, path: str, account: str = OTHER_ACCOUNT,
                   number: str = OTHER_NUMBER, token: str = OTHER_TOKEN) -> int:
    """A status callback signed with a Configuration's real token, saying the text failed with 21610 (opted out)."""
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": account, "MessageStatus": "failed",
              "SmsStatus": "failed", "ErrorCode": "21610", "From": number, "To": to, "ApiVersion": "2010-04-01"}
    url = sandbox.url + path
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params, token)}, timeout=10)
    settle(sandbox)
    return response.status_code


def untouched(sandbox: Sandbox, outbox: uuid.UUID, message_id: uuid.UUID, sid: str, to: str) -> None:
    stored = row(sandbox, message_id)
    assert (stored["smsb_status"], stored["smsb_sid"], stored["smsb_errorcode"]) == (int(StatusChoice.SENT), sid, None)
    outbox_row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert outbox_row is not None
    assert outbox_row["smsb_sendstatus"] == 3
    conversation = sandbox.dataverse.store.get(
        "smsb_conversation", str(conversation_id(sandbox.product.configuration_id, to)))  # type: ignore[union-attr]
    assert conversation is not None
    assert conversation["smsb_optedout"] is not True


@pytest.mark.parametrize("addressed", ["by message id", "by SID"])
def test_a_callback_signed_by_another_configuration_cannot_touch_this_ones_message(
    sandbox: Sandbox, addressed: str, caplog: pytest.LogCaptureFixture
) -> None:
    other = other_configuration(sandbox)
    to = "+16563330800"
    outbox, message_id, sid = sent_row(sandbox, to)
    path = f"/api/twilio/status?m={message_id}" if addressed == "by message id" else "/api/twilio/status"

    assert forged_failure(sandbox, sid, to, path=path) == 204  # the signature is valid: Twilio's answer is the same

    untouched(sandbox, outbox, message_id, sid, to)
    assert queued(sandbox, "sms-inbound-poison") == 0
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="status")
    assert (logged["smsb_twiliosid"], logged["smsb_relatedid"]) == (sid, str(message_id))
    assert str(other) in logged["smsb_details"]
    assert str(sandbox.product.configuration_id) in logged["smsb_details"]  # type: ignore[union-attr]
    assert OTHER_TOKEN not in logged["smsb_details"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "smsbridge.status" and r.levelname == "WARNING"]
    assert any(sid in w and str(message_id) in w for w in warnings)


def test_a_callback_naming_one_message_with_another_messages_sid_is_dropped(sandbox: Sandbox) -> None:
    to = "+16563330900"
    outbox, message_id, sid = sent_row(sandbox, to)
    _, _, other_sid = sent_row(sandbox, "+16563330901")

    status = forged_failure(sandbox, other_sid, to, path=f"/api/twilio/status?m={message_id}",
                            account=sandbox.options.account_sid, number=sandbox.options.number,
                            token=sandbox.options.auth_token)

    assert status == 204
    untouched(sandbox, outbox, message_id, sid, to)
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="status")
    assert (logged["smsb_twiliosid"], logged["smsb_relatedid"]) == (other_sid, str(message_id))


def test_the_configurations_own_callbacks_still_apply(sandbox: Sandbox) -> None:
    other_configuration(sandbox)
    to = "+16563331000"
    outbox, message_id, sid = sent_row(sandbox, to)

    status = forged_failure(sandbox, sid, to, path=f"/api/twilio/status?m={message_id}",
                            account=sandbox.options.account_sid, number=sandbox.options.number,
                            token=sandbox.options.auth_token)

    assert status == 204
    stored = row(sandbox, message_id)
    assert (stored["smsb_status"], stored["smsb_errorcode"]) == (int(StatusChoice.FAILED), 21610)
    outbox_row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert outbox_row is not None
    assert outbox_row["smsb_sendstatus"] == 4
    assert sandbox.rows("smsb_errorlog") == []
