"""``RetrieveMetadataChanges(Query=@p1)``: table and column definitions chosen by an ``EntityQueryExpression``.

The function and its types are those of the Web API reference and "Query schema definitions"
(https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions):

* ``Query.Criteria`` (a MetadataFilterExpression: ``FilterOperator`` And/Or, ``Conditions`` of ``PropertyName``,
  ``ConditionOperator`` Equals/NotEquals/In/NotIn/GreaterThan/LessThan and a typed ``Value``
  ``{"Type": "System.String", "Value": "contact"}``, nested ``Filters``) chooses the tables;
* ``Query.Properties`` (``PropertyNames`` or ``AllProperties``) the table properties returned, ``Attributes``
  among them; ``Query.AttributeQuery`` chooses and projects the columns, whose derived types' properties
  (MaxLength, MinValue...) come back without a cast;
* the answer is ``EntityMetadata`` and a ``ServerVersionStamp``.

The cache management half of the message (``ClientVersionStamp``, ``DeletedMetadataFilters``) and the
``RelationshipQuery``, ``KeyQuery`` and ``LabelQuery`` parts answer 501 naming them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import errors
from .attribute_metadata import (
    ATTRIBUTE_CLASSES,
    BASE_PROPERTIES,
    OPTION_CLASSES,
    attribute_class,
    class_properties,
    option_set_json,
)
from .entity_metadata import ENTITY_PROPERTIES, NAVIGATION
from .errors import ODataError
from .metadata_paths import Segment
from .metadata_reads import MetadataView
from .protocol import Call, Outcome, method_not_allowed

__all__ = ["retrieve_metadata_changes"]

_PARAMETER = re.compile(r"\s*(?P<name>\w+)\s*=\s*(?P<value>@\w+|.+)\s*")
_QUERY_PARTS = {"Criteria", "Properties", "AttributeQuery", "RelationshipQuery", "KeyQuery", "LabelQuery"}
Condition = Callable[[Mapping[str, Any]], bool]


def retrieve_metadata_changes(view: MetadataView, call: Call, segment: Segment) -> Outcome:
    if call.method != "GET":
        raise method_not_allowed(call)
    return Outcome.json(200, {
        "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse",
        "EntityMetadata": _entities(view, _query(call, segment)),
        "ServerVersionStamp": view.catalog.version_stamp(),
        "DeletedMetadata": None,
    })


def _query(call: Call, segment: Segment) -> dict[str, Any]:
    """The EntityQueryExpression of the call; every other parameter is refused by name."""
    for name, _ in call.query:
        if not name.startswith("@"):
            raise errors.unsupported(f"the query parameter '{name}' on RetrieveMetadataChanges")
    parameters = _parameters(call, segment.key or "")
    for name in parameters:
        if name != "Query":
            raise errors.unsupported(f"the RetrieveMetadataChanges parameter '{name}' (metadata change tracking)")
    query = parameters.get("Query")
    if not isinstance(query, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "RetrieveMetadataChanges needs Query, an EntityQueryExpression.")
    unknown = set(query) - _QUERY_PARTS
    if unknown:
        raise errors.unknown_property("EntityQueryExpression", sorted(unknown)[0])
    for part in ("RelationshipQuery", "KeyQuery", "LabelQuery"):
        if query.get(part) is not None:
            raise errors.unsupported(f"{part} in RetrieveMetadataChanges")
    if query.get("AttributeQuery") is not None and not isinstance(query["AttributeQuery"], dict):
        raise errors.payload_error("RetrieveMetadataChanges", "AttributeQuery is an AttributeQueryExpression object.")
    return query


def _entities(view: MetadataView, query: dict[str, Any]) -> list[dict[str, Any]]:
    tables = view.schema.tables
    entity_names = set(ENTITY_PROPERTIES)
    keep = _criteria(query.get("Criteria"), entity_names, "EntityMetadata")
    wanted = _properties(query.get("Properties"), entity_names | set(NAVIGATION), "EntityMetadata")
    for nav in NAVIGATION:
        if nav != "Attributes" and wanted is not None and nav in wanted:
            raise errors.unsupported(f"'{nav}' in the Properties of RetrieveMetadataChanges")
    attribute_query = query.get("AttributeQuery") or {}
    attribute_names = BASE_PROPERTIES.union(*(class_properties(c) for c in ATTRIBUTE_CLASSES)) | {"OptionSet"}
    keep_attribute = _criteria(attribute_query.get("Criteria"), attribute_names, "AttributeMetadata")
    attribute_wanted = _properties(attribute_query.get("Properties"), attribute_names, "AttributeMetadata")
    result = []
    for table in tables:
        entity = view.entity(table)
        if not keep(entity):
            continue
        out = {name: value for name, value in entity.items()
               if wanted is None or name in wanted or name == "MetadataId"}
        if wanted is None or "Attributes" in wanted:
            attributes = []
            for column in table.columns:
                item = view.attribute(table, column, cast=False)
                if attribute_class(column) in OPTION_CLASSES:
                    item["OptionSet"] = option_set_json(table, column)
                if keep_attribute(item):
                    attributes.append({name: value for name, value in item.items()
                                       if attribute_wanted is None or name in attribute_wanted
                                       or name in ("@odata.type", "MetadataId")})
            out["Attributes"] = attributes
        result.append(out)
    return result


def _parameters(call: Call, text: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in _split(text))):
        match = _PARAMETER.fullmatch(part)
        if match is None:
            raise errors.syntax(f"Bad function parameters '({text})' of RetrieveMetadataChanges.")
        raw = match.group("value").strip()
        if raw.startswith("@"):
            aliased = call.param(raw)
            if aliased is None:
                raise errors.syntax(f"The parameter alias '{raw}' has no value in the query string.")
            raw = aliased
        try:
            values[match.group("name")] = json.loads(raw)
        except ValueError:
            values[match.group("name")] = raw
    return values


def _split(text: str) -> list[str]:
    # parameters are separated by commas outside JSON objects and strings
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "{[":
            depth += 1
        elif not quoted and ch in "}]":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _properties(raw: Any, allowed: set[str] | frozenset[str], type_name: str) -> set[str] | None:
    """None for all properties, else the names asked for."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise errors.payload_error("RetrieveMetadataChanges", "Properties is a MetadataPropertiesExpression object.")
    if raw.get("AllProperties") is True:
        return None
    names = raw.get("PropertyNames") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise errors.payload_error("RetrieveMetadataChanges", "PropertyNames is an array of property names.")
    for name in names:
        if name not in allowed:
            raise errors.unknown_query_property(type_name, name)
    return set(names)


