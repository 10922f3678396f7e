"""Collecting a ``$batch``: :class:`Batch` and its :class:`Changeset` s of operations, each operation a request
built by :mod:`dataverse.operations` with the Content-ID a :class:`Reference` names it by."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataverse.odata import DataverseRequest, Filter, Key
from dataverse.operations import (
    create_request,
    delete_request,
    query_request,
    retrieve_request,
    update_request,
    upsert_request,
)
from dataverse.rows import UpsertMode

__all__ = ["Batch", "BatchOperation", "Changeset", "Item", "Reference"]


@dataclass(frozen=True)
class Reference:
    """A row created earlier in the same changeset; use ``ref.bind`` as an ``@odata.bind`` value."""

    content_id: str

    @property
    def bind(self) -> str:
        return f"${self.content_id}"

    def __str__(self) -> str:
        return self.bind


@dataclass(frozen=True)
class BatchOperation:
    request: DataverseRequest
    content_id: str
    create_only: bool = False


class _Builder:
    """Operations shared by a batch (outside any changeset) and a changeset."""

    def __init__(self, next_id: Callable[[], str]) -> None:
        self._next_id = next_id
        self._operations: list[BatchOperation] = []

    @property
    def operations(self) -> tuple[BatchOperation, ...]:
        return tuple(self._operations)

    def _add(self, request: DataverseRequest, *, create_only: bool = False) -> Reference:
        content_id = self._next_id()
        self._operations.append(BatchOperation(request, content_id, create_only))
        return Reference(content_id)

    def create(self, entity_set: str, data: Mapping[str, Any], *, return_representation: bool = False,
               select: Iterable[str] | None = None) -> Reference:
        return self._add(create_request(entity_set, data, return_representation=return_representation,
                                        select=select))

    def create_with_id(self, entity_set: str, id_column: str, row_id: uuid.UUID,
                       data: Mapping[str, Any]) -> Reference:
        """POST carrying its own id; a duplicate-key answer means the row was already there."""
        body = {**data, id_column: str(row_id)}
        return self._add(create_request(entity_set, body, has_client_id=True), create_only=True)

    def update(self, entity_set: str, key: Key, data: Mapping[str, Any], *, etag: str | None = None) -> Reference:
        return self._add(update_request(entity_set, key, data, etag=etag))

    def upsert(self, entity_set: str, key: Key, data: Mapping[str, Any], *,
               mode: UpsertMode = UpsertMode.EITHER) -> Reference:
        return self._add(upsert_request(entity_set, key, data, mode=mode),
                         create_only=mode is UpsertMode.CREATE_ONLY)

    def delete(self, entity_set: str, key: Key, *, etag: str | None = None) -> Reference:
        return self._add(delete_request(entity_set, key, etag=etag))


class Changeset(_Builder):
    """Atomic group: usable as a context manager for readability (``with batch.changeset() as cs:``)."""

    def __enter__(self) -> Changeset:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


Item = BatchOperation | Changeset


class Batch:
    """Collects operations; :meth:`dataverse.client.DataverseClient.execute_batch` sends them."""

    def __init__(self) -> None:
        self._counter = 0
        self._items: list[Item] = []
        self._singles: _Builder | None = None

    def _next_id(self) -> str:
        self._counter += 1
        return str(self._counter)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(self._items)

    @property
    def operation_count(self) -> int:
        return sum(len(item.operations) if isinstance(item, Changeset) else 1 for item in self._items)

    def changeset(self) -> Changeset:
        changeset = Changeset(self._next_id)
        self._items.append(changeset)
        return changeset

    def _single(self, add: Callable[[_Builder], Reference]) -> Reference:
        builder = _Builder(self._next_id)
        reference = add(builder)
        self._items.extend(builder.operations)
        return reference

    def retrieve(self, entity_set: str, key: Key, *, select: Iterable[str] | None = None,
                 expand: Iterable[str] | None = None, formatted: bool = False) -> Reference:
        return self._single(lambda b: b._add(retrieve_request(entity_set, key, select=select, expand=expand,
                                                              formatted=formatted)))

    def query(self, entity_set: str, *, select: Iterable[str] | None = None, filter: Filter | str | None = None,
              orderby: Iterable[str] | None = None, top: int | None = None, formatted: bool = False) -> Reference:
        """A collection GET (one page: give ``top``); read the answer with ``BatchPartResult.rows``."""
        return self._single(lambda b: b._add(query_request(entity_set, select=select, filter=filter,
                                                           orderby=orderby, top=top, formatted=formatted)))

    def create(self, entity_set: str, data: Mapping[str, Any]) -> Reference:
        return self._single(lambda b: b.create(entity_set, data))

    def create_with_id(self, entity_set: str, id_column: str, row_id: uuid.UUID,
                       data: Mapping[str, Any]) -> Reference:
        return self._single(lambda b: b.create_with_id(entity_set, id_column, row_id, data))

    def update(self, entity_set: str, key: Key, data: Mapping[str, Any], *, etag: str | None = None) -> Reference:
        return self._single(lambda b: b.update(entity_set, key, data, etag=etag))

    def upsert(self, entity_set: str, key: Key, data: Mapping[str, Any], *,
               mode: UpsertMode = UpsertMode.EITHER) -> Reference:
        return self._single(lambda b: b.upsert(entity_set, key, data, mode=mode))

    def delete(self, entity_set: str, key: Key, *, etag: str | None = None) -> Reference:
        return self._single(lambda b: b.delete(entity_set, key, etag=etag))
