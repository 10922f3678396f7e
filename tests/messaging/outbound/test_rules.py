"""What an Outbox becomes, decided over plain values (`outbound.rules`): when it goes, what the claim reads for it,
and the gates in order — each ending with the reason an admin reads on the row — or the text and rows it sends."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

from messaging.ids import conversation_id, outbound_message_id, session_id
from messaging.names import ConversationState, OutboxStatus, StatusChoice, ValidationStatus
from messaging.outbound.gates import Stop
from messaging.outbound.rules import (
    SCHEDULE_MAX,
    Claimed,
    Hold,
    RecordRead,
    Send,
    Sender,
    decide,
    read_plan,
    rows_before_send,
    timing,
)
from messaging.plans import Mode
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import Outbox
from messaging.rows.owner import Owner
from messaging.windows import window_for
from tests.messaging.facts import (
    CONSENT,
    CONTACT_ID,
    NOW,
    OWNER,
    TEAM_ID,
    configuration,
    contact,
    conversation,
    outbox,
    record_type,
    tables,
    template,
)
from twilio_bridge import Encoding, segment_info


def sender(**changes: object) -> Sender:
    return Sender(configuration(**changes), (record_type(),))


def claimed(sent: Outbox, *, with_sender: Sender | None = None, record: RecordRead | None = None,
            conversations: tuple[StoredConversation, ...] = (),
            sessions: frozenset[uuid.UUID] = frozenset()) -> Claimed:
    """The Outbox as claimed, with what the claim batch read (the contact, when it names one)."""
    chosen = with_sender or sender()
    table = "contact" if sent.to is not None and sent.to.table == "contact" else None
    plan = read_plan(sent, chosen, tables())
    found = record if record is not None else RecordRead(row=contact() if table else None)
    return Claimed(sent, chosen, None, NOW, None, plan, found, conversations, sessions)


def stopped(result: Send | Stop) -> Stop:
    assert isinstance(result, Stop), result
    return result


def sent(result: Send | Stop) -> Send:
    assert isinstance(result, Send), result
    return result


# -- when ----------------------------------------------------------------------------------------------------------
def test_a_send_after_in_the_future_is_held_pending_until_due() -> None:
    due = NOW + timedelta(hours=2)
    later = outbox(send_after=due)

    assert timing(later, sender(), NOW) == Hold(due)
    assert timing(later, sender(), due + timedelta(seconds=1)) is None


def test_a_send_after_within_twilios_window_is_scheduled_only_behind_a_messaging_service() -> None:
    due = NOW + timedelta(days=2)
    later = outbox(send_after=due)

    assert timing(later, sender(messaging_service_sid="MG" + "2" * 32), NOW) == due
    assert timing(later, sender(), NOW) == Hold(due)
    assert timing(outbox(send_after=NOW + SCHEDULE_MAX + timedelta(days=1)),
                  sender(messaging_service_sid="MG" + "2" * 32), NOW) == Hold(NOW + SCHEDULE_MAX + timedelta(days=1))


# -- what the claim reads ------------------------------------------------------------------------------------------
def test_the_claim_reads_exactly_the_columns_the_record_type_and_the_template_need() -> None:
    greeting = template("Hi {firstname}, your order for {parentcustomerid} is ready")
    plan = read_plan(outbox(None, message_template=greeting), Sender(configuration(), (record_type(
        compliance_field=CONSENT),)), tables())

    assert plan.to_read is not None
    assert plan.to_read.columns == tuple(sorted({"contactid", "fullname", "mobilephone", CONSENT, "firstname",
                                                "_parentcustomerid_value"}))
    assert plan.fill_in.template is not None
    assert plan.fill_in.template.columns == ("firstname", "parentcustomerid")


def test_a_national_number_is_read_in_the_record_types_country_else_in_the_senders() -> None:
    chat = outbox(None, to_contact=False, explicit_number="(656) 218-5892")
    uk_sender = Sender(configuration(mobile_number="+447700900123"), ())

    assert read_plan(chat, sender(), tables()).known_number == "+16562185892"
    assert read_plan(chat, uk_sender, tables()).country == "+44"


def test_a_number_the_chat_session_gives_is_texted_without_a_record() -> None:
    chat = outbox("On my way", to_contact=False, session_phone="+16565550177")

    result = sent(decide(claimed(chat)))

    assert (result.number, result.about, result.name) == ("+16565550177", None, "+16565550177")


# -- the gates, in order -------------------------------------------------------------------------------------------
def test_a_configuration_that_is_not_validated_sends_nothing() -> None:
    invalid = sender(validation_status=int(ValidationStatus.INVALID))

    stop = stopped(decide(claimed(outbox(), with_sender=invalid)))

    assert stop.status is OutboxStatus.SKIPPED
    assert "is not validated (status Invalid)" in stop.reason


def test_a_contact_whose_consent_column_is_no_is_skipped_with_the_reason() -> None:
    asking = Sender(configuration(), (record_type(compliance_field=CONSENT),))
    refused = claimed(outbox("Big sale!"), with_sender=asking, record=RecordRead(row=contact(
        fullname="Noah Nope", **{CONSENT: False})))
    agreed = claimed(outbox("Big sale!"), with_sender=asking, record=RecordRead(row=contact(**{CONSENT: True})))

    stop = stopped(decide(refused))

    assert stop.status is OutboxStatus.SKIPPED
    assert stop.reason == (f"contact 'Noah Nope' has not agreed to receive texts: contact.{CONSENT} is not Yes "
                           "(Record Type 'Contact')")
    assert sent(decide(agreed)).number == "+16562185892"


def test_a_contact_without_a_number_is_skipped_with_the_column_named() -> None:
    harper = RecordRead(row=contact(fullname="Harper Quinn", mobilephone=None, telephone1="+16562185897"))

    stop = stopped(decide(claimed(outbox(), record=harper)))

    assert stop.reason == "contact 'Harper Quinn' has no number in contact.mobilephone"


def test_a_number_that_is_not_a_phone_number_is_skipped_with_where_it_came_from() -> None:
    stop = stopped(decide(claimed(outbox(explicit_number="call me"))))

    assert stop.status is OutboxStatus.SKIPPED
    assert stop.reason.startswith("'call me' in the Outbox's Mobile Number is not a phone number")


def test_a_to_record_that_no_longer_exists_is_skipped() -> None:
    stop = stopped(decide(claimed(outbox(), record=RecordRead(missing=True))))

    assert stop.reason == f"The To record (contact {CONTACT_ID}) no longer exists"


def test_a_blocked_number_is_skipped() -> None:
    number = "+16562185892"
    blocked = conversation(number, state=ConversationState.BLOCKED)

    stop = stopped(decide(claimed(outbox("Hello again", to_contact=False, explicit_number="(656) 218-5892"),
                                  conversations=(blocked,))))

    assert stop.status is OutboxStatus.SKIPPED
    assert stop.reason.startswith(f"{number} is blocked")


def test_an_opted_out_number_is_skipped_until_it_texts_start() -> None:
    stop = stopped(decide(claimed(outbox(), conversations=(conversation("+16562185892", opted_out=True),))))

    assert stop.reason == ("+16562185892 has opted out of texts from this number (since 2026-11-30T09:00:00Z); "
                           "they must text START first")


def test_a_draft_template_is_not_sent() -> None:
    stop = stopped(decide(claimed(outbox(None, message_template=template("Hi {firstname}", published=False)))))

    assert stop.status is OutboxStatus.FAILED
    assert stop.reason == "The Message Template 'Order ready' is not Published"


def test_a_template_for_another_table_is_not_sent() -> None:
    stop = stopped(decide(claimed(outbox(None, message_template=template("Hi", entity="account")))))

    assert stop.reason == "The Message Template 'Order ready' is for account, not contact"


def test_a_placeholder_naming_no_column_fails_and_names_it() -> None:
    wrong = template("Hi {firstname}, your {favouritecolour} order is ready")

    stop = stopped(decide(claimed(outbox(None, message_template=wrong))))

    assert stop.status is OutboxStatus.FAILED
    assert "{favouritecolour}" in stop.reason
    assert "contact" in stop.reason


def test_a_brace_out_of_place_fails_and_says_where() -> None:
    stop = stopped(decide(claimed(outbox("Hi {firstname"))))

    assert stop.reason.startswith("The message text cannot be filled in: the '{' at position 4 is never closed")


def test_a_placeholder_with_a_fallback_fills_an_empty_column() -> None:
    greeting = template("Hi {firstname}, reply to {emailaddress1|this number} with questions")

    result = sent(decide(claimed(outbox(None, message_template=greeting),
                                 record=RecordRead(row=contact(emailaddress1=None)))))

    assert result.body == "Hi Avery, reply to this number with questions"


def test_a_text_longer_than_1600_characters_once_filled_in_fails_with_its_length() -> None:
    long = template("Dear {fullname}: " + "x" * 1700)

    stop = stopped(decide(claimed(outbox(None, message_template=long))))

    assert stop.status is OutboxStatus.FAILED
    assert stop.reason == "The text is 1,717 characters once filled in; at most 1,600 can be sent"


def test_an_outbox_with_nothing_to_send_fails() -> None:
    stop = stopped(decide(claimed(outbox(""))))

    assert stop.reason == "There is nothing to send: no template, no message text and no attachment"


def test_a_refused_read_of_the_to_record_stops_before_anything_is_filled_in() -> None:
    denied = Stop(OutboxStatus.FAILED, "Not sent: the owner may not read this contact")

    assert decide(claimed(outbox("{jobtitle}"), record=RecordRead(denied=denied))) == denied


# -- the text and its rows -----------------------------------------------------------------------------------------
def test_a_first_text_to_a_contact_writes_conversation_session_and_message_in_one_changeset() -> None:
    first = outbox("Hi {firstname}, your order is ready")
    result = sent(decide(claimed(first)))

    rows = rows_before_send(result, first, create_conversation=True, create_session=True)

    conversation_row, session_row, message_row = rows.writes
    assert [w.mode for w in rows.writes] == [Mode.CREATE_ONLY, Mode.CREATE_WITH_ID, Mode.CREATE_ONLY]
    assert conversation_row.row_id == conversation_id(first.configuration_id or uuid.uuid4(), "+16562185892")
    assert conversation_row.values["smsb_customerid"] == str(CONTACT_ID)
    assert conversation_row.values["ownerid@odata.bind"] == f"/teams({TEAM_ID})"
    window = window_for(NOW, 1440)
    assert session_row.row_id == session_id(conversation_row.key, window.start)
    assert session_row.values["regardingobjectid_contact_smsb_messagesession@odata.bind"] == f"/contacts({CONTACT_ID})"
    assert session_row.values["smsb_messagesession_activity_parties"] == [
        {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({CONTACT_ID})"}]
    body = "Hi Avery, your order is ready"
    assert message_row.row_id == outbound_message_id(first.id)
    assert {key: message_row.values[key] for key in ("smsb_body", "smsb_to", "smsb_from", "smsb_status",
                                                     "smsb_numsegments", "smsb_sentby@odata.bind")} == {
        "smsb_body": body, "smsb_to": "+16562185892", "smsb_from": "+15005550006",
        "smsb_status": int(StatusChoice.QUEUED), "smsb_numsegments": segment_info(body).segments,
        "smsb_sentby@odata.bind": f"/systemusers({OWNER})"}
    assert segment_info(body).encoding is Encoding.GSM_7


def test_a_text_in_an_existing_conversation_writes_only_its_message_owned_as_the_conversation_is() -> None:
    number = "+16562185892"
    accepted_by = uuid.uuid4()
    existing = conversation(number, owner=Owner(user=accepted_by))
    window = window_for(NOW, 1440)
    open_session = session_id(existing.id, window.start)
    reply = outbox("Thanks!")

    result = sent(decide(claimed(reply, conversations=(existing,), sessions=frozenset({open_session}))))
    rows = rows_before_send(result, reply, create_conversation=result.stored_conversation is None,
                            create_session=not result.session_exists)

    (message_row,) = rows.writes
    assert message_row.values["ownerid@odata.bind"] == f"/systemusers({accepted_by})"
    assert message_row.values["smsb_session@odata.bind"] == f"/smsb_messagesessions({open_session})"


def test_a_picture_without_text_is_still_a_text_to_send() -> None:
    picture = dataclasses.replace(outbox(""), has_attachment=True)

    result = sent(decide(claimed(picture)))

    assert result.body == ""
    message_row = rows_before_send(result, picture, create_conversation=False, create_session=False).writes[0]
    assert (message_row.values["smsb_nummedia"], message_row.values["smsb_name"]) == (1, "To +16562185892: (picture)")
