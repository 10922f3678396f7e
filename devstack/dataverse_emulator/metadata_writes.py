"""Writing table definitions: create and delete tables, create, update and delete columns and relationships.

As documented in "Create and update table definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api),
"Create and update column definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api)
and "Create and update table relationships using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-relationships-using-web-api):

* ``POST EntityDefinitions`` with an EntityMetadata whose ``Attributes`` hold the primary name column (a
  StringAttributeMetadata with ``IsPrimaryName``) answers 204 with ``OData-EntityId: .../EntityDefinitions(<id>)``.
  ``POST CreateEntities`` ``{"Entities": [ComplexEntityMetadata, ...]}`` (Microsoft's SDK creates tables with it;
  the ComplexEntityMetadata type is in the Web API reference, the action has no page of its own) creates them all
  or none and answers 204 as well. OwnershipType UserOwned or OrganizationOwned; ``IsActivity`` makes a custom
  activity (primary name ``subject``, Regarding and activity parties); ``HasActivities`` makes the table a Regarding
  target of every activity. Other EntityMetadata properties keep the values the emulator serves for every table;
* ``POST EntityDefinitions(...)/Attributes`` adds a column (204, ``OData-EntityId`` of the attribute), ``PUT`` on
  an attribute replaces its definition (``MSCRM.MergeLabels`` makes no difference: the org has one language),
  ``DELETE`` removes a custom column and its values;
* ``POST RelationshipDefinitions`` creates a 1:N relationship with its lookup column (``Lookup``; the navigation
  properties default to the lookup's SchemaName and the relationship's) or an N:N relationship with its intersect
  table (entity set ``<intersect>set``); ``DELETE RelationshipDefinitions(<id>)`` removes a custom one (a 1:N with
  its lookup column);
* ``DELETE EntityDefinitions(<id>)`` removes a custom table with its rows, unless other tables' lookups depend on it.

Errors are Dataverse's: InvalidNamePrefix (0x80044366) for a SchemaName without the publisher's prefix,
DuplicateName (0x80047010) and DuplicateAttributeSchemaName (0x80047013) for names in use,
DuplicatePrimaryNameAttribute (0x8004701E), InvalidPrimaryFieldType (0x8004700e),
InvalidPrimaryFieldForActivity (0x8004F127), EntityCannotBeChildInCustomRelationship (0x8004432D) ("Web service
error codes", https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes).
Definitions cannot change inside a ``$batch`` change set (501).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from solution.schema import Cascade, Column, ColumnType, Ownership, Relationship, RequiredLevel, Schema, Table

from . import errors
from .attribute_metadata import attribute_class, metadata_id
from .attribute_payload import ColumnDefinition, parse_attribute, updated_column
from .catalog import Component
from .entity_metadata import ENTITY_PROPERTIES, NAVIGATION
from .errors import ODataError
from .labels import label_text
from .metadata_paths import find_column, find_relationship, find_table
from .naming import check_name, entity_set_name, json_body, solution_of
from .platform import ManyToMany
from .protocol import Call, Outcome
from .relationship_metadata import MANY_TO_MANY_CLASS, ONE_TO_MANY_CLASS, relationship_id
from .schema_changes import (
    activity_parties,
    activity_regarding,
    add_relationships,
    add_table,
    lookup_relationships,
    remove_relationship,
    remove_table,
    replace_table,
    system_columns,
    with_column,
    without_column,
)

if TYPE_CHECKING:
    from .service import DataverseEmulator

__all__ = ["create_entities", "create_relationship", "create_table", "delete_attribute", "delete_relationship",
           "delete_table", "post_attribute", "put_attribute"]

DUPLICATE_NAME = "0x80047010"
DUPLICATE_ATTRIBUTE = "0x80047013"
_OWNERSHIPS = {"UserOwned": Ownership.USER, "OrganizationOwned": Ownership.ORGANIZATION}
_DELETE_CASCADES = {"Cascade": Cascade.PARENTAL, "RemoveLink": Cascade.REFERENTIAL, "Restrict": Cascade.RESTRICT}
_CASCADE_ACTIONS = ("Assign", "Delete", "Merge", "Reparent", "Share", "Unshare", "RollupView")
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


# --- tables ---


def create_table(emulator: DataverseEmulator, call: Call) -> Outcome:
    """``POST EntityDefinitions``."""
    _writable(emulator)
    solution = solution_of(emulator, call)
    planned = _plan_table(emulator, emulator.schema, json_body(call, "EntityDefinitions"), solution, "")
    _commit_tables(emulator, [planned], solution)
    return _created(f"{call.base_url}EntityDefinitions({metadata_id(planned.table.logical_name)})")


def create_entities(emulator: DataverseEmulator, call: Call) -> Outcome:
    """``POST CreateEntities``: every table of ``Entities`` is created, or none."""
    if call.method != "POST":
        raise errors.ODataError(405, errors.BAD_PROPERTY, "CreateEntities is an action: use POST.")
    _writable(emulator)
    for name, _ in call.query:
        if name != "SolutionUniqueName":
            raise errors.unsupported(f"the query parameter '{name}' on CreateEntities")
    body = json_body(call, "CreateEntities")
    unknown = set(body) - {"Entities", "SolutionUniqueName"}
    if unknown:
        raise errors.unsupported(f"the CreateEntities parameter '{sorted(unknown)[0]}'")
    solution = solution_of(emulator, call, body.get("SolutionUniqueName"))
    entities = body.get("Entities")
    if not isinstance(entities, list) or not entities or not all(isinstance(e, dict) for e in entities):
        raise ODataError(400, errors.INVALID_ARGUMENT, "CreateEntities needs Entities: an array of table definitions.")
    planned: list[_NewTable] = []
    schema = emulator.schema
    for entity in entities:
        planned.append(_plan_table(emulator, schema, entity, solution, "Complex"))
        schema = planned[-1].schema
    for item in planned:
        item.schema = schema  # the last plan holds every new table
    _commit_tables(emulator, planned, solution)
    return Outcome(204, [("OData-Version", "4.0")])


def _plan_table(emulator: DataverseEmulator, schema: Schema, body: dict[str, Any], solution: str | None,
                complex_prefix: str) -> _NewTable:
    _check_entity_body(body, complex_prefix)
    schema_name = check_name(emulator, solution, body.get("SchemaName"), "Entity")
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
            check_name(emulator, solution, definition.schema_name, "Attribute")
    primary_id = "activityid" if is_activity else f"{logical}id"
    columns = system_columns(logical, primary_id, ownership, {t.logical_name for t in schema.tables})
    if is_activity:
        columns += [c for c in schema.table("activitypointer").columns
                    if c.name not in {x.name for x in columns} and c.name != "subject"]
    taken = {c.name for c in columns}
    for definition in definitions:
        if definition.column.name in taken:
            raise ODataError(400, DUPLICATE_ATTRIBUTE, _duplicate(definition.schema_name, "Attribute"))
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
    _check_navigation(planned)
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
        raise ODataError(400, "0x8004701E", _two_primary_names(logical, primaries[0].column.name,
                                                               primaries[1].column.name))
    primary = primaries[0]
    if primary.column.type is not ColumnType.STRING:
        raise ODataError(400, "0x8004700e", "Primary UI Attribute has to be of type String")
    if is_activity and primary.column.name != "subject":
        raise ODataError(400, "0x8004F127", "A custom entity defined as an activity cannot have primary attribute "
                                            "other than subject.")
    return primary


def _two_primary_names(table: str, existing: str, new: str) -> str:
    return (f"The new {new} attribute is set as the primary name attribute for the {table} entity. The {table} entity "
            f"already has the {existing} attribute set as the primary name attribute. An entity can only have one "
            "primary name attribute.")


def _commit_tables(emulator: DataverseEmulator, planned: list[_NewTable], solution: str | None) -> None:
    catalog = emulator.catalog
    catalog.apply(planned[-1].schema)
    for item in planned:
        name = item.table.logical_name
        catalog.name_table(name, item.schema_name, has_activities=item.has_activities, has_notes=item.has_notes)
        for column, schema_name in item.column_names:
            catalog.name_column(name, column, schema_name)
        emulator.solutions.add_table(name)
        catalog.add_component(solution, Component("Entity", name))


def delete_table(emulator: DataverseEmulator, call: Call, key: str) -> Outcome:
    _writable(emulator)
    _if_match(call)
    view = emulator.solutions.visible_schema()
    table = find_table(view, key)
    name = table.logical_name
    if not table.is_custom:
        raise ODataError(400, "0x80047008", f"The specified entity is not customizable: {name} is a system table.")
    if any(r.intersect == name for r in emulator.catalog.many_to_many):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"{name} is the intersect table of a many-to-many relationship; "
                                                       "delete the relationship instead.")
    dependents = [r.name for r in emulator.schema.relationships_to(name)
                  if r.referencing_table != name and r.referencing_attribute != "regardingobjectid"
                  and not (r.referencing_table == "activityparty" and r.referencing_attribute == "activityid")]
    dependents += [r.name for r in emulator.catalog.many_to_many if name in (r.entity1, r.entity2)]
    if dependents:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The table {name} cannot be deleted: the relationships "
                                                       f"{', '.join(sorted(dependents))} depend on it. Delete them "
                                                       "first.")
    emulator.catalog.apply(remove_table(emulator.schema, name))
    emulator.solutions.remove_table(name)
    emulator.catalog.forget(name)
    return Outcome(204, [("OData-Version", "4.0")])


# --- columns ---


def post_attribute(emulator: DataverseEmulator, call: Call, entity_key: str) -> Outcome:
    _writable(emulator)
    solution = solution_of(emulator, call)
    table = find_table(emulator.solutions.visible_schema(), entity_key)
    definition = parse_attribute(json_body(call, "Attributes"))
    check_name(emulator, solution, definition.schema_name, "Attribute")
    column = definition.column
    _check_column_name(emulator.schema, table, column.name, definition.schema_name)
    if definition.is_primary_name and table.primary_name is not None:
        raise ODataError(400, "0x8004701E", _two_primary_names(table.logical_name, table.primary_name, column.name))
    if definition.is_primary_name:
        raise errors.unsupported(f"giving {table.logical_name}, which has no primary name column, a new one")
    emulator.catalog.apply(replace_table(emulator.schema, with_column(table, column)))
    emulator.catalog.name_column(table.logical_name, column.name, definition.schema_name)
    emulator.catalog.add_component(solution, Component("Attribute", f"{table.logical_name}.{column.name}"))
    attribute_id = metadata_id(f"{table.logical_name}.{column.name}")
    return _created(f"{call.base_url}EntityDefinitions({entity_key})/Attributes({attribute_id})")


def put_attribute(emulator: DataverseEmulator, call: Call, entity_key: str, attribute_key: str) -> Outcome:
    _writable(emulator)
    solution_of(emulator, call)
    table = find_table(emulator.solutions.visible_schema(), entity_key)
    column = find_column(table, attribute_key)
    changed = updated_column(column, json_body(call, "Attributes"), attribute_class(column))
    position = table.columns.index(column)
    emulator.catalog.apply(replace_table(emulator.schema,
                                         with_column(without_column(table, column.name), changed, position=position)))
    return _created(f"{call.base_url}EntityDefinitions({entity_key})/Attributes({attribute_key})")


def delete_attribute(emulator: DataverseEmulator, call: Call, entity_key: str, attribute_key: str) -> Outcome:
    _writable(emulator)
    _if_match(call)
    table = find_table(emulator.solutions.visible_schema(), entity_key)
    column = find_column(table, attribute_key)
    if not emulator.catalog.is_custom_name(column.name) or column.name in (table.primary_id, table.primary_name):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"Only custom columns other than the primary name can be "
                                                       f"deleted; '{column.name}' is not one.")
    if column.type.is_reference:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"'{column.name}' is the lookup of a relationship: delete the "
                                                       "relationship (RelationshipDefinitions) to delete it.")
    keys = [k.name for k in table.keys if column.name in k.columns]
    if keys:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"'{column.name}' is part of the alternate key(s) "
                                                       f"{', '.join(keys)}: delete them first.")
    emulator.catalog.apply(replace_table(emulator.schema, without_column(table, column.name)))
    emulator.catalog.forget(table.logical_name, column.name)
    return Outcome(204, [("OData-Version", "4.0")])


# --- relationships ---


def create_relationship(emulator: DataverseEmulator, call: Call) -> Outcome:
    _writable(emulator)
    solution = solution_of(emulator, call)
    body = json_body(call, "RelationshipDefinitions")
    kind = str(body.get("@odata.type", "")).lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    if kind not in (ONE_TO_MANY_CLASS, MANY_TO_MANY_CLASS):
        raise errors.payload_error("RelationshipDefinitions", "The @odata.type must name "
                                   "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata or "
                                   "Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata.")
    name = check_name(emulator, solution, body.get("SchemaName"), "Relationship")
    taken = {r.name.lower() for r in emulator.schema.relationships} | {r.name.lower()
                                                                       for r in emulator.catalog.many_to_many}
    if name.lower() in taken:
        raise ODataError(400, DUPLICATE_NAME, "An object with the specified name already exists")
    if kind == ONE_TO_MANY_CLASS:
        _one_to_many(emulator, body, name, solution)
    else:
        _many_to_many(emulator, body, name, solution)
    emulator.catalog.add_component(solution, Component("Relationship", name))
    return _created(f"{call.base_url}RelationshipDefinitions({relationship_id(name)})")


def _one_to_many(emulator: DataverseEmulator, body: dict[str, Any], name: str, solution: str | None) -> None:
    view = emulator.solutions.visible_schema()
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
    lookup_name = check_name(emulator, solution, lookup.get("SchemaName"), "Attribute")
    logical = lookup_name.lower()
    _check_column_name(emulator.schema, referencing, logical, lookup_name)
    configuration = _cascade_configuration(body.get("CascadeConfiguration"))
    cascade = _DELETE_CASCADES[configuration["Delete"]]
    if cascade is Cascade.PARENTAL and any(r.cascade is Cascade.PARENTAL for r in
                                           emulator.schema.relationships_from(referencing.logical_name)):
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
    schema = add_relationships(replace_table(emulator.schema, with_column(referencing, column)), [relationship])
    _check_navigation(schema)
    emulator.catalog.apply(schema)
    emulator.catalog.name_column(referencing.logical_name, logical, lookup_name)
    emulator.catalog.set_cascade(name, configuration)
    emulator.catalog.add_component(solution, Component("Attribute", f"{referencing.logical_name}.{logical}"))


def _many_to_many(emulator: DataverseEmulator, body: dict[str, Any], name: str, solution: str | None) -> None:
    view = emulator.solutions.visible_schema()
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
    intersect = check_name(emulator, solution, intersect_name, "Entity").lower()
    if emulator.schema.has_table(intersect) or emulator.schema.find_entity_set(f"{intersect}set") is not None:
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
    emulator.catalog.apply(add_table(emulator.schema, table, []))
    emulator.catalog.add_many_to_many(ManyToMany(name, first.logical_name, second.logical_name, intersect,
                                                 first.primary_id, second.primary_id))
    emulator.catalog.number_table(intersect)
    emulator.solutions.add_table(intersect, messages=False)


def delete_relationship(emulator: DataverseEmulator, call: Call, key: str) -> Outcome:
    _writable(emulator)
    _if_match(call)
    found = find_relationship(emulator.solutions.visible_schema(), emulator.catalog, key)
    if isinstance(found, ManyToMany):
        if not emulator.catalog.is_custom_name(found.name):
            raise ODataError(400, errors.INVALID_ARGUMENT, f"{found.name} is a system relationship.")
        emulator.catalog.apply(remove_table(emulator.schema, found.intersect))
        emulator.catalog.remove_many_to_many(found.name)
        emulator.solutions.remove_table(found.intersect)
    else:
        referencing = emulator.schema.table(found.referencing_table)
        column = referencing.column(found.referencing_attribute)
        if not emulator.catalog.is_custom_name(column.name) or len(column.targets) != 1:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"{found.name} is a system relationship.")
        schema = remove_relationship(emulator.schema, found.name)
        emulator.catalog.apply(replace_table(schema, without_column(referencing, column.name)))
        emulator.catalog.forget(referencing.logical_name, column.name)
    emulator.catalog.forget_relationship(found.name)
    return Outcome(204, [("OData-Version", "4.0")])


# --- shared ---


def _writable(emulator: DataverseEmulator) -> None:
    if emulator.store.in_transaction:
        raise errors.unsupported("changing table definitions inside a $batch change set")


def _if_match(call: Call) -> None:
    value = (call.header("If-Match") or "*").strip()
    if value != "*":
        raise errors.unsupported(f"If-Match '{value}' on table definitions (only '*')")


def _created(entity_id: str) -> Outcome:
    return Outcome(204, [("OData-EntityId", entity_id), ("OData-Version", "4.0")])


def _duplicate(schema_name: str, kind: str) -> str:
    return (f"The schema name {schema_name} for type {kind} is not unique. An {schema_name} with same name already "
            "exists.")


def _check_column_name(schema: Schema, table: Table, logical: str, schema_name: str) -> None:
    navigations = {r.referencing_navigation.lower() for r in schema.relationships_from(table.logical_name)}
    navigations |= {r.referenced_navigation.lower() for r in schema.relationships_to(table.logical_name)}
    if table.has_column(logical) or logical in navigations:
        raise ODataError(400, DUPLICATE_ATTRIBUTE, _duplicate(schema_name, "Attribute"))


def _check_navigation(schema: Schema) -> None:
    """A navigation property name appears once per table, and is not the name of another column."""
    seen: dict[tuple[str, str], str] = {}
    for relationship in schema.relationships:
        for table, navigation, identity in (
            (relationship.referencing_table, relationship.referencing_navigation,
             f"single:{relationship.referencing_attribute}"),
            (relationship.referenced_table, relationship.referenced_navigation, f"collection:{relationship.name}"),
        ):
            if seen.setdefault((table, navigation.lower()), identity) != identity:
                raise ODataError(400, DUPLICATE_NAME, f"The navigation property '{navigation}' of {table} is in use.")


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

