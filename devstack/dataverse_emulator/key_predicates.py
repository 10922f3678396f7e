"""Key predicates: how a URL names one row, ``set(<guid>)`` or by an alternate key ``set(k1=v,k2='v')``."""

from __future__ import annotations

from typing import Any

from solution.schema import Table

from . import errors
from .errors import ODataError
from .odata import literal_of, normalize_guid, split_top_level, tokenize

__all__ = ["parse_key"]


def parse_key(table: Table, text: str) -> str | dict[str, Any]:
    """``(guid)`` gives the id; ``(k1=v,k2='v')`` gives column -> value of an alternate key."""
    guid = normalize_guid(text)
    if guid is not None:
        return guid
    values: dict[str, Any] = {}
    parts = split_top_level(text, ",")
    for part in parts:
        if "=" not in part:
            raise ODataError(
                400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: key '({text})' of {table.entity_set}."
            )
        name, raw = part.split("=", 1)
        name = name.strip()
        if name.startswith("_") and name.endswith("_value"):
            name = name[1:-6]
        toks = tokenize(raw.strip())
        lit = literal_of(toks[0]) if len(toks) == 1 else None
        if lit is None:
            raise ODataError(400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: key value '{raw}'.")
        values[name] = lit.value
    if not values:
        raise ODataError(
            400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: empty key of {table.entity_set}."
        )
    return values
