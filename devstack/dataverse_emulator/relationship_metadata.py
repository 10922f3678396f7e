"""Relationship definitions: ``OneToManyRelationshipMetadata`` and ``ManyToManyRelationshipMetadata``.

A 1:N relationship of ``solution.schema`` (a lookup column and its target) is served from both sides: in the
referenced table's ``OneToManyRelationships`` and the referencing table's ``ManyToOneRelationships`` (both of type
OneToManyRelationshipMetadata); the N:N relationships (``platform.py``'s and those created at run time) in both
tables' ``ManyToManyRelationships``; all of them in ``RelationshipDefinitions``, whose base type
RelationshipMetadataBase limits what ``$select`` and ``$filter`` may name without a cast ("Query table definitions
using the Web API", https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api).
Properties follow "Create and update table relationships using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-relationships-using-web-api);
the CascadeConfiguration of a relationship from ``solution/`` is the one its cascade rule implies.
"""

from __future__ import annotations

from typing import Any

from solution.schema import Cascade, Relationship, Schema

from .attribute_metadata import managed, metadata_id
from .catalog import Catalog
from .labels import label
from .platform import ManyToMany

__all__ = ["BASE_PROPERTIES", "MANY_TO_MANY_CLASS", "MANY_TO_MANY_PROPERTIES", "ONE_TO_MANY_CLASS",
           "ONE_TO_MANY_PROPERTIES", "cascade_configuration", "many_to_many_json", "one_to_many_json",
           "relationship_id", "visible_many_to_many", "visible_one_to_many"]

ONE_TO_MANY_CLASS = "OneToManyRelationshipMetadata"
MANY_TO_MANY_CLASS = "ManyToManyRelationshipMetadata"
BASE_PROPERTIES = frozenset({"MetadataId", "HasChanged", "SchemaName", "RelationshipType", "IsCustomRelationship",
                             "IsManaged", "IsValidForAdvancedFind", "SecurityTypes", "IsCustomizable",
                             "IntroducedVersion"})
ONE_TO_MANY_PROPERTIES = BASE_PROPERTIES | {
    "IsHierarchical", "ReferencedAttribute", "ReferencedEntity", "ReferencingAttribute", "ReferencingEntity",
    "ReferencedEntityNavigationPropertyName", "ReferencingEntityNavigationPropertyName", "RelationshipBehavior",
    "CascadeConfiguration", "AssociatedMenuConfiguration"}
MANY_TO_MANY_PROPERTIES = BASE_PROPERTIES | {
    "Entity1LogicalName", "Entity2LogicalName", "Entity1IntersectAttribute", "Entity2IntersectAttribute",
    "IntersectEntityName", "Entity1NavigationPropertyName", "Entity2NavigationPropertyName",
    "Entity1AssociatedMenuConfiguration", "Entity2AssociatedMenuConfiguration"}
_ACTIONS = ("Assign", "Delete", "Merge", "Reparent", "Share", "Unshare", "RollupView")


def relationship_id(name: str) -> str:
    return metadata_id(f"relationship:{name}")


def cascade_configuration(relationship: Relationship, catalog: Catalog) -> dict[str, str]:
    created = catalog.cascade(relationship.name)
    if created is not None:
        return created
    if relationship.cascade is Cascade.PARENTAL:
        return {action: ("NoCascade" if action == "RollupView" else "Cascade") for action in _ACTIONS}
    delete = "Restrict" if relationship.cascade is Cascade.RESTRICT else "RemoveLink"
    return {action: (delete if action == "Delete" else "NoCascade") for action in _ACTIONS}


def one_to_many_json(relationship: Relationship, schema: Schema, catalog: Catalog) -> dict[str, Any]:
    referenced = schema.table(relationship.referenced_table)
    return {
        "MetadataId": relationship_id(relationship.name),
        "HasChanged": None,
        "SchemaName": relationship.name,
        "RelationshipType": "OneToManyRelationship",
        "IsCustomRelationship": catalog.is_custom_name(relationship.referencing_attribute),
        "IsManaged": False,
        "IsValidForAdvancedFind": True,
        "SecurityTypes": "ParentChild" if relationship.cascade is Cascade.PARENTAL else "None",
        "IsCustomizable": managed(True, "iscustomizable"),
        "IntroducedVersion": "1.0.0.0",
        "IsHierarchical": False,
        "ReferencedAttribute": referenced.primary_id,
        "ReferencedEntity": relationship.referenced_table,
        "ReferencingAttribute": relationship.referencing_attribute,
        "ReferencingEntity": relationship.referencing_table,
        "ReferencedEntityNavigationPropertyName": relationship.referenced_navigation,
        "ReferencingEntityNavigationPropertyName": relationship.referencing_navigation,
        "RelationshipBehavior": 0,
        "CascadeConfiguration": cascade_configuration(relationship, catalog),
        "AssociatedMenuConfiguration": {"Behavior": "UseCollectionName", "Group": "Details", "Order": 10000,
                                        "IsCustomizable": True, "ViewId": None, "QueryApi": None,
                                        "Icon": None, "MenuId": None,
                                        "Label": label(None, f"relationship:{relationship.name}:menu")},
    }


def many_to_many_json(relationship: ManyToMany, catalog: Catalog) -> dict[str, Any]:
    menu = {"Behavior": "UseLabel", "Group": "Details", "Order": 10000, "IsCustomizable": True, "ViewId": None,
            "QueryApi": None, "Icon": None, "MenuId": None,
            "Label": label(None, f"relationship:{relationship.name}:menu")}
    return {
        "MetadataId": relationship_id(relationship.name),
        "HasChanged": None,
        "SchemaName": relationship.name,
        "RelationshipType": "ManyToManyRelationship",
        "IsCustomRelationship": catalog.is_custom_name(relationship.name),
        "IsManaged": False,
        "IsValidForAdvancedFind": True,
        "SecurityTypes": "None",
        "IsCustomizable": managed(True, "iscustomizable"),
        "IntroducedVersion": "1.0.0.0",
        "Entity1LogicalName": relationship.entity1,
        "Entity2LogicalName": relationship.entity2,
        "Entity1IntersectAttribute": relationship.attribute1,
        "Entity2IntersectAttribute": relationship.attribute2,
        "IntersectEntityName": relationship.intersect,
        "Entity1NavigationPropertyName": relationship.name,
        "Entity2NavigationPropertyName": relationship.name,
        "Entity1AssociatedMenuConfiguration": menu,
        "Entity2AssociatedMenuConfiguration": dict(menu),
    }


def visible_one_to_many(schema: Schema) -> tuple[Relationship, ...]:
    """The 1:N relationships between tables this org serves."""
    return tuple(r for r in schema.relationships
                 if schema.has_table(r.referenced_table) and schema.has_table(r.referencing_table))


def visible_many_to_many(schema: Schema, catalog: Catalog) -> tuple[ManyToMany, ...]:
    return tuple(r for r in catalog.many_to_many
                 if all(schema.has_table(t) for t in (r.entity1, r.entity2, r.intersect)))
