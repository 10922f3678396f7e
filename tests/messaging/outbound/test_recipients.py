"""Whom an Outbox texts when it names a record of any table (`outbound.recipients`, `outbound.reads`), over plain
values: the To record, the Regarding record a workflow sets, or the customer a Related Record Type reaches from the
Regarding record (a Case texts its contact); which record fills the text in; what the session points at."""

from __future__ import annotations

import dataclasses
import uuid

from dataverse import Row
from messaging.names import OutboxStatus
from messaging.outbound.gates import Stop
from messaging.outbound.rules import Claimed, RecordRead, Send, Sender, decide, read_plan, rows_before_send
from messaging.rows.outbox import Outbox, Party
from tests.messaging.facts import (
    CASE_ID,
    CONTACT_ID,
    NOW,
    configuration,
    outbox,
    record_type,
    tables,
    template,
)

ACCOUNT_ID = uuid.UUID("00000000-0000-0000-0000-0000000000ac")
AVERY = {"contactid": str(CONTACT_ID), "fullname": "Avery Park", "firstname": "Avery", "mobilephone": "6562185892"}
CONTOSO = {"accountid": str(ACCOUNT_ID), "name": "Contoso", "telephone1": "(656) 218-5900"}


def contacts_and_accounts_from_cases() -> Sender:
    """Record Types for contact and account, both naming incident (Case) as their Related table."""
    return Sender(configuration(), (record_type(related_entity="incident", version="v1"),
                                    record_type("account", "telephone1", priority=2, related_entity="incident")))


def about_case(text: str | None = "Your case is updated", **changes: object) -> Outbox:
    """An Outbox as the chat on a Case form creates it: Regarding the Case, no To party (a Case is no party)."""
    return outbox(text, to_contact=False, regarding=Party("incident", CASE_ID, None), **changes)


def case(**values: object) -> Row:
    """The Case as the claim reads it, the records its lookups point at expanded."""
    payload: dict[str, object] = {"incidentid": str(CASE_ID), "title": "Broken screen", "ticketnumber": "CAS-01042",
                                  "customerid_contact": None, "customerid_account": None, "primarycontactid": None}
    payload.update(values)
    return Row.from_json(payload)


def decided(sent: Outbox, sender: Sender, *, to: Row | None = None, regarding: Row | None = None) -> Send | Stop:
    plan = read_plan(sent, sender, tables())
    return decide(Claimed(sent, sender, None, NOW, None, plan, RecordRead(row=to), regarding=RecordRead(row=regarding)))


def test_a_case_is_read_with_every_lookup_to_a_record_types_table_expanded_customer_columns_first() -> None:
    plan = read_plan(about_case(), contacts_and_accounts_from_cases(), tables())

    assert plan.to_read is None
    assert plan.regarding_read is not None
    assert plan.regarding_read.columns == ("incidentid", "title")
    assert plan.regarding_read.expand_options == (
        "customerid_contact($select=contactid,fullname,mobilephone)",
        "primarycontactid($select=contactid,fullname,mobilephone)",
        "customerid_account($select=accountid,name,telephone1)",
    )
    assert (plan.recipient_id, plan.about_id) == (None, CASE_ID)


