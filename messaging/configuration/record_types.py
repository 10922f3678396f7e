"""Record Types (DESIGN 5): check that the tables and columns an admin typed exist and are usable.

One metadata request answers every question — ``EntityDefinitions(LogicalName='<table>')`` with its ``Attributes``
and relationships expanded, the same definition the flows read (`messaging.tables`), and the Related table's in the
same `$batch` when one is typed; `record_type_rules` decides. The verdict goes to `smsb_validationmessage` (empty
when the row can be used; matching and sending skip rows that carry a message) and, when something is wrong, to the
Error Log. The row is written only when the verdict changed: our own write fires the Record Type webhook again, and
the second check, finding the same verdict, ends there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from dataverse import DataverseClient, PreconditionFailed, Row
from messaging.configuration.record_type_rules import TableColumns, Typed, is_logical_name, problems
from messaging.envelopes import RecordTypeJob
from messaging.errors import PermanentFailure
from messaging.names import SMSB_RECORDTYPE, Severity
from messaging.rows.configuration import record_type_checked
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Store
from messaging.tables import CustomerTables

__all__ = ["RecordTypeOutcome", "RecordTypeService"]

log = logging.getLogger("smsbridge.recordtype")

_R = SMSB_RECORDTYPE.columns
_MESSAGE_LENGTH = 2000
_MAX_ATTEMPTS = 3
_COLUMNS = (_R.smsb_recordtypeid, _R.smsb_name, _R.smsb_entitylogicalname, _R.smsb_relatedentitylogicalname,
            _R.smsb_phonefield, _R.smsb_compliancefield, _R.smsb_validationmessage)


@dataclass(frozen=True)
class RecordTypeOutcome:
    record_type_id: uuid.UUID
    usable: bool
    message: str
    written: bool = False
    missing: bool = False
    tables: tuple[str, ...] = ()  # the tables it names, read afresh: workers read them again too


class RecordTypeService:
    def __init__(self, client: DataverseClient, store: Store, tables: CustomerTables | None = None) -> None:
        self._client = client
        self._store = store
        self._tables = tables or CustomerTables(client)

    def process(self, job: RecordTypeJob) -> RecordTypeOutcome:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(SMSB_RECORDTYPE.entity_set, job.record_type_id, select=_COLUMNS)
            if row is None:
                return RecordTypeOutcome(job.record_type_id, usable=False, message="", missing=True)
            typed = Typed(_name(row, _R.smsb_entitylogicalname), _name(row, _R.smsb_phonefield),
                          _name(row, _R.smsb_compliancefield), _name(row, _R.smsb_relatedentitylogicalname))
            named = [table for table in (typed.table, typed.related) if table and is_logical_name(table)]
            definitions = self.definitions(named)
            found = problems(typed, definitions.get(typed.table), definitions.get(typed.related))
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
            return RecordTypeOutcome(job.record_type_id, usable=not found, message=message, written=written,
                                     tables=tuple(named))
        raise PermanentFailure(f"Record Type {job.record_type_id} kept changing while being checked")

    def definitions(self, tables: list[str]) -> dict[str, TableColumns]:
        """What the definitions say of the tables that exist, as they are now (one request)."""
        if not tables:
            return {}
        read, _ = self._tables.read(tables)
        return {name: TableColumns.of(table) for name, table in read.items() if table is not None}


def _name(row: Row, column: str) -> str:
    return str(row.get(column) or "").strip().lower()
