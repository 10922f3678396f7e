"""Web API calls the admin commands make beyond rows and queries: actions, ``$ref`` associations and metadata reads.

They go through the client's single request path (auth, retries, correlation ids, error mapping).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dataverse import DataverseClient, MalformedResponse
from dataverse.odata import DataverseRequest

__all__ = ["associate", "call_action", "get_json"]


def call_action(client: DataverseClient, name: str, parameters: Mapping[str, Any], *,
                idempotent: bool = False, read_timeout: float | None = None) -> dict[str, Any]:
    """``POST <action>``; the response body (empty for actions that answer 204). ``read_timeout`` for actions
    that take minutes (uploading a solution, publishing)."""
    timeout = (client.config.connect_timeout, read_timeout) if read_timeout is not None else None
    response = client.send(DataverseRequest(method="POST", path=name, json=dict(parameters),
                                             idempotent=idempotent, timeout=timeout))
    if response.status == 204 or not response.body:
        return {}
    payload = response.json()
    if not isinstance(payload, dict):
        raise MalformedResponse(f"{name} answered with something other than an object")
    return payload


def get_json(client: DataverseClient, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``GET <path>`` relative to the API root (``EntityDefinitions(LogicalName='x')/Keys``)."""
    response = client.send(DataverseRequest(method="GET", path=path,
                                             params=tuple((params or {}).items())))
    payload = response.json()
    if not isinstance(payload, dict):
        raise MalformedResponse(f"GET {path} answered with something other than an object")
    return payload


def associate(client: DataverseClient, row: tuple[str, uuid.UUID], navigation: str,
              other: tuple[str, uuid.UUID]) -> None:
    """``POST set(id)/navigation/$ref {"@odata.id": ".../other_set(other_id)"}`` (a many-to-many link)."""
    entity_set, row_id = row
    target = client.entity_url(*other)
    client.send(DataverseRequest(method="POST", path=f"{entity_set}({row_id})/{navigation}/$ref",
                                  json={"@odata.id": target}, idempotent=False))
