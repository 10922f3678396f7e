"""Record payloads of creates and updates: JSON bodies read into stored values, ``@odata.bind`` resolved to lookups
(checked against the real navigation property names), and an activity's parties
(``<table>_activity_parties``). Unknown columns, wrong types and undeclared annotations give Dataverse's errors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from solution.schema import Column, Schema, Table

from . import errors
from .errors import ODataError
from .key_predicates import parse_key
from .odata import Ref
from .ports import SchemaHolder
from .rows import Rows
from .values import READ_ONLY, coerce

__all__ = ["Payloads"]


class Payloads:
    def __init__(self, holder: SchemaHolder, rows: Rows) -> None:
        self.holder = holder
        self.rows = rows

    @property
    def schema(self) -> Schema:
        return self.holder.schema

    def record(self, table: Table, body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        """The stored values of a record's body, and its activity parties when the body names them."""
        values: dict[str, Any] = {}
        parties: list[dict[str, Any]] | None = None
        annotated = {k.split("@", 1)[0] for k in body if "@" in k and not k.startswith("@")}
        for key, raw in body.items():
            if key.startswith("@odata."):
                continue
            if "@" in key:
                prop, annotation = key.split("@", 1)
                if annotation == "odata.bind":
                    bound, ref = self._bind(table, prop, raw)
                    values[bound.name] = ref
                    continue
                if prop not in body and not table.has_column(prop):
                    raise errors.undeclared_annotation(prop)
                continue
            if key == f"{table.logical_name}_activity_parties" and table.is_activity:
                parties = self._parties(table, raw)
                continue
            col = table.find_column(key)
            if col is None:
                if self.schema.collection_navigation(table.logical_name, key):
                    raise errors.unsupported(f"deep insert through '{key}'")
                if key in annotated:
                    raise errors.undeclared_annotation(key)
                raise errors.unknown_property(table.logical_name, key)
            if col.read_only and col.name not in READ_ONLY:
                continue  # Dataverse computes it (fullname, *_base, owneridtype): a value sent for it is ignored
            values[col.name] = coerce(table, col, raw)
        return values, parties

    def _bind(self, table: Table, nav: str, raw: Any) -> tuple[Column, Ref | None]:
        rel = self.schema.single_navigation(table.logical_name, nav)
        if rel is None:
            raise errors.undeclared_annotation(nav)
        col = table.column(rel.referencing_attribute)
        if raw is None:
            return col, None
        if not isinstance(raw, str):
            raise errors.payload_error(table.entity_set, f"The value of '{nav}@odata.bind' must be a URL string.")
        target_table, target_id = self._resolve_reference(raw)
        allowed = [
            r.referenced_table
            for r in self.schema.relationships_from(table.logical_name, col.name)
            if r.referencing_navigation == nav or nav in r.navigation_aliases
        ]
        if target_table.logical_name not in allowed:
            raise ODataError(
                400,
                errors.BAD_PROPERTY,
                f"An entity of type '{target_table.logical_name}' cannot be bound to the navigation property"
                f" '{nav}' of '{table.logical_name}', which expects '{', '.join(allowed)}'.",
            )
        return col, Ref(target_table.logical_name, target_id)

    def _resolve_reference(self, url: str) -> tuple[Table, str]:
        path = urlsplit(url).path if "://" in url else url
        segment = path.rstrip("/").rsplit("/", 1)[-1]
        m = re.fullmatch(r"([A-Za-z_]\w*)\((.+)\)", segment)
        if m is None:
            raise ODataError(
                400, errors.BAD_PROPERTY, f"The URL '{url}' in @odata.bind is not a reference to a record."
            )
        target = self.schema.find_entity_set(m.group(1))
        if target is None:
            raise ODataError(400, errors.BAD_PROPERTY, f"Resource not found for the segment '{m.group(1)}'.")
        key = parse_key(target, m.group(2))
        row = self.rows.find(target, key)
        if row is None:
            raise errors.not_found(target.logical_name, m.group(2))
        return target, str(row[target.primary_id])

    def _parties(self, table: Table, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise errors.payload_error(table.entity_set, f"'{table.logical_name}_activity_parties' must be an array.")
        party_table = self.schema.table("activityparty")
        parties = []
        for item in raw:
            if not isinstance(item, dict):
                raise errors.payload_error(table.entity_set, "Each activity party must be an object.")
            values, nested = self.record(party_table, item)
            if nested is not None:
                raise errors.unsupported("nested activity parties")
            if values.get("participationtypemask") is None:
                raise ODataError(400, errors.INVALID_ARGUMENT, "An activity party needs participationtypemask.")
            if values.get("partyid") is None and not values.get("addressused"):
                raise ODataError(400, errors.INVALID_ARGUMENT, "An activity party needs a partyid bind or addressused.")
            values.pop("activityid", None)
            parties.append(values)
        return parties
