"""The Dataverse solution of SMS Bridge: table definitions (``solution/tables``) and their loader."""

from .schema import (
    AlternateKey,
    Cascade,
    Choice,
    Column,
    ColumnType,
    Ownership,
    Relationship,
    RequiredLevel,
    Schema,
    SchemaError,
    Table,
    load_schema,
    parse_schema,
)

__all__ = [
    "AlternateKey",
    "Cascade",
    "Choice",
    "Column",
    "ColumnType",
    "Ownership",
    "Relationship",
    "RequiredLevel",
    "Schema",
    "SchemaError",
    "Table",
    "load_schema",
    "parse_schema",
]
