"""Rows as the Web API addresses them: by id or by an alternate key, with ``activitypointer`` as the union of every
activity table (each activity row is also an activitypointer row, with its ``activitytypecode``)."""

from __future__ import annotations

from typing import Any

from solution.schema import Table

from . import errors
from .errors import ODataError
from .ports import SchemaHolder
from .store import Store

__all__ = ["Rows"]


class Rows:
    def __init__(self, store: Store, holder: SchemaHolder) -> None:
        self.store = store
        self.holder = holder

    def find(self, table: Table, key: str | dict[str, Any]) -> dict[str, Any] | None:
        """The row a key predicate names (``key_predicates.parse_key``): its id, or an alternate key's values."""
        if isinstance(key, str):
            return self.source_row(table, key)
        for alt in table.keys:
            if set(alt.columns) == set(key):
                break
        else:
            names = ",".join(sorted(key))
            raise ODataError(
                400, errors.BAD_PROPERTY, f"The key '{names}' is not an alternate key of '{table.logical_name}'."
            )
        return self.store.by_key(table.logical_name, alt.name, tuple(key[c] for c in alt.columns))

    def source_rows(self, table: Table) -> list[dict[str, Any]]:
        if table.logical_name == "activitypointer":
            rows = []
            names = {c.name for c in table.columns}
            for t in self.holder.schema.tables:
                if t.is_activity:
                    for r in self.store.all_raw(t.logical_name):
                        view = {k: v for k, v in r.items() if k in names}
                        view["activitytypecode"] = t.logical_name
                        rows.append(view)
            return rows
        return self.store.all_raw(table.logical_name)

    def source_row(self, table: Table, row_id: str) -> dict[str, Any] | None:
        if table.logical_name == "activitypointer":
            return next((r for r in self.source_rows(table) if r.get("activityid") == row_id), None)
        return self.store.raw(table.logical_name, row_id)
