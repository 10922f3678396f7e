"""Column definitions in request bodies: ``AttributeMetadata`` JSON read into a ``solution.schema`` column.

The bodies are those of "Create and update column definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api):
``@odata.type`` names the derived type (``Microsoft.Dynamics.CRM.StringAttributeMetadata``; the ``Complex...``
types of the ``CreateEntities`` action mean the same), ``SchemaName`` the column, labels and ``RequiredLevel`` the
rest, with the type's own properties (MaxLength/FormatName, MinValue/MaxValue/Precision, Format/DateTimeBehavior,
OptionSet with TrueOption/FalseOption or Options, MaxSizeInKB). Lookup columns are created with their relationship
(``RelationshipDefinitions``), not here. A type whose ColumnType the emulator lacks answers 501 naming it.
An update (``PUT``) replaces the definition's changeable properties; options are changed by other messages, so an
``OptionSet`` in an update is left as it is, as the page says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from solution.schema import Choice, Column, ColumnType, RequiredLevel

from . import errors
from .attribute_metadata import ATTRIBUTE_CLASSES, OPTION_NAVIGATION, class_properties
from .errors import ODataError
from .labels import label_text
from .metadata import ATTRIBUTE_TYPES

__all__ = ["ColumnDefinition", "metadata_class", "parse_attribute", "updated_column"]

_LEVELS = {"None": RequiredLevel.NONE, "Recommended": RequiredLevel.RECOMMENDED,
           "ApplicationRequired": RequiredLevel.REQUIRED}
# Dataverse adds these itself, or creates them with a relationship: never through POST .../Attributes
_NOT_CREATABLE = {"Lookup": "lookup columns are created with their relationship (POST RelationshipDefinitions)",
                  "Customer": "customer columns are created with the CreateCustomerRelationships action",
                  "Owner": "Dataverse adds ownerid to user- and team-owned tables",
                  "State": "Dataverse adds statecode to every table",
                  "Status": "Dataverse adds statuscode to every table",
                  "Uniqueidentifier": "Dataverse adds the primary key to every table",
                  "EntityName": "Dataverse adds the type column of a polymorphic lookup",
                  "PartyList": "Dataverse adds the party columns of activities",
                  "ManagedProperty": "managed properties belong to Dataverse"}
_FIRST_OPTION_VALUE = 100000000  # the default publisher's option value prefix (10000) times 10,000
_STRING_LIMIT = 4000
_MEMO_LIMIT = 1048576
_FILE_LIMIT_KB = 10485760  # 10 GB
_IMAGE_LIMIT_KB = 30720  # 30 MB
_INT32 = (-2147483648, 2147483647)
_DECIMAL = (-100000000000, 100000000000)
_MONEY = (-922337203685477, 922337203685477)


@dataclass(frozen=True)
class ColumnDefinition:
    column: Column
    schema_name: str
    is_primary_name: bool


def metadata_class(body: dict[str, Any]) -> str:
    """The derived type an ``@odata.type`` names (``Complex`` prefix and namespace removed)."""
    raw = body.get("@odata.type")
    if not isinstance(raw, str) or not raw:
        raise errors.payload_error("Attributes", "The @odata.type annotation naming the column's type (for "
                                                 "example Microsoft.Dynamics.CRM.StringAttributeMetadata) is required.")
    name = raw.lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    name = name.removeprefix("Complex") if name.startswith("Complex") and name[7:] in ATTRIBUTE_CLASSES else name
    if name not in ATTRIBUTE_CLASSES:
        raise errors.payload_error("Attributes", f"'{raw}' is not a type derived from AttributeMetadata.")
    return name


def parse_attribute(body: dict[str, Any]) -> ColumnDefinition:
    """A new column from its definition; the caller checks the SchemaName's prefix and uniqueness."""
    kind = metadata_class(body)
    column_type = _column_type(kind, body.get("AttributeType"))
    _known_properties(body, kind)
    schema_name = body.get("SchemaName")
    if not isinstance(schema_name, str) or not schema_name:
        raise ODataError(400, errors.INVALID_ARGUMENT, "A column definition needs a SchemaName.")
    logical = schema_name.lower()
    if body.get("LogicalName") not in (None, logical):
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         f"The LogicalName '{body['LogicalName']}' must be the SchemaName in lowercase ('{logical}').")
    column = Column(logical, column_type, label_text(body.get("DisplayName"), "DisplayName") or schema_name,
                    description=label_text(body.get("Description"), "Description") or "",
                    required=_required(body.get("RequiredLevel")))
    column = _typed(column, body, kind, creating=True)
    return ColumnDefinition(column, schema_name, body.get("IsPrimaryName") is True)


