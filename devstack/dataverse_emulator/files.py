"""File columns: single-request and chunked upload, download (whole or by range), delete.

Protocol from https://learn.microsoft.com/power-apps/developer/data-platform/file-column-data:
a ``PATCH set(id)/col`` with ``x-ms-transfer-mode: chunked`` answers ``Location`` (with a session
token) and ``x-ms-chunk-size``; each chunk is a ``PATCH`` to that location with ``Content-Range``
(206 until the last, then 204). ``GET set(id)/col/$value`` downloads; ``DELETE set(id)/col`` removes.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from solution.schema import Column, Table

from . import errors
from .errors import ODataError
from .ports import Clock
from .protocol import Call, Outcome, only_options
from .store import Store, StoredFile

__all__ = ["CHUNK_SIZE", "SINGLE_REQUEST_LIMIT", "FileColumns"]

CHUNK_SIZE = 4 * 1024 * 1024
SINGLE_REQUEST_LIMIT = 128 * 1024 * 1024


@dataclass
class UploadSession:
    table: str
    row_id: str
    column: str
    file_name: str
    content_type: str
    received: dict[int, bytes] = field(default_factory=dict)
    total: int | None = None


class FileColumns:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.sessions: dict[str, UploadSession] = {}

    def handle(self, call: Call, table: Table, row: dict[str, Any], col: Column, *, raw_value: bool) -> Outcome:
        row_id = str(row[table.primary_id])
        if call.method == "DELETE":
            only_options(call)
        if call.method == "GET":
            # size=full asks for the whole content (not an image thumbnail); a file column has nothing else
            only_options(call, "size")
            if call.param("size") not in (None, "full"):
                raise errors.unsupported(f"size={call.param('size')} on a file download (only size=full)")
        if call.method == "GET":
            if not raw_value:
                raise errors.unsupported(
                    f"GET {table.entity_set}(id)/{col.name} without /$value; download with /$value"
                )
            return self._download(call, table, row_id, col)
        if call.method in ("PATCH", "PUT"):
            token = call.param("sessiontoken")
            self._check_upload(call, chunk=token is not None)
            if token is not None:
                return self._chunk(call, table, row_id, col, token)
            if (call.header("x-ms-transfer-mode") or "").lower() == "chunked":
                return self._start(call, table, row_id, col)
            return self._single(call, table, row_id, col)
        if call.method == "DELETE":
            if self.store.file(table.logical_name, row_id, col.name) is None:
                raise _no_file(row_id, col)
            self._store(table, row_id, col, None)
            return Outcome(204, [("OData-Version", "4.0")])
        raise ODataError(
            405, errors.BAD_PROPERTY, f"The requested resource does not support http method '{call.method}'."
        )

    def _file_name(self, call: Call) -> str:
        # the docs' chunked upload names the file in the first request's query string; a single request in a header
        name = call.header("x-ms-file-name") or call.param("x-ms-file-name")
        if not name:
            raise ODataError(400, errors.INVALID_ARGUMENT,
                             "The x-ms-file-name header (or query parameter) is required to upload a file.")
        return name

    def _check_upload(self, call: Call, *, chunk: bool) -> None:
        """Refuse by name what an upload carries and the emulator does not honour."""
        allowed = {"sessiontoken"} if chunk else {"x-ms-file-name"}
        for name, _ in call.query:
            if name not in allowed:
                raise errors.unsupported(f"the query option '{name}' on a file upload")
        # If-None-Match: null is the docs' "no cached answer" marker; If-Match: * only asks that the record exists
        if (call.header("If-None-Match") or "null").strip() != "null":
            raise errors.unsupported(f"If-None-Match: {call.header('If-None-Match')} on a file upload")
        if (call.header("If-Match") or "*").strip() != "*":
            raise errors.unsupported(f"If-Match: {call.header('If-Match')} on a file upload")

    def _single(self, call: Call, table: Table, row_id: str, col: Column) -> Outcome:
        name = self._file_name(call)
        data = call.body
        if len(data) > SINGLE_REQUEST_LIMIT:
            raise ODataError(
                400,
                errors.INVALID_ARGUMENT,
                "Files over 128 MB must be uploaded in chunks (x-ms-transfer-mode: chunked).",
            )
        self._check_size(table, col, len(data))
        content_type = call.header("Content-Type") or "application/octet-stream"
        self._store(table, row_id, col, StoredFile(str(uuid.uuid4()), name, data, content_type))
        return Outcome(204, [("OData-Version", "4.0")])

    def _start(self, call: Call, table: Table, row_id: str, col: Column) -> Outcome:
        name = self._file_name(call)
        if call.body:
            raise ODataError(400, errors.INVALID_ARGUMENT, "The request that starts a chunked upload has no body.")
        token = secrets.token_urlsafe(24)
        self.sessions[token] = UploadSession(table.logical_name, row_id, col.name, name, "application/octet-stream")
        location = f"{call.base_url}{table.entity_set}({row_id})/{col.name}?sessiontoken={token}"
        return Outcome(200, [("Location", location), ("x-ms-chunk-size", str(CHUNK_SIZE)), ("OData-Version", "4.0")])

    def _chunk(self, call: Call, table: Table, row_id: str, col: Column, token: str) -> Outcome:
        session = self.sessions.get(token)
        if session is None or (session.table, session.row_id, session.column) != (table.logical_name, row_id, col.name):
            raise ODataError(
                400, errors.INVALID_ARGUMENT, "The upload session token is not valid for this file column."
            )
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", (call.header("Content-Range") or "").strip())
        if m is None:
            raise ODataError(
                400, errors.INVALID_ARGUMENT, "Each chunk needs a Content-Range: bytes <first>-<last>/<total> header."
            )
        first, last, total = (int(g) for g in m.groups())
        data = call.body
        if last - first + 1 != len(data) or last >= total:
            raise ODataError(
                400,
                errors.INVALID_ARGUMENT,
                f"Content-Range bytes {first}-{last}/{total} does not match the {len(data)} bytes sent.",
            )
        if len(data) > CHUNK_SIZE:
            raise ODataError(
                400, errors.INVALID_ARGUMENT, f"A chunk may hold at most {CHUNK_SIZE} bytes (x-ms-chunk-size)."
            )
        if session.total is not None and session.total != total:
            raise ODataError(400, errors.INVALID_ARGUMENT, "The total size changed between chunks.")
        self._check_size(table, col, total)
        session.total = total
        session.received[first] = data
        if call.header("x-ms-file-name"):
            session.file_name = call.header("x-ms-file-name") or session.file_name
        content = _assemble(session.received, total)
        if content is None:
            return Outcome(206, [("OData-Version", "4.0")])
        del self.sessions[token]
        self._store(table, row_id, col, StoredFile(str(uuid.uuid4()), session.file_name, content, session.content_type))
        return Outcome(204, [("OData-Version", "4.0")])

    def _download(self, call: Call, table: Table, row_id: str, col: Column) -> Outcome:
        stored = self.store.file(table.logical_name, row_id, col.name)
        if stored is None:
            raise _no_file(row_id, col)
        headers = [
            ("x-ms-file-name", stored.name),
            ("x-ms-file-size", str(len(stored.content))),
            ("OData-Version", "4.0"),
        ]
        wanted = call.header("Range")
        if wanted:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if m is None:
                raise ODataError(416, errors.INVALID_ARGUMENT, f"Unsupported Range '{wanted}'.")
            first = int(m.group(1))
            last = min(int(m.group(2)) if m.group(2) else len(stored.content) - 1, len(stored.content) - 1)
            if first > last:
                raise ODataError(416, errors.INVALID_ARGUMENT, f"Range '{wanted}' is outside the file.")
            headers.append(("Content-Range", f"bytes {first}-{last}/{len(stored.content)}"))
            return Outcome(206, headers, stored.content[first : last + 1], "application/octet-stream")
        return Outcome(200, headers, stored.content, "application/octet-stream")

    def _check_size(self, table: Table, col: Column, size: int) -> None:
        if size > (col.max_size_kb or 32768) * 1024:
            raise ODataError(
                400,
                errors.INVALID_ARGUMENT,
                f"The file is {size} bytes; the column '{col.name}' of '{table.logical_name}' accepts at most"
                f" {col.max_size_kb} KB.",
            )

    def _store(self, table: Table, row_id: str, col: Column, stored: StoredFile | None) -> None:
        store = self.store
        row = store.raw(table.logical_name, row_id)
        if row is None:
            raise errors.not_found(table.logical_name, row_id)
        key = (table.logical_name, row_id, col.name)
        updated = dict(row)
        if stored is None:
            store.put_file(key, None)
            updated[col.name] = None
        else:
            store.put_file(key, stored)
            updated[col.name] = stored.file_id
        updated["modifiedon"] = self.clock()
        store.put(table.logical_name, row_id, updated)


def _no_file(row_id: str, col: Column) -> ODataError:
    return ODataError(404, errors.NOT_FOUND, f"No file attachment found for attribute: {col.name} EntityId: {row_id}.")


def _assemble(received: dict[int, bytes], total: int) -> bytes | None:
    position = 0
    pieces = []
    for offset in sorted(received):
        if offset != position:
            return None
        pieces.append(received[offset])
        position += len(received[offset])
    return b"".join(pieces) if position == total else None
