"""Reading ``solution/tables/**/*.toml`` into a :class:`Schema`: every file parsed, the tables built, the
relationships derived and the whole validated."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from .model import Column, Schema, SchemaError, Table
from .relationships import build_relationships
from .tables import is_generated, read_columns, read_table
from .validation import validate

TABLES_DIR = Path(__file__).resolve().parents[1] / "tables"


@functools.cache
def load_schema() -> Schema:
    """The product's schema, read once from ``solution/tables``."""
    return parse_schema(TABLES_DIR)


def parse_schema(directory: Path) -> Schema:
    """Read and validate every ``*.toml`` under ``directory`` (recursively)."""
    raw: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(directory.rglob("*.toml")):
        try:
            with path.open("rb") as handle:
                raw.append((path, tomllib.load(handle)))
        except tomllib.TOMLDecodeError as exc:
            raise SchemaError(f"{path.name}: not valid TOML: {exc}") from exc
    if not raw:
        raise SchemaError(f"no table definitions under {directory}")
    return _build(raw)


def _build(raw: list[tuple[Path, dict[str, Any]]]) -> Schema:
    specs: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, doc in raw:
        table_doc = doc.get("table")
        if not isinstance(table_doc, dict):
            raise SchemaError(f"{path.name}: missing [table] section")
        name = table_doc.get("logical_name")
        if not isinstance(name, str) or not name:
            raise SchemaError(f"{path.name}: [table] needs a logical_name")
        if name in specs:
            raise SchemaError(f"{path.name}: table {name!r} is also defined in {specs[name][0].name}")
        specs[name] = (path, doc)

    activity_base: tuple[Column, ...] = ()
    if "activitypointer" in specs:
        pointer_file, pointer = specs["activitypointer"]
        activity_base = read_columns(pointer_file.name, "activitypointer", pointer, is_generated(pointer))

    tables: list[Table] = []
    for name, (path, doc) in specs.items():
        tables.append(read_table(path.name, name, doc, activity_base, frozenset(specs)))

    by_name = {t.logical_name: t for t in tables}
    seen_sets: dict[str, str] = {}
    for t in tables:
        if t.entity_set in seen_sets:
            raise SchemaError(
                f"entity set {t.entity_set!r} is used by {seen_sets[t.entity_set]!r} and {t.logical_name!r}"
            )
        seen_sets[t.entity_set] = t.logical_name

    relationships = build_relationships(specs, by_name)
    validate(tables, by_name, relationships)
    return Schema(tables=tuple(tables), relationships=tuple(relationships))
