"""Metadata URLs: their segments, and finding the table, column or relationship a key addresses.

A definition is addressed by its MetadataId or by its alternate key: ``LogicalName='x'`` for tables, columns and
keys, ``SchemaName='x'`` for relationships, ``Name='x'`` for global option sets ("Retrieve table definitions by
name or MetadataId", https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-metadata-name-metadataid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from solution.schema import Column, Relationship, Schema, Table

from . import errors
from .attribute_metadata import metadata_id
from .catalog import Catalog
from .errors import ODataError
from .odata import normalize_guid
from .platform import ManyToMany
from .relationship_metadata import relationship_id, visible_many_to_many, visible_one_to_many

__all__ = ["CAST_PREFIX", "Segment", "alternate_key", "find_column", "find_relationship", "find_table", "parse_path"]

CAST_PREFIX = "Microsoft.Dynamics.CRM."
_SEGMENT = re.compile(r"(?P<name>[A-Za-z][\w.]*)(?:\((?P<key>[^()]*)\))?")
_ALTERNATE = re.compile(r"\s*(?P<property>[A-Za-z]+)\s*=\s*'(?P<value>(?:[^']|'')*)'\s*")


@dataclass(frozen=True)
class Segment:
    name: str
    key: str | None

    @property
    def is_cast(self) -> bool:
        return self.name.startswith(CAST_PREFIX)

    @property
    def cast(self) -> str:
        return self.name.removeprefix(CAST_PREFIX)


def parse_path(path: str) -> list[Segment]:
    segments: list[Segment] = []
    for part in path.split("/"):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise errors.unsupported(f"the metadata path '{path}'")
        segments.append(Segment(match.group("name"), match.group("key")))
    return segments


def alternate_key(text: str, property_name: str, what: str) -> str | None:
    """The value of ``<property_name>='v'``; None when ``text`` is a MetadataId; 400 for anything else."""
    if normalize_guid(text) is not None:
        return None
    match = _ALTERNATE.fullmatch(text)
    if match is None or match.group("property") != property_name:
        raise errors.syntax(f"{what} is addressed by {property_name}='<name>' or its MetadataId, not '{text}'.")
    return match.group("value").replace("''", "'")


def find_table(schema: Schema, text: str) -> Table:
    name = alternate_key(text, "LogicalName", "EntityDefinitions")
    if name is not None:
        if schema.has_table(name):
            return schema.table(name)
    else:
        wanted = normalize_guid(text)
        for table in schema.tables:
            if metadata_id(table.logical_name) == wanted:
                return table
        name = text
    raise ODataError(404, errors.NOT_FOUND, f"Could not find entity with LogicalName '{name}'.")


def find_column(table: Table, text: str) -> Column:
    name = alternate_key(text, "LogicalName", "Attributes")
    if name is not None:
        column = table.find_column(name)
    else:
        wanted = normalize_guid(text)
        column = next((c for c in table.columns if metadata_id(f"{table.logical_name}.{c.name}") == wanted), None)
        name = text
    if column is None:
        raise ODataError(404, errors.NOT_FOUND, f"Could not find attribute '{name}' of entity '{table.logical_name}'.")
    return column


def find_relationship(schema: Schema, catalog: Catalog, text: str) -> Relationship | ManyToMany:
    name = alternate_key(text, "SchemaName", "RelationshipDefinitions")
    candidates: list[Relationship | ManyToMany] = [*visible_one_to_many(schema), *visible_many_to_many(schema, catalog)]
    wanted = normalize_guid(text)
    for relationship in candidates:
        if relationship.name == name or (name is None and relationship_id(relationship.name) == wanted):
            return relationship
    raise ODataError(404, errors.NOT_FOUND, f"Could not find relationship '{name or text}'.")
