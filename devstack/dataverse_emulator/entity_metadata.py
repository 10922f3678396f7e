"""``EntityMetadata``: a table definition as the Web API serves it, built from a ``solution.schema`` table.

The properties and their values follow "Query table definitions using the Web API" and the full definition
shown in "Create and update table definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api):
names (LogicalName, SchemaName, EntitySetName, LogicalCollectionName, CollectionSchemaName, Primary*Attribute),
labels (DisplayName, DisplayCollectionName, Description), ObjectTypeCode, OwnershipType, TableType, the Is* flags
and the managed properties (``CanCreateAttributes``...). What the emulator cannot know about a standard table is
not invented: HasActivities is true where an activity's Regarding can point at the table, HasNotes only for
tables created with it.
"""

from __future__ import annotations

from typing import Any

from solution.schema import Ownership, Schema, Table

from .attribute_metadata import managed, metadata_id
from .catalog import Catalog
from .labels import label

__all__ = ["ENTITY_PROPERTIES", "NAVIGATION", "OWNERSHIP", "entity_json"]

OWNERSHIP = {Ownership.USER: "UserOwned", Ownership.ORGANIZATION: "OrganizationOwned",
             Ownership.BUSINESS_UNIT: "BusinessOwned", Ownership.NONE: "None"}
# collection-valued navigation properties of EntityMetadata, served through $expand or a path segment
NAVIGATION = ("Attributes", "Keys", "OneToManyRelationships", "ManyToOneRelationships", "ManyToManyRelationships")


# the properties entity_json serves: what $select, $filter and a create body may name
ENTITY_PROPERTIES = frozenset({
    "MetadataId", "HasChanged", "LogicalName", "SchemaName", "EntitySetName", "LogicalCollectionName",
    "CollectionSchemaName", "PrimaryIdAttribute", "PrimaryNameAttribute", "PrimaryImageAttribute", "DisplayName",
    "DisplayCollectionName", "Description", "ObjectTypeCode", "OwnershipType", "TableType", "IsActivity",
    "ActivityTypeMask", "IsActivityParty", "HasActivities", "HasNotes", "HasEmailAddresses", "IsCustomEntity",
    "IsManaged", "IsPrivate", "IsIntersect", "IsLogicalEntity", "IsChildEntity", "IsValidForAdvancedFind",
    "IsValidForQueue", "IsConnectionsEnabled", "IsAuditEnabled", "IsCustomizable", "IsRenameable", "IsMappable",
    "IsDuplicateDetectionEnabled", "IsMailMergeEnabled", "CanCreateAttributes", "CanCreateForms", "CanCreateViews",
    "CanCreateCharts", "CanBeRelatedEntityInRelationship", "CanBePrimaryEntityInRelationship", "CanBeInManyToMany",
    "CanModifyAdditionalSettings", "ChangeTrackingEnabled", "IsOptimisticConcurrencyEnabled", "IsImportable",
    "IsEnabledForCharts", "IsAvailableOffline", "IsQuickCreateEnabled", "AutoRouteToOwnerQueue",
    "AutoCreateAccessTeams", "IsDocumentManagementEnabled", "IsKnowledgeManagementEnabled", "IsBPFEntity",
    "EntityColor", "IconVectorName", "IntroducedVersion",
})


def entity_json(table: Table, schema: Schema, catalog: Catalog) -> dict[str, Any]:
    name = table.logical_name
    schema_name = catalog.schema_name(name)
    intersect = any(r.intersect == name for r in catalog.many_to_many)
    has_activities = catalog.flag(name, "HasActivities")
    if has_activities is None:
        has_activities = any(r.referencing_attribute == "regardingobjectid" for r in schema.relationships_to(name))
    party = schema.table("activityparty").find_column("partyid") if schema.has_table("activityparty") else None
    suffix = table.entity_set[len(name):] if table.entity_set.startswith(name) else "s"
    return {
        "MetadataId": metadata_id(name),
        "HasChanged": None,
        "LogicalName": name,
        "SchemaName": schema_name,
        "EntitySetName": table.entity_set,
        "LogicalCollectionName": table.entity_set,
        "CollectionSchemaName": schema_name + suffix,
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "PrimaryImageAttribute": None,
        "DisplayName": label(table.display_name, f"entity:{name}:display"),
        "DisplayCollectionName": label(table.display_plural, f"entity:{name}:plural"),
        "Description": label(table.description, f"entity:{name}:description"),
        "ObjectTypeCode": catalog.type_code(name, schema),
        "OwnershipType": OWNERSHIP[table.ownership],
        "TableType": "Standard",
        "IsActivity": table.is_activity,
        "ActivityTypeMask": 1 if table.is_activity else 0,
        "IsActivityParty": party is not None and name in party.targets,
        "HasActivities": has_activities,
        "HasNotes": bool(catalog.flag(name, "HasNotes")),
        "HasEmailAddresses": table.has_column("emailaddress1"),
        "IsCustomEntity": table.is_custom,
        "IsManaged": not table.is_custom,
        "IsPrivate": False,
        "IsIntersect": intersect,
        "IsLogicalEntity": False,
        "IsChildEntity": False,
        "IsValidForAdvancedFind": not intersect,
        "IsValidForQueue": managed(False, "canmodifyqueuesettings"),
        "IsConnectionsEnabled": managed(False, "canmodifyconnectionsettings"),
        "IsAuditEnabled": managed(False, "canmodifyauditsettings"),
        "IsCustomizable": managed(True, "iscustomizable"),
        "IsRenameable": managed(True, "isrenameable"),
        "IsMappable": managed(True, "ismappable"),
        "IsDuplicateDetectionEnabled": managed(False, "canmodifyduplicatedetectionsettings"),
        "IsMailMergeEnabled": managed(True, "canmodifymailmergesettings"),
        "CanCreateAttributes": managed(True, "cancreateattributes"),
        "CanCreateForms": managed(True, "cancreateforms"),
        "CanCreateViews": managed(True, "cancreateviews"),
        "CanCreateCharts": managed(True, "cancreatecharts"),
        "CanBeRelatedEntityInRelationship": managed(True, "canberelatedentityinrelationship"),
        "CanBePrimaryEntityInRelationship": managed(True, "canbeprimaryentityinrelationship"),
        "CanBeInManyToMany": managed(True, "canbeinmanytomany"),
        "CanModifyAdditionalSettings": managed(True, "canmodifyadditionalsettings"),
        "ChangeTrackingEnabled": False,
        "IsOptimisticConcurrencyEnabled": True,
        "IsImportable": True,
        "IsEnabledForCharts": True,
        "IsAvailableOffline": False,
        "IsQuickCreateEnabled": False,
        "AutoRouteToOwnerQueue": False,
        "AutoCreateAccessTeams": False,
        "IsDocumentManagementEnabled": False,
        "IsKnowledgeManagementEnabled": False,
        "IsBPFEntity": False,
        "EntityColor": None,
        "IconVectorName": None,
        "IntroducedVersion": "1.0.0.0",
    }
