"""Moving a file column's content over a send function: the upload (one PATCH, or the chunked protocol) and the
ranged download. The requests themselves are built by :mod:`dataverse.files`."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from dataverse.errors import MalformedResponse
from dataverse.files import (
    DEFAULT_CHUNK_SIZE,
    SINGLE_UPLOAD_LIMIT,
    chunk_request,
    chunks,
    download_request,
    single_upload_request,
    start_chunked_upload_request,
)
from dataverse.odata import DataverseRequest
from dataverse.operations import RawResponse
from dataverse.rows import StoredFile

__all__ = ["download", "upload"]

Send = Callable[[DataverseRequest], RawResponse]


def upload(send: Send, entity_set: str, row_id: uuid.UUID, column: str, content: bytes, *, file_name: str,
           chunk_size: int | None = None) -> None:
    """Store ``content`` in a file column of an existing row: one PATCH up to 4 MB, chunks above (or whenever
    ``chunk_size`` is given)."""
    if len(content) <= SINGLE_UPLOAD_LIMIT and chunk_size is None:
        send(single_upload_request(entity_set, row_id, column, content, file_name))
        return
    start = send(start_chunked_upload_request(entity_set, row_id, column, file_name))
    location = start.headers.get("Location")
    if not location:
        raise MalformedResponse("the chunked upload did not answer with a Location")
    size = chunk_size or int(start.headers.get("x-ms-chunk-size") or DEFAULT_CHUNK_SIZE)
    for chunk in chunks(len(content), size):
        send(chunk_request(location, chunk, content, file_name))


def download(send: Send, entity_set: str, row_id: uuid.UUID, column: str, *,
             chunk_size: int = DEFAULT_CHUNK_SIZE) -> StoredFile:
    """A file column's content, read in ranges of ``chunk_size`` bytes, and the file name it was stored under
    (``x-ms-file-name``)."""
    received = bytearray()
    name: str | None = None
    while True:
        response = send(download_request(entity_set, row_id, column, start=len(received), length=chunk_size))
        name = name or response.headers.get("x-ms-file-name")
        received += response.body
        if response.status != 206:
            break
        total = _total_size(response)
        if total is None or len(received) >= total or not response.body:
            break
    return StoredFile(content=bytes(received), file_name=name)


def _total_size(response: RawResponse) -> int | None:
    size = response.headers.get("x-ms-file-size")
    if size and size.isdigit():
        return int(size)
    content_range = response.headers.get("Content-Range", "")
    total = content_range.rpartition("/")[2]
    return int(total) if total.isdigit() else None
