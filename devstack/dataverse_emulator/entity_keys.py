"""Alternate keys: ``EntityDefinitions(...)/Keys`` read, created and deleted.

As "Define alternate keys to reference rows" documents
(https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity): a key is made of
1 to 16 decimal, whole number, single line of text, date, lookup or choice columns, none of them secured; a table
has at most 10 keys; the index is built in the background, so a new key is Pending, then Active
(``EntityKeyIndexStatus``; the same clock as a key imported with a solution, ``solutions.key_index_seconds``),
or Failed when the rows already hold duplicate values (such a key is listed, and not enforced). Creating one is
``POST EntityDefinitions(LogicalName='t')/Keys`` with ``SchemaName``, ``KeyAttributes`` and ``DisplayName``,
answered 204 with the key's URL in ``OData-EntityId``; ``DELETE .../Keys(<MetadataId>)`` removes it. The
errors for a name or column set in use are Dataverse's EntityKeyNameExists (0x80060893) and
EntityKeyWithSelectedAttributesExists (0x80060894).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from solution.schema import AlternateKey, ColumnType, Table

from . import errors
from .attribute_metadata import managed
from .catalog import Catalog, Component
from .definitions import Definitions
from .errors import ODataError
from .labels import label, label_text
from .metadata_paths import alternate_key, find_table
from .naming import check_name, solution_of
from .odata import Ref
from .ports import KeyIndexes
from .protocol import Call, Outcome, json_body
from .schema_changes import replace_table
from .store import Store

__all__ = ["KEY_PROPERTIES", "create_key", "delete_key", "key_id", "key_json", "keys_of"]

_NAMESPACE = uuid.UUID("8a3f4c1e-7b2d-4e9a-b6c5-1d0e2f3a4b5c")  # the ids keys had when solutions.py served them
_KEY_TYPES = frozenset({ColumnType.DECIMAL, ColumnType.INTEGER, ColumnType.STRING, ColumnType.DATETIME,
                        ColumnType.LOOKUP, ColumnType.CHOICE})
_MAX_COLUMNS = 16
_MAX_KEYS = 10
KEY_PROPERTIES = frozenset({"MetadataId", "HasChanged", "LogicalName", "SchemaName", "EntityLogicalName",
                            "KeyAttributes", "EntityKeyIndexStatus", "DisplayName", "IsManaged", "IsCustomizable",
                            "IsSynchronous", "IntroducedVersion"})


def key_id(table: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"key:{table}:{key}"))


def keys_of(catalog: Catalog, table: Table) -> tuple[AlternateKey, ...]:
    """The table's keys: those in force, then those whose index failed to build."""
    return (*table.keys, *catalog.failed_keys(table.logical_name))


def key_json(catalog: Catalog, indexes: KeyIndexes, table: Table, key: AlternateKey) -> dict[str, Any]:
    name = table.logical_name
    return {
        "MetadataId": key_id(name, key.name),
        "HasChanged": None,
        "LogicalName": key.name,
        "SchemaName": catalog.key_schema_name(name, key.name),
        "EntityLogicalName": name,
        "KeyAttributes": list(key.columns),
        "EntityKeyIndexStatus": indexes.key_status(name, key.name),
        "DisplayName": label(catalog.key_label(name, key.name), f"key:{name}:{key.name}"),
        "IsManaged": False,
        "IsCustomizable": managed(True, "iscustomizable"),
        "IsSynchronous": False,
        "IntroducedVersion": "1.0.0.0",
    }


