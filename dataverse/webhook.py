"""The ``RemoteExecutionContext`` that Dataverse POSTs to a webhook, parsed into frozen values.

Dataverse serialises the context with .NET DataContract JSON: dictionaries are ``[{"key", "value"}]``
arrays, typed values carry ``__type`` (``Entity:http://schemas.microsoft.com/xrm/2011/Contracts``, …), and
dates look like ``"/Date(1506409448000-0700)/"`` (milliseconds since the epoch in UTC; the offset only
says where the server was). When the body would exceed 256 KB, the service drops ``InputParameters``,
``ParentContext`` and the entity images and adds the ``x-ms-dynamics-msg-size-exceeded`` header; the
context then says ``target_omitted`` and the receiver re-reads the row by ``primary_entity_id``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from dataverse.errors import MalformedWebhook

__all__ = [
    "SIZE_EXCEEDED_HEADER",
    "Entity",
    "EntityCollection",
    "EntityReference",
    "Money",
    "OptionSetValue",
    "WebhookContext",
    "parse_webhook",
]

SIZE_EXCEEDED_HEADER: Final = "x-ms-dynamics-msg-size-exceeded"

MODE_SYNCHRONOUS: Final = 0
MODE_ASYNCHRONOUS: Final = 1

# A real context nests ParentContext inside ParentContext at most Depth (8) times, a dozen levels each; anything
# far deeper is not from Dataverse, and would exhaust the parser's recursion on the way in.
MAX_NESTING: Final = 200

_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class EntityReference:
    logical_name: str
    id: uuid.UUID
    name: str | None = None


@dataclass(frozen=True)
class OptionSetValue:
    value: int


@dataclass(frozen=True)
class Money:
    value: Decimal


@dataclass(frozen=True)
class Entity:
    """A row as the platform passes it: only the attributes that were submitted or imaged."""

    logical_name: str
    id: uuid.UUID | None
    attributes: Mapping[str, Any] = field(default_factory=_empty)
    formatted_values: Mapping[str, str] = field(default_factory=_empty)

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    def __getitem__(self, name: str) -> Any:
        return self.attributes[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)

    def guid(self, name: str) -> uuid.UUID | None:
        """A GUID attribute, whether sent as a string or as an EntityReference."""
        value = self.attributes.get(name)
        if isinstance(value, EntityReference):
            return value.id
        return uuid.UUID(str(value)) if value else None

    def option(self, name: str) -> int | None:
        value = self.attributes.get(name)
        return value.value if isinstance(value, OptionSetValue) else None


@dataclass(frozen=True)
class EntityCollection:
    entity_name: str | None
    entities: tuple[Entity, ...]


@dataclass(frozen=True)
class WebhookContext:
    message_name: str
    primary_entity_name: str
    primary_entity_id: uuid.UUID
    secondary_entity_name: str | None
    stage: int
    mode: int
    depth: int
    user_id: uuid.UUID | None
    initiating_user_id: uuid.UUID | None
    business_unit_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    organization_name: str | None
    correlation_id: uuid.UUID | None
    operation_id: uuid.UUID | None
    operation_created_on: datetime | None
    owning_extension: EntityReference | None
    input_parameters: Mapping[str, Any]
    output_parameters: Mapping[str, Any]
    pre_images: Mapping[str, Entity]
    post_images: Mapping[str, Entity]
    target: Entity | None
    target_reference: EntityReference | None
    target_omitted: bool

    @property
    def is_async(self) -> bool:
        return self.mode == MODE_ASYNCHRONOUS


def parse_date(text: str) -> datetime | None:
    """A DataContract ``/Date(ms±hhmm)/`` as an aware UTC datetime, or None if ``text`` is not one."""
    match = _DATE.match(text)
    if match is None:
        return None
    return _EPOCH + timedelta(milliseconds=int(match.group(1)))


def _type_name(value: Mapping[str, Any]) -> str:
    declared = value.get("__type")
    return declared.split(":", 1)[0] if isinstance(declared, str) else ""


def _guid(value: Any, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise MalformedWebhook(f"{where} is not a GUID: {value!r}") from exc


def _optional_guid(value: Any, where: str) -> uuid.UUID | None:
    return None if value in (None, "") else _guid(value, where)


def _pairs(value: Any, where: str) -> Mapping[str, Any]:
    """A DataContract dictionary (``[{"key": k, "value": v}]``) with converted values."""
    if value is None:
        return _empty()
    if not isinstance(value, list):
        raise MalformedWebhook(f"{where} must be a key/value array")
    result: dict[str, Any] = {}
    for item in value:
        if not isinstance(item, Mapping) or "key" not in item:
            raise MalformedWebhook(f"{where} holds an entry without a key")
        result[str(item["key"])] = _convert(item.get("value"), f"{where}[{item['key']}]")
    return MappingProxyType(result)


def _entity(value: Mapping[str, Any], where: str) -> Entity:
    logical_name = value.get("LogicalName")
    if not isinstance(logical_name, str):
        raise MalformedWebhook(f"{where} is an entity without LogicalName")
    formatted = _pairs(value.get("FormattedValues"), f"{where}.FormattedValues")
    return Entity(
        logical_name=logical_name,
        id=_optional_guid(value.get("Id"), f"{where}.Id"),
        attributes=_pairs(value.get("Attributes"), f"{where}.Attributes"),
        formatted_values=MappingProxyType({key: str(text) for key, text in formatted.items()}),
    )


def _reference(value: Mapping[str, Any], where: str) -> EntityReference:
    if not isinstance(value.get("LogicalName"), str):
        raise MalformedWebhook(f"{where} is a reference without LogicalName")
    name = value.get("Name")
    return EntityReference(str(value["LogicalName"]), _guid(value.get("Id"), f"{where}.Id"),
                           str(name) if name is not None else None)


def _option(value: Mapping[str, Any], where: str) -> OptionSetValue:
    try:
        return OptionSetValue(int(value["Value"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedWebhook(f"{where} is an option set value without an integer Value") from exc


def _money(value: Mapping[str, Any], where: str) -> Money:
    try:
        return Money(Decimal(str(value["Value"])))
    except (KeyError, ArithmeticError) as exc:
        raise MalformedWebhook(f"{where} is a money value without a numeric Value") from exc


def _collection(value: Mapping[str, Any], where: str) -> EntityCollection:
    entities = value.get("Entities") or []
    name = value.get("EntityName")
    return EntityCollection(str(name) if name else None,
                            tuple(_entity(item, f"{where}.Entities") for item in entities))


_CONVERTERS: Final[Mapping[str, Callable[[Mapping[str, Any], str], Any]]] = {
    "Entity": _entity,
    "EntityReference": _reference,
    "OptionSetValue": _option,
    "Money": _money,
    "EntityCollection": _collection,
}


def _implied_type(value: Mapping[str, Any]) -> str:
    # Entity images and OwningExtension come without __type; their shape says what they are.
    if "Attributes" in value and "LogicalName" in value:
        return "Entity"
    if "Id" in value and "LogicalName" in value:
        return "EntityReference"
    return ""


def _convert_object(value: Mapping[str, Any], where: str) -> Any:
    kind = _type_name(value) or _implied_type(value)
    converter = _CONVERTERS.get(kind)
    if converter is not None:
        return converter(value, where)
    if kind.startswith("KeyValuePair"):
        return (value.get("key"), _convert(value.get("value"), where))
    return MappingProxyType({key: _convert(item, f"{where}.{key}") for key, item in value.items()})


def _convert(value: Any, where: str) -> Any:
    if isinstance(value, str):
        date = parse_date(value)
        return date if date is not None else value
    if isinstance(value, list):
        return tuple(_convert(item, where) for item in value)
    if isinstance(value, Mapping):
        return _convert_object(value, where)
    return value


def _images(value: Any, where: str) -> Mapping[str, Entity]:
    images = _pairs(value, where)
    for name, image in images.items():
        if not isinstance(image, Entity):
            raise MalformedWebhook(f"{where}[{name}] is not an entity image")
    return images


def _nesting(value: Any) -> int:
    """How deeply objects and arrays nest, counted without recursion (the converters below do recurse)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _int(payload: Mapping[str, Any], name: str, default: int) -> int:
    value = payload.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedWebhook(f"{name} must be an integer")
    return value


