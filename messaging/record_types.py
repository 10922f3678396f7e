"""Record Types (DESIGN 5): check that the table and columns an admin typed exist and have usable types.

One metadata read answers every question — ``EntityDefinitions(LogicalName='<table>')`` with its ``Attributes``
(``LogicalName``, ``AttributeType``) expanded. The verdict goes to `smsb_validationmessage` (empty when the row
can be used; matching and sending skip rows that carry a message) and, when something is wrong, to the Error Log.
The row is written only when the verdict changed: our own write fires the Record Type webhook again, and the
second check, finding the same verdict, ends there.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from difflib import SequenceMatcher

from dataverse import DataverseClient, NotFound, PreconditionFailed, Row
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import PermanentFailure
from messaging.jobs import RecordTypeJob
from messaging.model import Severity

__all__ = ["PHONE_TYPES", "RecordTypeOutcome", "RecordTypeService", "TableColumns"]

log = logging.getLogger("smsbridge.recordtype")

# Dataverse AttributeType names: single line and multiple lines of text can hold a phone number.
PHONE_TYPES = frozenset({"String", "Memo"})
_BOOLEAN = "Boolean"
_ENTITY_SET = "smsb_recordtypes"
_MESSAGE_LENGTH = 2000
_MAX_ATTEMPTS = 3
_SUGGESTIONS = 5
# The phone columns Dataverse's own tables use for a person or an organization; suggested before the rest.
_USUAL_PHONE_COLUMNS = ("mobilephone", "telephone1", "telephone2", "telephone3")
_LOGICAL_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_COLUMNS = ("smsb_recordtypeid", "smsb_name", "smsb_entitylogicalname", "smsb_phonefield", "smsb_compliancefield",
            "smsb_validationmessage")


@dataclass(frozen=True)
class TableColumns:
    """A table's columns by logical name, with their Dataverse AttributeType."""

    table: str
    types: dict[str, str]

    def text_columns_like(self, fragment: str) -> list[str]:
        return sorted(name for name, kind in self.types.items() if kind in PHONE_TYPES and fragment in name)


@dataclass(frozen=True)
class RecordTypeOutcome:
    record_type_id: uuid.UUID
    usable: bool
    message: str
    written: bool = False
    missing: bool = False


class RecordTypeService:
    def __init__(self, client: DataverseClient, errors: ErrorLog) -> None:
        self._client = client
        self._errors = errors

    def process(self, job: RecordTypeJob) -> RecordTypeOutcome:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(_ENTITY_SET, job.record_type_id, select=_COLUMNS)
            if row is None:
                return RecordTypeOutcome(job.record_type_id, usable=False, message="", missing=True)
            problems = self.problems(row)
            message = " ".join(problems)[:_MESSAGE_LENGTH]
            written = False
            if message != str(row.get("smsb_validationmessage") or ""):
                try:
                    self._client.update(_ENTITY_SET, job.record_type_id,
                                        {"smsb_validationmessage": message or None}, etag=row.etag)
                except PreconditionFailed:
                    continue  # edited while we checked: check the row as it is now
                written = True
            if problems:
                self._errors.record(LoggedError(
                    source=ErrorSource.CONFIGURATION, name="Record Type cannot be used",
                    details=f"{row.get('smsb_name') or job.record_type_id}: {message}", severity=Severity.WARNING,
                    correlation_id=job.correlation_id, related_entity="smsb_recordtype",
                    related_id=str(job.record_type_id),
                ))
            log.info("Record Type %s checked: %s", job.record_type_id, "usable" if not problems else "not usable")
            return RecordTypeOutcome(job.record_type_id, usable=not problems, message=message, written=written)
        raise PermanentFailure(f"Record Type {job.record_type_id} kept changing while being checked")

    def problems(self, row: Row) -> list[str]:
        """What is wrong with the row, each with how to fix it; empty when it can be used."""
        table = _name(row, "smsb_entitylogicalname")
        phone = _name(row, "smsb_phonefield")
        compliance = _name(row, "smsb_compliancefield")
        if not table:
            return ["Entity Logical Name is empty: enter the logical name of the table to text, e.g. contact."]
        columns = self.columns(table) if _LOGICAL_NAME.fullmatch(table) else None
        if columns is None:
            return [f"There is no table '{table}': enter the table's logical name (e.g. contact, account), "
                    "not its display name or plural."]
        problems: list[str] = []
        if not phone:
            problems.append(f"Phone Field is empty: enter the logical name of the {table} column that holds the "
                            f"number{_hint(columns, '')}.")
        elif phone not in columns.types:
            problems.append(f"The {table} table has no column '{phone}': enter the column's logical name"
                            f"{_hint(columns, phone)}.")
        elif columns.types[phone] not in PHONE_TYPES:
            problems.append(f"The column {table}.{phone} is a {columns.types[phone]} column; the Phone Field must "
                            f"be a text column (single or multiple lines of text){_hint(columns, phone)}.")
        if compliance and compliance not in columns.types:
            problems.append(f"The {table} table has no column '{compliance}': enter the logical name of a Yes/No "
                            "column, or leave Compliance Field empty.")
        elif compliance and columns.types[compliance] != _BOOLEAN:
            problems.append(f"The column {table}.{compliance} is a {columns.types[compliance]} column; the "
                            "Compliance Field must be a Yes/No (Boolean) column, or empty.")
        return problems

    def columns(self, table: str) -> TableColumns | None:
        """The table's columns and their types, or None when there is no such table."""
        try:
            definition = self._client.retrieve(
                "EntityDefinitions", {"LogicalName": table}, select=["LogicalName"],
                expand=["Attributes($select=LogicalName,AttributeType)"],
            )
        except NotFound:
            return None
        types = {str(attribute.get("LogicalName")): str(attribute.get("AttributeType"))
                 for attribute in definition.get("Attributes") or () if isinstance(attribute, Row)}
        return TableColumns(table, types)


def _name(row: Row, column: str) -> str:
    return str(row.get(column) or "").strip().lower()


def _hint(columns: TableColumns, typed: str) -> str:
    candidates = _closest(columns.text_columns_like("phone"), typed)[:_SUGGESTIONS]
    return f" (text columns with 'phone' in the name: {', '.join(candidates)})" if candidates else ""


def _closest(names: list[str], typed: str) -> list[str]:
    """What the admin most likely meant first: names containing what was typed, then the usual phone columns,
    then by likeness; a table's many address phone columns come last."""
    typed = typed.lower()

    def rank(name: str) -> tuple[bool, bool, bool, float, str]:
        return (not typed or typed not in name, name not in _USUAL_PHONE_COLUMNS, name.startswith("address"),
                -SequenceMatcher(None, typed, name).ratio(), name)

    return sorted(names, key=rank)
