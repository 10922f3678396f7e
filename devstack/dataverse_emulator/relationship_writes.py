"""Writing relationship definitions.

As documented in "Create and update table relationships using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-relationships-using-web-api):

* ``POST RelationshipDefinitions`` creates a 1:N relationship with its lookup column (``Lookup``; the navigation
  properties default to the lookup's SchemaName and the relationship's) or an N:N relationship with its intersect
  table (entity set ``<intersect>set``); ``DELETE RelationshipDefinitions(<id>)`` removes a custom one (a 1:N with
  its lookup column);

Errors are listed in ``metadata_writes.py``.
"""

from __future__ import annotations

from typing import Any

from solution.schema import Cascade, Column, ColumnType, Ownership, Relationship, RequiredLevel, Schema, Table

from . import errors
from .catalog import Component
from .definitions import Definitions
from .errors import ODataError
from .labels import label_text
from .metadata_paths import find_relationship
from .metadata_writes import DUPLICATE_NAME, check_column_name, check_navigation, created, if_match_any
from .naming import check_name, solution_of
from .platform import ManyToMany
from .protocol import Call, Outcome, json_body
from .relationship_metadata import MANY_TO_MANY_CLASS, ONE_TO_MANY_CLASS, relationship_id
from .schema_changes import (
    add_relationships,
    add_table,
    remove_relationship,
    remove_table,
    replace_table,
    with_column,
    without_column,
)

__all__ = ["create_relationship", "delete_relationship"]

_DELETE_CASCADES = {"Cascade": Cascade.PARENTAL, "RemoveLink": Cascade.REFERENTIAL, "Restrict": Cascade.RESTRICT}
_CASCADE_ACTIONS = ("Assign", "Delete", "Merge", "Reparent", "Share", "Unshare", "RollupView")


def create_relationship(defs: Definitions, call: Call) -> Outcome:
    defs.check_writable()
    solution = solution_of(defs.publishers, call)
    body = json_body(call, "RelationshipDefinitions")
    kind = str(body.get("@odata.type", "")).lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    if kind not in (ONE_TO_MANY_CLASS, MANY_TO_MANY_CLASS):
        raise errors.payload_error("RelationshipDefinitions", "The @odata.type must name "
                                   "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata or "
                                   "Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata.")
    name = check_name(defs.publishers, solution, body.get("SchemaName"), "Relationship")
    taken = {r.name.lower() for r in defs.schema.relationships} | {r.name.lower()
                                                                       for r in defs.catalog.many_to_many}
    if name.lower() in taken:
        raise ODataError(400, DUPLICATE_NAME, "An object with the specified name already exists")
    if kind == ONE_TO_MANY_CLASS:
        _one_to_many(defs, body, name, solution)
    else:
        _many_to_many(defs, body, name, solution)
    defs.catalog.add_component(solution, Component("Relationship", name))
    return created(f"{call.base_url}RelationshipDefinitions({relationship_id(name)})")


def _one_to_many(defs: Definitions, body: dict[str, Any], name: str, solution: str | None) -> None:
    view = defs.visible_schema()
    referenced = _table_named(view, body.get("ReferencedEntity"), "ReferencedEntity")
    referencing = _table_named(view, body.get("ReferencingEntity"), "ReferencingEntity")
    if body.get("ReferencedAttribute") not in (None, referenced.primary_id):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"ReferencedAttribute must be the primary key of "
                                                       f"{referenced.logical_name} ({referenced.primary_id}).")
    lookup = body.get("Lookup")
    if not isinstance(lookup, dict):
        raise ODataError(400, errors.INVALID_ARGUMENT, "A one-to-many relationship needs its Lookup attribute.")
    lookup_type = str(lookup.get("@odata.type", "LookupAttributeMetadata")).lstrip("#").removeprefix(
        "Microsoft.Dynamics.CRM.")
    if lookup_type != "LookupAttributeMetadata":
        raise errors.payload_error("RelationshipDefinitions", "The Lookup must be a LookupAttributeMetadata.")
    lookup_name = check_name(defs.publishers, solution, lookup.get("SchemaName"), "Attribute")
    logical = lookup_name.lower()
    check_column_name(defs.schema, referencing, logical, lookup_name)
    configuration = _cascade_configuration(body.get("CascadeConfiguration"))
    cascade = _DELETE_CASCADES[configuration["Delete"]]
    if cascade is Cascade.PARENTAL and any(r.cascade is Cascade.PARENTAL for r in
                                           defs.schema.relationships_from(referencing.logical_name)):
        raise ODataError(400, "0x8004432D", "This entity is either not valid as a child in a custom parental "
                                            "relationship or is already a child in a parental relationship")
    required = lookup.get("RequiredLevel")
    level = required.get("Value") if isinstance(required, dict) else required
    column = Column(logical, ColumnType.LOOKUP, label_text(lookup.get("DisplayName"), "Lookup.DisplayName")
                    or lookup_name, description=label_text(lookup.get("Description"), "Lookup.Description") or "",
                    required=RequiredLevel.REQUIRED if level == "ApplicationRequired" else (
                        RequiredLevel.RECOMMENDED if level == "Recommended" else RequiredLevel.NONE),
                    targets=(referenced.logical_name,))
    relationship = Relationship(
        name=name, referenced_table=referenced.logical_name, referencing_table=referencing.logical_name,
        referencing_attribute=logical,
        referencing_navigation=str(body.get("ReferencingEntityNavigationPropertyName") or lookup_name),
        referenced_navigation=str(body.get("ReferencedEntityNavigationPropertyName") or name), cascade=cascade)
    schema = add_relationships(replace_table(defs.schema, with_column(referencing, column)), [relationship])
    check_navigation(schema)
    defs.catalog.apply(schema)
    defs.catalog.name_column(referencing.logical_name, logical, lookup_name)
    defs.catalog.set_cascade(name, configuration)
    defs.catalog.add_component(solution, Component("Attribute", f"{referencing.logical_name}.{logical}"))


