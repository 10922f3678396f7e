"""``$batch``: building the multipart body, reading the multipart answer, and the Batch builder.

A batch holds single operations and changesets. Changesets are atomic (all or nothing) and let later
parts refer to rows created earlier in the same changeset through ``$<Content-ID>``. Dataverse takes at
most 1,000 operations per ``$batch``; larger batches are split between items, never inside a changeset.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from requests.structures import CaseInsensitiveDict

from dataverse.errors import AlreadyExists, BatchError, DataverseError, DataverseHttpError, PreconditionFailed
from dataverse.odata import DataverseRequest, Filter, Key, prefer_header
from dataverse.operations import (
    RawResponse,
    create_request,
    delete_request,
    query_request,
    read_row,
    read_written,
    retrieve_request,
    update_request,
    upsert_request,
)
from dataverse.rows import Row, UpsertMode

__all__ = [
    "MAX_BATCH_OPERATIONS",
    "Batch",
    "BatchOperation",
    "BatchPartResult",
    "BatchResult",
    "Changeset",
    "Reference",
    "parse_batch_response",
    "plan_batches",
    "serialize_batch",
]

MAX_BATCH_OPERATIONS: Final = 1000

_CRLF = "\r\n"


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
                 formatted: bool = False) -> Reference:
        return self._single(lambda b: b._add(retrieve_request(entity_set, key, select=select,
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


def _size(item: Item) -> int:
    return len(item.operations) if isinstance(item, Changeset) else 1


def plan_batches(items: Sequence[Item], limit: int = MAX_BATCH_OPERATIONS) -> list[list[Item]]:
    """Split items into ``$batch`` requests of at most ``limit`` operations, keeping changesets whole."""
    plans: list[list[Item]] = []
    current: list[Item] = []
    size = 0
    for item in items:
        item_size = _size(item)
        if item_size > limit:
            raise BatchError(f"a changeset of {item_size} operations exceeds the {limit}-operation limit")
        if item_size == 0:
            continue
        if size + item_size > limit:
            plans.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        plans.append(current)
    return plans


def _part_request(operation: BatchOperation, api_root: str, *, in_changeset: bool) -> str:
    request = operation.request
    target = request.path if request.path.startswith("$") else api_root + request.path
    if request.params:
        target += "?" + urlencode(request.params, safe="$,()'=@/")
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if in_changeset:
        lines.append(f"Content-ID: {operation.content_id}")
    lines += ["", f"{request.method} {target} HTTP/1.1"]
    headers = dict(request.headers)
    body = ""
    if request.json is not None:
        headers.setdefault("Content-Type", "application/json; type=entry")
        body = json.dumps(request.json, separators=(",", ":"), ensure_ascii=False)
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["", body]
    return _CRLF.join(lines)


def serialize_batch(items: Sequence[Item], api_root: str, boundary: str | None = None) -> tuple[str, bytes]:
    """The ``Content-Type`` and body of a ``$batch`` request (pure: same input, same bytes)."""
    boundary = boundary or f"batch_{uuid.uuid4()}"
    chunks: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, Changeset):
            inner = f"changeset_{boundary.removeprefix('batch_')}_{index}"
            chunks.append(f"--{boundary}{_CRLF}Content-Type: multipart/mixed; boundary={inner}{_CRLF}")
            for operation in item.operations:
                if operation.request.method == "GET":
                    raise BatchError("a changeset cannot contain GET requests")
                chunks.append(f"--{inner}{_CRLF}{_part_request(operation, api_root, in_changeset=True)}")
            chunks.append(f"--{inner}--")
        else:
            chunks.append(f"--{boundary}{_CRLF}{_part_request(item, api_root, in_changeset=False)}")
    chunks.append(f"--{boundary}--{_CRLF}")
    return f"multipart/mixed; boundary={boundary}", _CRLF.join(chunks).encode("utf-8")


def batch_request(items: Sequence[Item], api_root: str, *, continue_on_error: bool,
                  boundary: str | None = None) -> DataverseRequest:
    content_type, body = serialize_batch(items, api_root, boundary)
    headers = {"Content-Type": content_type}
    prefer = prefer_header(continue_on_error=continue_on_error)
    if prefer:
        headers["Prefer"] = prefer
    operations = [op for item in items for op in (item.operations if isinstance(item, Changeset) else (item,))]
    return DataverseRequest(method="POST", path="$batch", headers=headers, data=body,
                            idempotent=all(op.request.idempotent for op in operations))


# -- reading the answer --------------------------------------------------------------------------

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class _Part:
    headers: CaseInsensitiveDict[str]
    content: bytes
    children: tuple[_Part, ...] = field(default=())
    response: RawResponse | None = None


def _boundary_of(content_type: str) -> str | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    match = _BOUNDARY.search(content_type)
    return match.group(1) if match else None


def _parse_headers(block: bytes) -> CaseInsensitiveDict[str]:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for line in block.decode("utf-8", "replace").splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip()] = value.strip()
    return headers


def _split_head(blob: bytes) -> tuple[bytes, bytes]:
    match = _BLANK_LINE.search(blob)
    if match is None:
        return blob, b""
    return blob[: match.start()], blob[match.end():]


def _parse_http(content: bytes) -> RawResponse:
    head, body = _split_head(content.lstrip(b"\r\n"))
    status_line, _, header_block = head.partition(b"\n")
    words = status_line.decode("ascii", "replace").strip().split(" ", 2)
    if len(words) < 2 or not words[0].startswith("HTTP/") or not words[1].isdigit():
        raise BatchError(f"unreadable status line in a batch response part: {status_line[:80]!r}")
    return RawResponse(status=int(words[1]), headers=_parse_headers(header_block), body=body.rstrip(b"\r\n"),
                       reason=words[2] if len(words) > 2 else "")


def _split_multipart(body: bytes, boundary: str) -> list[_Part]:
    delimiter = b"--" + boundary.encode("ascii")
    pieces = body.split(delimiter)
    parts: list[_Part] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        head, content = _split_head(piece.lstrip(b" \t").removeprefix(b"\r\n").removeprefix(b"\n"))
        headers = _parse_headers(head)
        content = content.removesuffix(b"\r\n").removesuffix(b"\n")
        inner = _boundary_of(headers.get("Content-Type", ""))
        if inner:
            parts.append(_Part(headers, content, children=tuple(_split_multipart(content, inner))))
        else:
            parts.append(_Part(headers, content, response=_parse_http(content)))
    return parts


def parse_batch_response(content_type: str, body: bytes) -> list[_Part]:
    boundary = _boundary_of(content_type)
    if boundary is None:
        raise BatchError(f"expected a multipart $batch response, got {content_type or 'no content type'}")
    return _split_multipart(body, boundary)


ErrorFactory = Callable[[RawResponse], DataverseHttpError]


def _result(operation: BatchOperation, response: RawResponse, error_for: ErrorFactory) -> BatchPartResult:
    if response.status >= 400:
        error = error_for(response)
        if operation.create_only and isinstance(error, PreconditionFailed | AlreadyExists):
            # Create-only writes report "already there" as an outcome, not a failure.
            return BatchPartResult(operation.content_id, response.status, error=None)
        return BatchPartResult(operation.content_id, response.status, error=error)
    if operation.request.method == "GET":
        return BatchPartResult(operation.content_id, response.status, row=read_row(response))
    entity_id, row = read_written(response)
    return BatchPartResult(operation.content_id, response.status, entity_id=entity_id, row=row)


def match_results(items: Sequence[Item], parts: Sequence[_Part], error_for: ErrorFactory) -> list[BatchPartResult]:
    """Pair every operation with its answer, in the order the operations were added."""
    results: list[BatchPartResult] = []
    remaining = list(parts)
    for item in items:
        part = remaining.pop(0) if remaining else None
        if isinstance(item, Changeset):
            results.extend(_changeset_results(item, part, error_for))
        elif part is None:
            results.append(BatchPartResult(item.content_id, None))
        elif part.response is None:
            raise BatchError("a changeset answer came back where a single operation was expected")
        else:
            results.append(_result(item, part.response, error_for))
    return results


def _changeset_results(changeset: Changeset, part: _Part | None,
                       error_for: ErrorFactory) -> list[BatchPartResult]:
    operations = changeset.operations
    if part is None:
        return [BatchPartResult(op.content_id, None) for op in operations]
    if part.response is not None:
        # A failed changeset answers with one error response and nothing in it was kept.
        response = part.response
        if response.status < 400:
            raise BatchError(f"a changeset answered with a single {response.status} response")
        error = error_for(response)
        if len(operations) == 1 and operations[0].create_only and isinstance(error, PreconditionFailed
                                                                              | AlreadyExists):
            return [BatchPartResult(operations[0].content_id, response.status)]
        return [BatchPartResult(op.content_id, response.status, error=error) for op in operations]
    by_id = {child.headers.get("Content-ID"): child for child in part.children}
    results: list[BatchPartResult] = []
    for position, operation in enumerate(operations):
        child = by_id.get(operation.content_id)
        if child is None and position < len(part.children) and None in by_id:
            child = part.children[position]
        if child is None or child.response is None:
            raise BatchError(f"no answer for changeset operation {operation.content_id}")
        results.append(_result(operation, child.response, error_for))
    return results
