"""What a delivery status callback does to the message it names (`status.rules`), over plain values: statuses only
move forward, the sender's record is waited for, failures reach the Outbox and a STOP reply opts the number out."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest

from messaging.envelopes import StatusEnvelope
from messaging.names import OutboxStatus, StatusChoice
from messaging.rows.message import StoredMessage
from messaging.status.rules import RECORDING_GRACE, Apply, Ignore, Refuse, WaitForSender, decide
from tests.messaging.facts import CONFIGURATION_ID, NOW
from twilio_bridge import parse_status_callback

SID = "SM" + "1" * 32
MESSAGE = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
OUTBOX = uuid.UUID("00000000-0000-0000-0000-0000000000e2")
CONVERSATION = uuid.UUID("00000000-0000-0000-0000-0000000000e3")


def stored(status: StatusChoice | None = StatusChoice.QUEUED, **changes: Any) -> StoredMessage:
    base = StoredMessage(id=MESSAGE, status=status, sid=SID, sent_on_set=False, delivered_on_set=False,
                         outbox_id=OUTBOX, conversation_id=CONVERSATION, configuration_id=CONFIGURATION_ID,
                         created_on=NOW - timedelta(minutes=5), etag='W/"7"')
    return dataclasses.replace(base, **changes)


def callback(status: str, *, sid: str = SID, signed_by: uuid.UUID = CONFIGURATION_ID, **extra: str) -> StatusEnvelope:
    params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "MessageStatus": status, **extra}
    return StatusEnvelope(signed_by, NOW, "correlation", parse_status_callback(params.items()), MESSAGE)


def applied(decision: object) -> Apply:
    assert isinstance(decision, Apply), decision
    return decision


def test_statuses_only_move_forward() -> None:
    assert applied(decide(stored(StatusChoice.QUEUED), callback("sent"))).message.values["smsb_status"] == int(
        StatusChoice.SENT)
    assert applied(decide(stored(StatusChoice.SENT), callback("delivered"))).previous == "sent"
    assert decide(stored(StatusChoice.DELIVERED), callback("sent")) == Ignore("delivered")
    assert decide(stored(StatusChoice.DELIVERED), callback("undelivered")) == Ignore("delivered")  # equal rank
    assert applied(decide(stored(StatusChoice.DELIVERED), callback("read"))).previous == "delivered"


def test_a_duplicate_callback_changes_nothing() -> None:
    assert decide(stored(StatusChoice.SENT), callback("sent")) == Ignore("sent")


def test_an_unknown_send_takes_any_real_status_from_twilio() -> None:
    decision = applied(decide(stored(StatusChoice.UNKNOWN), callback("queued")))

    assert decision.previous is None
    assert decision.message.values["smsb_status"] == int(StatusChoice.QUEUED)


def test_the_write_holds_only_if_the_row_is_as_read() -> None:
    assert applied(decide(stored(), callback("sent"))).message.etag == 'W/"7"'


def test_timestamps_use_when_the_callback_arrived_and_are_set_once() -> None:
    sent = applied(decide(stored(StatusChoice.SENDING), callback("sent"))).message.values
    delivered = applied(decide(stored(StatusChoice.SENT, sent_on_set=True), callback("delivered"))).message.values

    assert sent["smsb_senton"] == NOW.isoformat()
    assert "smsb_deliveredon" not in sent
    assert "smsb_senton" not in delivered
    assert delivered["smsb_deliveredon"] == NOW.isoformat()


def test_a_callback_that_overtakes_the_sender_waits_for_the_recorded_sid() -> None:
    just_written = stored(sid=None, created_on=NOW - RECORDING_GRACE + timedelta(seconds=1))

    assert isinstance(decide(just_written, callback("sent")), WaitForSender)


def test_after_the_grace_a_callback_fills_in_the_sid_of_a_sender_that_crashed() -> None:
    long_ago = stored(sid=None, created_on=NOW - RECORDING_GRACE - timedelta(seconds=1))

    assert applied(decide(long_ago, callback("sent"))).message.values["smsb_sid"] == SID


def test_failed_delivery_reaches_the_message_and_its_outbox_with_a_readable_reason() -> None:
    decision = applied(decide(stored(StatusChoice.SENT), callback("undelivered", ErrorCode="30003")))

    reason = "Twilio 30003: The handset is unreachable (switched off or out of coverage)"
    assert decision.message.values["smsb_errorcode"] == 30003
    assert decision.message.values["smsb_errormessage"] == reason
    (outbox_write,) = decision.follow_ups
    assert (outbox_write.row_id, dict(outbox_write.values)) == (OUTBOX, {
        "smsb_sendstatus": int(OutboxStatus.FAILED), "smsb_errorcode": 30003, "smsb_failurereason": reason})
    assert (decision.outbox_failed, decision.opted_out) == (True, False)


def test_error_21610_marks_the_conversation_opted_out() -> None:
    decision = applied(decide(stored(StatusChoice.SENT), callback("failed", ErrorCode="21610")))

    conversation = decision.follow_ups[-1]
    assert conversation.row_id == CONVERSATION
    assert conversation.values == {"smsb_optedout": True, "smsb_optedouton": NOW.isoformat(),
                                   "smsb_optoutkeyword": "21610"}
    assert decision.opted_out


def test_a_message_without_an_outbox_fails_alone() -> None:
    decision = applied(decide(stored(StatusChoice.SENT, outbox_id=None), callback("failed", ErrorCode="30008")))

    assert decision.follow_ups == ()
    assert not decision.outbox_failed


@pytest.mark.parametrize(("row_change", "signed_by", "logged"), [
    ({"configuration_id": uuid.uuid4()}, CONFIGURATION_ID, True),
    ({"sid": "SM" + "2" * 32}, CONFIGURATION_ID, True),
    ({"configuration_id": None}, CONFIGURATION_ID, False),
])
def test_a_callback_about_a_message_it_cannot_vouch_for_is_refused(row_change: dict[str, object],
                                                                   signed_by: uuid.UUID, logged: bool) -> None:
    decision = decide(stored(**row_change), callback("failed", ErrorCode="21610", signed_by=signed_by))

    assert isinstance(decision, Refuse)
    assert (decision.error is not None) is logged
    if decision.error is not None:
        assert decision.error.twilio_sid == SID
        assert decision.error.related_id == str(MESSAGE)
