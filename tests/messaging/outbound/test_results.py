"""What a send's outcome writes (`outbound.results`), over plain values: nothing is ever sent twice, and every Outbox
that is not sent says why."""

from __future__ import annotations

from datetime import datetime, timedelta

from messaging.ids import outbound_message_id
from messaging.names import OutboxStatus, Severity, StatusChoice
from messaging.outbound.results import given_up, recorded, refused, unconfirmed
from messaging.outbound.rules import Claimed, RecordRead, Send, Sender, decide, read_plan
from messaging.plans import Write
from messaging.rows.outbox import Outbox
from tests.messaging.facts import NOW, configuration, contact, conversation, outbox, record_type, tables

NUMBER = "+16562185892"


def a_send(sent_outbox: Outbox | None = None, *, last_activity: datetime | None = None) -> tuple[Send, Outbox]:
    chosen = Sender(configuration(), (record_type(),))
    the_outbox = sent_outbox or outbox("Your order is ready")
    plan = read_plan(the_outbox, chosen, tables())
    known = (conversation(NUMBER, last_activity=last_activity),) if last_activity else ()
    result = decide(Claimed(the_outbox, chosen, None, NOW, None, plan, RecordRead(row=contact()),
                            known))
    assert isinstance(result, Send)
    return result, the_outbox


def by_table(writes: tuple[Write, ...]) -> dict[str, Write]:
    return {write.table.logical_name: write for write in writes}


def test_a_text_twilio_took_is_sent_with_its_sid_and_moves_the_conversation_on() -> None:
    send, sent = a_send()

    rows = by_table(recorded(send, sent, "SM" + "a" * 32, NOW, None).writes)

    assert dict(rows["smsb_message"].values) == {"smsb_sid": "SM" + "a" * 32}  # the status stays as written
    assert rows["smsb_outbox"].values["smsb_sendstatus"] == int(OutboxStatus.SENT)
    assert rows["smsb_outbox"].values["smsb_message@odata.bind"] == f"/smsb_messages({outbound_message_id(sent.id)})"
    assert rows["smsb_conversation"].values["smsb_lastmessagepreview"] == "Your order is ready"


def test_a_scheduled_text_is_scheduled_and_leaves_the_conversation_alone_until_it_goes() -> None:
    send, sent = a_send()

    rows = by_table(recorded(send, sent, "SM" + "b" * 32, NOW, NOW + timedelta(days=2)).writes)

    assert rows["smsb_message"].values["smsb_status"] == int(StatusChoice.SCHEDULED)
    assert "smsb_conversation" not in rows


def test_a_send_recorded_after_a_newer_text_does_not_roll_the_conversation_back() -> None:
    send, sent = a_send(last_activity=NOW + timedelta(seconds=5))

    rows = by_table(recorded(send, sent, "SM" + "c" * 32, NOW, None).writes)

    assert "smsb_conversation" not in rows


def test_a_send_twilio_did_not_confirm_is_unknown_for_a_person_and_logged() -> None:
    send, sent = a_send()

    ending = unconfirmed(send, sent, "no usable answer from Twilio: ReadTimeout")

    rows = by_table(ending.changeset.writes)
    assert rows["smsb_outbox"].values["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert rows["smsb_message"].values["smsb_status"] == int(StatusChoice.UNKNOWN)
    assert "It was not sent again automatically" in ending.reason
    assert ending.error is not None
    assert ending.error.severity is Severity.ERROR
    assert NUMBER in ending.error.details


def test_a_recipient_who_replied_stop_fails_with_21610_and_the_conversation_is_opted_out() -> None:
    send, sent = a_send()

    ending = refused(send, sent, 21610, "Attempt to send to unsubscribed recipient", NOW)

    rows = by_table(ending.changeset.writes)
    assert ending.reason == "Twilio 21610: The recipient replied STOP and has unsubscribed from this number"
    assert (rows["smsb_outbox"].values["smsb_sendstatus"], rows["smsb_outbox"].values["smsb_errorcode"]) == (
        int(OutboxStatus.FAILED), 21610)
    assert rows["smsb_conversation"].values == {"smsb_optedout": True, "smsb_optedouton": NOW.isoformat(),
                                                "smsb_optoutkeyword": "21610"}


def test_a_refusal_without_a_code_says_what_twilio_said() -> None:
    send, sent = a_send()

    ending = refused(send, sent, None, "a From number or a Messaging Service SID is required", NOW)

    assert ending.reason == "Not sent: a From number or a Messaging Service SID is required"
    assert "smsb_conversation" not in by_table(ending.changeset.writes)


def test_the_claim_that_reaches_the_limit_ends_unknown_and_marks_its_message_only_once_written() -> None:
    sent = outbox(attempts=9)

    written = given_up(sent, 10, "connection refused", "RequestNotSent", message_written=True)
    unwritten = given_up(sent, 10, "connection refused", "RequestNotSent", message_written=False)

    assert written.outbox.values["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert written.message is not None
    assert written.message.values["smsb_status"] == int(StatusChoice.UNKNOWN)
    assert unwritten.message is None
    assert "started sending this text 10 times" in written.reason
    assert written.error.related_id == str(sent.id)