def _criteria(raw: Any, allowed: set[str] | frozenset[str], type_name: str) -> Condition:
    if raw is None:
        return lambda _item: True
    if not isinstance(raw, dict):
        raise errors.payload_error("RetrieveMetadataChanges", "Criteria is a MetadataFilterExpression object.")
    operator = raw.get("FilterOperator", "And")
    if operator not in ("And", "Or"):
        raise errors.payload_error("RetrieveMetadataChanges", f"FilterOperator '{operator}' is not And or Or.")
    parts = [_condition(c, allowed, type_name) for c in raw.get("Conditions") or []]
    parts += [_criteria(f, allowed, type_name) for f in raw.get("Filters") or []]
    if operator == "And":
        return lambda item: all(part(item) for part in parts)
    return lambda item: any(part(item) for part in parts) if parts else True


def _condition(raw: Any, allowed: set[str] | frozenset[str], type_name: str) -> Condition:
    if not isinstance(raw, dict):
        raise errors.payload_error("RetrieveMetadataChanges", "Each condition is a MetadataConditionExpression.")
    name = raw.get("PropertyName")
    if name not in allowed:
        raise errors.unknown_query_property(type_name, str(name))
    value = _value(raw.get("Value"))
    operator = raw.get("ConditionOperator", "Equals")

    def actual(item: Mapping[str, Any]) -> Any:
        found = item.get(str(name))
        return found.get("Value") if isinstance(found, dict) and "Value" in found else found

    if operator == "Equals":
        return lambda item: actual(item) == value
    if operator == "NotEquals":
        return lambda item: actual(item) != value
    if operator in ("In", "NotIn"):
        if not isinstance(value, list):
            raise errors.payload_error("RetrieveMetadataChanges", f"{operator} compares with an array value.")
        return (lambda item: actual(item) in value) if operator == "In" else (lambda item: actual(item) not in value)
    if operator in ("GreaterThan", "LessThan"):
        sign = 1 if operator == "GreaterThan" else -1
        return lambda item: actual(item) is not None and sign * (actual(item) - value) > 0
    raise errors.unsupported(f"the metadata condition operator '{operator}'")


def _value(raw: Any) -> Any:
    """``{"Type": "System.Boolean", "Value": "false"}`` → False; enum and string values stay text."""
    if not isinstance(raw, dict) or "Value" not in raw:
        return raw
    kind, value = str(raw.get("Type", "")), raw["Value"]
    if kind.endswith("[]") and isinstance(value, str):
        value = json.loads(value)
    if kind == "System.Boolean" and isinstance(value, str):
        return value.lower() == "true"
    if kind in ("System.Int32", "System.Int64") and isinstance(value, str):
        return int(value)
    return value
