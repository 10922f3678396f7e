"""The emulator's in-memory rows, files and row versions.

Rows are dicts of column logical name -> Python value: ``str``, ``int``, ``float``, ``bool``,
timezone-aware ``datetime`` for date columns, :class:`Ref` for lookups, and for file columns the file id.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from solution.schema import ColumnType, Schema, SchemaError, Table

from .odata import Ref, normalize_guid, parse_datetime


@dataclass
class StoredFile:
    file_id: str
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


class Store:
    """Rows per table; every write bumps a global version that becomes the row's ETag."""

    def __init__(self, schema: Schema, clock: Callable[[], datetime]) -> None:
        self.schema = schema
        self.clock = clock
        self.lock = threading.RLock()
        self._rows: dict[str, dict[str, dict[str, Any]]] = {t.logical_name: {} for t in schema.tables}
        self.files: dict[tuple[str, str, str], StoredFile] = {}
        self._version = 1000

    # --- direct access for seeding and inspection ---

    def insert(self, table: str, row: Mapping[str, Any]) -> str:
        """Add a row as-is (no API validation); fills id, defaults, timestamps and version. Returns the id."""
        t = self.schema.table(table)
        with self.lock:
            values = {name: self._convert(t, name, value) for name, value in row.items()}
            row_id = values.get(t.primary_id) or str(uuid.uuid4())
            values[t.primary_id] = row_id
            full = self.defaults(t)
            full.update(values)
            now = self.clock()
            full.setdefault("createdon", now)
            if full.get("createdon") is None:
                full["createdon"] = now
            if full.get("modifiedon") is None:
                full["modifiedon"] = now
            self.put(table, row_id, full)
            return str(row_id)

    def get(self, table: str, row_id: str) -> dict[str, Any] | None:
        self.schema.table(table)
        with self.lock:
            row = self._rows[table].get(normalize_guid(row_id) or row_id)
            return dict(row) if row is not None else None

    def rows(self, table: str) -> list[dict[str, Any]]:
        self.schema.table(table)
        with self.lock:
            return [dict(r) for r in self._rows[table].values()]

    def file(self, table: str, row_id: str, column: str) -> StoredFile | None:
        return self.files.get((table, row_id, column))

    # --- primitives used by the service ---

    def defaults(self, table: Table) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for col in table.columns:
            row[col.name] = col.default
        return row

    def next_version(self) -> int:
        self._version += 1
        return self._version

    def put(self, table: str, row_id: str, row: dict[str, Any]) -> None:
        row["versionnumber"] = self.next_version()
        self._rows[table][row_id] = row

    def raw(self, table: str, row_id: str) -> dict[str, Any] | None:
        return self._rows[table].get(row_id)

    def all_raw(self, table: str) -> list[dict[str, Any]]:
        return list(self._rows[table].values())

    def remove(self, table: str, row_id: str) -> None:
        self._rows[table].pop(row_id, None)
        for key in [k for k in self.files if k[0] == table and k[1] == row_id]:
            del self.files[key]

    def clear(self) -> None:
        with self.lock:
            for rows in self._rows.values():
                rows.clear()
            self.files.clear()

    def snapshot(self) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[tuple[str, str, str], StoredFile], int]:
        return copy.deepcopy(self._rows), dict(self.files), self._version

    def restore(
        self, snap: tuple[dict[str, dict[str, dict[str, Any]]], dict[tuple[str, str, str], StoredFile], int]
    ) -> None:
        self._rows, self.files, _ = snap[0], snap[1], snap[2]
        # versions keep increasing after a rollback so an ETag is never reused

    def _convert(self, table: Table, name: str, value: Any) -> Any:
        col = table.find_column(name)
        if col is None:
            raise SchemaError(f"table {table.logical_name!r} has no column {name!r}")
        if value is None:
            return None
        if col.type.is_reference:
            return _reference(table, col.name, col.targets, value)
        if col.type is ColumnType.DATETIME and isinstance(value, str):
            parsed = parse_datetime(value)
            if parsed is None:
                raise SchemaError(f"{table.logical_name}.{name}: not an ISO date {value!r}")
            return parsed
        if col.type is ColumnType.UNIQUEIDENTIFIER and isinstance(value, str):
            return normalize_guid(value) or value
        return value


def _reference(table: Table, name: str, targets: tuple[str, ...], value: Any) -> Ref:
    """A lookup given as Ref, (table, id), or a plain id when the lookup has one target."""
    if isinstance(value, Ref):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Ref(str(value[0]), normalize_guid(str(value[1])) or str(value[1]))
    if isinstance(value, str) and len(targets) == 1:
        return Ref(targets[0], normalize_guid(value) or value)
    raise SchemaError(f"{table.logical_name}.{name}: give a Ref(table, id) for a multi-target lookup")
