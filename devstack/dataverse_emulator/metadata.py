"""Table definitions (``EntityDefinitions``): the metadata reads the product makes, built from ``solution/``.

Supported, as the Web API documents them ("Query table definitions using the Web API"):

* ``GET EntityDefinitions`` with ``$select``, ``$filter=LogicalName eq '<name>'`` and
  ``$expand=Attributes($select=...;$filter=LogicalName eq '<name>')``;
* ``GET EntityDefinitions(LogicalName='<name>')`` or ``EntityDefinitions(<MetadataId>)``, same options;
* ``GET EntityDefinitions(LogicalName='<name>')/Attributes`` with ``$select`` and ``$filter``, and one attribute
  by ``Attributes(LogicalName='<name>')``.

Attributes carry ``LogicalName``, ``SchemaName``, ``AttributeType`` (Dataverse's ``AttributeTypeCode`` names),
``AttributeTypeName``, ``IsCustomAttribute`` and ``MetadataId``, plus ``@odata.type`` naming the metadata
class (``StringAttributeMetadata``…). ``MetadataId`` is always returned, as the service does. A table that
does not exist answers 404. Anything else on this path answers 501 naming what is not supported.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from solution.schema import Column, ColumnType, Schema, Table

from . import errors
from .errors import ODataError
from .odata import parse_expand
from .protocol import Call, Outcome, method_not_allowed

__all__ = ["ATTRIBUTE_TYPES", "handle_metadata", "is_metadata_path"]

_NAMESPACE = uuid.UUID("0d4b7c58-2f3a-4e61-9b8e-6a1c2d3e4f50")
_ROOT = "EntityDefinitions"
_PATH = re.compile(
    r"EntityDefinitions(?:\((?P<table>[^)]*)\))?(?:/(?P<nav>Attributes)(?:\((?P<attribute>[^)]*)\))?)?"
)
_BY_NAME = re.compile(r"LogicalName='([^']*)'")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NAME_FILTER = re.compile(r"\s*LogicalName\s+eq\s+'([^']*)'\s*")

# ColumnType -> (AttributeType, metadata class). File columns are "Virtual" with AttributeTypeName FileType;
# customer and owner columns are LookupAttributeMetadata with their own AttributeType.
ATTRIBUTE_TYPES: dict[ColumnType, tuple[str, str]] = {
    ColumnType.STRING: ("String", "StringAttributeMetadata"),
    ColumnType.MEMO: ("Memo", "MemoAttributeMetadata"),
    ColumnType.INTEGER: ("Integer", "IntegerAttributeMetadata"),
    ColumnType.BIGINT: ("BigInt", "BigIntAttributeMetadata"),
    ColumnType.DECIMAL: ("Decimal", "DecimalAttributeMetadata"),
    ColumnType.BOOLEAN: ("Boolean", "BooleanAttributeMetadata"),
    ColumnType.DATETIME: ("DateTime", "DateTimeAttributeMetadata"),
    ColumnType.CHOICE: ("Picklist", "PicklistAttributeMetadata"),
    ColumnType.LOOKUP: ("Lookup", "LookupAttributeMetadata"),
    ColumnType.CUSTOMER: ("Customer", "LookupAttributeMetadata"),
    ColumnType.OWNER: ("Owner", "LookupAttributeMetadata"),
    ColumnType.FILE: ("Virtual", "FileAttributeMetadata"),
    ColumnType.UNIQUEIDENTIFIER: ("Uniqueidentifier", "UniqueIdentifierAttributeMetadata"),
    ColumnType.STATE: ("State", "StateAttributeMetadata"),
    ColumnType.STATUS: ("Status", "StatusAttributeMetadata"),
    ColumnType.MONEY: ("Money", "MoneyAttributeMetadata"),
    ColumnType.DOUBLE: ("Double", "DoubleAttributeMetadata"),
    ColumnType.IMAGE: ("Virtual", "ImageAttributeMetadata"),
    ColumnType.MULTISELECT: ("Virtual", "MultiSelectPicklistAttributeMetadata"),
    ColumnType.ENTITYNAME: ("EntityName", "EntityNameAttributeMetadata"),
    ColumnType.PARTYLIST: ("PartyList", "LookupAttributeMetadata"),
    ColumnType.MANAGEDPROPERTY: ("ManagedProperty", "ManagedPropertyAttributeMetadata"),
}
_TYPE_NAMES = {ColumnType.FILE: "FileType"}


def is_metadata_path(path: str) -> bool:
    return path == _ROOT or path.startswith((_ROOT + "(", _ROOT + "/"))


def handle_metadata(schema: Schema, call: Call) -> Outcome:
    if call.method != "GET":
        raise method_not_allowed(call)
    match = _PATH.fullmatch(call.path)
    if match is None:
        raise errors.unsupported(f"the metadata path '{call.path}'")
    for name, _ in call.query:
        if name.startswith("$") and name not in ("$select", "$filter", "$expand"):
            raise errors.unsupported(f"the query option '{name}' on EntityDefinitions")
    table_text, nav, attribute_text = match.group("table"), match.group("nav"), match.group("attribute")
    base = f"{call.base_url}$metadata#"
    if table_text is None:
        if nav is not None:
            raise errors.unsupported("Attributes of every table at once")
        tables = [t for t in schema.tables if _name_matches(call.param("$filter"), t.logical_name)]
        return Outcome.json(200, {"@odata.context": f"{base}EntityDefinitions",
                                  "value": [_entity(t, call) for t in tables]})
    table = _find_table(schema, table_text)
    if nav is None:
        if call.param("$filter"):
            raise errors.syntax("The query option '$filter' is not allowed on a single record.")
        body = {"@odata.context": f"{base}EntityDefinitions/$entity", **_entity(table, call)}
        return Outcome.json(200, body)
    context = f"{base}EntityDefinitions('{table.logical_name}')/Attributes"
    select = _select(call.param("$select"))
    if attribute_text is None:
        columns = [c for c in table.columns if _name_matches(call.param("$filter"), c.name)]
        return Outcome.json(200, {"@odata.context": context, "value": [_attribute(table, c, select) for c in columns]})
    column = _find_column(table, attribute_text)
    return Outcome.json(200, {"@odata.context": f"{context}/$entity", **_attribute(table, column, select)})


def _find_table(schema: Schema, text: str) -> Table:
    by_name = _BY_NAME.fullmatch(text)
    if by_name is not None:
        name = by_name.group(1)
        if schema.has_table(name):
            return schema.table(name)
    elif _GUID.fullmatch(text):
        for table in schema.tables:
            if _metadata_id(table.logical_name) == text.lower():
                return table
        name = text
    else:
        raise errors.syntax(f"EntityDefinitions is addressed by LogicalName='<name>' or MetadataId, not '{text}'.")
    raise ODataError(404, errors.NOT_FOUND, f"Could not find entity with LogicalName '{name}'.")


def _find_column(table: Table, text: str) -> Column:
    by_name = _BY_NAME.fullmatch(text)
    if by_name is None:
        raise errors.syntax(f"Attributes are addressed by LogicalName='<name>', not '{text}'.")
    column = table.find_column(by_name.group(1))
    if column is None:
        raise ODataError(404, errors.NOT_FOUND,
                         f"Could not find attribute '{by_name.group(1)}' of entity '{table.logical_name}'.")
    return column


def _name_matches(filter_text: str | None, name: str) -> bool:
    if not filter_text:
        return True
    match = _NAME_FILTER.fullmatch(filter_text)
    if match is None:
        raise errors.unsupported(f"the metadata $filter '{filter_text}' (only LogicalName eq '<name>')")
    return match.group(1).lower() == name


def _select(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _entity(table: Table, call: Call) -> dict[str, Any]:
    values: dict[str, Any] = {
        "MetadataId": _metadata_id(table.logical_name),
        "LogicalName": table.logical_name,
        "SchemaName": table.logical_name,
        "EntitySetName": table.entity_set,
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "IsActivity": table.is_activity,
        "IsCustomEntity": table.is_custom,
        "OwnershipType": _OWNERSHIP.get(str(table.ownership), "None"),
    }
    out = _pick(values, _select(call.param("$select")), lambda name: errors.unknown_query_property(
        "EntityMetadata", name))
    expand = call.param("$expand")
    if expand:
        for nav, options in parse_expand(expand):
            if nav != "Attributes":
                raise errors.unsupported(f"expanding '{nav}' of EntityDefinitions")
            if set(options) - {"$select", "$filter"}:
                raise errors.unsupported("$expand options other than $select and $filter on Attributes")
            select = _select(options.get("$select"))
            out["Attributes"] = [_attribute(table, c, select) for c in table.columns
                                 if _name_matches(options.get("$filter"), c.name)]
    return out


_OWNERSHIP = {"user": "UserOwned", "organization": "OrganizationOwned", "business_unit": "BusinessOwned"}


def _attribute(table: Table, column: Column, select: list[str] | None) -> dict[str, Any]:
    attribute_type, metadata_class = ATTRIBUTE_TYPES[column.type]
    values: dict[str, Any] = {
        "MetadataId": _metadata_id(f"{table.logical_name}.{column.name}"),
        "LogicalName": column.name,
        "SchemaName": column.name,
        "EntityLogicalName": table.logical_name,
        "AttributeType": attribute_type,
        "AttributeTypeName": {"Value": _TYPE_NAMES.get(column.type, f"{attribute_type}Type")},
        "IsCustomAttribute": column.name.startswith("smsb_"),
    }
    picked = _pick(values, select, lambda name: errors.unknown_query_property("AttributeMetadata", name))
    return {"@odata.type": f"#Microsoft.Dynamics.CRM.{metadata_class}", **picked}


def _pick(values: dict[str, Any], select: list[str] | None,
          unknown: Callable[[str], ODataError]) -> dict[str, Any]:
    if select is None:
        return dict(values)
    for name in select:
        if name not in values:
            raise unknown(name)
    return {name: values[name] for name in ("MetadataId", *select)}


def _metadata_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name))
