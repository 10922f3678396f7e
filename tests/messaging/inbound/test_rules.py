"""What an inbound text files and who hears of it (`inbound.rules`, `matching`, `notifications`), over plain values:
the rows of a first contact and of a known conversation, consent keywords, the customer match, and the people
notified for each state of the conversation."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

import pytest

from messaging.customers import Customer
from messaging.envelopes import InboundEnvelope
from messaging.ids import conversation_id, inbound_message_id, media_id, notification_id
from messaging.inbound.matching import Candidate, Searched, choose_customer
from messaging.inbound.notifications import ConversationSnapshot, recipients
from messaging.inbound.rules import (
    Known,
    Text,
    correction,
    first_contact,
    known_from,
    owner_correction,
    plan_filing,
)
from messaging.names import ConversationState, MediaFileStatus, StatusChoice
from messaging.plans import Mode, Write
from messaging.rows.owner import Owner
from tests.messaging.facts import (
    CONFIGURATION_ID,
    NOW,
    OUR_NUMBER,
    TEAM_ID,
    account_table,
    configuration,
    contact_table,
    conversation,
    record_type,
)
from twilio_bridge import parse_inbound_message

AVERY = "+16562185892"
MEMBERS = (uuid.UUID(int=101), uuid.UUID(int=102))
OWNER = uuid.UUID(int=201)
PICTURE = "https://api.twilio.com/2010-04-01/Accounts/AC{a}/Messages/SM{m}/Media/ME{e}".format(
    a="1" * 32, m="1" * 32, e="3" * 32)


def text(body: str = "Is my order ready?", *, sender: str = AVERY, at: datetime = NOW, pictures: int = 0,
         **params: str) -> Text:
    form = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "1" * 32, "From": sender, "To": OUR_NUMBER,
            "Body": body, "NumMedia": str(pictures), **params}
    for index in range(pictures):
        form[f"MediaUrl{index}"] = PICTURE
        form[f"MediaContentType{index}"] = "image/jpeg"
    envelope = InboundEnvelope(CONFIGURATION_ID, at, "correlation", parse_inbound_message(form.items()))
    return Text.of(envelope, configuration(), (record_type(),))


def avery() -> Customer:
    return Customer(contact_table(), uuid.UUID(int=7), "Avery Park", "matched")


def written(filing_writes: tuple[Write, ...], table: str) -> list[Write]:
    return [write for write in filing_writes if write.table.logical_name == table]


# -- what a text files ---------------------------------------------------------------------------------------------
def test_a_first_text_files_a_pending_team_conversation_its_session_and_the_message_in_one_changeset() -> None:
    incoming = text()
    known = first_contact(incoming, avery(), "Record Type 'Contact' (priority 1): matched")

    filing = plan_filing(incoming, known, MEMBERS, create_conversation=True, create_session=True)

    writes = filing.changeset.writes
    (created,) = written(writes, "smsb_conversation")
    assert (created.row_id, created.mode) == (conversation_id(CONFIGURATION_ID, AVERY), Mode.CREATE_ONLY)
    assert created.values["smsb_state"] == int(ConversationState.PENDING)
    assert created.values["ownerid@odata.bind"] == f"/teams({TEAM_ID})"
    assert created.values["smsb_customername"] == "Avery Park"
    assert created.values["smsb_lastmessagepreview"] == "Is my order ready?"
    (session,) = written(writes, "smsb_messagesession")
    assert session.mode is Mode.CREATE_WITH_ID
    assert session.values["smsb_customer_contact@odata.bind"] == f"/contacts({uuid.UUID(int=7)})"
    (message,) = written(writes, "smsb_message")
    assert (message.row_id, message.mode) == (inbound_message_id("SM" + "1" * 32), Mode.CREATE_ONLY)
    assert (message.values["smsb_status"], message.values["smsb_body"]) == (int(StatusChoice.RECEIVED),
                                                                          "Is my order ready?")
    assert filing.notified == MEMBERS
    assert filing.read_back


def test_a_text_in_a_known_conversation_files_its_message_and_moves_the_activity_on() -> None:
    incoming = text()
    known = Known(ConversationSnapshot(conversation_id(CONFIGURATION_ID, AVERY), ConversationState.ACCEPTED, None,
                                       TEAM_ID, NOW - timedelta(hours=1), "Avery Park", AVERY, holder=OWNER), None)

    filing = plan_filing(incoming, known, MEMBERS, create_conversation=False, create_session=False)

    message, activity = filing.changeset.writes
    assert (activity.mode, activity.values["smsb_lastinboundon"]) == (Mode.UPDATE, NOW.isoformat())
    assert message.values["ownerid@odata.bind"] == f"/teams({TEAM_ID})"


def test_rows_filed_for_a_chat_someone_has_stay_the_teams_so_the_team_keeps_its_history() -> None:
    incoming = text()
    known = Known(ConversationSnapshot(conversation_id(CONFIGURATION_ID, AVERY), ConversationState.ACCEPTED, None,
                                       TEAM_ID, NOW - timedelta(minutes=1), "Avery Park", AVERY, holder=OWNER), None)

    filing = plan_filing(incoming, known, MEMBERS, create_conversation=False, create_session=True)

    session, message, _ = filing.changeset.writes
    assert session.values["ownerid@odata.bind"] == message.values["ownerid@odata.bind"] == f"/teams({TEAM_ID})"
    assert filing.notified == (OWNER,)


def test_a_text_older_than_the_conversations_activity_is_filed_without_rolling_it_back() -> None:
    late = text("sent earlier", at=NOW - timedelta(minutes=3))
    known = Known(ConversationSnapshot(conversation_id(CONFIGURATION_ID, AVERY), ConversationState.PENDING, None,
                                       TEAM_ID, NOW, AVERY, AVERY), None)

    filing = plan_filing(late, known, (), create_conversation=False, create_session=False)

    assert [w.table.logical_name for w in filing.changeset.writes] == ["smsb_message"]


def test_pictures_get_their_rows_with_the_text_awaiting_their_files() -> None:
    incoming = text("", pictures=2)

    filing = plan_filing(incoming, first_contact(incoming, None, ""), (), create_conversation=False,
                         create_session=False)

    rows = written(filing.changeset.writes, "smsb_messagemedia")
    assert [row.row_id for row in rows] == [media_id(incoming.message_id, 0), media_id(incoming.message_id, 1)]
    assert {row.values["smsb_filestatus"] for row in rows} == {int(MediaFileStatus.AWAITING_FILE)}
    assert written(filing.changeset.writes, "smsb_message")[0].values["smsb_name"] == f"{AVERY}: (picture)"


@pytest.mark.parametrize(("body", "opt_out_type", "consent"), [
    ("STOP", None, {"smsb_optedout": True, "smsb_optedouton": NOW.isoformat(), "smsb_optoutkeyword": "STOP"}),
    ("unsubscribe", None, {"smsb_optedout": True, "smsb_optedouton": NOW.isoformat(),
                           "smsb_optoutkeyword": "UNSUBSCRIBE"}),
    ("start", None, {"smsb_optedout": False, "smsb_optoutkeyword": "START"}),
    ("Arrêt", "STOP", {"smsb_optedout": True, "smsb_optedouton": NOW.isoformat(), "smsb_optoutkeyword": "ARRÊT"}),
    ("HELP", None, {}),
    ("STOP please", None, {}),
])
def test_consent_keywords_update_the_conversation(body: str, opt_out_type: str | None,
                                                  consent: dict[str, object]) -> None:
    incoming = text(body, **({"OptOutType": opt_out_type} if opt_out_type else {}))
    known = first_contact(incoming, None, "")

    filing = plan_filing(incoming, known, (), create_conversation=True, create_session=False)

    values = written(filing.changeset.writes, "smsb_conversation")[0].values
    assert {key: values[key] for key in values if key in ("smsb_optedout", "smsb_optedouton",
                                                          "smsb_optoutkeyword")} == consent


def test_without_app_notifications_nothing_is_posted_but_the_owner_is_read_back() -> None:
    incoming = dataclasses.replace(text(), configuration=configuration(send_app_notifications=False))

    filing = plan_filing(incoming, first_contact(incoming, None, ""), MEMBERS, create_conversation=True,
                         create_session=True)

    assert (filing.notifications, filing.read_back) == ((), True)


def test_a_sender_that_is_not_a_phone_number_is_stored_as_received_and_flagged() -> None:
    incoming = text(sender="whatsapp:+16562185892")

    assert (incoming.sender.parsed, incoming.number) == (False, "whatsapp:+16562185892")


# -- a conversation read back --------------------------------------------------------------------------------------
def test_a_conversation_without_an_owner_is_the_teams_and_one_the_platform_assigned_to_a_user_is_theirs() -> None:
    unowned = known_from(conversation(AVERY, state=ConversationState.PENDING), configuration(), None)
    assigned = known_from(conversation(AVERY, owner=Owner(user=OWNER)), configuration(), None)

    assert (unowned.snapshot.owner_user, unowned.snapshot.owner_team, unowned.snapshot.holder) == (None, TEAM_ID, None)
    assert (assigned.snapshot.owner_user, assigned.snapshot.owner_team, assigned.snapshot.holder) == (
        OWNER, None, OWNER)


def test_who_has_an_accepted_chat_is_its_accepted_by_not_the_team_that_owns_its_rows() -> None:
    holder = uuid.UUID(int=301)
    accepted = known_from(conversation(AVERY, owner=Owner(team=TEAM_ID), accepted_by=holder), configuration(), None)
    # Accepted By outlives a hand-over to the team (the chat's Assign to a team clears it, a workflow may not).
    pending = known_from(conversation(AVERY, state=ConversationState.PENDING, owner=Owner(team=TEAM_ID),
                                      accepted_by=holder), configuration(), None)

    assert (accepted.snapshot.owner_user, accepted.snapshot.owner_team, accepted.snapshot.holder) == (
        None, TEAM_ID, holder)
    assert pending.snapshot.holder is None


def test_a_conversation_about_a_contact_keeps_its_customer() -> None:
    stored = conversation(AVERY, customer_entity="contact", customer_id=uuid.UUID(int=7), customer_name="Avery Park")

    known = known_from(stored, configuration(), contact_table())

    assert known.customer is not None
    assert (known.customer.entity, known.customer.id, known.snapshot.display_name) == (
        "contact", uuid.UUID(int=7), "Avery Park")


# -- who is notified -----------------------------------------------------------------------------------------------
HOLDER = uuid.UUID(int=301)


def snapshot(state: ConversationState, *, holder: uuid.UUID | None = None, last: datetime | None = None,
             owner_user: uuid.UUID | None = None) -> ConversationSnapshot:
    """A chat whose rows the team owns (a user, when `owner_user` says the platform's Assign gave them to one)."""
    return ConversationSnapshot(uuid.UUID(int=1), state, owner_user, None if owner_user else TEAM_ID, last,
                                "Avery Park", AVERY, holder=holder)


def test_a_pending_conversation_notifies_every_member_of_the_team() -> None:
    assert recipients(snapshot(ConversationState.PENDING), MEMBERS, now=NOW, idle_minutes=5) == MEMBERS


def test_an_accepted_chat_notifies_only_who_has_it_until_it_is_idle_then_the_team_too() -> None:
    active = snapshot(ConversationState.ACCEPTED, holder=HOLDER, last=NOW - timedelta(minutes=2))
    idle = snapshot(ConversationState.ACCEPTED, holder=HOLDER, last=NOW - timedelta(minutes=6))

    assert recipients(active, MEMBERS, now=NOW, idle_minutes=5) == (HOLDER,)
    assert recipients(idle, MEMBERS, now=NOW, idle_minutes=5) == (HOLDER, *MEMBERS)


def test_an_accepted_chat_read_from_dataverse_notifies_its_accepted_by_not_the_team_owning_its_rows() -> None:
    stored = conversation(AVERY, owner=Owner(team=TEAM_ID), accepted_by=HOLDER,
                          last_activity=NOW - timedelta(minutes=1))
    known = known_from(stored, configuration(), None)

    filing = plan_filing(text(), known, MEMBERS, create_conversation=False, create_session=False)

    assert filing.notified == (HOLDER,)
    assert [write.values["ownerid@odata.bind"] for write in written(filing.changeset.writes, "smsb_message")] == [
        f"/teams({TEAM_ID})"]


def test_an_accepted_chat_nobody_has_is_the_teams_to_take() -> None:
    nobody = snapshot(ConversationState.ACCEPTED, last=NOW - timedelta(minutes=1))

    assert recipients(nobody, MEMBERS, now=NOW, idle_minutes=5) == MEMBERS


def test_a_chat_the_platform_assigned_to_a_user_notifies_that_user_the_only_one_who_sees_it() -> None:
    pending = snapshot(ConversationState.PENDING, owner_user=OWNER)
    accepted = snapshot(ConversationState.ACCEPTED, owner_user=OWNER, holder=OWNER, last=NOW - timedelta(hours=1))

    assert recipients(pending, MEMBERS, now=NOW, idle_minutes=5) == (OWNER,)
    assert recipients(accepted, MEMBERS, now=NOW, idle_minutes=5) == (OWNER,)


def test_a_blocked_chat_notifies_nobody_whoever_has_it() -> None:
    blocked = snapshot(ConversationState.BLOCKED, holder=HOLDER, last=NOW - timedelta(hours=1))

    assert recipients(blocked, MEMBERS, now=NOW, idle_minutes=5) == ()


def test_blocked_number_is_stored_but_nobody_is_notified() -> None:
    incoming = text()
    blocked = Known(snapshot(ConversationState.BLOCKED), None)

    filing = plan_filing(incoming, blocked, MEMBERS, create_conversation=False, create_session=False)

    assert recipients(snapshot(ConversationState.BLOCKED), MEMBERS, now=NOW, idle_minutes=5) == ()
    assert filing.notifications == ()
    assert written(filing.changeset.writes, "smsb_message")


def test_notifications_sent_on_an_out_of_date_view_are_taken_back_and_the_right_ones_sent() -> None:
    incoming = text()
    filing = plan_filing(incoming, Known(snapshot(ConversationState.PENDING), None), MEMBERS,
                         create_conversation=False, create_session=False)

    now_accepted = snapshot(ConversationState.ACCEPTED, holder=OWNER, last=NOW)
    fix = correction(incoming, now_accepted, MEMBERS, filing)

    assert fix is not None
    assert fix.notified == (OWNER,)
    deleted = [w.row_id for w in fix.writes if w.mode is Mode.DELETE]
    posted = [w.row_id for w in fix.writes if w.mode is Mode.CREATE_WITH_ID]
    assert deleted == [notification_id(incoming.message_id, member) for member in MEMBERS]
    assert posted == [notification_id(incoming.message_id, OWNER)]
    assert correction(incoming, snapshot(ConversationState.PENDING), MEMBERS, filing) is None


def test_rows_filed_for_an_owner_the_chat_no_longer_has_are_given_to_its_owner_now() -> None:
    incoming = text("", pictures=1)
    stale = Known(snapshot(ConversationState.PENDING), None)
    filing = plan_filing(incoming, stale, MEMBERS, create_conversation=False, create_session=True)

    now_owned = snapshot(ConversationState.ACCEPTED, owner_user=OWNER, holder=OWNER)
    writes = owner_correction(incoming, filing, now_owned)

    assert [(w.table.logical_name, w.row_id, dict(w.values)) for w in writes] == [
        ("smsb_messagesession", incoming.session_id(now_owned.id), {"ownerid@odata.bind": f"/systemusers({OWNER})"}),
        ("smsb_message", incoming.message_id, {"ownerid@odata.bind": f"/systemusers({OWNER})"}),
        ("smsb_messagemedia", media_id(incoming.message_id, 0), {"ownerid@odata.bind": f"/systemusers({OWNER})"})]
    assert owner_correction(incoming, filing, snapshot(ConversationState.ACCEPTED, holder=OWNER)) == ()


# -- the customer behind a number ----------------------------------------------------------------------------------
def candidate(phone: str, modified: str, name: str = "Avery Park", number: int = 1) -> Candidate:
    return Candidate(uuid.UUID(int=number), name, phone, modified)


def test_text_lands_in_the_contacts_conversation_however_the_number_was_typed() -> None:
    for typed in ("+1 (656) 218-5892", "656-218-5892", "6562185892", "001 656 218 5892"):
        customer, reason = choose_customer(AVERY, [Searched(record_type(), contact_table(),
                                                            (candidate(typed, "2026-11-01"),))])
        assert customer is not None, typed
        assert f"'{typed}' equals {AVERY}" in reason


def test_ties_go_to_the_most_recently_modified_active_record() -> None:
    rows = (candidate(AVERY, "2026-10-01", "Old Avery", 1), candidate("656.218.5892", "2026-11-20", "New Avery", 2))

    customer, reason = choose_customer(AVERY, [Searched(record_type(), contact_table(), rows)])

    assert customer is not None
    assert customer.name == "New Avery"
    assert "2 records matched, the most recently modified was chosen" in reason


def test_accounts_match_when_no_contact_does() -> None:
    answers = [Searched(record_type(), contact_table(), (candidate("+16562185899", "2026-11-01"),)),
               Searched(record_type("account", "telephone1", priority=2), account_table(),
                        (candidate("(656) 218-5892", "2026-11-01", "Contoso"),))]

    customer, _ = choose_customer(AVERY, answers)

    assert customer is not None
    assert (customer.entity, customer.name) == ("account", "Contoso")


def test_unknown_number_gets_a_conversation_that_says_nothing_matched() -> None:
    customer, reason = choose_customer(AVERY, [Searched(record_type(), contact_table(), ())])

    assert customer is None
    assert reason == f"No active record has {AVERY} in contact.mobilephone"
    assert choose_customer(AVERY, []) == (None, "No usable Record Type to match against")
