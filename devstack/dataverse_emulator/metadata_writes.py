"""Writing table definitions: the rules every change follows, and the column writes.

As documented in "Create and update table definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api),
"Create and update column definitions using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api)
and "Create and update table relationships using the Web API"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-relationships-using-web-api).
Tables are written by ``table_writes.py``, relationships by ``relationship_writes.py``, alternate keys by
``entity_keys.py``; here:

* ``POST EntityDefinitions(...)/Attributes`` adds a column (204, ``OData-EntityId`` of the attribute), ``PUT`` on
  an attribute replaces its definition (``MSCRM.MergeLabels`` makes no difference: the org has one language),
  ``DELETE`` removes a custom column and its values.

Errors are Dataverse's: InvalidNamePrefix (0x80044366) for a SchemaName without the publisher's prefix,
DuplicateName (0x80047010) and DuplicateAttributeSchemaName (0x80047013) for names in use,
DuplicatePrimaryNameAttribute (0x8004701E), InvalidPrimaryFieldType (0x8004700e),
InvalidPrimaryFieldForActivity (0x8004F127), EntityCannotBeChildInCustomRelationship (0x8004432D) ("Web service
error codes", https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes).
Definitions cannot change inside a ``$batch`` change set (501), and take no query parameters (501).
"""

from __future__ import annotations

from solution.schema import Schema, Table

from . import errors
from .attribute_metadata import attribute_class, metadata_id
from .attribute_payload import parse_attribute, updated_column
from .catalog import Component
from .definitions import Definitions
from .errors import ODataError
from .metadata_paths import find_column, find_table
from .naming import check_name, solution_of
from .protocol import Call, Outcome, json_body
from .schema_changes import replace_table, with_column, without_column

__all__ = ["DUPLICATE_ATTRIBUTE", "DUPLICATE_NAME", "check_column_name", "check_navigation", "created",
           "delete_attribute", "duplicate_message", "if_match_any", "no_query", "post_attribute", "put_attribute",
           "two_primary_names"]

DUPLICATE_NAME = "0x80047010"
DUPLICATE_ATTRIBUTE = "0x80047013"


# --- columns ---


def post_attribute(defs: Definitions, call: Call, entity_key: str) -> Outcome:
    defs.check_writable()
    solution = solution_of(defs.publishers, call)
    table = find_table(defs.visible_schema(), entity_key)
    definition = parse_attribute(json_body(call, "Attributes"))
    check_name(defs.publishers, solution, definition.schema_name, "Attribute")
    column = definition.column
    check_column_name(defs.schema, table, column.name, definition.schema_name)
    if definition.is_primary_name and table.primary_name is not None:
        raise ODataError(400, "0x8004701E", two_primary_names(table.logical_name, table.primary_name, column.name))
    if definition.is_primary_name:
        raise errors.unsupported(f"giving {table.logical_name}, which has no primary name column, a new one")
    defs.catalog.apply(replace_table(defs.schema, with_column(table, column)))
    defs.catalog.name_column(table.logical_name, column.name, definition.schema_name)
    defs.catalog.add_component(solution, Component("Attribute", f"{table.logical_name}.{column.name}"))
    attribute_id = metadata_id(f"{table.logical_name}.{column.name}")
    return created(f"{call.base_url}EntityDefinitions({entity_key})/Attributes({attribute_id})")


def put_attribute(defs: Definitions, call: Call, entity_key: str, attribute_key: str) -> Outcome:
    defs.check_writable()
    solution_of(defs.publishers, call)
    table = find_table(defs.visible_schema(), entity_key)
    column = find_column(table, attribute_key)
    changed = updated_column(column, json_body(call, "Attributes"), attribute_class(column))
    position = table.columns.index(column)
    defs.catalog.apply(replace_table(defs.schema,
                                         with_column(without_column(table, column.name), changed, position=position)))
    return created(f"{call.base_url}EntityDefinitions({entity_key})/Attributes({attribute_key})")


def delete_attribute(defs: Definitions, call: Call, entity_key: str, attribute_key: str) -> Outcome:
    defs.check_writable()
    if_match_any(call)
    table = find_table(defs.visible_schema(), entity_key)
    column = find_column(table, attribute_key)
    if not defs.catalog.is_custom_name(column.name) or column.name in (table.primary_id, table.primary_name):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"Only custom columns other than the primary name can be "
                                                       f"deleted; '{column.name}' is not one.")
    if column.type.is_reference:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"'{column.name}' is the lookup of a relationship: delete the "
                                                       "relationship (RelationshipDefinitions) to delete it.")
    keys = [k.name for k in table.keys if column.name in k.columns]
    if keys:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"'{column.name}' is part of the alternate key(s) "
                                                       f"{', '.join(keys)}: delete them first.")
    defs.catalog.apply(replace_table(defs.schema, without_column(table, column.name)))
    defs.catalog.forget(table.logical_name, column.name)
    return Outcome(204, [("OData-Version", "4.0")])



# --- the rules of every change ---


def no_query(call: Call) -> None:
    for name, _ in call.query:
        raise ODataError(501, errors.BAD_PROPERTY,
                         f"The Dataverse emulator does not support the query parameter '{name}' on a metadata change.")


def if_match_any(call: Call) -> None:
    """Definitions carry no ETags a client could send: only ``If-Match: *`` (or none) is honoured."""
    value = (call.header("If-Match") or "*").strip()
    if value != "*":
        raise errors.unsupported(f"If-Match '{value}' on table definitions (only '*')")


def created(entity_id: str) -> Outcome:
    return Outcome(204, [("OData-EntityId", entity_id), ("OData-Version", "4.0")])


def duplicate_message(schema_name: str, kind: str) -> str:
    return (f"The schema name {schema_name} for type {kind} is not unique. An {schema_name} with same name already "
            "exists.")


def check_column_name(schema: Schema, table: Table, logical: str, schema_name: str) -> None:
    navigations = {r.referencing_navigation.lower() for r in schema.relationships_from(table.logical_name)}
    navigations |= {r.referenced_navigation.lower() for r in schema.relationships_to(table.logical_name)}
    if table.has_column(logical) or logical in navigations:
        raise ODataError(400, DUPLICATE_ATTRIBUTE, duplicate_message(schema_name, "Attribute"))


def check_navigation(schema: Schema) -> None:
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



def two_primary_names(table: str, existing: str, new: str) -> str:
    return (f"The new {new} attribute is set as the primary name attribute for the {table} entity. The {table} entity "
            f"already has the {existing} attribute set as the primary name attribute. An entity can only have one "
            "primary name attribute.")
