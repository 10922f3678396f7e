"""What a sent ``$batch`` gave: one :class:`BatchPartResult` per operation, in the order they were added."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dataverse.batch.builder import Reference
from dataverse.errors import BatchError, DataverseError, DataverseHttpError
from dataverse.rows import Row

__all__ = ["BatchPartResult", "BatchResult"]


@dataclass(frozen=True)
class BatchPartResult:
    """The outcome of one operation. ``status`` is None when the service never ran it (an earlier
    failure stopped the batch); in a failed changeset every operation carries the changeset's error."""

    content_id: str
    status: int | None
    entity_id: uuid.UUID | None = None
    row: Row | None = None
    error: DataverseHttpError | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and self.error is None

    @property
    def executed(self) -> bool:
        return self.status is not None

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows of a collection GET (``Batch.query``); empty when the part failed."""
        if self.row is None:
            return ()
        value = self.row.get("value", ())
        return tuple(item for item in value if isinstance(item, Row))


@dataclass(frozen=True)
class BatchResult:
    parts: tuple[BatchPartResult, ...]
    round_trips: int

    @property
    def ok(self) -> bool:
        return all(part.ok for part in self.parts)

    def __iter__(self) -> Iterator[BatchPartResult]:
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    def __getitem__(self, index: int) -> BatchPartResult:
        return self.parts[index]

    def part(self, reference: Reference) -> BatchPartResult:
        for part in self.parts:
            if part.content_id == reference.content_id:
                return part
        raise KeyError(reference.content_id)

    def failure(self, references: Iterable[Reference]) -> DataverseError | None:
        """The first error among these operations (a failed changeset reports its error on each of its parts),
        or a `BatchError` for one the service never ran; None when all of them succeeded."""
        for reference in references:
            part = self.part(reference)
            if part.error is not None:
                return part.error
            if not part.executed:
                return BatchError(f"operation {part.content_id} was not executed")
        return None

    def raise_first_error(self) -> None:
        for part in self.parts:
            if part.error is not None:
                raise part.error
        for part in self.parts:
            if part.status is None:
                raise BatchError(f"operation {part.content_id} was not executed")
