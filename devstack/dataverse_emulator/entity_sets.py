"""The routes of entity sets: ``set``, ``set/$count``, ``set(key)``, ``set(key)/column`` and bound actions
``set/Microsoft.Dynamics.CRM.<Name>``, each resolved to its table (404 for a set the org does not serve) and key,
then answered by the reader, the writer, the single-property handler or the bulk actions."""

from __future__ import annotations

from solution.schema import Table

from . import errors
from .bulk import BulkOperations
from .errors import ODataError
from .key_predicates import parse_key
from .ports import RecordWriter, SchemaHolder, TableVisibility
from .properties import Properties
from .protocol import Outcome, method_not_allowed
from .reads import Reader
from .routing import Routed

__all__ = ["ENTITY_SET", "EntitySets"]

ENTITY_SET = r"(?P<set>[A-Za-z_]\w*)"


class EntitySets:
    def __init__(self, holder: SchemaHolder, tables: TableVisibility, *, reader: Reader, writer: RecordWriter,
                 properties: Properties, bulk: BulkOperations) -> None:
        self.holder = holder
        self.tables = tables
        self.reader = reader
        self.writer = writer
        self.properties = properties
        self.bulk = bulk

    def table(self, entity_set: str) -> Table:
        """The table behind an entity set, as this org's clients see it."""
        table = self.holder.schema.find_entity_set(entity_set)
        if table is None or not self.tables.visible(table):
            raise ODataError(404, errors.BAD_PROPERTY, f"Resource not found for the segment '{entity_set}'.")
        return table

    # --- set ---

    def query(self, routed: Routed) -> Outcome:
        return self.reader.query(routed.call, self.table(routed["set"]))

    def create(self, routed: Routed) -> Outcome:
        return self.writer.create(routed.call, self.table(routed["set"]), routed.events)

    def count(self, routed: Routed) -> Outcome:
        return self.reader.count(routed.call, self.table(routed["set"]))

    def bound_action(self, routed: Routed) -> Outcome:
        return self.bulk.bound_action(routed.call, self.table(routed["set"]), routed["action"], routed.events)

    # --- set(key) ---

    def retrieve(self, routed: Routed) -> Outcome:
        table = self.table(routed["set"])
        return self.reader.retrieve(routed.call, table, parse_key(table, routed["key"]))

    def upsert(self, routed: Routed) -> Outcome:
        table = self.table(routed["set"])
        key_text = routed["key"]
        return self.writer.upsert(routed.call, table, parse_key(table, key_text), key_text, routed.events)

    def delete(self, routed: Routed) -> Outcome:
        table = self.table(routed["set"])
        return self.writer.delete(routed.call, table, parse_key(table, routed["key"]))

    def property(self, routed: Routed) -> Outcome:
        """``set(key)/column`` (``/$value`` for the raw value)."""
        table = self.table(routed["set"])
        key_text = routed["key"]
        return self.properties.handle(routed.call, table, parse_key(table, key_text), key_text=key_text,
                                      segment=routed["segment"], raw_value=routed.get("value") is not None,
                                      events=routed.events)

    # --- any other method ---

    def no_such_method(self, routed: Routed) -> Outcome:
        """405, once the set (and the key, when there is one) is known to address something."""
        table = self.table(routed["set"])
        if routed.get("key") is not None:
            parse_key(table, routed["key"])
        raise method_not_allowed(routed.call)
