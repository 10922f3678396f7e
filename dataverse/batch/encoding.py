"""Encoding a ``$batch`` request: the multipart body (pure: the same items and boundary give the same bytes),
and the split into requests of at most 1,000 operations, between items and never inside a changeset."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlencode

from dataverse.batch.builder import BatchOperation, Changeset, Item
from dataverse.errors import BatchError
from dataverse.odata import DataverseRequest, prefer_header

__all__ = ["MAX_BATCH_OPERATIONS", "batch_request", "plan_batches", "serialize_batch"]

MAX_BATCH_OPERATIONS: Final = 1000

_CRLF = "\r\n"


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
