"""Pure request builders and response readers for each Web API operation.

Single calls (:mod:`dataverse.client`) and ``$batch`` parts (:mod:`dataverse.batch`) share these, so an
operation means the same thing whichever way it travels.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from requests.structures import CaseInsensitiveDict

from dataverse.errors import MalformedResponse
from dataverse.odata import (
    DataverseRequest,
    Filter,
    Key,
    entity_id_from_header,
    entity_path,
    format_guid,
    prefer_header,
    query_params,
)
from dataverse.rows import Row, UpsertMode

__all__ = [
    "RawResponse",
    "create_request",
    "delete_request",
    "key_guid",
    "primary_id_in",
    "query_request",
    "read_row",
    "read_written",
    "retrieve_request",
    "update_request",
    "upsert_request",
]


@dataclass(frozen=True)
class RawResponse:
    """Status, headers and body of one HTTP response, whether it came alone or inside a ``$batch``."""

    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes
    reason: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise MalformedResponse(f"expected JSON in a {self.status} response") from exc


def _headers(
    *,
    return_representation: bool = False,
    formatted: bool = False,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    headers = dict(extra or {})
    prefer = prefer_header(return_representation=return_representation, include_annotations=formatted)
    if prefer:
        headers["Prefer"] = prefer
    return headers


def create_request(
    entity_set: str,
    data: Mapping[str, Any],
    *,
    has_client_id: bool = False,
    return_representation: bool = False,
    select: Iterable[str] | None = None,
    formatted: bool = False,
) -> DataverseRequest:
    """``POST entityset``. ``has_client_id`` marks a body carrying its own primary id, which makes a
    repeat after an ambiguous failure harmless (it meets the duplicate-key check)."""
    return DataverseRequest(
        method="POST",
        path=entity_path(entity_set),
        params=query_params(select=select) if return_representation else (),
        headers=_headers(return_representation=return_representation, formatted=formatted),
        json=dict(data),
        idempotent=has_client_id,
    )


def retrieve_request(
    entity_set: str,
    key: Key,
    *,
    select: Iterable[str] | None = None,
    expand: Iterable[str] | None = None,
    formatted: bool = False,
) -> DataverseRequest:
    return DataverseRequest(
        method="GET",
        path=entity_path(entity_set, key),
        params=query_params(select=select, expand=expand),
        headers=_headers(formatted=formatted),
    )


def update_request(
    entity_set: str,
    key: Key,
    data: Mapping[str, Any],
    *,
    etag: str | None = None,
    return_representation: bool = False,
    select: Iterable[str] | None = None,
) -> DataverseRequest:
    """``PATCH`` that only ever updates: ``If-Match: *`` (or the row's ETag), so a missing row is a 404
    rather than being silently created."""
    return DataverseRequest(
        method="PATCH",
        path=entity_path(entity_set, key),
        params=query_params(select=select) if return_representation else (),
        headers=_headers(return_representation=return_representation, extra={"If-Match": etag or "*"}),
        json=dict(data),
    )


def upsert_request(
    entity_set: str,
    key: Key,
    data: Mapping[str, Any],
    *,
    mode: UpsertMode = UpsertMode.EITHER,
    select: Iterable[str] | None = None,
) -> DataverseRequest:
    conditions: dict[str, str] = {}
    if mode is UpsertMode.CREATE_ONLY:
        conditions["If-None-Match"] = "*"
    elif mode is UpsertMode.UPDATE_ONLY:
        conditions["If-Match"] = "*"
    # Only for EITHER does the caller not know the outcome in advance; return=representation makes the
    # service say it (201 created, 200 updated). A narrow $select keeps the echoed body small.
    represent = mode is UpsertMode.EITHER
    columns = list(select) if select is not None else [name for name in data if "@" not in name][:1]
    return DataverseRequest(
        method="PATCH",
        path=entity_path(entity_set, key),
        params=query_params(select=columns) if represent else (),
        headers=_headers(return_representation=represent, extra=conditions),
        json=dict(data),
    )


def delete_request(entity_set: str, key: Key, *, etag: str | None = None) -> DataverseRequest:
    return DataverseRequest(
        method="DELETE",
        path=entity_path(entity_set, key),
        headers={"If-Match": etag} if etag else {},
    )


def query_request(
    entity_set: str,
    *,
    select: Iterable[str] | None = None,
    filter: Filter | str | None = None,
    orderby: Iterable[str] | None = None,
    expand: Iterable[str] | None = None,
    top: int | None = None,
    count: bool = False,
    page_size: int | None = None,
    formatted: bool = False,
) -> DataverseRequest:
    prefer = prefer_header(include_annotations=formatted, max_page_size=page_size)
    return DataverseRequest(
        method="GET",
        path=entity_path(entity_set),
        params=query_params(select=select, filter=filter, orderby=orderby, expand=expand, top=top,
                            count=count),
        headers={"Prefer": prefer} if prefer else {},
    )


def read_row(response: RawResponse) -> Row:
    payload = response.json()
    if not isinstance(payload, Mapping):
        raise MalformedResponse(f"expected a JSON object in a {response.status} response")
    return Row.from_json(payload)


def read_written(response: RawResponse) -> tuple[uuid.UUID | None, Row | None]:
    """The id (``OData-EntityId``) and, with ``return=representation``, the row of a create or update."""
    row = read_row(response) if response.body.strip() else None
    return entity_id_from_header(response.headers.get("OData-EntityId")), row


def key_guid(key: Key) -> uuid.UUID | None:
    """The primary id when the key is one."""
    if isinstance(key, uuid.UUID):
        return key
    if isinstance(key, str):
        return uuid.UUID(format_guid(key))
    return None


def primary_id_in(entity_set: str, row: Row | None) -> uuid.UUID | None:
    """The row's primary id, when a write addressed by alternate key returned the row: ``OData-EntityId`` then
    holds the key form of the URL, not the GUID. Entity sets are the logical name plus "s" or "es", and
    activities keep theirs in ``activityid``."""
    if row is None:
        return None
    stems = (entity_set.removesuffix("es"), entity_set.removesuffix("s"))
    for column in (*(f"{stem}id" for stem in stems), "activityid"):
        value = row.get(column)
        if value:
            try:
                return uuid.UUID(str(value))
            except ValueError:
                continue
    return None
