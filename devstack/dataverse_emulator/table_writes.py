"""Writing table definitions: creating and deleting tables.

As documented in "Create and update table definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api):

* ``POST EntityDefinitions`` with an EntityMetadata whose ``Attributes`` hold the primary name column (a
  StringAttributeMetadata with ``IsPrimaryName``) answers 204 with ``OData-EntityId: .../EntityDefinitions(<id>)``.
  ``POST CreateEntities`` ``{"Entities": [ComplexEntityMetadata, ...]}`` (Microsoft's SDK creates tables with it;
  the ComplexEntityMetadata type is in the Web API reference, the action has no page of its own) creates them all
  or none and answers 204 as well. OwnershipType UserOwned or OrganizationOwned; ``IsActivity`` makes a custom
  activity (primary name ``subject``, Regarding and activity parties); ``HasActivities`` makes the table a Regarding
  target of every activity. Other EntityMetadata properties keep the values the emulator serves for every table;
* ``DELETE EntityDefinitions(<id>)`` removes a custom table with its rows, unless other tables' lookups depend on it.

Errors are listed in ``metadata_writes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from solution.schema import ColumnType, Ownership, RequiredLevel, Schema, Table

from . import errors
from .attribute_metadata import metadata_id
from .attribute_payload import ColumnDefinition, parse_attribute
from .catalog import Component
from .definitions import Definitions
from .entity_metadata import ENTITY_PROPERTIES, NAVIGATION
from .errors import ODataError
from .labels import label_text
from .metadata_paths import find_table
from .metadata_writes import (
    DUPLICATE_ATTRIBUTE,
    DUPLICATE_NAME,
    check_navigation,
    created,
    duplicate_message,
    if_match_any,
    two_primary_names,
)
from .naming import check_name, entity_set_name, solution_of
from .protocol import Call, Outcome, json_body
from .schema_changes import (
    activity_parties,
    activity_regarding,
    add_table,
    lookup_relationships,
    remove_table,
    system_columns,
)

__all__ = ["create_entities", "create_table", "delete_table"]

_OWNERSHIPS = {"UserOwned": Ownership.USER, "OrganizationOwned": Ownership.ORGANIZATION}
_MODELLED = {"@odata.type", "SchemaName", "LogicalName", "DisplayName", "DisplayCollectionName", "Description",
             "OwnershipType", "IsActivity", "HasActivities", "HasNotes", "EntitySetName", "Attributes", "TableType",
             "PrimaryNameAttribute", "PrimaryIdAttribute", "LogicalCollectionName"}


@dataclass
class _NewTable:
    """A table being created: the schema with it, and what the catalog records once it is committed."""

    schema: Schema
    table: Table
    schema_name: str
    has_activities: bool
    has_notes: bool
    column_names: list[tuple[str, str]] = field(default_factory=list)  # (logical name, SchemaName)



def create_table(defs: Definitions, call: Call) -> Outcome:
    """``POST EntityDefinitions``."""
    defs.check_writable()
    solution = solution_of(defs.publishers, call)
    planned = _plan_table(defs, defs.schema, json_body(call, "EntityDefinitions"), solution, "")
    _commit_tables(defs, [planned], solution)
    return created(f"{call.base_url}EntityDefinitions({metadata_id(planned.table.logical_name)})")


def create_entities(defs: Definitions, call: Call) -> Outcome:
    """``POST CreateEntities``: every table of ``Entities`` is created, or none."""
    if call.method != "POST":
        raise errors.ODataError(405, errors.BAD_PROPERTY, "CreateEntities is an action: use POST.")
    defs.check_writable()
    for name, _ in call.query:
        if name != "SolutionUniqueName":
            raise errors.unsupported(f"the query parameter '{name}' on CreateEntities")
    body = json_body(call, "CreateEntities")
    unknown = set(body) - {"Entities", "SolutionUniqueName"}
    if unknown:
        raise errors.unsupported(f"the CreateEntities parameter '{sorted(unknown)[0]}'")
    solution = solution_of(defs.publishers, call, body.get("SolutionUniqueName"))
    entities = body.get("Entities")
    if not isinstance(entities, list) or not entities or not all(isinstance(e, dict) for e in entities):
        raise ODataError(400, errors.INVALID_ARGUMENT, "CreateEntities needs Entities: an array of table definitions.")
    planned: list[_NewTable] = []
    schema = defs.schema
    for entity in entities:
        planned.append(_plan_table(defs, schema, entity, solution, "Complex"))
        schema = planned[-1].schema
    for item in planned:
        item.schema = schema  # the last plan holds every new table
    _commit_tables(defs, planned, solution)
    return Outcome(204, [("OData-Version", "4.0")])


def _plan_table(defs: Definitions, schema: Schema, body: dict[str, Any], solution: str | None,
                complex_prefix: str) -> _NewTable:
    _check_entity_body(body, complex_prefix)
    schema_name = check_name(defs.publishers, solution, body.get("SchemaName"), "Entity")
    logical = schema_name.lower()
    if body.get("LogicalName") not in (None, logical):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The LogicalName must be '{logical}', the SchemaName in "
                                                       "lowercase.")
    entity_set = str(body.get("EntitySetName") or entity_set_name(logical))
    if schema.has_table(logical) or schema.find_entity_set(entity_set) is not None:
        raise ODataError(400, DUPLICATE_NAME, "An object with the specified name already exists")
    ownership, is_activity, has_activities = _table_kind(schema, body)
    definitions = _attribute_definitions(body)
    primary = _primary_name(definitions, logical, is_activity)
    for definition in definitions:
        if not (is_activity and definition is primary):
            check_name(defs.publishers, solution, definition.schema_name, "Attribute")
    primary_id = "activityid" if is_activity else f"{logical}id"
    columns = system_columns(logical, primary_id, ownership, {t.logical_name for t in schema.tables})
    if is_activity:
        columns += [c for c in schema.table("activitypointer").columns
                    if c.name not in {x.name for x in columns} and c.name != "subject"]
    taken = {c.name for c in columns}
    for definition in definitions:
        if definition.column.name in taken:
            raise ODataError(400, DUPLICATE_ATTRIBUTE, duplicate_message(definition.schema_name, "Attribute"))
        taken.add(definition.column.name)
    own = [replace(d.column, required=RequiredLevel.REQUIRED) if is_activity and d is primary else d.column
           for d in definitions]
    table = Table(
        logical_name=logical, entity_set=entity_set,
        display_name=label_text(body.get("DisplayName"), "DisplayName") or schema_name,
        display_plural=label_text(body.get("DisplayCollectionName"), "DisplayCollectionName") or schema_name,
        description=label_text(body.get("Description"), "Description") or "",
        ownership=ownership, primary_id=primary_id, primary_name=primary.column.name,
        columns=(*columns, *own), is_activity=is_activity, is_custom=True,
    )
    relationships = lookup_relationships(table)
    if is_activity:
        relationships.append(activity_parties(logical))
    planned = add_table(schema, table, relationships)
    if has_activities and schema.has_table("activitypointer"):
        planned = activity_regarding(planned, logical)
    check_navigation(planned)
    names = [(d.column.name, d.schema_name) for d in definitions]
    return _NewTable(planned, table, schema_name, has_activities, body.get("HasNotes") is True, names)


def _check_entity_body(body: dict[str, Any], complex_prefix: str) -> None:
    odata_type = str(body.get("@odata.type", "")).lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    if odata_type not in ("", f"{complex_prefix}EntityMetadata", "EntityMetadata"):
        raise errors.payload_error("EntityDefinitions", f"'{body['@odata.type']}' is not a table definition type.")
    known = _MODELLED | ENTITY_PROPERTIES | set(NAVIGATION)
    for name in body:
        if name not in known:
            raise errors.unknown_property("EntityMetadata", name)
    if body.get("TableType", "Standard") != "Standard":
        raise errors.unsupported(f"tables of TableType '{body['TableType']}'")


def _table_kind(schema: Schema, body: dict[str, Any]) -> tuple[Ownership, bool, bool]:
    """Ownership, IsActivity and HasActivities of a new table, checked against each other."""
    ownership = _OWNERSHIPS.get(str(body.get("OwnershipType", "UserOwned")))
    if ownership is None:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"OwnershipType '{body.get('OwnershipType')}' is not valid for "
                                                       "a custom table (UserOwned or OrganizationOwned).")
    is_activity = body.get("IsActivity") is True
    has_activities = body.get("HasActivities") is True
    if is_activity:
        if not schema.has_table("activitypointer") or not schema.has_table("activityparty"):
            raise errors.unsupported("custom activities in an org without activitypointer and activityparty")
        if ownership is not Ownership.USER:
            raise ODataError(400, errors.INVALID_ARGUMENT, "An activity table must be user or team owned.")
        if has_activities:
            raise ODataError(400, "0x8004F121", "A custom entity defined as an activity must not have a relationship "
                                                "with Activities.")
    return ownership, is_activity, has_activities


def _attribute_definitions(body: dict[str, Any]) -> list[ColumnDefinition]:
    attributes = body.get("Attributes")
    if not isinstance(attributes, list) or not all(isinstance(a, dict) for a in attributes):
        raise ODataError(400, errors.INVALID_ARGUMENT, "The table definition needs Attributes, with its primary name "
                                                       "column.")
    return [parse_attribute(a) for a in attributes]


def _primary_name(definitions: list[ColumnDefinition], logical: str, is_activity: bool) -> ColumnDefinition:
    primaries = [d for d in definitions if d.is_primary_name]
    if not primaries:
        raise ODataError(400, errors.INVALID_ARGUMENT, "The entity must include the definition for the primary name "
                                                       "attribute (a StringAttributeMetadata with IsPrimaryName true).")
    if len(primaries) > 1:
        raise ODataError(400, "0x8004701E", two_primary_names(logical, primaries[0].column.name,
                                                               primaries[1].column.name))
    primary = primaries[0]
    if primary.column.type is not ColumnType.STRING:
        raise ODataError(400, "0x8004700e", "Primary UI Attribute has to be of type String")
    if is_activity and primary.column.name != "subject":
        raise ODataError(400, "0x8004F127", "A custom entity defined as an activity cannot have primary attribute "
                                            "other than subject.")
    return primary



def _commit_tables(defs: Definitions, planned: list[_NewTable], solution: str | None) -> None:
    catalog = defs.catalog
    catalog.apply(planned[-1].schema)
    for item in planned:
        name = item.table.logical_name
        catalog.name_table(name, item.schema_name, has_activities=item.has_activities, has_notes=item.has_notes)
        for column, schema_name in item.column_names:
            catalog.name_column(name, column, schema_name)
        defs.tables.add_table(name)
        catalog.add_component(solution, Component("Entity", name))


def delete_table(defs: Definitions, call: Call, key: str) -> Outcome:
    defs.check_writable()
    if_match_any(call)
    view = defs.visible_schema()
    table = find_table(view, key)
    name = table.logical_name
    if not table.is_custom:
        raise ODataError(400, "0x80047008", f"The specified entity is not customizable: {name} is a system table.")
    if any(r.intersect == name for r in defs.catalog.many_to_many):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"{name} is the intersect table of a many-to-many relationship; "
                                                       "delete the relationship instead.")
    dependents = [r.name for r in defs.schema.relationships_to(name)
                  if r.referencing_table != name and r.referencing_attribute != "regardingobjectid"
                  and not (r.referencing_table == "activityparty" and r.referencing_attribute == "activityid")]
    dependents += [r.name for r in defs.catalog.many_to_many if name in (r.entity1, r.entity2)]
    if dependents:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The table {name} cannot be deleted: the relationships "
                                                       f"{', '.join(sorted(dependents))} depend on it. Delete them "
                                                       "first.")
    defs.catalog.apply(remove_table(defs.schema, name))
    defs.tables.remove_table(name)
    defs.catalog.forget(name)
    return Outcome(204, [("OData-Version", "4.0")])