def parse_webhook(body: bytes | str | Mapping[str, Any],
                  headers: Mapping[str, str] | None = None) -> WebhookContext:
    """Parse a webhook request body (and its headers, for the size-exceeded flag)."""
    try:
        payload = json.loads(body) if isinstance(body, bytes | str) else body
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedWebhook("the webhook body is not JSON") from exc
    except RecursionError:
        raise MalformedWebhook(f"the webhook body is nested deeper than {MAX_NESTING} levels") from None
    if not isinstance(payload, Mapping):
        raise MalformedWebhook("the webhook body is not a JSON object")
    if _nesting(payload) > MAX_NESTING:
        raise MalformedWebhook(f"the webhook body is nested deeper than {MAX_NESTING} levels")
    lowered = {name.lower() for name in (headers or {})}
    size_exceeded = SIZE_EXCEEDED_HEADER in lowered

    try:
        message_name = payload["MessageName"]
        primary_entity_name = payload["PrimaryEntityName"]
        primary_entity_id = _guid(payload["PrimaryEntityId"], "PrimaryEntityId")
    except KeyError as exc:
        raise MalformedWebhook(f"the webhook body lacks {exc.args[0]}") from exc
    if not isinstance(message_name, str) or not isinstance(primary_entity_name, str):
        raise MalformedWebhook("MessageName and PrimaryEntityName must be strings")

    inputs = _pairs(payload.get("InputParameters"), "InputParameters")
    raw_target = inputs.get("Target")
    target = raw_target if isinstance(raw_target, Entity) else None
    target_reference = raw_target if isinstance(raw_target, EntityReference) else None
    if target is not None and target.id is not None:
        target_reference = EntityReference(target.logical_name, target.id)
    owning = _convert(payload.get("OwningExtension"), "OwningExtension")
    created_on = payload.get("OperationCreatedOn")
    secondary = payload.get("SecondaryEntityName")

    return WebhookContext(
        message_name=message_name,
        primary_entity_name=primary_entity_name,
        primary_entity_id=primary_entity_id,
        secondary_entity_name=str(secondary) if secondary not in (None, "none") else None,
        stage=_int(payload, "Stage", 0),
        mode=_int(payload, "Mode", MODE_SYNCHRONOUS),
        depth=_int(payload, "Depth", 1),
        user_id=_optional_guid(payload.get("UserId"), "UserId"),
        initiating_user_id=_optional_guid(payload.get("InitiatingUserId"), "InitiatingUserId"),
        business_unit_id=_optional_guid(payload.get("BusinessUnitId"), "BusinessUnitId"),
        organization_id=_optional_guid(payload.get("OrganizationId"), "OrganizationId"),
        organization_name=payload.get("OrganizationName"),
        correlation_id=_optional_guid(payload.get("CorrelationId"), "CorrelationId"),
        operation_id=_optional_guid(payload.get("OperationId"), "OperationId"),
        operation_created_on=parse_date(created_on) if isinstance(created_on, str) else None,
        owning_extension=owning if isinstance(owning, EntityReference) else None,
        input_parameters=inputs,
        output_parameters=_pairs(payload.get("OutputParameters"), "OutputParameters"),
        pre_images=_images(payload.get("PreEntityImages"), "PreEntityImages"),
        post_images=_images(payload.get("PostEntityImages"), "PostEntityImages"),
        target=target,
        target_reference=target_reference,
        target_omitted=size_exceeded or "InputParameters" not in payload,
    )
