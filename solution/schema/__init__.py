"""The Dataverse table definitions of SMS Bridge, read from ``solution/tables/**/*.toml``.

The TOML files are the single source of truth for tables, columns, alternate keys and
relationships; the packer, the emulator and the tests read them through :func:`load_schema`.
The file format is described in ``solution/README.md``.

The package: ``model`` (the dataclasses and enums), ``loader`` (reading the files), ``tables`` (one file's table and
columns), ``relationships`` (the one-to-many relationships) and ``validation`` (rules over the whole schema).
"""

from .loader import TABLES_DIR, load_schema, parse_schema
from .model import (
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
)

__all__ = [
    "TABLES_DIR",
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
