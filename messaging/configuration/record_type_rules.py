"""What is wrong with a Record Type (DESIGN 5), each problem with how to fix it, decided over plain values: the
tables and columns an admin typed, and what Dataverse's table definitions say of them (None: no such table) — the
columns with their types, whether the table takes activities (a session is Regarding its records), and which tables
it has lookups to (a Related Record Type reaches the customer through one)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from messaging.customers import CustomerTable

__all__ = ["PHONE_TYPES", "TableColumns", "Typed", "is_logical_name", "problems"]

# Dataverse AttributeType names: single line and multiple lines of text can hold a phone number.
PHONE_TYPES = frozenset({"String", "Memo"})
_BOOLEAN = "Boolean"
_SUGGESTIONS = 5
# The phone columns Dataverse's own tables use for a person or an organization; suggested before the rest.
_USUAL_PHONE_COLUMNS = ("mobilephone", "telephone1", "telephone2", "telephone3")
_LOGICAL_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Typed:
    """What the admin typed, trimmed and in lower case."""

    table: str
    phone: str
    compliance: str
    related: str = ""


@dataclass(frozen=True)
class TableColumns:
    """A table's columns by logical name, with their Dataverse AttributeType; whether it takes activities, and the
    tables its lookups point at."""

    table: str
    types: dict[str, str]
    takes_activities: bool = True
    label: str = ""
    lookup_targets: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, table: CustomerTable) -> TableColumns:
        return cls(table.logical_name, dict(table.columns), table.takes_activities, table.label,
                   frozenset(lookup.target for lookup in table.lookups))

    def text_columns_like(self, fragment: str) -> list[str]:
        return sorted(name for name, kind in self.types.items() if kind in PHONE_TYPES and fragment in name)


def is_logical_name(table: str) -> bool:
    """Only a logical name is worth asking Dataverse about."""
    return bool(_LOGICAL_NAME.fullmatch(table))


def problems(typed: Typed, columns: TableColumns | None, related: TableColumns | None = None) -> list[str]:
    """Empty when the Record Type can be used. `related`: the definition of the Related table when one is typed."""
    table, phone, compliance = typed.table, typed.phone, typed.compliance
    if not table:
        return ["Entity Logical Name is empty: enter the logical name of the table to text, e.g. contact."]
    if columns is None:
        return [f"There is no table '{table}': enter the table's logical name (e.g. contact, account), "
                "not its display name or plural."]
    found: list[str] = []
    if not columns.takes_activities:
        found.append(_no_activities(columns, f"a chat's session cannot be Regarding a {table}"))
    if not phone:
        found.append(f"Phone Field is empty: enter the logical name of the {table} column that holds the "
                     f"number{_hint(columns, '')}.")
    elif phone not in columns.types:
        found.append(f"The {table} table has no column '{phone}': enter the column's logical name"
                     f"{_hint(columns, phone)}.")
    elif columns.types[phone] not in PHONE_TYPES:
        found.append(f"The column {table}.{phone} is a {columns.types[phone]} column; the Phone Field must "
                     f"be a text column (single or multiple lines of text){_hint(columns, phone)}.")
    if compliance and compliance not in columns.types:
        found.append(f"The {table} table has no column '{compliance}': enter the logical name of a Yes/No "
                     "column, or leave Compliance Field empty.")
    elif compliance and columns.types[compliance] != _BOOLEAN:
        found.append(f"The column {table}.{compliance} is a {columns.types[compliance]} column; the "
                     "Compliance Field must be a Yes/No (Boolean) column, or empty.")
    if typed.related:
        found.extend(_related_problems(typed, related))
    return found


def _related_problems(typed: Typed, related: TableColumns | None) -> list[str]:
    """A Related table: a chat started from one of its records texts the record's customer of the Record Type's
    table, so it needs a lookup to that table, and its records must take the session's Regarding."""
    table, name = typed.table, typed.related
    if name == table:
        return [f"Related Entity Logical Name names the {table} table itself: leave it empty, or enter the table a "
                f"chat is started from to text its {table} (e.g. incident)."]
    if related is None:
        return [f"There is no table '{name}': enter the Related table's logical name (e.g. incident), not its "
                "display name or plural, or leave it empty."]
    found = []
    if table not in related.lookup_targets:
        found.append(f"The {name} table has no lookup column to {table}, so a chat started from a {name} cannot "
                     f"find the {table} to text: enter a table with a {table} lookup (a Case's customerid, for "
                     "instance), or leave Related Entity Logical Name empty.")
    if not related.takes_activities:
        found.append(_no_activities(related, f"a chat started from a {name} cannot be Regarding it"))
    return found


def _no_activities(columns: TableColumns, consequence: str) -> str:
    """How to let a table's records be the Regarding of an activity, in Power Apps' words."""
    label = columns.label or columns.table
    return (f"The {columns.table} table does not take activities, so {consequence}: in Power Apps open Tables, "
            f"select {label}, then Settings, expand Advanced options and under 'Make this table an option when' "
            "select 'Creating a new activity' (this enables activities and cannot be undone) and save; then re-enter "
            "this Record Type's Phone Field and save it, which has it checked again.")


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
