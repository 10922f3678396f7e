"""What an Outbox becomes (DESIGN 6.4), decided over plain values: when it goes, what must be read for it, and —
once that is read — the text, the number and the rows it writes, or why it is not sent.

`timing` holds a row whose Send After is ahead (or hands it to Twilio's scheduler); `read_plan` says which To
record columns, conversation and session the claim batch reads, parsing the text once and normalising the number
known before the read once; `decide` passes the gates in order and returns the `Send` or the `Stop`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from messaging.customers import CustomerTable
from messaging.errors import TemplateError
from messaging.ids import conversation_id, outbound_message_id, session_id
from messaging.names import OutboxStatus
from messaging.outbound.gates import (
    Stop,
    check_body,
    check_compliance,
    check_configuration,
    check_consent,
    check_template,
    check_to_record,
)
from messaging.outbound.templates import Record, Template, parse, render, select_for, values_from
from messaging.phones import PhoneNumber, normalize
from messaging.plans import Changeset, Write
from messaging.rows import conversation, message, session
from messaging.rows.configuration import Configuration, RecordType
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import Outbox
from messaging.rows.owner import Owner
from messaging.rows.session import About
from messaging.windows import Window, window_for
from solution.schema import Table

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
class Sender:
    """The Configuration to send from and its usable Record Types."""

    configuration: Configuration
    record_types: tuple[RecordType, ...]


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
class FillIn:
    """The Outbox's text, parsed once: its placeholders, and what is wrong with it if anything."""

    what: str  # how the reason names it: the template, or the message text
    template: Template | None
    problem: TemplateError | None = None  # a brace out of place
    selected: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # column → property to read
    unknown_column: TemplateError | None = None  # a placeholder naming no column of the To table


@dataclass(frozen=True)
class ReadPlan:
    """What the claim batch reads for the send, known before anything is read."""

    record_type: RecordType | None
    table: CustomerTable | None
    fill_in: FillIn
    country: str | None  # the country a national number is read in
    explicit: PhoneNumber | None  # the Outbox's Mobile Number, else the chat's or the party's, normalised once
    record_columns: tuple[str, ...]

    @property
    def known_number(self) -> str | None:
        return self.explicit.e164 if self.explicit is not None else None


def _fill_in(outbox: Outbox, table: CustomerTable | None, definition: Table | None) -> FillIn:
    if outbox.template_id is not None:
        text = outbox.template.body if outbox.template is not None else ""
        what = f"The Message Template '{outbox.template.name}'" if outbox.template is not None else ""
    else:
        text, what = outbox.freeform, "The message text"
    try:
        template = parse(text)
    except TemplateError as exc:
        return FillIn(what, None, problem=exc)
    if table is None or outbox.to is None or not outbox.to.table:
        return FillIn(what, template)
    try:
        selected = select_for(template.columns, definition, table.logical_name)
    except TemplateError as exc:
        return FillIn(what, template, unknown_column=exc)
    return FillIn(what, template, selected=MappingProxyType(selected))


def read_plan(outbox: Outbox, sender: Sender, table: CustomerTable | None, definition: Table | None) -> ReadPlan:
    """`table` and `definition`: what the product knows of the To record's table, when it knows it."""
    to = outbox.to
    record_type = next((rt for rt in sender.record_types if rt.entity == to.table), None) if to and to.table else None
    fill_in = _fill_in(outbox, table, definition)
    country = record_type.default_country_code if record_type is not None else None
    if not country and sender.configuration.mobile_number:
        country = normalize(sender.configuration.mobile_number).country_code  # the sending number's own country
    explicit = outbox.explicit_number
    if explicit is None and (to is None or to.id is None):
        explicit = outbox.session_phone or (to.address if to is not None else None)
    columns = set(fill_in.selected.values())
    if table is not None:
        columns |= {table.primary_id, table.primary_name}
    if record_type is not None:
        columns.add(record_type.phone_field)
        if record_type.compliance_field:
            columns.add(record_type.compliance_field)
    return ReadPlan(record_type, table, fill_in, country,
                    normalize(explicit, country) if explicit is not None else None, tuple(sorted(columns)))


@dataclass(frozen=True)
class RecordRead:
    """What reading the To record found: the row, or that it is gone, or why it could not be read."""

    row: Record | None = None
    missing: bool = False
    error: str | None = None  # the service refused the columns asked for
    denied: Stop | None = None  # the owner may not read it (or no user could be named to read it as)


