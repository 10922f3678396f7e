"""Whom an Outbox texts, which records the claim reads to find out, and which record fills the text in (DESIGN
6.4), decided over plain values: the Outbox, the Configuration's Record Types and the tables' definitions.

The recipient is the first of:

1. the **To** party's record (a Record Type for its table says where the number is, unless the Outbox has a Mobile
   Number);
2. the **Regarding** record, when a Record Type names its table: a classic workflow or a flow sets Regarding to the
   record it runs on, whatever its table, as long as the table takes activities;
3. the **customer of the Regarding record**, when a Record Type names its table as Related (a Case texts its
   contact): the Regarding record's lookups to the Record Type's table, Customer columns first, Record Types in
   priority order; all of them are read with the Regarding record in one request (`$expand`), the first that holds
   a record is the one texted;
4. no record: the Outbox's Mobile Number, its chat's number, or the party's address.

The Regarding record is the Outbox's own, else its chat session's. The session a text opens is Regarding it (a
chat started from a Case stays on the Case) and points at the recipient as its customer; without one, both are the
recipient. A template fills in from the record of its table — To, Regarding, or the customer reached through it —;
a global template or a free text from the To record, else the Regarding record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from dataverse.rows import Row
from messaging.customers import CustomerTable, Lookup
from messaging.names import OutboxStatus
from messaging.outbound.gates import Stop
from messaging.outbound.templates import Record
from messaging.rows.configuration import RecordType
from messaging.rows.outbox import Outbox, Party

__all__ = [
    "Reach",
    "Reached",
    "RecordGet",
    "Source",
    "Target",
    "needed_tables",
    "reached",
    "regarding_of",
    "target_of",
]

Source = Literal["to", "regarding", "reached"]
Kind = Literal["to", "regarding", "reached", "number"]


@dataclass(frozen=True)
class Reach:
    """A Record Type's table reached from the Regarding record through one of its lookups."""

    record_type: RecordType
    table: CustomerTable
    lookup: Lookup


@dataclass(frozen=True)
class Target:
    """Whom the Outbox texts, as far as the Outbox says before anything is read."""

    kind: Kind
    to: CustomerTable | None  # the To record's table, when To names a record
    regarding: Party | None  # the Regarding record (the Outbox's, else its chat's)
    regarding_table: CustomerTable | None
    record_type: RecordType | None  # the recipient's, for "to" and "regarding"
    reaches: tuple[Reach, ...] = ()  # "reached": the Regarding record's lookups, in the order they are tried
    problem: str | None = None  # why nobody can be texted, known before reading

    @property
    def table(self) -> CustomerTable | None:
        """The recipient's table, when it is known before reading."""
        return self.to if self.kind == "to" else self.regarding_table if self.kind == "regarding" else None


@dataclass(frozen=True)
class RecordGet:
    """One record the claim reads: exactly these columns, and the records its lookups point at (`$expand`)."""

    table: CustomerTable
    id: uuid.UUID
    columns: tuple[str, ...]
    expand: tuple[tuple[str, tuple[str, ...]], ...] = ()  # navigation property → its columns

    @property
    def expand_options(self) -> tuple[str, ...]:
        return tuple(f"{navigation}($select={','.join(columns)})" for navigation, columns in self.expand)


@dataclass(frozen=True)
class Reached:
    """The recipient once the records are read: its table, id, row and Record Type, and how it was found."""

    table: CustomerTable
    id: uuid.UUID
    row: Record
    record_type: RecordType | None
    via: str = ""  # "the incident's customerid": how a Related Record Type reached it


def _record_type_for(table: str | None, record_types: Iterable[RecordType]) -> RecordType | None:
    return next((rt for rt in record_types if table and rt.entity == table), None)


def regarding_of(outbox: Outbox) -> Party | None:
    """The Outbox's Regarding record, else its chat session's."""
    for candidate in (outbox.regarding, outbox.session_regarding):
        if candidate is not None and candidate.table and candidate.id is not None:
            return candidate
    return None


def needed_tables(outbox: Outbox, record_types: Iterable[RecordType]) -> dict[str, str]:
    """The tables whose definitions decide this Outbox (table → the version of the Record Type naming it): every
    Record Type's table and related table (read together, so later Outboxes find them held), and the To and
    Regarding records' tables."""
    wanted: dict[str, str] = {}
    for rt in record_types:
        for table in (rt.entity, rt.related_entity):
            if table:
                wanted.setdefault(table, rt.version)
    regarding = regarding_of(outbox)
    for party in (outbox.to, regarding):
        if party is not None and party.table and party.id is not None:
            wanted.setdefault(party.table, "")
    return wanted


def target_of(outbox: Outbox, record_types: tuple[RecordType, ...],
              tables: Mapping[str, CustomerTable | None]) -> Target:
    to = outbox.to if outbox.to is not None and outbox.to.table and outbox.to.id is not None else None
    regarding = regarding_of(outbox)
    regarding_table = tables.get(regarding.table) if regarding is not None and regarding.table else None
    if to is not None:
        return Target("to", tables.get(to.table or ""), regarding, regarding_table,
                      _record_type_for(to.table, record_types))
    if regarding is not None and regarding_table is not None:
        own = _record_type_for(regarding.table, record_types)
        if own is not None:
            return Target("regarding", None, regarding, regarding_table, own)
        reaches = tuple(Reach(rt, table, lookup) for rt in record_types
                        if rt.related_entity == regarding_table.logical_name
                        and (table := tables.get(rt.entity)) is not None
                        for lookup in regarding_table.lookups_to(rt.entity))
        if reaches:
            return Target("reached", None, regarding, regarding_table, None, reaches)
        if outbox.explicit_number is None and outbox.session_phone is None:
            name = regarding_table.logical_name
            return Target("number", None, regarding, regarding_table, None, problem=(
                f"The Regarding record ({name} {regarding.id}) is of a table no Record Type of this Configuration "
                "names, as its table or as its Related table, so there is no one to text; add a Record Type, or "
                "set To or a Mobile Number"))
    return Target("number", None, regarding, regarding_table, None)


def reached(target: Target, to_row: Record | None, regarding_row: Record | None) -> Reached | Stop | None:
    """The recipient record, once read; None when the Outbox texts a number without a record."""
    if target.kind == "to":
        return _reached(target.to, to_row, target.record_type) if target.to and to_row is not None else None
    if target.kind == "regarding":
        table = target.regarding_table
        return _reached(table, regarding_row, target.record_type) if table and regarding_row is not None else None
    if target.kind != "reached" or target.regarding_table is None or regarding_row is None:
        return None
    related = target.regarding_table
    for reach in target.reaches:
        found = regarding_row.get(reach.lookup.navigation)
        if isinstance(found, Row) and found.get(reach.table.primary_id):
            via = f"the {related.logical_name}'s {reach.lookup.column}"
            return _reached(reach.table, found, reach.record_type, via)
    name = regarding_row.get(related.primary_name)
    who = f"The {related.logical_name} '{name}'" if name else f"The {related.logical_name}"
    columns = ", ".join(dict.fromkeys(reach.lookup.column for reach in target.reaches))
    tables = " or ".join(dict.fromkeys(reach.table.logical_name for reach in target.reaches))
    return Stop(OutboxStatus.SKIPPED, f"{who} has no {tables} to text: {columns} "
                                      f"{'is' if len(target.reaches) == 1 else 'are'} empty")


def _reached(table: CustomerTable, row: Record, record_type: RecordType | None, via: str = "") -> Reached:
    return Reached(table, uuid.UUID(str(row.get(table.primary_id))), row, record_type, via)