def updated_column(column: Column, body: dict[str, Any], current_class: str) -> Column:
    """``column`` after a ``PUT`` of its whole definition."""
    kind = metadata_class(body)
    if kind != current_class:
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         f"The type of the column '{column.name}' is {current_class}; it cannot become {kind}.")
    _known_properties(body, kind)
    if body.get("LogicalName") not in (None, column.name):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The logical name of '{column.name}' cannot change.")
    changed = replace(column,
                      display_name=label_text(body.get("DisplayName"), "DisplayName") or column.display_name,
                      description=label_text(body.get("Description"), "Description") or column.description)
    if "RequiredLevel" in body and column.required is not RequiredLevel.SYSTEM:
        changed = replace(changed, required=_required(body["RequiredLevel"]))
    return _typed(changed, body, kind, creating=False)


def _column_type(kind: str, attribute_type: Any) -> ColumnType:
    candidates = [t for t, (name, cls) in ATTRIBUTE_TYPES.items()
                  if cls == kind and (attribute_type is None or name == attribute_type)]
    if not candidates:
        if any(cls == kind for _, cls in ATTRIBUTE_TYPES.values()):
            raise ODataError(400, errors.INVALID_ARGUMENT, f"AttributeType '{attribute_type}' does not match {kind}.")
        raise errors.unsupported(f"columns of type {kind} (the emulator has no column type for them yet)")
    attribute, _ = ATTRIBUTE_TYPES[candidates[0]]
    if attribute in _NOT_CREATABLE:
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         f"A {kind} column cannot be created through Attributes: {_NOT_CREATABLE[attribute]}.")
    return candidates[0]


def _known_properties(body: dict[str, Any], kind: str) -> None:
    known = class_properties(kind) | {"IsPrimaryName"}
    if kind in ("PicklistAttributeMetadata", "MultiSelectPicklistAttributeMetadata", "BooleanAttributeMetadata"):
        known |= set(OPTION_NAVIGATION)
    for name in body:
        if name.startswith("@"):
            if name != "@odata.type" and not name.startswith("@odata.context"):
                raise errors.unsupported(f"the annotation '{name}' in a column definition")
            continue
        if name.endswith("@odata.bind"):
            raise errors.unsupported(f"'{name}' (global option sets) in a column definition")
        if name not in known:
            raise errors.unknown_property(kind, name)


def _required(value: Any) -> RequiredLevel:
    level = value.get("Value") if isinstance(value, dict) else value
    if level is None:
        return RequiredLevel.NONE
    if level not in _LEVELS:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"RequiredLevel '{level}' cannot be set on a custom column "
                                                       "(None, Recommended or ApplicationRequired).")
    return _LEVELS[level]


def _typed(column: Column, body: dict[str, Any], kind: str, *, creating: bool) -> Column:
    """The type's own properties; on update only those present in the body change."""
    rule = _TYPE_RULES.get(kind)
    return rule(column, body, kind, creating) if rule is not None else column


def _text(column: Column, body: dict[str, Any], kind: str, creating: bool) -> Column:
    string = kind == "StringAttributeMetadata"
    length = _whole(body.get("MaxLength"), "MaxLength", 1, _STRING_LIMIT if string else _MEMO_LIMIT)
    if length is None:
        length = (100 if string else 2000) if creating else column.max_length
    column = replace(column, max_length=length)
    text_format = _format(body.get("FormatName"), body.get("Format"))
    if text_format is not None:
        lowered = text_format.lower()
        column = replace(column, format=None if lowered == ("text" if string else "textarea") else lowered)
    return column


def _numeric(column: Column, body: dict[str, Any], kind: str, _creating: bool) -> Column:
    low, high = {"IntegerAttributeMetadata": _INT32, "MoneyAttributeMetadata": _MONEY}.get(kind, _DECIMAL)
    minimum = _number(body.get("MinValue"), "MinValue", low, high)
    maximum = _number(body.get("MaxValue"), "MaxValue", low, high)
    column = replace(column, min_value=column.min_value if minimum is None else minimum,
                     max_value=column.max_value if maximum is None else maximum)
    if column.min_value is not None and column.max_value is not None and column.min_value > column.max_value:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"MinValue {column.min_value} is greater than MaxValue "
                                                       f"{column.max_value}.")
    if kind == "IntegerAttributeMetadata":
        if body.get("Format") not in (None, "None"):
            column = replace(column, format=str(body["Format"]).lower())
        return column
    limit = {"DecimalAttributeMetadata": 10, "DoubleAttributeMetadata": 5}.get(kind, 4)
    precision = _whole(body.get("Precision"), "Precision", 0, limit)
    return replace(column, precision=column.precision if precision is None else precision)


def _yes_no(column: Column, body: dict[str, Any], _kind: str, creating: bool) -> Column:
    if creating:
        column = replace(column, choices=_boolean_options(body.get("OptionSet")))
    if "DefaultValue" in body:
        if not isinstance(body["DefaultValue"], bool):
            raise errors.payload_error("Attributes", "DefaultValue of a Yes/No column is true or false.")
        column = replace(column, default=body["DefaultValue"])
    return column


def _choice(column: Column, body: dict[str, Any], _kind: str, creating: bool) -> Column:
    if creating:
        column = replace(column, choices=_options(body.get("OptionSet"), body.get("GlobalOptionSet")))
    default = body.get("DefaultFormValue")
    if default is not None and default != -1:
        if default not in {c.value for c in column.choices}:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"DefaultFormValue {default} is not one of the options.")
        column = replace(column, default=default)
    return column


