"""The acting user's view of rows: which rows they may read, how a row reads as JSON (with ``$select``, the
annotations ``Prefer: odata.include-annotations`` asks for, and ``$expand``), and what date and user conditions
are judged against.

Annotations as "Select columns" documents them
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns): the FormattedValue of
choices, dates, numbers and lookups (the primary name of the row), the logical name of a lookup's table and its
associated navigation property (the name for ``@odata.bind``).
"""

from __future__ import annotations

from typing import Any

from solution.schema import Column, ColumnType, Schema, Table

from . import errors
from .conditions import QueryContext
from .filters import parse_filter
from .odata import Ref
from .ports import AccessChecker, Caller, Clock, SchemaHolder
from .protocol import ASSOCIATED_NAV, FORMATTED, LOOKUP_NAME, Prefer, etag
from .query_options import getter, parse_expand, parse_orderby, parse_select, parse_top, sorted_rows
from .rows import Rows
from .store import Store
from .values import formatted, json_value

__all__ = ["ReadView"]


class ReadView:
    def __init__(self, holder: SchemaHolder, store: Store, rows: Rows, access: AccessChecker, *, clock: Clock,
                 caller: Caller) -> None:
        self.holder = holder
        self.store = store
        self.rows = rows
        self.access = access
        self.clock = clock
        self.caller = caller

    @property
    def schema(self) -> Schema:
        return self.holder.schema

    def visible_rows(self, table: Table) -> list[dict[str, Any]]:
        """The rows of ``table`` the acting user may read: where every query, count, FetchXML and collection
        ``$expand`` takes its rows from (``access.py``)."""
        return self.access.readable(table, self.rows.source_rows(table))

    def query_context(self) -> QueryContext:
        """Date and user conditions are judged at the emulator's time for the calling user."""
        return QueryContext(self.clock(), self.caller())

    def applied(
        self, prefer: Prefer, *, annotations: bool = False, representation: bool = False
    ) -> list[tuple[str, str]]:
        applied = []
        if representation and prefer.representation:
            applied.append("return=representation")
        if annotations and prefer.annotations:
            applied.append(f'odata.include-annotations="{prefer.annotations}"')
        return [("Preference-Applied", a) for a in applied]

    def represent(
        self, table: Table, row: dict[str, Any], select: list[str] | None, prefer: Prefer, expand: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.etag": etag(row)}
        columns = _readable(table) if select is None else _selected(table, select)
        annotate = prefer.wants(FORMATTED)
        symbol: str | None = None
        for col, category in columns:
            name = col.name
            value = row.get(name)
            if category is _PLAIN:
                if value is None:
                    out[name] = None  # most of a standard table's columns are empty: keep them cheap
                    continue
                out[name] = json_value(value)
                if annotate:
                    if col.type is ColumnType.MONEY and symbol is None:
                        symbol = self.currency_symbol(row)
                    label = formatted(col, value, symbol or "$")
                    if label is not None:
                        out[f"{name}@{FORMATTED}"] = label
            elif category is _REFERENCE:
                out[col.value_name] = value.id if isinstance(value, Ref) else None
                if isinstance(value, Ref):
                    out.update(self._lookup_annotations(table, col, value, prefer))
            else:
                out[name] = value
                stored = self.store.file(table.logical_name, str(row.get(table.primary_id)), name)
                out[f"{name}_name"] = stored.name if stored is not None and value is not None else None
        if expand:
            for nav, options in parse_expand(expand):
                out[nav] = self._expand(table, row, nav, options, prefer)
        return out

    def currency_symbol(self, row: dict[str, Any]) -> str:
        """The symbol of the record's currency (transactioncurrencyid), else the organization's base currency's."""
        currency = row.get("transactioncurrencyid")
        if isinstance(currency, Ref) and self.schema.has_table("transactioncurrency"):
            found = self.store.raw("transactioncurrency", currency.id)
            if found is not None and found.get("currencysymbol"):
                return str(found["currencysymbol"])
        return "$"

    def _lookup_annotations(self, table: Table, col: Column, value: Ref, prefer: Prefer) -> dict[str, Any]:
        prop = col.value_name
        out: dict[str, Any] = {}
        if prefer.wants(FORMATTED):
            label = self.primary_name(value)
            if label is not None:
                out[f"{prop}@{FORMATTED}"] = label
        if prefer.wants(ASSOCIATED_NAV):
            for rel in self.schema.relationships_from(table.logical_name, col.name):
                if rel.referenced_table == value.table:
                    out[f"{prop}@{ASSOCIATED_NAV}"] = rel.referencing_navigation
                    break
        if prefer.wants(LOOKUP_NAME):
            out[f"{prop}@{LOOKUP_NAME}"] = value.table
        return out

    def primary_name(self, ref: Ref) -> str | None:
        if not self.schema.has_table(ref.table):
            return None
        target = self.schema.table(ref.table)
        row = self.rows.source_row(target, ref.id)
        if row is None or target.primary_name is None:
            return None
        value = row.get(target.primary_name)
        return None if value is None else str(value)

    def _expand(self, table: Table, row: dict[str, Any], nav: str, options: dict[str, str], prefer: Prefer) -> Any:
        for option in options:
            if option not in ("$select", "$filter", "$orderby", "$top"):
                raise errors.unsupported(f"the $expand option '{option}'")
        single = self.schema.single_navigation(table.logical_name, nav)
        if single is not None:
            if set(options) - {"$select"}:
                raise errors.syntax(f"Only $select is allowed when expanding the single-valued '{nav}'.")
            value = row.get(single.referencing_attribute)
            if not isinstance(value, Ref) or value.table != single.referenced_table:
                return None
            target = self.schema.table(single.referenced_table)
            target_row = self.rows.source_row(target, value.id)
            if target_row is None or not self.access.allows("Read", target, target_row):
                return None
            select = parse_select(target, options["$select"]) if "$select" in options else None
            return self.represent(target, target_row, select, prefer)
        collection = self.schema.collection_navigation(table.logical_name, nav)
        if collection is None:
            raise errors.unknown_query_property(table.logical_name, nav)
        child = self.schema.table(collection.referencing_table)
        ref = Ref(table.logical_name, str(row.get(table.primary_id)))
        children = [r for r in self.visible_rows(child) if r.get(collection.referencing_attribute) == ref]
        if "$filter" in options:
            predicate = parse_filter(child, options["$filter"], self.query_context())
            children = [r for r in children if predicate(getter(r))]
        if "$orderby" in options:
            children = sorted_rows(children, parse_orderby(child, options["$orderby"]))
        if "$top" in options:
            children = children[: parse_top(options["$top"])]
        select = parse_select(child, options["$select"]) if "$select" in options else None
        return [self.represent(child, r, select, prefer) for r in children]



_PLAIN, _REFERENCE, _FILE = "plain", "reference", "file"
_READABLE: dict[int, tuple[Table, tuple[tuple[Column, str], ...]]] = {}


def _category(col: Column) -> str:
    if col.type.is_reference:
        return _REFERENCE
    return _FILE if col.type is ColumnType.FILE else _PLAIN


def _readable(table: Table) -> tuple[tuple[Column, str], ...]:
    # every column a full read returns; partylist columns are navigation collections in the Web API, not properties.
    # Cached by identity: hashing a table of 300 columns on every row would cost more than the read.
    cached = _READABLE.get(id(table))
    if cached is None or cached[0] is not table:
        columns = tuple((c, _category(c)) for c in table.columns if c.type is not ColumnType.PARTYLIST)
        cached = (table, columns)
        _READABLE[id(table)] = cached
    return cached[1]


def _selected(table: Table, select: list[str]) -> list[tuple[Column, str]]:
    names = dict.fromkeys([*select, table.primary_id])
    return [(col, _category(col)) for col in (table.column(name) for name in names)]
