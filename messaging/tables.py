"""Customer tables' definitions, read from Dataverse's metadata and kept per worker.

One `EntityDefinitions(LogicalName='<table>')` request per table, its columns and relationships expanded
(`messaging.customers`); the tables a flow lacks are read together, in one `$batch` when there are several. A
definition is kept for an hour at most, and for as long as the Record Type that names its table is the version it
was read for: the version is the Record Type's `modifiedon`, so changing a Record Type (Dataverse's webhook reports
it, and every worker reads its Configuration's Record Types again within a minute) makes every worker read the
table again. A table that does not exist is remembered as missing for the same time. The product's own tables are
never read here: their names are generated (`messaging.names`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dataverse import DataverseClient, NotFound
from messaging.caches import TtlCache
from messaging.customers import DEFINITION_EXPAND, DEFINITION_SELECT, DEFINITIONS, CustomerTable, table_from_definition

__all__ = ["CustomerTables", "Loaded"]

# A definition not tied to a Record Type's version (a To record's table, a Record Type of any version).
ANY_VERSION = ""


@dataclass(frozen=True)
class Loaded:
    """The tables asked for (None: no such table), and the round trips reading the missing ones took."""

    tables: Mapping[str, CustomerTable | None]
    round_trips: int = 0
    fresh: frozenset[str] = frozenset()  # the tables read just now

    def get(self, table: str) -> CustomerTable | None:
        return self.tables.get(table)


class CustomerTables:
    def __init__(self, client: DataverseClient, *, ttl: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._held: TtlCache[str, tuple[str, CustomerTable | None]] = TtlCache(ttl, max_entries=2_000, clock=clock)

    def cached(self, table: str, version: str = ANY_VERSION) -> tuple[bool, CustomerTable | None]:
        """(held, definition): whether this worker holds the table's definition for `version`, and the definition
        (None when the table does not exist)."""
        entry = self._held.get(table)
        if entry is None or (version and entry[0] != version):
            return False, None
        return True, entry[1]

    def load(self, wanted: Mapping[str, str] | Iterable[str]) -> Loaded:
        """The definitions of `wanted` (table → the version of the Record Type naming it, or just table names),
        read in one request for those this worker does not hold."""
        versions = dict(wanted) if isinstance(wanted, Mapping) else dict.fromkeys(wanted, ANY_VERSION)
        found: dict[str, CustomerTable | None] = {}
        missing: dict[str, str] = {}
        for table, version in versions.items():
            if not table:
                continue
            held, definition = self.cached(table, version)
            if held:
                found[table] = definition
            else:
                missing[table] = version
        if not missing:
            return Loaded(MappingProxyType(found))
        read, round_trips = self.read(missing)
        for table, definition in read.items():
            self._held.put(table, (missing[table], definition))
        found.update(read)
        return Loaded(MappingProxyType(found), round_trips, frozenset(read))

    def read(self, tables: Iterable[str]) -> tuple[dict[str, CustomerTable | None], int]:
        """The definitions as Dataverse has them now, whatever is held (one request), and the round trips."""
        names = list(dict.fromkeys(tables))
        if len(names) == 1:
            (table,) = names
            row = self._client.find(DEFINITIONS, {"LogicalName": table}, select=DEFINITION_SELECT,
                                    expand=DEFINITION_EXPAND)
            return {table: table_from_definition(row) if row is not None else None}, 1
        batch = self._client.batch()
        references = {table: batch.retrieve(DEFINITIONS, {"LogicalName": table}, select=DEFINITION_SELECT,
                                            expand=DEFINITION_EXPAND) for table in names}
        result = self._client.execute_batch(batch, continue_on_error=True)
        definitions: dict[str, CustomerTable | None] = {}
        for table, reference in references.items():
            part = result.part(reference)
            if isinstance(part.error, NotFound):
                definitions[table] = None
            elif part.error is not None:
                raise part.error
            else:
                definitions[table] = table_from_definition(part.row) if part.row is not None else None
        return definitions, result.round_trips

    def forget(self, *tables: str) -> None:
        """Read these tables (every table when none is named) again the next time they are needed."""
        if not tables:
            self._held.clear()
        for table in tables:
            self._held.discard(table)
