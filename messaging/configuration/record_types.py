"""Record Types (DESIGN 5): check that the table and columns an admin typed exist and have usable types.

One metadata read answers every question — ``EntityDefinitions(LogicalName='<table>')`` with its ``Attributes``
(``LogicalName``, ``AttributeType``) expanded; `record_type_rules` decides. The verdict goes to
`smsb_validationmessage` (empty when the row can be used; matching and sending skip rows that carry a message) and,
when something is wrong, to the Error Log. The row is written only when the verdict changed: our own write fires
the Record Type webhook again, and the second check, finding the same verdict, ends there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from dataverse import DataverseClient, NotFound, PreconditionFailed, Row
from messaging.configuration.record_type_rules import TableColumns, Typed, is_logical_name, problems
from messaging.envelopes import RecordTypeJob
from messaging.errors import PermanentFailure
from messaging.names import SMSB_RECORDTYPE, Severity
from messaging.rows.configuration import record_type_checked
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Store

__all__ = ["RecordTypeOutcome", "RecordTypeService"]

log = logging.getLogger("smsbridge.recordtype")

_R = SMSB_RECORDTYPE.columns
_MESSAGE_LENGTH = 2000
_MAX_ATTEMPTS = 3
_COLUMNS = (_R.smsb_recordtypeid, _R.smsb_name, _R.smsb_entitylogicalname, _R.smsb_phonefield,
            _R.smsb_compliancefield, _R.smsb_validationmessage)
# The Web API's table metadata, by logical name.
_DEFINITIONS = "EntityDefinitions"


@dataclass(frozen=True)
class RecordTypeOutcome:
    record_type_id: uuid.UUID
    usable: bool
    message: str
    written: bool = False
    missing: bool = False


class RecordTypeService:
    def __init__(self, client: DataverseClient, store: Store) -> None:
        self._client = client
        self._store = store

    def process(self, job: RecordTypeJob) -> RecordTypeOutcome:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(SMSB_RECORDTYPE.entity_set, job.record_type_id, select=_COLUMNS)
            if row is None:
                return RecordTypeOutcome(job.record_type_id, usable=False, message="", missing=True)
            typed = Typed(_name(row, _R.smsb_entitylogicalname), _name(row, _R.smsb_phonefield),
                          _name(row, _R.smsb_compliancefield))
            columns = self.columns(typed.table) if typed.table and is_logical_name(typed.table) else None
            found = problems(typed, columns)
            message = " ".join(found)[:_MESSAGE_LENGTH]
            written = False
            if message != str(row.get(_R.smsb_validationmessage) or ""):
                try:
                    self._store.apply(record_type_checked(job.record_type_id, message, row.etag))
                except PreconditionFailed:
                    continue  # edited while we checked: check the row as it is now
                written = True
            if found:
                self._store.record(LoggedError(
                    source=ErrorSource.CONFIGURATION, name="Record Type cannot be used",
                    details=f"{row.get(_R.smsb_name) or job.record_type_id}: {message}", severity=Severity.WARNING,
                    correlation_id=job.correlation_id, related_entity=SMSB_RECORDTYPE.logical_name,
                    related_id=str(job.record_type_id),
                ))
            log.info("Record Type %s checked: %s", job.record_type_id, "usable" if not found else "not usable")
            return RecordTypeOutcome(job.record_type_id, usable=not found, message=message, written=written)
        raise PermanentFailure(f"Record Type {job.record_type_id} kept changing while being checked")

    def columns(self, table: str) -> TableColumns | None:
        """The table's columns and their types, or None when there is no such table."""
        try:
            definition = self._client.retrieve(
                _DEFINITIONS, {"LogicalName": table}, select=["LogicalName"],
                expand=["Attributes($select=LogicalName,AttributeType)"],
            )
        except NotFound:
            return None
        types = {str(attribute.get("LogicalName")): str(attribute.get("AttributeType"))
                 for attribute in definition.get("Attributes") or () if isinstance(attribute, Row)}
        return TableColumns(table, types)


def _name(row: Row, column: str) -> str:
    return str(row.get(column) or "").strip().lower()
