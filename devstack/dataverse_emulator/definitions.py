"""What the metadata handlers are given: the org's definitions and the state that changes with them."""

from __future__ import annotations

from dataclasses import dataclass

from solution.schema import Schema

from . import errors
from .catalog import Catalog
from .ports import InstalledTables, KeyIndexes, Publishers, SchemaHolder
from .store import Store

__all__ = ["Definitions"]


@dataclass(frozen=True)
class Definitions:
    """The org's current schema; the catalog of what the metadata API created (``catalog.py``); which tables are
    installed and how their key indexes stand, and the publishers whose prefixes created names carry
    (``solutions.py``); the store, whose rows a change reshapes."""

    holder: SchemaHolder
    catalog: Catalog
    tables: InstalledTables
    keys: KeyIndexes
    publishers: Publishers
    store: Store

    @property
    def schema(self) -> Schema:
        return self.holder.schema

    def visible_schema(self) -> Schema:
        return self.tables.visible_schema()

    def check_writable(self) -> None:
        """Definitions change outside transactions: the store cannot take a new schema in the middle of one."""
        if self.store.in_transaction:
            raise errors.unsupported("changing table definitions inside a $batch change set")
