"""What a decision asks the store to write: plain values, no I/O.

A flow's pure function returns `Write`s (one row each, built by the row writers in `messaging.rows`) and
`Changeset`s (writes that commit together or not at all); `messaging.store.Store` turns them into Web API requests.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

__all__ = ["Changeset", "Mode", "Table", "Write"]


class Table(Protocol):
    """A table as `messaging.names` describes it."""

    @property
    def logical_name(self) -> str: ...

    @property
    def entity_set(self) -> str: ...

    @property
    def primary_id(self) -> str: ...


class Mode(enum.Enum):
    CREATE = "create"  # POST; the service chooses the id
    CREATE_WITH_ID = "create-with-id"  # POST carrying the id; a duplicate key means the row is already there
    CREATE_ONLY = "create-only"  # PATCH by id with If-None-Match: * (412: already there, left untouched)
    UPDATE = "update"  # PATCH by id with If-Match: the row's ETag when given, else any version
    DELETE = "delete"


@dataclass(frozen=True)
class Write:
    table: Table
    row_id: uuid.UUID | None
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    mode: Mode = Mode.UPDATE
    etag: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        if self.row_id is None and self.mode is not Mode.CREATE:
            raise ValueError(f"a {self.mode.value} write needs a row id")

    @property
    def key(self) -> uuid.UUID:
        """The row's id, for every write but a plain create."""
        if self.row_id is None:
            raise ValueError("a plain create has no id before the service gives it one")
        return self.row_id


@dataclass(frozen=True)
class Changeset:
    """Writes that commit together or not at all."""

    writes: tuple[Write, ...]
