"""What the claim batch reads for an Outbox, decided before anything is read (DESIGN 6.4): the text parsed once,
whom it goes to (`recipients`), the number known beforehand normalised once, and exactly the columns of the To
and Regarding records that the Record Types and the template need — the customer a Related Record Type reaches
expanded from the Regarding record in the same request. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from messaging.customers import CustomerTable
from messaging.errors import TemplateError
from messaging.outbound.gates import Stop
from messaging.outbound.recipients import RecordGet, Source, Target, target_of
from messaging.outbound.templates import Record, Template, parse, select_for
from messaging.phones import PhoneNumber, normalize
from messaging.rows.configuration import Configuration, RecordType
from messaging.rows.outbox import Outbox

__all__ = ["FillIn", "ReadPlan", "RecordRead", "Sender", "country_of", "read_plan"]


@dataclass(frozen=True)
class Sender:
    """The Configuration to send from and its usable Record Types."""

    configuration: Configuration
    record_types: tuple[RecordType, ...]


@dataclass(frozen=True)
class FillIn:
    """The Outbox's text, parsed once: its placeholders, the record that fills them in, and what is wrong with it if
    anything."""

    what: str  # how the reason names it: the template, or the message text
    template: Template | None
    problem: TemplateError | None = None  # a brace out of place
    selected: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # column → property to read
    unknown_column: TemplateError | None = None  # a placeholder naming no column of the record's table
    source: Source | None = None  # the record it fills in from: To, Regarding, or the customer reached through it
    table: CustomerTable | None = None  # that record's table


@dataclass(frozen=True)
class ReadPlan:
    """What the claim batch reads for the send, known before anything is read."""

    target: Target
    fill_in: FillIn
    country: str | None  # the country a national number known beforehand is read in
    explicit: PhoneNumber | None  # the Outbox's Mobile Number, else the chat's or the party's, normalised once
    to_read: RecordGet | None = None
    regarding_read: RecordGet | None = None

    @property
    def known_number(self) -> str | None:
        return self.explicit.e164 if self.explicit is not None else None

    @property
    def record_type(self) -> RecordType | None:
        return self.target.record_type

    @property
    def table(self) -> CustomerTable | None:
        return self.target.table

    @property
    def reads(self) -> tuple[RecordGet, ...]:
        return tuple(read for read in (self.to_read, self.regarding_read) if read is not None)

    @property
    def recipient_id(self) -> uuid.UUID | None:
        """The recipient's record, when it is known before reading (conversations are looked up by it)."""
        read = self.to_read if self.target.kind == "to" else self.regarding_read
        return read.id if read is not None and self.target.kind in ("to", "regarding") else None

    @property
    def about_id(self) -> uuid.UUID | None:
        """The record the session of the window is Regarding (sessions are looked up by it)."""
        regarding = self.target.regarding
        return regarding.id if regarding is not None else self.recipient_id


@dataclass(frozen=True)
class RecordRead:
    """What reading a record found: the row, or that it is gone, or why it could not be read."""

    row: Record | None = None
    missing: bool = False
    error: str | None = None  # the service refused the columns asked for
    denied: Stop | None = None  # the owner may not read it (or no user could be named to read it as)


def country_of(record_type: RecordType | None, configuration: Configuration) -> str | None:
    """The country a national number is read in: the Record Type's, else the sending number's own."""
    country = record_type.default_country_code if record_type is not None else None
    if not country and configuration.mobile_number:
        country = normalize(configuration.mobile_number).country_code
    return country


def _source(outbox: Outbox, target: Target) -> tuple[Source, CustomerTable] | None:
    """The record the text fills in from: of the template's table for an Entity template, else the To record, else
    the Regarding record."""
    candidates: list[tuple[Source, CustomerTable]] = []
    if target.to is not None:
        candidates.append(("to", target.to))
    if target.regarding_table is not None:
        candidates.append(("regarding", target.regarding_table))
    candidates.extend(("reached", reach.table) for reach in target.reaches)
    template = outbox.template if outbox.template_id is not None else None
    if template is not None and not template.global_ and template.entity:
        return next((c for c in candidates if c[1].logical_name == template.entity), None)
    return candidates[0] if candidates else None


def _fill_in(outbox: Outbox, target: Target) -> FillIn:
    if outbox.template_id is not None:
        text = outbox.template.body if outbox.template is not None else ""
        what = f"The Message Template '{outbox.template.name}'" if outbox.template is not None else ""
    else:
        text, what = outbox.freeform, "The message text"
    try:
        template = parse(text)
    except TemplateError as exc:
        return FillIn(what, None, problem=exc)
    source = _source(outbox, target)
    if source is None:
        return FillIn(what, template)
    try:
        selected = select_for(template.columns, source[1])
    except TemplateError as exc:
        return FillIn(what, template, unknown_column=exc, source=source[0], table=source[1])
    return FillIn(what, template, selected=MappingProxyType(selected), source=source[0], table=source[1])


def _columns(table: CustomerTable, record_type: RecordType | None, fill_in: FillIn | None) -> tuple[str, ...]:
    """A record's name and id, its Record Type's phone and consent columns, the template's placeholders."""
    columns = {table.primary_id, table.primary_name}
    if record_type is not None:
        columns.add(record_type.phone_field)
        if record_type.compliance_field:
            columns.add(record_type.compliance_field)
    if fill_in is not None:
        columns |= set(fill_in.selected.values())
    return tuple(sorted(columns))


def read_plan(outbox: Outbox, sender: Sender, tables: Mapping[str, CustomerTable | None]) -> ReadPlan:
    """`tables`: the definitions of the tables the Outbox and the Record Types name (`recipients.needed_tables`)."""
    target = target_of(outbox, sender.record_types, tables)
    fill_in = _fill_in(outbox, target)
    first = target.record_type or (target.reaches[0].record_type if target.reaches else None)
    country = country_of(first, sender.configuration)
    explicit = outbox.explicit_number
    if explicit is None and target.kind != "to":
        # The chat's number (a chat on a Case texts the conversation it shows), else an unresolved party's.
        explicit = outbox.session_phone or (outbox.to.address if outbox.to is not None else None)
    to_read = regarding_read = None
    to = outbox.to
    if target.kind == "to" and target.to is not None and to is not None and to.id is not None:
        to_read = RecordGet(target.to, to.id, _columns(target.to, target.record_type,
                                                        fill_in if fill_in.source == "to" else None))
    regarding, table = target.regarding, target.regarding_table
    if (regarding is not None and regarding.id is not None and table is not None
            and (target.kind in ("regarding", "reached") or fill_in.source == "regarding")):
        own = target.record_type if target.kind == "regarding" else None
        expand = tuple(dict.fromkeys(
            (reach.lookup.navigation,
             _columns(reach.table, reach.record_type,
                      fill_in if fill_in.source == "reached" and fill_in.table == reach.table else None))
            for reach in target.reaches))
        regarding_read = RecordGet(table, regarding.id, _columns(
            table, own, fill_in if fill_in.source == "regarding" else None), expand)
    return ReadPlan(target, fill_in, country, normalize(explicit, country) if explicit is not None else None,
                    to_read, regarding_read)