def test_a_chat_started_from_a_case_texts_the_cases_contact_and_the_session_stays_on_the_case() -> None:
    send = decided(about_case(), contacts_and_accounts_from_cases(), regarding=case(customerid_contact=AVERY))

    assert isinstance(send, Send), send
    assert (send.number, send.name) == ("+16562185892", "Avery Park")
    rows = rows_before_send(send, about_case(), create_conversation=True, create_session=True)
    conversation, session, _ = rows.writes
    assert (conversation.values["smsb_customerentity"], conversation.values["smsb_customerid"]) == (
        "contact", str(CONTACT_ID))
    assert session.values["regardingobjectid_incident_smsb_messagesession@odata.bind"] == f"/incidents({CASE_ID})"
    assert session.values["smsb_customer_contact@odata.bind"] == f"/contacts({CONTACT_ID})"
    assert session.values["smsb_messagesession_activity_parties"] == [
        {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({CONTACT_ID})"}]


def test_a_case_whose_customer_is_an_account_texts_the_account() -> None:
    send = decided(about_case(), contacts_and_accounts_from_cases(), regarding=case(customerid_account=CONTOSO))

    assert isinstance(send, Send), send
    assert (send.number, send.name) == ("+16562185900", "Contoso")
    assert send.about is not None
    assert send.about.customer is not None
    assert send.about.customer.table.logical_name == "account"


def test_the_primary_contact_is_texted_when_the_customer_column_is_empty() -> None:
    send = decided(about_case(), contacts_and_accounts_from_cases(), regarding=case(primarycontactid=AVERY))

    assert isinstance(send, Send), send
    assert send.number == "+16562185892"


def test_a_case_without_anyone_to_text_is_skipped_naming_the_columns_it_looked_in() -> None:
    stop = decided(about_case(), contacts_and_accounts_from_cases(), regarding=case())

    assert stop == Stop(OutboxStatus.SKIPPED, "The incident 'Broken screen' has no contact or account to text: "
                                              "customerid, primarycontactid are empty")


def test_a_reason_about_a_customer_reached_from_a_case_says_how_it_was_reached() -> None:
    nobody = {**AVERY, "mobilephone": None}

    stop = decided(about_case(), contacts_and_accounts_from_cases(), regarding=case(customerid_contact=nobody))

    assert stop == Stop(OutboxStatus.SKIPPED, "contact 'Avery Park' (the incident's customerid) has no number in "
                                              "contact.mobilephone")


def test_the_chats_own_number_is_texted_and_the_case_stays_the_sessions_regarding() -> None:
    chat = about_case(session_phone="+16565550177")

    send = decided(chat, contacts_and_accounts_from_cases(), regarding=case(customerid_contact=AVERY))

    assert isinstance(send, Send), send
    assert send.number == "+16565550177"
    assert send.about is not None
    assert send.about.regarding is not None
    assert send.about.regarding.id == CASE_ID


def test_a_regarding_record_of_a_record_types_table_is_the_recipient() -> None:
    workflow = outbox("Welcome", to_contact=False, regarding=Party("contact", CONTACT_ID, None))

    plan = read_plan(workflow, Sender(configuration(), (record_type(),)), tables())
    send = decided(workflow, Sender(configuration(), (record_type(),)), regarding=Row.from_json(AVERY))

    assert plan.regarding_read is not None
    assert plan.regarding_read.columns == ("contactid", "fullname", "mobilephone")
    assert plan.recipient_id == CONTACT_ID
    assert isinstance(send, Send), send
    assert send.number == "+16562185892"


def test_a_regarding_record_no_record_type_names_has_no_one_to_text_and_says_what_to_add() -> None:
    stop = decided(about_case(), Sender(configuration(), (record_type(),)), regarding=case())

    assert stop == Stop(OutboxStatus.SKIPPED, f"The Regarding record (incident {CASE_ID}) is of a table no Record "
                                              "Type of this Configuration names, as its table or as its Related "
                                              "table, so there is no one to text; add a Record Type, or set To or "
                                              "a Mobile Number")


def test_the_to_record_wins_and_the_regarding_record_is_what_the_session_is_about() -> None:
    both = outbox("Your case is updated", regarding=Party("incident", CASE_ID, None))

    send = decided(both, contacts_and_accounts_from_cases(), to=Row.from_json(AVERY))

    assert isinstance(send, Send), send
    rows = rows_before_send(send, both, create_conversation=False, create_session=True)
    (session, _) = rows.writes
    assert session.values["regardingobjectid_incident_smsb_messagesession@odata.bind"] == f"/incidents({CASE_ID})"
    assert session.values["smsb_customer_contact@odata.bind"] == f"/contacts({CONTACT_ID})"


# -- which record fills the text in ---------------------------------------------------------------------------------
def test_a_template_for_cases_fills_in_from_the_case_and_one_for_contacts_from_the_contact_reached() -> None:
    sender = contacts_and_accounts_from_cases()
    for_cases = about_case(None, message_template=template("Case {ticketnumber}: {title}", entity="incident"))
    for_contacts = about_case(None, message_template=template("Hi {firstname}", entity="contact"))

    case_plan = read_plan(for_cases, sender, tables())
    contact_plan = read_plan(for_contacts, sender, tables())
    by_case = decided(for_cases, sender, regarding=case(customerid_contact=AVERY))
    by_contact = decided(for_contacts, sender, regarding=case(customerid_contact=AVERY))

    assert case_plan.regarding_read is not None
    assert case_plan.regarding_read.columns == ("incidentid", "ticketnumber", "title")
    assert contact_plan.regarding_read is not None
    assert contact_plan.regarding_read.expand[0] == ("customerid_contact",
                                                     ("contactid", "firstname", "fullname", "mobilephone"))
    assert isinstance(by_case, Send)
    assert by_case.body == "Case CAS-01042: Broken screen"
    assert isinstance(by_contact, Send)
    assert by_contact.body == "Hi Avery"


def test_a_template_for_contacts_is_not_sent_to_an_account_reached_from_a_case() -> None:
    for_contacts = about_case(None, message_template=template("Hi {firstname}", entity="contact"))

    stop = decided(for_contacts, contacts_and_accounts_from_cases(), regarding=case(customerid_account=CONTOSO))

    assert stop == Stop(OutboxStatus.FAILED, "The Message Template 'Order ready' is for contact, not account")


def test_a_global_template_fills_in_from_the_to_record_else_the_regarding_record() -> None:
    greeting = dataclasses.replace(template("About {title}"), global_=True, entity="")

    send = decided(about_case(None, message_template=greeting), contacts_and_accounts_from_cases(),
                   regarding=case(customerid_contact=AVERY))

    assert isinstance(send, Send), send
    assert send.body == "About Broken screen"
