"""What an Outbox becomes (DESIGN 6.4), decided over plain values: when it goes, what must be read for it, and —
once that is read — the text, the number and the rows it writes, or why it is not sent.

`timing` holds a row whose Send After is ahead (or hands it to Twilio's scheduler); `read_plan` (`reads`) says which
To and Regarding record columns, conversation and session the claim batch reads, whom the Outbox goes to
(`recipients`: the To record, the Regarding record, or the customer a Related Record Type reaches from it), parsing
the text once and normalising the number known before the read once; `decide` passes the gates in order and returns
the `Send` or the `Stop`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from messaging.customers import CustomerTable, RecordRef
from messaging.errors import TemplateError
from messaging.ids import conversation_id, outbound_message_id, session_id
from messaging.names import OutboxStatus
from messaging.outbound.gates import (
    Stop,
    check_body,
    check_compliance,
    check_configuration,
    check_consent,
    check_record,
    check_template,
)
from messaging.outbound.reads import FillIn, ReadPlan, RecordRead, Sender, country_of, read_plan
from messaging.outbound.recipients import Reached, Target, reached
from messaging.outbound.templates import Record, render, values_from
from messaging.phones import normalize
from messaging.plans import Changeset, Write
from messaging.rows import conversation, message, session
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import Outbox
from messaging.rows.owner import Owner
from messaging.rows.session import About
from messaging.windows import Window, window_for

__all__ = [
    "SCHEDULE_MAX",
    "SCHEDULE_MIN",
    "Claimed",
    "FillIn",
    "Hold",
    "ReadPlan",
    "RecordRead",
    "Send",
    "Sender",
    "decide",
    "read_plan",
    "rows_before_send",
    "timing",
]

# Twilio schedules 5 minutes to 35 days ahead; the margin keeps a queue delay from pushing a send under 5.
SCHEDULE_MIN = timedelta(minutes=15)
SCHEDULE_MAX = timedelta(days=35)


@dataclass(frozen=True)
class Hold:
    """Send After is still ahead: leave the row Pending for the sweeper."""

    due: datetime


def timing(outbox: Outbox, sender: Sender | None, now: datetime) -> Hold | datetime | None:
    """None: send now; a time: hand it to Twilio to send then (a Messaging Service schedules 15 minutes to 35 days
    ahead); `Hold`: too early for either."""
    if outbox.send_after is None or outbox.send_after <= now:
        return None
    ahead = outbox.send_after - now
    service = sender.configuration.messaging_service_sid if sender else None
    if not (service and SCHEDULE_MIN <= ahead <= SCHEDULE_MAX):
        return Hold(outbox.send_after)
    return outbox.send_after


@dataclass(frozen=True)
class Claimed:
    """Everything known once the Outbox is claimed: the row, the sender (or why there is none), the reads."""

    outbox: Outbox
    sender: Sender | None
    problem: str | None
    now: datetime
    schedule_at: datetime | None
    plan: ReadPlan | None
    record: RecordRead = field(default_factory=RecordRead)  # the To record
    conversations: tuple[StoredConversation, ...] = ()
    sessions: frozenset[uuid.UUID] = frozenset()
    regarding: RecordRead = field(default_factory=RecordRead)  # the Regarding record, and whom it reaches
    conversations_read: bool = True  # False: the number was unknown before the read, so no conversation was read


@dataclass(frozen=True)
class Send:
    """Everything decided before the message row is written."""

    sender: Sender
    number: str
    conversation: uuid.UUID
    stored_conversation: StoredConversation | None
    window: Window
    session: uuid.UUID
    session_exists: bool
    body: str
    name: str  # the recipient's name, else the number
    about: About | None  # the recipient and the record the chat is about, when there are

    @property
    def owner(self) -> Owner:
        """The conversation's owner when it is known, else the Configuration's team."""
        stored = self.stored_conversation
        if stored is not None and stored.owner.known:
            return stored.owner
        return Owner(team=self.sender.configuration.team_id)


def decide(claimed: Claimed) -> Send | Stop:
    """The gates in order; the first that shuts says why the text is not sent."""
    sender, plan = claimed.sender, claimed.plan
    if sender is None or plan is None:
        return Stop(OutboxStatus.SKIPPED, claimed.problem or "No Configuration to send from")
    outbox, target = claimed.outbox, plan.target
    found = _records(claimed, sender, plan)
    if isinstance(found, Stop):
        return found
    who = _who(outbox, found)
    number = _number(outbox, sender, plan, found, who)
    if isinstance(number, Stop):
        return number
    configuration = sender.configuration
    conversation = conversation_id(configuration.id, number)
    stored = next((row for row in claimed.conversations if row.id == conversation), None)
    body = (check_compliance(found.record_type if found else None, found.row if found else None, who)
            or check_consent(stored, number) or _body(outbox, plan, claimed, found))
    if isinstance(body, Stop):
        return body
    stop = check_body(body, outbox.has_attachment)
    if stop is not None:
        return stop
    window = window_for(claimed.now, configuration.session_timeout_minutes)
    session_of_window = session_id(conversation, window.start)
    name = str(found.row.get(found.table.primary_name) or number) if found is not None else number
    return Send(sender, number, conversation, stored, window, session_of_window,
                session_of_window in claimed.sessions, body, name, _about(target, found))


def _records(claimed: Claimed, sender: Sender, plan: ReadPlan) -> Reached | Stop | None:
    """The Configuration fit to send, the records read, and the recipient among them (None: a number only)."""
    outbox, target = claimed.outbox, plan.target
    to, regarding = claimed.record, claimed.regarding
    stop = check_configuration(sender.configuration) or to.denied or regarding.denied
    if stop is None and outbox.to is not None and outbox.to.id is not None:
        stop = check_record("To", outbox.to, target.to, number=outbox.explicit_number, record_missing=to.missing,
                            record_error=to.error)
    if stop is None and plan.regarding_read is not None and target.regarding is not None:
        stop = check_record("Regarding", target.regarding, target.regarding_table, number=plan.known_number,
                            record_missing=regarding.missing, record_error=regarding.error)
    if stop is None and target.problem is not None:
        stop = Stop(OutboxStatus.SKIPPED, target.problem)
    if stop is not None:
        return stop
    found = reached(target, to.row, regarding.row)
    if isinstance(found, Stop) and plan.known_number is not None:
        return None  # the chat's own number still reaches the person the chat is with
    return found


def _about(target: Target, found: Reached | None) -> About | None:
    """The session's customer (the recipient) and what it is Regarding: the Outbox's (or its chat's) Regarding
    record, whose table takes activities since an activity points at it, else the recipient."""
    regarding = None
    if target.regarding is not None and target.regarding.id is not None and target.regarding_table is not None:
        regarding = RecordRef(target.regarding_table, target.regarding.id)
    customer = RecordRef(found.table, found.id) if found is not None else None
    return About(customer, regarding) if customer is not None or regarding is not None else None


def _who(outbox: Outbox, found: Reached | None) -> str:
    if found is not None:
        table = found.table
        name = found.row.get(table.primary_name)
        who = f"{table.logical_name} '{name}'" if name else f"{table.logical_name} {found.id}"
        return f"{who} ({found.via})" if found.via else who
    to = outbox.to
    if to is not None and to.table:
        return f"{to.table} {to.id}"
    return "the recipient"


def _number(outbox: Outbox, sender: Sender, plan: ReadPlan, found: Reached | None, who: str) -> str | Stop:
    """The number to text in E.164: the Outbox's own, else the one the chat or the party gave, else the
    recipient's (its Record Type's column); each normalised once."""
    country = plan.country
    if outbox.explicit_number is not None:
        raw, source, parsed = outbox.explicit_number, "the Outbox's Mobile Number", plan.explicit
    elif plan.explicit is not None:
        return plan.known_number or Stop(OutboxStatus.SKIPPED, f"'{plan.explicit.value}' given by the chat is not "
                                                               "a phone number that can be texted")
    elif found is not None:
        rt = found.record_type
        if rt is None:
            return Stop(OutboxStatus.SKIPPED, f"The Configuration '{sender.configuration.name}' has no usable "
                                              f"Record Type for {found.table.logical_name}, so no column says where "
                                              "its phone number is; add one or set a Mobile Number on the Outbox")
        country = country_of(rt, sender.configuration)
        raw = str(found.row.get(rt.phone_field) or "").strip()
        source = f"{rt.entity}.{rt.phone_field}"
        parsed = normalize(raw, country) if raw else None
        if parsed is None:
            return Stop(OutboxStatus.SKIPPED, f"{who} has no number in {source}")
    else:
        return Stop(OutboxStatus.SKIPPED, "The Outbox has no recipient: set To or Regarding to a record, or a "
                                          "Mobile Number")
    if parsed is None or parsed.e164 is None:
        return Stop(OutboxStatus.SKIPPED, f"'{raw}' in {source} is not a phone number that can be texted"
                                          + ("" if country else " (no default country code to read it with)"))
    return parsed.e164


def _source(plan: ReadPlan, claimed: Claimed, found: Reached | None) -> tuple[CustomerTable | None, Record | None]:
    """The record the text fills in from, and its table."""
    fill_in, target = plan.fill_in, plan.target
    if fill_in.source == "to":
        return target.to, claimed.record.row
    if fill_in.source == "regarding":
        return target.regarding_table, claimed.regarding.row
    if fill_in.source == "reached" and found is not None:
        return found.table, found.row if found.table == fill_in.table else None
    return (found.table if found is not None else target.to), None


def _body(outbox: Outbox, plan: ReadPlan, claimed: Claimed, found: Reached | None) -> str | Stop:
    """The text, filled in from its record; the template must be fit to send first."""
    table, row = _source(plan, claimed, found)
    if outbox.template_id:
        stop = check_template(outbox.template, table.logical_name if table is not None else None)
        if stop is not None:
            return stop
    fill_in = plan.fill_in
    template = fill_in.template
    try:
        if template is None:
            raise fill_in.problem or TemplateError("the text could not be read")
        if template.is_plain:
            return render(template, {})
        if fill_in.unknown_column is not None:
            raise fill_in.unknown_column
        if row is None or table is None:
            raise TemplateError(f"there is no To or Regarding record to fill {{{template.columns[0]}}} from",
                                column=template.columns[0])
        return render(template, values_from(row, fill_in.selected, table.logical_name))
    except TemplateError as exc:
        return Stop(OutboxStatus.FAILED, f"{fill_in.what} cannot be filled in: {exc}")


def rows_before_send(send: Send, outbox: Outbox, *, create_conversation: bool,
                     create_session: bool) -> Changeset:
    """Conversation (first text to the number), session (first of its window), and the outgoing message row
    (create-only, its id from the Outbox's) that the status callback will find by `?m=`."""
    configuration = send.sender.configuration
    writes: list[Write] = []
    customer = send.about.customer if send.about is not None else None
    if create_conversation:
        writes.append(conversation.started_by_outbox(
            send.conversation, configuration.id, send.number, name=send.name, subject=outbox.subject,
            team=configuration.team_id, about=(customer.table.logical_name, customer.id) if customer else None))
    if create_session:
        writes.append(session.opened(send.session, conversation_id=send.conversation, configuration_id=configuration.id,
                                     number=send.number, window=send.window, name=send.name, owner=send.owner,
                                     about=send.about))
    writes.append(message.outbound(
        outbound_message_id(outbox.id), session=send.session, conversation=send.conversation,
        configuration=configuration.id, outbox=outbox.id, number=send.number, body=send.body,
        from_=configuration.mobile_number or configuration.messaging_service_sid,
        has_attachment=outbox.has_attachment, owner=send.owner, sent_by=outbox.owner_user))
    return Changeset(tuple(writes))
