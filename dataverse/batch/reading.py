"""Reading a ``$batch`` answer: the multipart body split into parts (a changeset's nested), and every operation
paired with its part as a :class:`BatchPartResult`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from requests.structures import CaseInsensitiveDict

from dataverse.batch.builder import BatchOperation, Changeset, Item
from dataverse.batch.results import BatchPartResult
from dataverse.errors import AlreadyExists, BatchError, DataverseHttpError, PreconditionFailed
from dataverse.operations import RawResponse, read_row, read_written

__all__ = ["ErrorFactory", "match_results", "parse_batch_response"]

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