def _file(column: Column, body: dict[str, Any], kind: str, creating: bool) -> Column:
    limit = _FILE_LIMIT_KB if kind == "FileAttributeMetadata" else _IMAGE_LIMIT_KB
    size = body.get("MaxSizeInKB")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= limit):
        raise ODataError(400, "0x80090009", f"Invalid size for file type attribute. Valid size should be between "
                                            f"[0-{limit}] KB")
    if size is None:
        size = 32768 if creating else column.max_size_kb
    return replace(column, max_size_kb=size)


def _datetime(column: Column, body: dict[str, Any], _kind: str = "", _creating: bool = False) -> Column:
    behavior = body.get("DateTimeBehavior")
    behavior_value = behavior.get("Value") if isinstance(behavior, dict) else behavior
    if behavior_value == "TimeZoneIndependent":
        raise errors.unsupported("date columns with the TimeZoneIndependent behavior")
    text_format = body.get("Format")
    if behavior_value == "DateOnly" or text_format == "DateOnly":
        return replace(column, format="dateonly")
    if text_format not in (None, "DateAndTime") or behavior_value not in (None, "UserLocal"):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"Format '{text_format}' / DateTimeBehavior "
                                                       f"'{behavior_value}' is not a date column format.")
    return replace(column, format=None) if "Format" in body else column


def _format(format_name: Any, text_format: Any) -> str | None:
    value = format_name.get("Value") if isinstance(format_name, dict) else format_name
    value = value if value is not None else text_format
    if value is not None and not isinstance(value, str):
        raise errors.payload_error("Attributes", "FormatName is {\"Value\": \"Text\"} (Email, Phone, Url, ...).")
    return value


def _boolean_options(option_set: Any) -> tuple[Choice, ...]:
    if option_set is None:
        return (Choice(1, "Yes"), Choice(0, "No"))
    if not isinstance(option_set, dict):
        raise errors.payload_error("Attributes", "OptionSet must be an object with TrueOption and FalseOption.")
    if option_set.get("IsGlobal") is True:
        raise errors.unsupported("global option sets (IsGlobal true)")
    choices = []
    for name, value, fallback in (("TrueOption", 1, "Yes"), ("FalseOption", 0, "No")):
        option = option_set.get(name) or {}
        text = label_text(option.get("Label"), f"OptionSet.{name}.Label") if isinstance(option, dict) else None
        choices.append(Choice(value, text or fallback))
    return tuple(choices)


def _options(option_set: Any, global_option_set: Any) -> tuple[Choice, ...]:
    if global_option_set is not None:
        raise errors.unsupported("choice columns bound to a global option set")
    if not isinstance(option_set, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "A choice column needs an OptionSet with its Options.")
    if option_set.get("IsGlobal") is True:
        raise errors.unsupported("global option sets (IsGlobal true)")
    options = option_set.get("Options")
    if not isinstance(options, list) or not options:
        raise ODataError(400, errors.INVALID_ARGUMENT, "A choice column needs at least one option.")
    choices: list[Choice] = []
    for option in options:
        if not isinstance(option, dict):
            raise errors.payload_error("Attributes", "Each option is an object with Value and Label.")
        value = option.get("Value")
        if value is None:
            used = {c.value for c in choices} | {o.get("Value") for o in options if isinstance(o, dict)}
            value = next(v for v in range(_FIRST_OPTION_VALUE, _FIRST_OPTION_VALUE + len(options) + len(used) + 1)
                         if v not in used)
        if isinstance(value, bool) or not isinstance(value, int):
            raise errors.payload_error("Attributes", f"The option value {value!r} is not a whole number.")
        if any(c.value == value for c in choices):
            raise ODataError(400, errors.INVALID_ARGUMENT, f"The option value {value} is used twice.")
        text = label_text(option.get("Label"), "Option.Label")
        if not text:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"The option {value} needs a Label.")
        choices.append(Choice(value, text))
    return tuple(choices)


def _whole(value: Any, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"{name} must be a whole number from {low} to {high}.")
    return value


def _number(value: Any, name: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"{name} must be a number from {low} to {high}.")
    return value


_TYPE_RULES: dict[str, Callable[[Column, dict[str, Any], str, bool], Column]] = {
    "StringAttributeMetadata": _text,
    "MemoAttributeMetadata": _text,
    "IntegerAttributeMetadata": _numeric,
    "DecimalAttributeMetadata": _numeric,
    "DoubleAttributeMetadata": _numeric,
    "MoneyAttributeMetadata": _numeric,
    "DateTimeAttributeMetadata": _datetime,
    "BooleanAttributeMetadata": _yes_no,
    "PicklistAttributeMetadata": _choice,
    "MultiSelectPicklistAttributeMetadata": _choice,
    "FileAttributeMetadata": _file,
    "ImageAttributeMetadata": _file,
}
