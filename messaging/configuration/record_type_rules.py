"""What is wrong with a Record Type (DESIGN 5), each problem with how to fix it, decided over plain values: the
table and columns an admin typed, and the table's columns with their Dataverse types (None: no such table)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

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


@dataclass(frozen=True)
class TableColumns:
    """A table's columns by logical name, with their Dataverse AttributeType."""

    table: str
    types: dict[str, str]

    def text_columns_like(self, fragment: str) -> list[str]:
        return sorted(name for name, kind in self.types.items() if kind in PHONE_TYPES and fragment in name)


def is_logical_name(table: str) -> bool:
    """Only a logical name is worth asking Dataverse about."""
    return bool(_LOGICAL_NAME.fullmatch(table))


def problems(typed: Typed, columns: TableColumns | None) -> list[str]:
    """Empty when the Record Type can be used."""
    table, phone, compliance = typed.table, typed.phone, typed.compliance
    if not table:
        return ["Entity Logical Name is empty: enter the logical name of the table to text, e.g. contact."]
    if columns is None:
        return [f"There is no table '{table}': enter the table's logical name (e.g. contact, account), "
                "not its display name or plural."]
    found: list[str] = []
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
    return found


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
