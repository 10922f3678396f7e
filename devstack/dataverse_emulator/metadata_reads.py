"""Reading table definitions: ``GET`` on ``EntityDefinitions``, its Attributes and relationships,
``RelationshipDefinitions`` and ``GlobalOptionSetDefinitions``.

As "Query table definitions using the Web API" documents
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api): ``MetadataId``
is always returned; there is no paging; ``Attributes`` without a cast can be selected and filtered on the
AttributeMetadata properties only (each item carries its derived type in ``@odata.type`` and, unless
``$select`` narrows it, that type's properties); a cast
(``Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata``) returns only columns of that type and opens its
properties and its ``OptionSet``/``GlobalOptionSet`` to ``$select``/``$expand``. ``GlobalOptionSetDefinitions``
takes no ``$filter``; the emulated org's choice columns all use local option sets, so the collection is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from solution.schema import Column, Relationship, Schema, Table

from . import errors
from .attribute_metadata import (
    ATTRIBUTE_CLASSES,
    BASE_PROPERTIES,
    OPTION_CLASSES,
    OPTION_NAVIGATION,
    attribute_class,
    attribute_json,
    class_properties,
    option_set_json,
)
from .catalog import Catalog
from .entity_keys import KEY_PROPERTIES, key_json, keys_of
from .entity_metadata import ENTITY_PROPERTIES, NAVIGATION, entity_json
from .errors import ODataError
from .metadata_paths import Segment, alternate_key, find_column, find_relationship, find_table
from .metadata_query import parse_metadata_filter, parse_select, project
from .platform import ManyToMany
from .ports import KeyIndexes
from .protocol import Call, Outcome
from .query_options import parse_expand
from .relationship_metadata import BASE_PROPERTIES as RELATIONSHIP_BASE
from .relationship_metadata import (
    MANY_TO_MANY_CLASS,
    MANY_TO_MANY_PROPERTIES,
    ONE_TO_MANY_CLASS,
    ONE_TO_MANY_PROPERTIES,
    many_to_many_json,
    one_to_many_json,
    visible_many_to_many,
    visible_one_to_many,
)

__all__ = ["MetadataView", "read_entity_definitions", "read_global_option_sets", "read_relationship_definitions"]

_ENTITY = "EntityMetadata"
_ATTRIBUTE = "AttributeMetadata"


@dataclass(frozen=True)
class MetadataView:
    """The definitions a client of the org sees: visible tables, their relationships, and the catalog."""

    schema: Schema
    catalog: Catalog
    keys: KeyIndexes

    def entity(self, table: Table) -> dict[str, Any]:
        return entity_json(table, self.schema, self.catalog)

    def attribute(self, table: Table, column: Column, *, cast: bool) -> dict[str, Any]:
        values = attribute_json(table, column, self.catalog)
        return values if cast else {"@odata.type": f"#Microsoft.Dynamics.CRM.{attribute_class(column)}", **values}

    def one_to_many(self, table: str | None = None, *, referencing: bool = False) -> list[Relationship]:
        return [r for r in visible_one_to_many(self.schema)
                if table is None or (r.referencing_table if referencing else r.referenced_table) == table]

    def many_to_many(self, table: str | None = None) -> list[ManyToMany]:
        return [r for r in visible_many_to_many(self.schema, self.catalog)
                if table is None or table in (r.entity1, r.entity2)]


def read_entity_definitions(view: MetadataView, call: Call, segments: list[Segment]) -> Outcome:
    base = f"{call.base_url}$metadata#"
    root = segments[0]
    if root.key is None:
        if len(segments) > 1:
            raise errors.unsupported(f"'{segments[1].name}' of every table at once; address one table")
        _options(call, "$select", "$filter", "$expand")
        entity_names = ENTITY_PROPERTIES
        items = [view.entity(t) for t in view.schema.tables]
        items = _filtered(items, call.param("$filter"), entity_names, _ENTITY)
        select = parse_select(call.param("$select"), entity_names, _ENTITY)
        tables = {t.logical_name: t for t in view.schema.tables}
        value = [_expanded(view, tables[i["LogicalName"]], project(i, select), call.param("$expand")) for i in items]
        return Outcome.json(200, {"@odata.context": f"{base}EntityDefinitions", "value": value})
    table = find_table(view.schema, root.key)
    if len(segments) == 1:
        _options(call, "$select", "$expand")
        item = view.entity(table)
        select = parse_select(call.param("$select"), set(item), _ENTITY)
        body = _expanded(view, table, project(item, select), call.param("$expand"))
        return Outcome.json(200, {"@odata.context": f"{base}EntityDefinitions/$entity", **body})
    context = f"{base}EntityDefinitions('{table.logical_name}')"
    nav = segments[1]
    if nav.name == "Attributes":
        return _attributes(view, call, table, segments[1:], f"{context}/Attributes")
    if nav.name in NAVIGATION:
        if len(segments) > 2:
            raise errors.unsupported(f"the metadata path '{call.path}'")
        return _relationships_of(view, call, table, nav, f"{context}/{nav.name}")
    raise errors.unknown_query_property(_ENTITY, nav.name)


def _attributes(view: MetadataView, call: Call, table: Table, segments: list[Segment], context: str) -> Outcome:
    attributes = segments[0]
    cast = next((s.cast for s in segments[1:2] if s.is_cast), None)
    if cast is not None and cast not in ATTRIBUTE_CLASSES:
        raise errors.syntax(f"The type '{segments[1].name}' is not a type derived from AttributeMetadata.")
    rest = segments[2 if cast else 1:]
    allowed = class_properties(cast) if cast else BASE_PROPERTIES
    type_name = cast or _ATTRIBUTE
    if attributes.key is None:
        if rest:
            raise errors.unsupported(f"the metadata path '{call.path}'")
        _options(call, "$select", "$filter", "$expand")
        columns = [c for c in table.columns if cast is None or attribute_class(c) == cast]
        items = [view.attribute(table, c, cast=cast is not None) for c in columns]
        items = _filtered(items, call.param("$filter"), allowed, type_name)
        select = parse_select(call.param("$select"), allowed, type_name)
        by_name = {c.name: c for c in columns}
        value = [_with_option_sets(table, by_name[i["LogicalName"]], project(i, select), cast, call.param("$expand"))
                 for i in items]
        suffix = f"/Microsoft.Dynamics.CRM.{cast}" if cast else ""
        return Outcome.json(200, {"@odata.context": context + suffix, "value": value})
    column = find_column(table, attributes.key)
    if cast is not None and attribute_class(column) != cast:
        raise ODataError(404, errors.NOT_FOUND, f"The attribute '{column.name}' is not a {cast}.")
    if rest:
        if cast is None or rest[0].name not in OPTION_NAVIGATION or len(rest) > 1 or cast not in OPTION_CLASSES:
            raise errors.unsupported(f"the metadata path '{call.path}'")
        _options(call, "$select")
        option_set = option_set_json(table, column) if rest[0].name == "OptionSet" else None
        if option_set is None:
            raise ODataError(404, errors.NOT_FOUND, f"The attribute '{column.name}' has no {rest[0].name}.")
        select = parse_select(call.param("$select"), set(option_set), "OptionSetMetadata")
        return Outcome.json(200, {"@odata.context": f"{context}({column.name})/{rest[0].name}/$entity",
                                  **project(option_set, select)})
    _options(call, "$select", "$expand")
    select = parse_select(call.param("$select"), allowed, type_name)
    item = project(view.attribute(table, column, cast=cast is not None), select)
    body = _with_option_sets(table, column, item, cast, call.param("$expand"))
    return Outcome.json(200, {"@odata.context": f"{context}/$entity", **body})


def _with_option_sets(table: Table, column: Column, item: dict[str, Any], cast: str | None,
                      expand: str | None) -> dict[str, Any]:
    if not expand:
        return item
    for nav, options in parse_expand(expand):
        if cast is None or cast not in OPTION_CLASSES or nav not in OPTION_NAVIGATION:
            raise errors.unknown_query_property(cast or _ATTRIBUTE, nav)
        _expand_options(nav, options, "$select")
        option_set = option_set_json(table, column) if nav == "OptionSet" else None
        if option_set is not None:
            option_set = project(option_set, parse_select(options.get("$select"), set(option_set), "OptionSetMetadata"))
        item[nav] = option_set
    return item


def _relationships_of(view: MetadataView, call: Call, table: Table, nav: Segment, context: str) -> Outcome:
    if nav.name == "Keys":
        _options(call, "$select", "$filter")
        items = [key_json(view.catalog, view.keys, table, key) for key in keys_of(view.catalog, table)]
        type_name = "EntityKeyMetadata"
    elif nav.name == "ManyToManyRelationships":
        _options(call, "$select", "$filter")
        items = [many_to_many_json(r, view.catalog) for r in view.many_to_many(table.logical_name)]
        type_name = MANY_TO_MANY_CLASS
    else:
        _options(call, "$select", "$filter")
        referencing = nav.name == "ManyToOneRelationships"
        items = [one_to_many_json(r, view.schema, view.catalog)
                 for r in view.one_to_many(table.logical_name, referencing=referencing)]
        type_name = ONE_TO_MANY_CLASS
    allowed = _names(type_name)
    if nav.key is not None:
        item = _single(items, nav.key, "LogicalName" if nav.name == "Keys" else "SchemaName", nav.name)
        select = parse_select(call.param("$select"), allowed, type_name)
        return Outcome.json(200, {"@odata.context": f"{context}/$entity", **project(item, select)})
    items = _filtered(items, call.param("$filter"), allowed, type_name)
    select = parse_select(call.param("$select"), allowed, type_name)
    return Outcome.json(200, {"@odata.context": context, "value": [project(i, select) for i in items]})


def read_relationship_definitions(view: MetadataView, call: Call, segments: list[Segment]) -> Outcome:
    root = segments[0]
    cast = segments[1].cast if len(segments) > 1 and segments[1].is_cast else None
    if len(segments) > (2 if cast else 1) or (cast and cast not in (ONE_TO_MANY_CLASS, MANY_TO_MANY_CLASS)):
        raise errors.unsupported(f"the metadata path '{call.path}'")
    pairs: list[tuple[str, dict[str, Any]]] = [
        *((ONE_TO_MANY_CLASS, one_to_many_json(r, view.schema, view.catalog)) for r in view.one_to_many()),
        *((MANY_TO_MANY_CLASS, many_to_many_json(r, view.catalog)) for r in view.many_to_many()),
    ]
    if cast:
        items = [item for kind, item in pairs if kind == cast]
        allowed: Collection[str] = _names(cast)
    else:
        items = [{"@odata.type": f"#Microsoft.Dynamics.CRM.{kind}", **item} for kind, item in pairs]
        allowed = RELATIONSHIP_BASE
    type_name = cast or "RelationshipMetadataBase"
    base = f"{call.base_url}$metadata#RelationshipDefinitions"
    if root.key is not None:
        _options(call, "$select")
        found = find_relationship(view.schema, view.catalog, root.key)
        item = next((i for i in items if i["SchemaName"] == found.name), None)
        if item is None:
            raise ODataError(404, errors.NOT_FOUND, f"The relationship '{found.name}' is not a {cast}.")
        select = parse_select(call.param("$select"), allowed, type_name)
        return Outcome.json(200, {"@odata.context": f"{base}/$entity", **project(item, select)})
    _options(call, "$select", "$filter")
    items = _filtered(items, call.param("$filter"), allowed, type_name)
    select = parse_select(call.param("$select"), allowed, type_name)
    return Outcome.json(200, {"@odata.context": base, "value": [project(i, select) for i in items]})


def read_global_option_sets(call: Call, segments: list[Segment]) -> Outcome:
    if call.param("$filter") is not None:
        raise errors.unsupported("$filter on GlobalOptionSetDefinitions (address one option set by Name or MetadataId)")
    _options(call, "$select")
    if len(segments) > 1:
        raise errors.unsupported(f"the metadata path '{call.path}'")
    if segments[0].key is not None:
        raise ODataError(404, errors.NOT_FOUND, f"Could not find the global option set {segments[0].key}; the "
                                                "emulated org's choice columns use local option sets.")
    return Outcome.json(200, {"@odata.context": f"{call.base_url}$metadata#GlobalOptionSetDefinitions", "value": []})


# --- shared ---


def _options(call: Call, *allowed: str) -> None:
    for name, _ in call.query:
        if name.startswith("$") and name not in allowed:
            if name in ("$select", "$filter", "$expand"):
                raise errors.syntax(f"The query option '{name}' is not allowed on '{call.path}'.")
            raise errors.unsupported(f"the query option '{name}' on table definitions")
        if not name.startswith("$"):
            raise errors.unsupported(f"the query parameter '{name}' on table definitions")


def _filtered(items: list[dict[str, Any]], text: str | None, allowed: Collection[str],
              type_name: str) -> list[dict[str, Any]]:
    if not text:
        return items
    keep = parse_metadata_filter(text, set(allowed), type_name)
    return [item for item in items if keep(item)]


def _names(type_name: str) -> frozenset[str]:
    return _TYPE_PROPERTIES[type_name]


def _single(items: list[dict[str, Any]], text: str, property_name: str, what: str) -> dict[str, Any]:
    name = alternate_key(text, property_name, what)
    found = next((i for i in items if (name is not None and i.get(property_name) == name)
                  or (name is None and i["MetadataId"] == text.strip().lower())), None)
    if found is None:
        raise ODataError(404, errors.NOT_FOUND, f"Could not find {what}({text}).")
    return found


def _expanded(view: MetadataView, table: Table, item: dict[str, Any], expand: str | None) -> dict[str, Any]:
    if not expand:
        return item
    builders: dict[str, Callable[[], tuple[list[dict[str, Any]], Collection[str], str]]] = {
        "Attributes": lambda: ([view.attribute(table, c, cast=False) for c in table.columns], BASE_PROPERTIES,
                               _ATTRIBUTE),
        "Keys": lambda: _typed([key_json(view.catalog, view.keys, table, k) for k in keys_of(view.catalog, table)],
                               "EntityKeyMetadata"),
        "OneToManyRelationships": lambda: _typed(
            [one_to_many_json(r, view.schema, view.catalog) for r in view.one_to_many(table.logical_name)],
            ONE_TO_MANY_CLASS),
        "ManyToOneRelationships": lambda: _typed(
            [one_to_many_json(r, view.schema, view.catalog)
             for r in view.one_to_many(table.logical_name, referencing=True)], ONE_TO_MANY_CLASS),
        "ManyToManyRelationships": lambda: _typed(
            [many_to_many_json(r, view.catalog) for r in view.many_to_many(table.logical_name)], MANY_TO_MANY_CLASS),
    }
    for nav, options in parse_expand(expand):
        build = builders.get(nav)
        if build is None:
            raise errors.unknown_query_property(_ENTITY, nav)
        _expand_options(nav, options, "$select", "$filter")
        items, allowed, type_name = build()
        items = _filtered(items, options.get("$filter"), allowed, type_name)
        select = parse_select(options.get("$select"), allowed, type_name)
        item[nav] = [project(i, select) for i in items]
    return item


def _typed(items: list[dict[str, Any]], type_name: str) -> tuple[list[dict[str, Any]], Collection[str], str]:
    return items, _names(type_name), type_name


def _expand_options(nav: str, options: dict[str, str], *allowed: str) -> None:
    for option in options:
        if option not in allowed:
            raise errors.unsupported(f"the $expand option '{option}' on '{nav}'")


_TYPE_PROPERTIES: dict[str, frozenset[str]] = {
    "EntityKeyMetadata": KEY_PROPERTIES,
    ONE_TO_MANY_CLASS: ONE_TO_MANY_PROPERTIES,
    MANY_TO_MANY_CLASS: MANY_TO_MANY_PROPERTIES,
}
