"""The one place the messaging domain writes to Dataverse: plans in, Web API requests out.

A flow's decision returns `Write`s and `Changeset`s (`messaging.plans`); its shell hands them here, alone
(`apply`: one request) or together with the reads that ride along in the same round trip (`run`: one `$batch`, in
the order given, changesets atomic). Which request a write becomes is decided here only: a create-only write is a
`PATCH` with `If-None-Match: *`, a create with its own id a `POST` whose duplicate-key answer means "already there",
an update a `PATCH` with `If-Match` (the row's ETag when the plan carries one). Outside a changeset, a create-only
write that meets its row reports "already there" as an outcome, not a failure; inside one, it fails the changeset,
which is how a flow learns that another worker got there first.

`record` writes an Error Log row and never fails: recording an error must not become a second failure.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dataverse import (
    Batch,
    BatchError,
    BatchPartResult,
    DataverseClient,
    DataverseError,
    F,
    Filter,
    Key,
    Reference,
    Row,
    UpsertMode,
)
from dataverse import (
    Changeset as BatchChangeset,
)
from messaging.plans import Changeset, Mode, Write
from messaging.rows.errorlog import LoggedError, error_row

__all__ = ["Answer", "Get", "Item", "Query", "Store", "by_id"]

log = logging.getLogger("smsbridge.errorlog")


@dataclass(frozen=True)
class Get:
    """One row by key, inside a `$batch` (a missing row is the part's `NotFound`)."""

    entity_set: str
    key: Key
    select: tuple[str, ...]
    formatted: bool = False
    expand: tuple[str, ...] = ()  # single-valued navigation properties (or definitions' collections) read along


@dataclass(frozen=True)
class Query:
    """One page of a collection, inside a `$batch`."""

    entity_set: str
    select: tuple[str, ...]
    filter: Filter
    orderby: tuple[str, ...] = ()
    top: int | None = None
    formatted: bool = False


def by_id(entity_set: str, id_column: str, row_id: uuid.UUID, select: Iterable[str]) -> Query:
    """A row by id as a filtered query: an absent row is an empty answer, not an error that stops a `$batch`."""
    return Query(entity_set, tuple(select), F.eq(id_column, row_id), top=1)


Item = Write | Changeset | Get | Query


@dataclass(frozen=True)
class Answer:
    """What one `$batch` answered, by the items that were asked."""

    round_trips: int
    operations: int
    _parts: Mapping[int, tuple[BatchPartResult, ...]] = field(repr=False)

    def _of(self, item: Item) -> tuple[BatchPartResult, ...]:
        return self._parts[id(item)]

    def error(self, item: Item) -> DataverseError | None:
        """The item's error: the service's answer, or a `BatchError` when it never ran; None when it succeeded."""
        for part in self._of(item):
            if part.error is not None:
                return part.error
            if not part.executed:
                return BatchError(f"operation {part.content_id} was not executed")
        return None

    def found_there(self, item: Item) -> bool:
        """A create-only write (or a changeset of that write alone) that met its row: no error, nothing written."""
        return any(part.error is None and part.status is not None and part.status >= 400 for part in self._of(item))

    def service_error(self, item: Item) -> DataverseError | None:
        """What the service answered for the item when that was an error; None when it succeeded or never ran (an
        earlier failure stopped the `$batch`)."""
        return next((part.error for part in self._of(item) if part.error is not None), None)

    def row(self, item: Get) -> Row | None:
        return self._of(item)[0].row

    def rows(self, item: Query) -> tuple[Row, ...]:
        return self._of(item)[0].rows

    def raise_first_error(self) -> None:
        for parts in self._parts.values():
            for part in parts:
                if part.error is not None:
                    raise part.error
        for parts in self._parts.values():
            for part in parts:
                if not part.executed:
                    raise BatchError(f"operation {part.content_id} was not executed")


class Store:
    def __init__(self, client: DataverseClient, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._clock = clock

    def run(self, items: Sequence[Item], *, continue_on_error: bool = False) -> Answer:
        """Every item in one `$batch` (more only past 1,000 operations), in order."""
        batch = self._client.batch()
        references: dict[int, tuple[Reference, ...]] = {}
        for item in items:
            if isinstance(item, Changeset):
                changeset = batch.changeset()
                references[id(item)] = tuple(_add(changeset, write) for write in item.writes)
            elif isinstance(item, Write):
                references[id(item)] = (_add(batch, item),)
            elif isinstance(item, Get):
                references[id(item)] = (batch.retrieve(item.entity_set, item.key, select=item.select,
                                                       expand=item.expand or None, formatted=item.formatted),)
            else:
                references[id(item)] = (batch.query(item.entity_set, select=item.select, filter=item.filter,
                                                    orderby=item.orderby or None, top=item.top,
                                                    formatted=item.formatted),)
        result = self._client.execute_batch(batch, continue_on_error=continue_on_error)
        parts = {key: tuple(result.part(reference) for reference in refs) for key, refs in references.items()}
        return Answer(result.round_trips, batch.operation_count, parts)

    def apply(self, write: Write) -> uuid.UUID | None:
        """One write as one request; raises what Dataverse answered (`NotFound`, `PreconditionFailed`, …). Returns
        the id of a row this created."""
        table, values = write.table, write.values
        if write.mode is Mode.CREATE:
            return self._client.create(table.entity_set, values)
        row_id = write.key
        if write.mode is Mode.CREATE_WITH_ID:
            return self._client.create_with_id(table.entity_set, table.primary_id, row_id, values).id
        if write.mode is Mode.CREATE_ONLY:
            return self._client.upsert(table.entity_set, row_id, values, mode=UpsertMode.CREATE_ONLY).id
        if write.mode is Mode.DELETE:
            self._client.delete(table.entity_set, row_id, etag=write.etag)
            return None
        self._client.update(table.entity_set, row_id, values, etag=write.etag)
        return None

    def upload(self, write: Write, column: str, content: bytes, file_name: str) -> None:
        """A file into a file column of an existing row."""
        self._client.upload_file(write.table.entity_set, write.key, column, content, file_name)

    def record(self, entry: LoggedError) -> uuid.UUID | None:
        """An Error Log row; a write that fails is logged (without details) and swallowed."""
        try:
            return self.apply(error_row(entry, self._clock()))
        except DataverseError as exc:
            log.error("could not write an Error Log row (%s, %s): %s", entry.source, entry.name,
                      type(exc).__name__)
            return None


def _add(builder: Batch | BatchChangeset, write: Write) -> Reference:
    table, values = write.table, dict(write.values)
    if write.mode is Mode.CREATE:
        return builder.create(table.entity_set, values)
    row_id = write.key
    if write.mode is Mode.CREATE_WITH_ID:
        return builder.create_with_id(table.entity_set, table.primary_id, row_id, values)
    if write.mode is Mode.CREATE_ONLY:
        return builder.upsert(table.entity_set, row_id, values, mode=UpsertMode.CREATE_ONLY)
    if write.mode is Mode.DELETE:
        return builder.delete(table.entity_set, row_id, etag=write.etag)
    return builder.update(table.entity_set, row_id, values, etag=write.etag)