def create_key(defs: Definitions, call: Call, entity_key: str) -> Outcome:
    defs.check_writable()
    solution = solution_of(defs.publishers, call)
    table = find_table(defs.visible_schema(), entity_key)
    body = json_body(call, "Keys")
    for name in body:
        if name not in KEY_PROPERTIES and name != "@odata.type":
            raise errors.unknown_property("EntityKeyMetadata", name)
    schema_name = check_name(defs.publishers, solution, body.get("SchemaName"), "EntityKey")
    logical = schema_name.lower()
    existing = keys_of(defs.catalog, table)
    if any(k.name == logical for k in existing):
        raise ODataError(400, "0x80060893", f"An entity key with the name {logical} already exists on entity "
                                            f"{table.logical_name}.")
    columns = _key_columns(table, body.get("KeyAttributes"))
    if any(set(k.columns) == set(columns) for k in existing):
        raise ODataError(400, "0x80060894", "An entity key with the selected attributes already exists on entity.")
    if len(existing) >= _MAX_KEYS:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"{table.logical_name} already has {_MAX_KEYS} alternate keys, "
                                                       "the most a table can have.")
    key = AlternateKey(logical, columns)
    failed = _has_duplicates(defs.store, table, columns)
    if failed:
        defs.catalog.add_failed_key(table.logical_name, key)
    else:
        defs.catalog.apply(replace_table(defs.schema, replace(table, keys=(*table.keys, key))))
    defs.keys.start_key_index(table.logical_name, logical, failed=failed)
    defs.catalog.name_key(table.logical_name, logical, schema_name,
                          label_text(body.get("DisplayName"), "DisplayName") or schema_name)
    defs.catalog.add_component(solution, Component("EntityKey", f"{table.logical_name}.{logical}"))
    location = f"{call.base_url}EntityDefinitions({entity_key})/Keys({key_id(table.logical_name, logical)})"
    return Outcome(204, [("OData-EntityId", location), ("OData-Version", "4.0")])


def delete_key(defs: Definitions, call: Call, entity_key: str, key_text: str) -> Outcome:
    defs.check_writable()
    if (call.header("If-Match") or "*").strip() != "*":
        raise errors.unsupported("If-Match with an ETag on table definitions (only '*')")
    table = find_table(defs.visible_schema(), entity_key)
    name = alternate_key(key_text, "LogicalName", "Keys")
    key = next((k for k in keys_of(defs.catalog, table)
                if k.name == name or (name is None and key_id(table.logical_name, k.name) == key_text.lower())), None)
    if key is None:
        raise ODataError(404, errors.NOT_FOUND, f"Could not find key {key_text} of entity '{table.logical_name}'.")
    if key in table.keys:
        kept = tuple(k for k in table.keys if k.name != key.name)
        defs.catalog.apply(replace_table(defs.schema, replace(table, keys=kept)))
    defs.catalog.forget_key(table.logical_name, key.name)
    defs.keys.forget_key(table.logical_name, key.name)
    return Outcome(204, [("OData-Version", "4.0")])


def _key_columns(table: Table, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(name, str) for name in raw):
        raise ODataError(400, errors.INVALID_ARGUMENT,
                         "KeyAttributes must list the logical names of the key's columns.")
    if len(raw) > _MAX_COLUMNS or len(set(raw)) != len(raw):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"A key has 1 to {_MAX_COLUMNS} different columns.")
    for name in raw:
        column = table.find_column(name)
        if column is None:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"{table.logical_name} has no column '{name}'.")
        if column.type not in _KEY_TYPES or column.secured:
            raise ODataError(400, errors.INVALID_ARGUMENT, f"The column '{name}' ({column.type}) cannot be part of a "
                                                           "key: use decimal, whole number, text, date, lookup or "
                                                           "choice columns that are not secured.")
    return tuple(raw)


def _has_duplicates(store: Store, table: Table, columns: tuple[str, ...]) -> bool:
    seen: set[tuple[Any, ...]] = set()
    for row in store.all_raw(table.logical_name):
        values = tuple(_normal(row.get(c)) for c in columns)
        if any(v is None for v in values):
            continue
        if values in seen:
            return True
        seen.add(values)
    return False


def _normal(value: Any) -> Any:
    # as the store's key index compares: text case-insensitively, lookups by id
    if isinstance(value, Ref):
        return value.id
    return value.casefold() if isinstance(value, str) else value