@dataclass(frozen=True)
class Claimed:
    """Everything known once the Outbox is claimed: the row, the sender (or why there is none), the reads."""

    outbox: Outbox
    sender: Sender | None
    problem: str | None
    now: datetime
    schedule_at: datetime | None
    plan: ReadPlan | None
    record: RecordRead = RecordRead()
    conversations: tuple[StoredConversation, ...] = ()
    sessions: frozenset[uuid.UUID] = frozenset()


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
    name: str  # the To record's name, else the number
    about: About | None  # the To record, when there is one

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
    outbox, record, table = claimed.outbox, claimed.record, plan.table
    to = outbox.to
    who = _who(outbox, table, record.row)
    stop = check_configuration(sender.configuration) or record.denied
    if stop is None and to is not None and to.id is not None:
        stop = check_to_record(to, table, outbox.explicit_number, record.missing, record.error)
    number = stop or _number(outbox, sender, plan, record.row, who)
    if isinstance(number, Stop):
        return number
    configuration = sender.configuration
    conversation = conversation_id(configuration.id, number)
    stored = next((row for row in claimed.conversations if row.id == conversation), None)
    body = (check_compliance(plan.record_type, record.row, who) or check_consent(stored, number)
            or _body(outbox, plan, record.row))
    if isinstance(body, Stop):
        return body
    stop = check_body(body, outbox.has_attachment)
    if stop is not None:
        return stop
    window = window_for(claimed.now, configuration.session_timeout_minutes)
    session_of_window = session_id(conversation, window.start)
    about = None
    name = number
    if record.row is not None and table is not None and to is not None and to.id is not None:
        name = str(record.row.get(table.primary_name) or number)
        about = About(table.logical_name, table.entity_set, table.regarding_navigation, to.id)
    return Send(sender, number, conversation, stored, window, session_of_window,
                session_of_window in claimed.sessions, body, name, about)


def _who(outbox: Outbox, table: CustomerTable | None, row: Record | None) -> str:
    to = outbox.to
    if row is not None and table is not None:
        name = row.get(table.primary_name)
        return f"{table.logical_name} '{name}'" if name else f"{table.logical_name} {to.id if to else ''}"
    if to is not None and to.table:
        return f"{to.table} {to.id}"
    return "the recipient"


def _number(outbox: Outbox, sender: Sender, plan: ReadPlan, row: Record | None, who: str) -> str | Stop:
    """The number to text in E.164: the Outbox's own, else the To record's (its Record Type's column), else the one
    the chat or the party gave; each normalised once."""
    rt, country = plan.record_type, plan.country
    if outbox.explicit_number is not None:
        raw, source, parsed = outbox.explicit_number, "the Outbox's Mobile Number", plan.explicit
    elif row is not None:
        if rt is None:
            table = outbox.to.table if outbox.to else "?"
            return Stop(OutboxStatus.SKIPPED, f"The Configuration '{sender.configuration.name}' has no usable "
                                              f"Record Type for {table}, so no column says where its phone number "
                                              "is; add one or set a Mobile Number on the Outbox")
        raw = str(row.get(rt.phone_field) or "").strip()
        source = f"{rt.entity}.{rt.phone_field}"
        parsed = normalize(raw, country) if raw else None
        if parsed is None:
            return Stop(OutboxStatus.SKIPPED, f"{who} has no number in {source}")
    else:
        return plan.known_number or Stop(OutboxStatus.SKIPPED, "The Outbox has no recipient: set To to a record, "
                                                               "or a Mobile Number")
    if parsed is None or parsed.e164 is None:
        return Stop(OutboxStatus.SKIPPED, f"'{raw}' in {source} is not a phone number that can be texted"
                                          + ("" if country else " (no default country code to read it with)"))
    return parsed.e164


def _body(outbox: Outbox, plan: ReadPlan, row: Record | None) -> str | Stop:
    """The text, filled in from the To record; the template must be fit to send first."""
    stop = check_template(outbox.template, outbox.to.table if outbox.to else None) if outbox.template_id else None
    if stop is not None:
        return stop
    fill_in, table = plan.fill_in, plan.table
    template = fill_in.template
    try:
        if template is None:
            raise fill_in.problem or TemplateError("the text could not be read")
        if template.is_plain:
            return render(template, {})
        if row is None or table is None:
            raise TemplateError(f"there is no To record to fill {{{template.columns[0]}}} from",
                                column=template.columns[0])
        if fill_in.unknown_column is not None:
            raise fill_in.unknown_column
        return render(template, values_from(row, fill_in.selected, table.logical_name))
    except TemplateError as exc:
        return Stop(OutboxStatus.FAILED, f"{fill_in.what} cannot be filled in: {exc}")


def rows_before_send(send: Send, outbox: Outbox, *, create_conversation: bool,
                     create_session: bool) -> Changeset:
    """Conversation (first text to the number), session (first of its window), and the outgoing message row
    (create-only, its id from the Outbox's) that the status callback will find by `?m=`."""
    configuration = send.sender.configuration
    writes: list[Write] = []
    if create_conversation:
        writes.append(conversation.started_by_outbox(
            send.conversation, configuration.id, send.number, name=send.name, subject=outbox.subject,
            team=configuration.team_id, about=(send.about.entity, send.about.id) if send.about else None))
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
