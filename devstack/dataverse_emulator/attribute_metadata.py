"""``AttributeMetadata``: a column definition as the Web API serves it, built from a ``solution.schema`` column.

Every column has the properties of the AttributeMetadata base type (LogicalName, SchemaName, AttributeType,
AttributeTypeName, DisplayName, Description, RequiredLevel, IsPrimaryId, IsPrimaryName, IsCustomAttribute,
IsValidForCreate/Update/Read, AttributeOf, ...); the derived type (the metadata class ``ATTRIBUTE_TYPES`` names
for its ColumnType) adds its own: MaxLength and Format for text, MinValue/MaxValue/Precision for numbers,
Format and DateTimeBehavior for dates, Targets for lookups, MaxSizeInKB for files, DefaultFormValue for
choices. Choice columns (Picklist, State, Status, MultiSelectPicklist, Boolean) have the ``OptionSet`` navigation
property, served only when expanded on a cast, as "Query table definitions using the Web API" documents
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api); the values of the
properties follow the examples of "Create and update column definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from solution.schema import Choice, Column, ColumnType, Ownership, RequiredLevel, Table

from .catalog import Catalog
from .labels import label
from .metadata import ATTRIBUTE_TYPES, attribute_type_name

__all__ = ["ATTRIBUTE_CLASSES", "BASE_PROPERTIES", "OPTION_CLASSES", "OPTION_NAVIGATION", "attribute_class",
           "attribute_json", "class_properties", "managed", "metadata_id", "option_set_json", "typed_properties"]

_NAMESPACE = uuid.UUID("0d4b7c58-2f3a-4e61-9b8e-6a1c2d3e4f50")
# Dataverse stamps these itself, like the columns marked read_only (computed ones such as fullname): a client
# never writes them (IsValidForCreate and IsValidForUpdate are false)
_STAMPED = frozenset({"createdon", "modifiedon", "createdby", "modifiedby", "versionnumber", "owninguser",
                      "owningteam", "owningbusinessunit"})
OPTION_CLASSES = frozenset({"PicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata",
                            "MultiSelectPicklistAttributeMetadata", "BooleanAttributeMetadata"})
_REQUIRED = {RequiredLevel.NONE: "None", RequiredLevel.RECOMMENDED: "Recommended",
             RequiredLevel.REQUIRED: "ApplicationRequired", RequiredLevel.SYSTEM: "SystemRequired"}
_STRING_FORMATS = {"email": "Email", "text": "Text", "textarea": "TextArea", "url": "Url",
                   "tickersymbol": "TickerSymbol", "phoneticguide": "PhoneticGuide", "versionnumber": "VersionNumber",
                   "phone": "Phone", "json": "Json", "richtext": "RichText"}
_INTEGER_FORMATS = {"duration": "Duration", "timezone": "TimeZone", "language": "Language", "locale": "Locale"}


def metadata_id(name: str) -> str:
    """A stable MetadataId: the same definition has the same id in every read and every emulator."""
    return str(uuid.uuid5(_NAMESPACE, name))


def managed(value: bool, logical_name: str) -> dict[str, Any]:
    """A BooleanManagedProperty, as the definitions of unmanaged customizations carry them."""
    return {"Value": value, "CanBeChanged": True, "ManagedPropertyLogicalName": logical_name}


def attribute_class(column: Column) -> str:
    return ATTRIBUTE_TYPES[column.type][1]


def attribute_json(table: Table, column: Column, catalog: Catalog, *, typed: bool = True) -> dict[str, Any]:
    """The definition of ``column``: the base properties, plus those of its derived type when ``typed``."""
    values = _base(table, column, catalog)
    if typed:
        values.update(typed_properties(table, column))
    return values


def _base(table: Table, column: Column, catalog: Catalog) -> dict[str, Any]:
    attribute_type = ATTRIBUTE_TYPES[column.type][0]
    owner = f"{table.logical_name}.{column.name}"
    stamped = column.name in _STAMPED or column.read_only
    primary_id = column.name == table.primary_id
    return {
        "MetadataId": metadata_id(owner),
        "HasChanged": None,
        "AttributeOf": None,
        "AttributeType": attribute_type,
        "AttributeTypeName": {"Value": attribute_type_name(column.type)},
        "ColumnNumber": table.columns.index(column) + 1,
        "DeprecatedVersion": None,
        "IntroducedVersion": "1.0.0.0",
        "EntityLogicalName": table.logical_name,
        "LogicalName": column.name,
        "SchemaName": catalog.schema_name(table.logical_name, column.name),
        "DisplayName": label(column.display_name, f"attribute:{owner}:display"),
        "Description": label(column.description, f"attribute:{owner}:description"),
        "RequiredLevel": {"Value": _REQUIRED[column.required],
                          "CanBeChanged": column.required is not RequiredLevel.SYSTEM,
                          "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
        "IsCustomAttribute": catalog.is_custom_name(column.name),
        "IsPrimaryId": primary_id,
        "IsPrimaryName": column.name == table.primary_name,
        "IsValidForCreate": not stamped and column.name != "statecode",
        "IsValidForUpdate": not stamped and not primary_id,
        "IsValidForRead": True,
        "IsValidODataAttribute": True,
        "IsValidForForm": not stamped,
        "IsRequiredForForm": column.required in (RequiredLevel.REQUIRED, RequiredLevel.SYSTEM),
        "IsValidForGrid": True,
        "IsSecured": column.secured,
        "CanBeSecuredForRead": not primary_id,
        "CanBeSecuredForCreate": not primary_id,
        "CanBeSecuredForUpdate": not primary_id,
        "IsManaged": False,
        "IsLogical": False,
        "IsFilterable": True,
        "IsSearchable": column.type in (ColumnType.STRING, ColumnType.MEMO),
        "IsRetrievable": True,
        "IsDataSourceSecret": False,
        "LinkedAttributeId": None,
        "ExternalName": None,
        "InheritsFrom": None,
        "SourceType": 0,
        "IsAuditEnabled": managed(column.audited, "canmodifyauditsettings"),
        "IsCustomizable": managed(True, "iscustomizable"),
        "IsRenameable": managed(True, "isrenameable"),
        "IsValidForAdvancedFind": managed(True, "canmodifysearchsettings"),
        "IsGlobalFilterEnabled": managed(False, "canmodifyglobalfiltersettings"),
        "IsSortableEnabled": managed(False, "canmodifyissortablesettings"),
        "CanModifyAdditionalSettings": managed(True, "canmodifyadditionalsettings"),
    }


# the AttributeMetadata base type: what $select and $filter may name without a cast to a derived type
BASE_PROPERTIES = frozenset({
    "MetadataId", "HasChanged", "AttributeOf", "AttributeType", "AttributeTypeName", "ColumnNumber",
    "DeprecatedVersion", "IntroducedVersion", "EntityLogicalName", "LogicalName", "SchemaName", "DisplayName",
    "Description", "RequiredLevel", "IsCustomAttribute", "IsPrimaryId", "IsPrimaryName", "IsValidForCreate",
    "IsValidForUpdate", "IsValidForRead", "IsValidODataAttribute", "IsValidForForm", "IsRequiredForForm",
    "IsValidForGrid", "IsSecured", "CanBeSecuredForRead", "CanBeSecuredForCreate", "CanBeSecuredForUpdate",
    "IsManaged", "IsLogical", "IsFilterable", "IsSearchable", "IsRetrievable", "IsDataSourceSecret",
    "LinkedAttributeId", "ExternalName", "InheritsFrom", "SourceType", "IsAuditEnabled", "IsCustomizable",
    "IsRenameable", "IsValidForAdvancedFind", "IsGlobalFilterEnabled", "IsSortableEnabled",
    "CanModifyAdditionalSettings",
})


def typed_properties(table: Table, column: Column) -> dict[str, Any]:
    """What the derived type of ``column`` adds to the base properties (navigation properties excluded)."""
    build = _TYPED.get(attribute_class(column))
    return build(table, column) if build is not None else {}


def _string(_table: Table, column: Column) -> dict[str, Any]:
    length = column.max_length or 100
    name = _STRING_FORMATS.get((column.format or "text").lower(), "Text")
    return {"MaxLength": length, "DatabaseLength": length * 2, "Format": name, "FormatName": {"Value": name},
            "ImeMode": "Auto", "IsLocalizable": False, "YomiOf": None, "AutoNumberFormat": ""}


def _memo(_table: Table, column: Column) -> dict[str, Any]:
    name = _STRING_FORMATS.get((column.format or "textarea").lower(), "TextArea")
    return {"MaxLength": column.max_length or 2000, "Format": name, "FormatName": {"Value": name},
            "ImeMode": "Auto", "IsLocalizable": False}


def _range(low: float, high: float) -> Callable[[Table, Column], dict[str, Any]]:
    def build(_table: Table, column: Column) -> dict[str, Any]:
        return {"MinValue": low if column.min_value is None else column.min_value,
                "MaxValue": high if column.max_value is None else column.max_value}
    return build


def _integer(table: Table, column: Column) -> dict[str, Any]:
    return {**_range(-2147483648, 2147483647)(table, column),
            "Format": _INTEGER_FORMATS.get((column.format or "").lower(), "None")}


def _bigint(_table: Table, _column: Column) -> dict[str, Any]:
    return {"MinValue": -9223372036854775808, "MaxValue": 9223372036854775807}


def _decimal(table: Table, column: Column) -> dict[str, Any]:
    return {**_range(-100000000000, 100000000000)(table, column),
            "Precision": 2 if column.precision is None else column.precision, "ImeMode": "Auto"}


def _double(table: Table, column: Column) -> dict[str, Any]:
    return {**_range(-100000000000, 100000000000)(table, column),
            "Precision": 2 if column.precision is None else column.precision, "ImeMode": "Auto"}


def _money(table: Table, column: Column) -> dict[str, Any]:
    return {**_range(-922337203685477, 922337203685477)(table, column),
            "Precision": 2 if column.precision is None else column.precision, "PrecisionSource": 2,
            "IsBaseCurrency": False, "CalculationOf": None, "ImeMode": "Auto"}


def _datetime(_table: Table, column: Column) -> dict[str, Any]:
    date_only = (column.format or "").lower() in ("dateonly", "date")
    return {"Format": "DateOnly" if date_only else "DateAndTime",
            "DateTimeBehavior": {"Value": "DateOnly" if date_only else "UserLocal"},
            "CanChangeDateTimeBehavior": managed(True, "canchangedatetimebehavior"),
            "MinSupportedValue": "1753-01-01T00:00:00Z", "MaxSupportedValue": "9999-12-30T23:59:59Z",
            "ImeMode": "Inactive"}


def _choices(_table: Table, column: Column) -> dict[str, Any]:
    return {"DefaultFormValue": -1 if column.default is None else column.default, "ParentPicklistLogicalName": None,
            "ChildPicklistLogicalNames": []}


def _boolean(_table: Table, column: Column) -> dict[str, Any]:
    return {"DefaultValue": bool(column.default)}


def _lookup(_table: Table, column: Column) -> dict[str, Any]:
    return {"Targets": list(column.targets), "Format": "None"}


def _file(_table: Table, column: Column) -> dict[str, Any]:
    return {"MaxSizeInKB": column.max_size_kb}


def _image(_table: Table, column: Column) -> dict[str, Any]:
    return {"MaxSizeInKB": column.max_size_kb, "CanStoreFullImage": True, "IsPrimaryImage": False,
            "MaxHeight": 144, "MaxWidth": 144}


_TYPED: dict[str, Callable[[Table, Column], dict[str, Any]]] = {
    "StringAttributeMetadata": _string,
    "MemoAttributeMetadata": _memo,
    "IntegerAttributeMetadata": _integer,
    "BigIntAttributeMetadata": _bigint,
    "DecimalAttributeMetadata": _decimal,
    "DoubleAttributeMetadata": _double,
    "MoneyAttributeMetadata": _money,
    "DateTimeAttributeMetadata": _datetime,
    "BooleanAttributeMetadata": _boolean,
    "PicklistAttributeMetadata": _choices,
    "StateAttributeMetadata": _choices,
    "StatusAttributeMetadata": _choices,
    "MultiSelectPicklistAttributeMetadata": _choices,
    "LookupAttributeMetadata": _lookup,
    "FileAttributeMetadata": _file,
    "ImageAttributeMetadata": _image,
}


def option_set_json(table: Table, column: Column) -> dict[str, Any] | None:
    """The ``OptionSet`` of a choice or Yes/No column (a local option set named ``<table>_<column>``)."""
    owner = f"optionset:{table.logical_name}.{column.name}"
    kind = attribute_class(column)
    if kind not in OPTION_CLASSES:
        return None
    common: dict[str, Any] = {
        "MetadataId": metadata_id(owner), "HasChanged": None, "Name": f"{table.logical_name}_{column.name}",
        "DisplayName": label(column.display_name, f"{owner}:display"),
        "Description": label(column.description, f"{owner}:description"),
        "IsCustomOptionSet": kind == "PicklistAttributeMetadata", "IsGlobal": False, "IsManaged": False,
        "IntroducedVersion": "1.0.0.0", "IsCustomizable": managed(True, "iscustomizable"), "ExternalTypeName": None,
    }
    if kind == "BooleanAttributeMetadata":
        true = next((c for c in column.choices if c.value == 1), Choice(1, "Yes"))
        false = next((c for c in column.choices if c.value == 0), Choice(0, "No"))
        return {**common, "OptionSetType": "Boolean", "TrueOption": _option(owner, true),
                "FalseOption": _option(owner, false)}
    set_type = {"StateAttributeMetadata": "State", "StatusAttributeMetadata": "Status"}.get(kind, "Picklist")
    options = [_option(owner, c, column, table) for c in column.choices]
    return {**common, "OptionSetType": set_type, "Options": options}


def _option(owner: str, choice: Choice, column: Column | None = None, table: Table | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "Value": choice.value, "Color": None, "IsManaged": False, "ExternalValue": None, "ParentValues": [],
        "Tag": None, "IsHidden": False, "MetadataId": None, "HasChanged": None,
        "Label": label(choice.label, f"{owner}:{choice.value}"),
        "Description": label(None, f"{owner}:{choice.value}:description"),
    }
    if column is not None and column.type is ColumnType.STATUS:
        option = {"@odata.type": "#Microsoft.Dynamics.CRM.StatusOptionMetadata", **option, "State": choice.state,
                  "TransitionData": None}
    elif column is not None and column.type is ColumnType.STATE:
        status = table.find_column("statuscode") if table is not None else None
        default_status = next((c.value for c in (status.choices if status else ()) if c.state == choice.value), None)
        option = {"@odata.type": "#Microsoft.Dynamics.CRM.StateOptionMetadata", **option,
                  "DefaultStatus": default_status, "InvariantName": choice.label.replace(" ", "")}
    return option


# every type derived from AttributeMetadata (a cast to one the emulator's tables do not use finds no columns)
ATTRIBUTE_CLASSES = frozenset({
    "BigIntAttributeMetadata", "BooleanAttributeMetadata", "DateTimeAttributeMetadata", "DecimalAttributeMetadata",
    "DoubleAttributeMetadata", "EntityNameAttributeMetadata", "FileAttributeMetadata", "ImageAttributeMetadata",
    "IntegerAttributeMetadata", "LookupAttributeMetadata", "ManagedPropertyAttributeMetadata",
    "MemoAttributeMetadata", "MoneyAttributeMetadata", "MultiSelectPicklistAttributeMetadata",
    "PicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata", "StringAttributeMetadata",
    "UniqueIdentifierAttributeMetadata",
})
OPTION_NAVIGATION = ("OptionSet", "GlobalOptionSet")


def class_properties(metadata_class: str) -> frozenset[str]:
    """What ``$select`` and ``$filter`` may name after a cast to ``metadata_class``."""
    build = _TYPED.get(metadata_class)
    if build is None:
        return BASE_PROPERTIES
    sample = Column("sample", ColumnType.STRING, "Sample")
    table = Table("sample", "samples", "Sample", "Samples", "", Ownership.NONE, "sampleid", None, (sample,))
    return BASE_PROPERTIES | frozenset(build(table, sample))
