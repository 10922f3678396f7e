"""The emulator's in-memory rows, files and row versions.

Rows are dicts of column logical name -> Python value: ``str``, ``int``, ``float``, ``bool``,
timezone-aware ``datetime`` for date columns, :class:`Ref` for lookups, and for file columns the file id.
Alternate keys are indexed, and a changeset's writes are journaled so that a rollback costs what the
changeset touched, not the size of the store.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from solution.schema import ColumnType, Schema, SchemaError, Table

from .odata import Ref, normalize_guid, parse_datetime

FileKey = tuple[str, str, str]  # table, row id, column


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
        self._files: dict[FileKey, StoredFile] = {}
        # table -> key name -> normalized key values -> row id
        self._keys: dict[str, dict[str, dict[tuple[Any, ...], str]]] = {
            t.logical_name: {k.name: {} for k in t.keys} for t in schema.tables
        }
        self._journal: list[tuple[str, Any, Any]] | None = None
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
            for stamp in ("createdon", "modifiedon"):
                if full.get(stamp) is None:
                    full[stamp] = now
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
        return self._files.get((table, row_id, column))

    # --- primitives used by the service ---

    def defaults(self, table: Table) -> dict[str, Any]:
        return {col.name: col.default for col in table.columns}

    def put(self, table: str, row_id: str, row: dict[str, Any]) -> None:
        self._version += 1
        row["versionnumber"] = self._version
        self._record("row", (table, row_id), self._rows[table].get(row_id))
        self._place(table, row_id, row)

    def raw(self, table: str, row_id: str) -> dict[str, Any] | None:
        return self._rows[table].get(row_id)

    def all_raw(self, table: str) -> list[dict[str, Any]]:
        return list(self._rows[table].values())

    def by_key(self, table: str, key_name: str, values: tuple[Any, ...]) -> dict[str, Any] | None:
        row_id = self._keys[table][key_name].get(tuple(_normal(v) for v in values))
        return None if row_id is None else self._rows[table].get(row_id)

    def update(self, table: str, row_id: str, values: Mapping[str, Any], now: datetime) -> None:
        """Change columns of a row as the platform does (no API validation), stamping ``modifiedon``; a row that
        is gone stays gone."""
        row = self._rows[table].get(row_id)
        if row is not None:
            self.put(table, row_id, {**row, **values, "modifiedon": now})

    def remove(self, table: str, row_id: str) -> None:
        if row_id in self._rows[table]:
            self._record("row", (table, row_id), self._rows[table][row_id])
            self._place(table, row_id, None)
        for key in [k for k in self._files if k[0] == table and k[1] == row_id]:
            self.put_file(key, None)

    def put_file(self, key: FileKey, stored: StoredFile | None) -> None:
        self._record("file", key, self._files.get(key))
        if stored is None:
            self._files.pop(key, None)
        else:
            self._files[key] = stored

    def adopt(self, schema: Schema) -> None:
        """Serve ``schema`` from now on (table definitions changed at run time; the caller holds the lock).

        New tables start empty, dropped tables lose their rows and files, dropped columns vanish from the
        rows, and every alternate-key index is rebuilt over the rows that remain.
        """
        if self._journal is not None:
            raise RuntimeError("table definitions cannot change inside a transaction")
        names = {t.logical_name for t in schema.tables}
        for gone in set(self._rows) - names:
            del self._rows[gone]
        for table in schema.tables:
            rows = self._rows.setdefault(table.logical_name, {})
            columns = {c.name for c in table.columns}
            for row in rows.values():
                for stale in set(row) - columns:
                    del row[stale]
        self._files = {k: f for k, f in self._files.items()
                       if k[0] in names and schema.table(k[0]).has_column(k[2])}
        self.schema = schema
        self._keys = {t.logical_name: {k.name: {} for k in t.keys} for t in schema.tables}
        for table in schema.tables:
            for row_id, row in self._rows[table.logical_name].items():
                self._place(table.logical_name, row_id, row)

    def clear(self) -> None:
        with self.lock:
            for table in self._rows:
                self._rows[table].clear()
                for index in self._keys[table].values():
                    index.clear()
            self._files.clear()

    @property
    def in_transaction(self) -> bool:
        return self._journal is not None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together; an exception undoes them (versions keep increasing)."""
        if self._journal is not None:
            raise RuntimeError("transactions do not nest")
        self._journal = []
        try:
            yield
        except BaseException:
            journal, self._journal = self._journal, None
            for kind, where, before in reversed(journal):
                if kind == "row":
                    self._place(where[0], where[1], before)
                elif before is None:
                    self._files.pop(where, None)
                else:
                    self._files[where] = before
            raise
        self._journal = None

    # --- internals ---

    def _record(self, kind: str, where: Any, before: Any) -> None:
        if self._journal is not None:
            self._journal.append((kind, where, before))

    def _place(self, table: str, row_id: str, row: dict[str, Any] | None) -> None:
        """Set (or with None drop) a row, keeping the alternate-key index in step."""
        t = self.schema.table(table)
        old = self._rows[table].get(row_id)
        for key in t.keys:
            index = self._keys[table][key.name]
            if old is not None:
                old_values = _key_values(old, key.columns)
                if old_values is not None and index.get(old_values) == row_id:
                    del index[old_values]
            if row is not None:
                new_values = _key_values(row, key.columns)
                if new_values is not None:
                    index[new_values] = row_id
        if row is None:
            self._rows[table].pop(row_id, None)
        else:
            self._rows[table][row_id] = row

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


def _normal(value: Any) -> Any:
    # alternate keys match text case-insensitively and lookups by id, as the service's SQL collation does
    if isinstance(value, Ref):
        return value.id
    if isinstance(value, str):
        return value.casefold()
    return value


def _key_values(row: Mapping[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...] | None:
    values = tuple(_normal(row.get(c)) for c in columns)
    return None if any(v is None for v in values) else values


def _reference(table: Table, name: str, targets: tuple[str, ...], value: Any) -> Ref:
    """A lookup given as Ref, (table, id), or a plain id when the lookup has one target."""
    if isinstance(value, Ref):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Ref(str(value[0]), normalize_guid(str(value[1])) or str(value[1]))
    if isinstance(value, str) and len(targets) == 1:
        return Ref(targets[0], normalize_guid(value) or value)
    raise SchemaError(f"{table.logical_name}.{name}: give a Ref(table, id) for a multi-target lookup")
