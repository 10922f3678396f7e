"""Columns Dataverse computes on every write: full names, the table behind a polymorphic lookup, the currency of
money columns and their base-currency amounts.

Full names follow the organization's ``fullnameconventioncode`` (the organization table reference lists the codes:
0 "Last Name, First Name", 1 "First Name", 2 "Last Name, First Name, Middle Initial", 3 "First Name, Middle
Initial, Last Name", 4 "Last Name, First Name, Middle Name", 5 "First Name, Middle Name, Last Name", 6 "Last Name,
space, First Name", 7 "Last Name, no space, First Name"; the SDK's ``UserSettingsFullNameConventionCode`` describes
1 as "Show the first and last name"). The emulator's organization uses 1, which is what Microsoft's Web API samples
show: a contact created with firstname "Peter" and lastname "Cambel" reads back as fullname "Peter Cambel"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-basic-operations-sample).
"""

from __future__ import annotations

import uuid
from typing import Any

from solution.schema import ColumnType, Table

from .odata import Ref
from .store import Store

FULL_NAME_TABLES = frozenset({"contact", "lead", "systemuser"})
DEFAULT_FULL_NAME_CONVENTION = 1
BASE_CURRENCY_ID = str(uuid.uuid5(uuid.UUID("5b0e2f43-6a0c-4d7e-9a6e-2f1f4b3e9c10"), "transactioncurrency:USD"))
_BASE_CURRENCY = {
    "transactioncurrencyid": BASE_CURRENCY_ID,
    "currencyname": "US Dollar",
    "isocurrencycode": "USD",
    "currencysymbol": "$",
    "exchangerate": 1.0,
    "currencyprecision": 2,
}


def full_name(first: str | None, middle: str | None, last: str | None, convention: int) -> str | None:
    """The full name Dataverse composes from the name parts under one ``fullnameconventioncode``."""
    f, m, la = (part.strip() if isinstance(part, str) else "" for part in (first, middle, last))
    initial = f"{m[0]}." if m else ""

    def join(*parts: str, sep: str = " ") -> str:
        return sep.join(p for p in parts if p)

    composed = {
        0: join(la, f, sep=", "),
        1: join(f, la),
        2: join(la, join(f, initial), sep=", "),
        3: join(f, initial, la),
        4: join(la, join(f, m), sep=", "),
        5: join(f, m, la),
        6: join(la, f),
        7: join(la, f, sep=""),
    }.get(convention)
    if composed is None:
        raise ValueError(f"unknown fullnameconventioncode {convention}")
    return composed or None


def apply(table: Table, row: dict[str, Any], store: Store, convention: int = DEFAULT_FULL_NAME_CONVENTION) -> None:
    """Recompute the computed columns of ``row`` in place (before it is stored)."""
    if table.logical_name in FULL_NAME_TABLES:
        if table.has_column("fullname"):
            row["fullname"] = full_name(row.get("firstname"), row.get("middlename"), row.get("lastname"), convention)
        if table.has_column("yomifullname"):
            row["yomifullname"] = full_name(
                row.get("yomifirstname"), row.get("yomimiddlename"), row.get("yomilastname"), convention
            )
    for column in _entity_name_columns(table):
        reference = row.get(column[:-4])
        row[column] = reference.table if isinstance(reference, Ref) else None
    _money(table, row, store)


def _money(table: Table, row: dict[str, Any], store: Store) -> None:
    money = [c.name for c in table.columns if c.type is ColumnType.MONEY and not c.read_only]
    if not money or not table.has_column("transactioncurrencyid"):
        return
    if all(row.get(name) is None for name in money):
        return
    currency = row.get("transactioncurrencyid")
    if not isinstance(currency, Ref):
        # a record with an amount and no currency gets the organization's base currency, as Dataverse does
        currency = Ref("transactioncurrency", base_currency(store))
        row["transactioncurrencyid"] = currency
    found = store.raw("transactioncurrency", currency.id) if store.schema.has_table("transactioncurrency") else None
    rate = float(found.get("exchangerate") or 1.0) if found is not None else 1.0
    if table.has_column("exchangerate"):
        row["exchangerate"] = rate
    for name in money:
        if table.has_column(f"{name}_base"):
            value = row.get(name)
            row[f"{name}_base"] = None if value is None else round(float(value) / rate, 2)


def base_currency(store: Store) -> str:
    """The organization's base currency (US Dollar), created the first time a record needs it."""
    if store.schema.has_table("transactioncurrency") and store.raw("transactioncurrency", BASE_CURRENCY_ID) is None:
        store.insert("transactioncurrency", dict(_BASE_CURRENCY))
    return BASE_CURRENCY_ID


_ENTITY_NAMES: dict[int, tuple[Table, tuple[str, ...]]] = {}


def _entity_name_columns(table: Table) -> tuple[str, ...]:
    """``owneridtype``, ``parentcustomeridtype``, ...: EntityName columns that name a lookup's target table."""
    cached = _ENTITY_NAMES.get(id(table))
    if cached is None or cached[0] is not table:
        names = tuple(
            c.name
            for c in table.columns
            if c.type is ColumnType.ENTITYNAME
            and c.name.endswith("type")
            and (lookup := table.find_column(c.name[:-4])) is not None
            and lookup.type.is_reference
        )
        cached = (table, names)
        _ENTITY_NAMES[id(table)] = cached
    return cached[1]

