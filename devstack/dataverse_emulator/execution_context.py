"""The RemoteExecutionContext a webhook step posts, as DataContract JSON.

Shape from "Use webhooks to create external handlers for server events"
(https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks): dictionaries as ``[{"key", "value"}]``
arrays, objects with ``__type``, dates as ``"\\/Date(ms)\\/"``; the parent context of the platform's own
operation; images as the step's image registrations ask; asynchronous steps add ``AsynchronousStepPrimaryName``.
A context over 256 KB loses its parent context, parameters and images (the caller flags the request with
``x-ms-dynamics-msg-size-exceeded``). Pure functions: the caller gives the rows and names the context needs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from solution.schema import ColumnType, Table

from .odata import Ref
from .ports import OrgIds
from .protocol import WriteEvent

__all__ = ["MAX_MESSAGE_BYTES", "execution_context"]

_CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts"
MAX_MESSAGE_BYTES = 256 * 1024
NameOf = Callable[[Ref], str | None]  # the primary name of the row a lookup points at


def execution_context(event: WriteEvent, step: dict[str, Any], table: Table, *, images: list[dict[str, Any]],
                      org: OrgIds, now: datetime, name_of: NameOf) -> tuple[bytes, bool]:
    """The context JSON of ``step`` for ``event``, and whether it had to be trimmed for size; ``images`` are the
    step's ``sdkmessageprocessingstepimage`` rows."""
    step_id = str(step["sdkmessageprocessingstepid"])
    mode = int(step.get("mode") or 0)
    stage = int(step.get("stage") or 40)
    post_images: list[dict[str, Any]] = []
    pre_images: list[dict[str, Any]] = []
    for image in images:
        columns = [c.strip() for c in str(image.get("attributes") or "").split(",") if c.strip()] or None
        alias = str(image.get("entityalias") or image.get("name") or "Image")
        kind = image.get("imagetype")
        if kind in (1, 2):
            post_images.append(_kv(alias, _entity(name_of, table, event.post_image, columns)))
        if kind in (0, 2) and event.pre_image is not None:
            pre_images.append(_kv(alias, _entity(name_of, table, event.pre_image, columns)))
    if mode == 1 and table.primary_name:
        # async steps carry the primary name in this image
        post_images.append(
            _kv("AsynchronousStepPrimaryName", _entity(name_of, table, event.post_image, [table.primary_name]))
        )
    target = _entity(name_of, table, event.target, None)
    output = [_kv("id", event.row_id)] if event.message == "Create" else []
    common = {
        "BusinessUnitId": org.business_unit_id,
        "CorrelationId": str(uuid.uuid4()),
        "Depth": 1,
        "InitiatingUserAzureActiveDirectoryObjectId": "00000000-0000-0000-0000-000000000000",
        "InitiatingUserId": org.user_id,
        "InputParameters": [_kv("Target", target)],
        "IsExecutingOffline": False,
        "IsInTransaction": mode == 0,
        "IsOfflinePlayback": False,
        "IsolationMode": 1,
        "MessageName": event.message,
        "Mode": mode,
        "OperationCreatedOn": _date(now),
        "OperationId": str(uuid.uuid4()),
        "OrganizationId": org.organization_id,
        "OrganizationName": "devstack",
        "OutputParameters": output,
        "OwningExtension": {
            "Id": step_id,
            "KeyAttributes": [],
            "LogicalName": "sdkmessageprocessingstep",
            "Name": step.get("name"),
            "RowVersion": None,
        },
        "PrimaryEntityId": event.row_id,
        "PrimaryEntityName": event.table,
        "RequestId": str(uuid.uuid4()),
        "SecondaryEntityName": "none",
        "SharedVariables": [_kv("IsAutoTransact", True), _kv("DefaultsAddedFlag", True)],
        "UserAzureActiveDirectoryObjectId": "00000000-0000-0000-0000-000000000000",
        "UserId": org.user_id,
    }
    parent = {
        **common,
        "Mode": 0,
        "Stage": 30,
        "IsInTransaction": True,
        "ParentContext": None,
        "PostEntityImages": [],
        "PreEntityImages": [],
        "OwningExtension": {
            "Id": "00000000-0000-0000-0000-000000000000",
            "KeyAttributes": [],
            "LogicalName": "sdkmessageprocessingstep",
            "Name": None,
            "RowVersion": None,
        },
    }
    context = {
        **common,
        "ParentContext": parent,
        "PostEntityImages": post_images,
        "PreEntityImages": pre_images,
        "Stage": stage,
    }
    body = _serialize(context)
    if len(body) > MAX_MESSAGE_BYTES:
        # Too large: the service drops these parts and flags the request; handlers re-read the row.
        context.update(
            {"ParentContext": None, "InputParameters": [], "PreEntityImages": [], "PostEntityImages": []}
        )
        return _serialize(context), True
    return body, False


def _entity(name_of: NameOf, table: Table, values: dict[str, Any], columns: list[str] | None) -> dict[str, Any]:
    attributes = []
    formatted = []
    for name, value in values.items():
        if columns is not None and name not in columns:
            continue
        col = table.find_column(name)
        if col is None or col.type is ColumnType.FILE:
            continue
        attributes.append(_kv(name, _value(name_of, col.type, value)))
        if value is not None and col.type.has_choices:
            label = col.choice_label(int(value) if isinstance(value, bool) else value)
            if label is not None:
                formatted.append(_kv(name, label))
    row_id = values.get(table.primary_id)
    return {
        "__type": f"Entity:{_CONTRACTS}",
        "Attributes": attributes,
        "EntityState": None,
        "FormattedValues": formatted,
        "Id": row_id,
        "KeyAttributes": [],
        "LogicalName": table.logical_name,
        "RelatedEntities": [],
        "RowVersion": str(values.get("versionnumber")) if values.get("versionnumber") is not None else None,
    }

def _value(name_of: NameOf, ctype: ColumnType, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Ref):
        name = name_of(value)
        return {
            "__type": f"EntityReference:{_CONTRACTS}",
            "Id": value.id,
            "KeyAttributes": [],
            "LogicalName": value.table,
            "Name": name,
            "RowVersion": None,
        }
    if ctype in (ColumnType.CHOICE, ColumnType.STATE, ColumnType.STATUS):
        return {"__type": f"OptionSetValue:{_CONTRACTS}", "Value": value}
    if isinstance(value, datetime):
        return _date(value)
    return value


def _serialize(context: dict[str, Any]) -> bytes:
    text = json.dumps(context, separators=(",", ":"), ensure_ascii=False, default=str)
    # DataContract JSON escapes the slashes of its date literal: "\/Date(ms)\/"
    return text.replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"').encode()


def _kv(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": value}


def _date(value: datetime) -> str:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return f"/Date({int((value - epoch).total_seconds() * 1000)})/"
