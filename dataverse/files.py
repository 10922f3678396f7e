"""File columns: the upload plan (one PATCH, or the chunked protocol) and ranged downloads.

Dataverse takes a file of up to 4 MB in one ``PATCH …/<column>``. Larger files go in chunks: a first
``PATCH`` with ``x-ms-transfer-mode: chunked`` answers with a ``Location`` (carrying an upload session
token) and ``x-ms-chunk-size``; every chunk is then ``PATCH``-ed there with ``Content-Range``; the service
answers 206 until the last chunk, then 204.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from dataverse.odata import DataverseRequest, check_identifier, entity_path

__all__ = [
    "SINGLE_UPLOAD_LIMIT",
    "FileChunk",
    "chunk_request",
    "chunks",
    "column_path",
    "download_request",
    "single_upload_request",
    "start_chunked_upload_request",
]

SINGLE_UPLOAD_LIMIT: Final = 4 * 1024 * 1024
DEFAULT_CHUNK_SIZE: Final = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileChunk:
    start: int
    end: int  # inclusive, as in Content-Range
    total: int

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.total}"


def column_path(entity_set: str, row_id: uuid.UUID, column: str) -> str:
    return f"{entity_path(entity_set, row_id)}/{check_identifier(column, 'column name')}"


def _file_name_header(file_name: str) -> str:
    # HTTP headers are Latin-1; the service stores the name as sent, so keep it ASCII and readable.
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in file_name).strip()
    return cleaned or "file"


def single_upload_request(entity_set: str, row_id: uuid.UUID, column: str, content: bytes,
                          file_name: str) -> DataverseRequest:
    return DataverseRequest(
        method="PATCH",
        path=column_path(entity_set, row_id, column),
        headers={"Content-Type": "application/octet-stream", "x-ms-file-name": _file_name_header(file_name)},
        data=content,
    )


def start_chunked_upload_request(entity_set: str, row_id: uuid.UUID, column: str,
                                 file_name: str) -> DataverseRequest:
    return DataverseRequest(
        method="PATCH",
        path=column_path(entity_set, row_id, column),
        headers={"x-ms-transfer-mode": "chunked", "x-ms-file-name": _file_name_header(file_name)},
    )


def chunks(total: int, chunk_size: int) -> Iterator[FileChunk]:
    if chunk_size < 1:
        raise ValueError("chunk size must be positive")
    for start in range(0, total, chunk_size):
        yield FileChunk(start, min(start + chunk_size, total) - 1, total)


def chunk_request(location: str, chunk: FileChunk, content: bytes, file_name: str) -> DataverseRequest:
    # Re-sending the same byte range is harmless, so chunks are idempotent and safe to retry.
    return DataverseRequest(
        method="PATCH",
        path=location,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": chunk.content_range,
            "x-ms-file-name": _file_name_header(file_name),
        },
        data=content[chunk.start: chunk.end + 1],
    )


def download_request(entity_set: str, row_id: uuid.UUID, column: str, *, start: int,
                     length: int) -> DataverseRequest:
    return DataverseRequest(
        method="GET",
        path=column_path(entity_set, row_id, column) + "/$value",
        headers={"Range": f"bytes={start}-{start + length - 1}", "Accept": "*/*"},
    )
