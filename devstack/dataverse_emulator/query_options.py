"""The query options of a data request: which ones a request may carry, and ``$select``, ``$orderby``, ``$expand``,
``$top`` and ``$skiptoken`` read into plain values.

Options Dataverse has and the emulator does not (https://learn.microsoft.com/power-apps/developer/data-platform/
webapi/query/overview) are refused by name, never ignored; ``$skip`` is refused as Dataverse refuses it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from solution.schema import Column, Table

from . import errors
from .errors import ODataError
from .odata import Ref, split_top_level
from .protocol import Call

__all__ = [
    "Getter",
    "Predicate",
    "check_query_options",
    "comparable",
    "decode_skiptoken",
    "encode_skiptoken",
    "getter",
    "parse_expand",
    "parse_orderby",
    "parse_select",
    "parse_top",
    "resolve_property",
    "sort_key",
    "sorted_rows",
]

Getter = Callable[[str], Any]  # property name -> value of the row being tested
Predicate = Callable[[Getter], bool]


_QUERY_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken"}
# Microsoft's SDK sends ?sql= for its query.sql()
_UNSUPPORTED_OPTIONS = {
    "$apply": "the query option '$apply' (aggregation)",
    "$search": "the query option '$search'",
    "$compute": "the query option '$compute'",
    "$levels": "the query option '$levels'",
    "sql": "the query option 'sql' (Dataverse's read-only SQL)",
    "savedQuery": "the query option 'savedQuery' (system views)",
    "userQuery": "the query option 'userQuery' (personal views)",
}


def check_query_options(call: Call, single: bool = False, allowed: frozenset[str] | None = None) -> None:
    """Refuse what a query (or, with ``single``, a retrieve) may not carry; ``allowed`` narrows the options."""
    for name, _ in call.query:
        if name == "$skip":
            raise errors.syntax("The query parameter $skip is not supported.")
        if name in _UNSUPPORTED_OPTIONS:
            raise errors.unsupported(_UNSUPPORTED_OPTIONS[name])
        if name == "fetchXml" and not single and allowed is None:
            continue  # answered by fetchxml.py
        if name.startswith("@"):
            raise errors.unsupported(f"parameter aliases ('{name}') in queries")
        if not name.startswith("$"):
            raise errors.unsupported(f"the query option '{name}'")
        if name not in _QUERY_OPTIONS:
            raise errors.syntax(f"The query parameter {name} is not supported.")
        if single and name in ("$filter", "$orderby", "$top", "$count", "$skiptoken"):
            raise errors.syntax(f"The query option '{name}' is not allowed on a single record.")
        if allowed is not None and name not in allowed:
            raise errors.syntax(f"The query option '{name}' is not allowed here.")


def resolve_property(table: Table, name: str) -> tuple[Column, str]:
    """Map a query property name to its column and the name the row getter understands."""
    if "/" in name:
        raise errors.unsupported(f"navigation paths in queries ('{name}')")
    if name.startswith("_") and name.endswith("_value"):
        col = table.find_column(name[1:-6])
        if col is None or not col.type.is_reference:
            raise errors.unknown_query_property(table.logical_name, name)
        return col, name
    col = table.find_column(name)
    if col is None:
        raise errors.unknown_query_property(table.logical_name, name)
    if col.type.is_reference:
        # Dataverse exposes the lookup itself as a navigation property; the value is _x_value.
        raise ODataError(
            400,
            errors.BAD_PROPERTY,
            f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{table.logical_name}'."
            f" Use '_{name}_value' for the lookup's id.",
        )
    return col, name


def comparable(value: Any) -> Any:
    """A value as Dataverse compares it: text case-insensitively, lookups by id."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, Ref):
        return value.id
    return value


def parse_orderby(table: Table, text: str) -> list[tuple[str, bool]]:
    """``a asc, b desc`` -> [(getter name, descending)]."""
    result: list[tuple[str, bool]] = []
    for part in split_top_level(text, ","):
        words = part.split()
        if len(words) not in (1, 2) or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise errors.syntax(f"Syntax error in $orderby '{text}'.")
        _, name = resolve_property(table, words[0])
        result.append((name, len(words) == 2 and words[1] == "desc"))
    return result


def sort_key(value: Any) -> tuple[int, Any]:
    # nulls sort first in ascending order, as in SQL Server
    value = comparable(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)


def parse_select(table: Table, text: str) -> list[str]:
    names: list[str] = []
    for name in split_top_level(text, ","):
        col, _ = resolve_property(table, name)
        names.append(col.name)
    return names


def parse_expand(text: str) -> list[tuple[str, dict[str, str]]]:
    """``nav($select=a,b),other`` -> [(nav, {option: value})]."""
    items: list[tuple[str, dict[str, str]]] = []
    for part in split_top_level(text, ","):
        m = re.fullmatch(r"([\w]+)(?:\((.*)\))?", part, re.DOTALL)
        if m is None:
            raise errors.syntax(f"Syntax error in $expand '{text}'.")
        options: dict[str, str] = {}
        if m.group(2):
            for opt in split_top_level(m.group(2), ";"):
                if "=" not in opt:
                    raise errors.syntax(f"Syntax error in $expand options '{m.group(2)}'.")
                key, value = opt.split("=", 1)
                options[key.strip()] = value.strip()
        items.append((m.group(1), options))
    return items


def sorted_rows(rows: list[dict[str, Any]], order: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    # stable sorts from the last key to the first give a multi-key order with mixed directions
    for name, descending in reversed(order):
        rows = sorted(rows, key=_sort_by(name), reverse=descending)
    return rows


def _sort_by(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: sort_key(getter(row)(name))


def parse_top(text: str) -> int:
    try:
        top = int(text)
    except ValueError:
        top = -1
    if top < 0:
        raise errors.syntax(f"Invalid value '{text}' for $top query option.")
    return top


def getter(row: dict[str, Any]) -> Getter:
    def get(name: str) -> Any:
        if name.startswith("_") and name.endswith("_value"):
            value = row.get(name[1:-6])
            return value.id if isinstance(value, Ref) else value
        return row.get(name)

    return get


def encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(f"page:{offset}".encode()).decode().rstrip("=")


def decode_skiptoken(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not text.startswith("page:"):
            raise ValueError(text)
        return int(text[5:])
    except (ValueError, UnicodeDecodeError):
        raise errors.syntax("The $skiptoken is not valid; follow @odata.nextLink unmodified.") from None