def _many_to_many(defs: Definitions, body: dict[str, Any], name: str, solution: str | None) -> None:
    view = defs.visible_schema()
    first = _table_named(view, body.get("Entity1LogicalName"), "Entity1LogicalName")
    second = _table_named(view, body.get("Entity2LogicalName"), "Entity2LogicalName")
    if first.logical_name == second.logical_name:
        raise errors.unsupported("many-to-many relationships of a table with itself")
    for side in ("Entity1NavigationPropertyName", "Entity2NavigationPropertyName"):
        if body.get(side) not in (None, name):
            raise errors.unsupported(f"{side} other than the relationship's SchemaName")
    intersect_name = body.get("IntersectEntityName")
    if not isinstance(intersect_name, str) or not intersect_name:
        raise ODataError(400, errors.INVALID_ARGUMENT, "A many-to-many relationship needs IntersectEntityName.")
    intersect = check_name(defs.publishers, solution, intersect_name, "Entity").lower()
    if defs.schema.has_table(intersect) or defs.schema.find_entity_set(f"{intersect}set") is not None:
        raise ODataError(400, DUPLICATE_NAME, "An object with the specified name already exists")
    table = Table(
        logical_name=intersect, entity_set=f"{intersect}set", display_name=name, display_plural=name,
        description=f"Intersect table of the relationship {name}.", ownership=Ownership.NONE,
        primary_id=f"{intersect}id", primary_name=None, is_custom=True,
        columns=(Column(f"{intersect}id", ColumnType.UNIQUEIDENTIFIER, "Id", required=RequiredLevel.SYSTEM),
                 Column(first.primary_id, ColumnType.UNIQUEIDENTIFIER, first.display_name),
                 Column(second.primary_id, ColumnType.UNIQUEIDENTIFIER, second.display_name),
                 Column("versionnumber", ColumnType.BIGINT, "Version Number")),
    )
    defs.catalog.apply(add_table(defs.schema, table, []))
    defs.catalog.add_many_to_many(ManyToMany(name, first.logical_name, second.logical_name, intersect,
                                                 first.primary_id, second.primary_id))
    defs.catalog.number_table(intersect)
    defs.tables.add_table(intersect, messages=False)


def delete_relationship(defs: Definitions, call: Call, key: str) -> Outcome:
    defs.check_writable()
    if_match_any(call)
    found = find_relationship(defs.visible_schema(), defs.catalog, key)
    if isinstance(found, ManyToMany):
        if not defs.catalog.is_custom_name(found.name):
            raise ODataError(400, errors.INVALID_ARGUMENT, f"{found.name} is a system relationship.")
        defs.catalog.apply(remove_table(defs.schema, found.intersect))
        defs.catalog.remove_many_to_many(found.name)
        defs.tables.remove_table(found.intersect)
    else:
        referencing = defs.schema.table(found.referencing_table)
        column = referencing.column(found.referencing_attribute)
        if not defs.catalog.is_custom_name(column.name) or len(column.targets) != 1:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"{found.name} is a system relationship.")
        schema = remove_relationship(defs.schema, found.name)
        defs.catalog.apply(replace_table(schema, without_column(referencing, column.name)))
        defs.catalog.forget(referencing.logical_name, column.name)
    defs.catalog.forget_relationship(found.name)
    return Outcome(204, [("OData-Version", "4.0")])



def _table_named(view: Schema, name: Any, what: str) -> Table:
    if not isinstance(name, str) or not view.has_table(name):
        raise ODataError(404, errors.NOT_FOUND, f"{what}: Could not find entity with LogicalName '{name}'.")
    return view.table(name)


def _cascade_configuration(raw: Any) -> dict[str, str]:
    given = raw if isinstance(raw, dict) else {}
    unknown = set(given) - set(_CASCADE_ACTIONS) - {"Archive"}
    if unknown:
        raise errors.unknown_property("CascadeConfiguration", sorted(unknown)[0])
    configuration = {action: str(given.get(action, "NoCascade")) for action in _CASCADE_ACTIONS}
    configuration["Delete"] = str(given.get("Delete", "RemoveLink"))
    if configuration["Delete"] not in _DELETE_CASCADES:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"CascadeConfiguration.Delete '{configuration['Delete']}' is "
                                                       "not valid (Cascade, RemoveLink or Restrict).")
    return configuration
