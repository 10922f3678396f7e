"""Table definitions through the Web API: the metadata side of the emulated org, read and written at run time.

Microsoft's documentation decides what is served (each module cites its page):

* reading (``metadata_reads.py``): ``EntityDefinitions`` (one by ``LogicalName='x'`` or MetadataId) with
  ``$select``, ``$filter`` and ``$expand`` of ``Attributes``, ``Keys``, ``OneToManyRelationships``,
  ``ManyToOneRelationships`` and ``ManyToManyRelationships``; ``Attributes`` with casts to the derived types
  (``.../Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet``), one attribute by
  ``LogicalName='x'`` or MetadataId, its ``OptionSet``; ``RelationshipDefinitions`` (with casts) and the
  relationships of a table; ``GlobalOptionSetDefinitions``. "Query table definitions using the Web API",
  https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api;
* the metadata ``$filter`` (``metadata_query.py``): eq, ne, gt, ge, lt, le, and, or, not, parentheses, enum
  literals (``OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'``) and complex property paths
  (``RequiredLevel/Value``);
* ``RetrieveMetadataChanges(Query=@p1)`` (``metadata_changes.py``);
* writing (``table_writes.py``, ``metadata_writes.py``, ``relationship_writes.py``, ``entity_keys.py``): tables
  (``POST EntityDefinitions`` and the ``CreateEntities`` action Microsoft's SDK sends), columns
  (``POST``/``PUT``/``DELETE`` on ``Attributes``), relationships (``POST``/``DELETE`` ``RelationshipDefinitions``),
  alternate keys (``POST``/``DELETE`` on ``Keys``, whose index builds like an imported key's), deleting tables;
  ``MSCRM.SolutionUniqueName`` picks the solution, whose publisher's prefix custom names must carry. A table or
  column created this way is stored and served like one from ``solution/`` (``catalog.py``, ``schema_changes.py``).

Their routes are in the emulator's one routing table (``service.py``), reached through ``metadata_api.py``;
anything else on these paths answers 501 naming what is not supported.
"""

from __future__ import annotations

from solution.schema import ColumnType

__all__ = ["ATTRIBUTE_TYPES", "attribute_type_name", "is_metadata_path"]

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


# Metadata paths: the definition sets, and the functions and actions about definitions. Those not served are
# listed so that they answer 501 naming them, not "resource not found".
_ROOTS = ("EntityDefinitions", "RelationshipDefinitions", "GlobalOptionSetDefinitions", "ManagedPropertyDefinitions")
_OPERATIONS = frozenset({
    "RetrieveMetadataChanges", "CreateEntities", "CreateCustomerRelationships", "RetrieveEntity",
    "RetrieveAllEntities", "RetrieveAttribute", "RetrieveRelationship", "RetrieveAllOptionSets", "RetrieveOptionSet",
    "InsertOptionValue", "UpdateOptionValue", "DeleteOptionValue", "OrderOption", "InsertStatusValue",
    "UpdateStateValue", "CanBeReferenced", "CanBeReferencing", "CanManyToMany", "GetValidManyToMany",
    "GetValidReferencedEntities", "GetValidReferencingEntities", "ReactivateEntityKey", "UpdateOptionSet",
    "RetrieveEntityKey", "CreateEntityKey", "DeleteEntityKey",
})


def attribute_type_name(column_type: ColumnType) -> str:
    """``AttributeTypeName``: ``<AttributeType>Type``; a Virtual column is named for its class (FileType...)."""
    attribute_type, metadata_class = ATTRIBUTE_TYPES[column_type]
    if column_type in _TYPE_NAMES:
        return _TYPE_NAMES[column_type]
    if attribute_type == "Virtual":
        return metadata_class.removesuffix("AttributeMetadata") + "Type"
    return f"{attribute_type}Type"


def is_metadata_path(path: str) -> bool:
    head = path.split("/", 1)[0]
    name = head.split("(", 1)[0]
    return name in _ROOTS or name in _OPERATIONS
