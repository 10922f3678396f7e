"""Routing of metadata calls: which reader or writer answers each method on each metadata path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import errors
from .entity_keys import create_key, delete_key
from .errors import ODataError
from .metadata_changes import retrieve_metadata_changes
from .metadata_paths import Segment, parse_path
from .metadata_reads import (
    MetadataView,
    read_entity_definitions,
    read_global_option_sets,
    read_relationship_definitions,
)
from .metadata_writes import (
    create_entities,
    create_relationship,
    create_table,
    delete_attribute,
    delete_relationship,
    delete_table,
    post_attribute,
    put_attribute,
)
from .protocol import Call, Outcome, method_not_allowed

if TYPE_CHECKING:
    from .service import DataverseEmulator

__all__ = ["route_metadata"]


def route_metadata(emulator: DataverseEmulator, call: Call) -> Outcome:
    segments = parse_path(call.path)
    root = segments[0]
    view = MetadataView(emulator.solutions.visible_schema(), emulator.catalog)
    if root.name == "RetrieveMetadataChanges" and len(segments) == 1:
        return retrieve_metadata_changes(view, call, root)
    if root.name == "CreateEntities" and len(segments) == 1 and root.key in (None, ""):
        return create_entities(emulator, call)
    if root.name == "EntityDefinitions":
        return _entity_definitions(emulator, view, call, segments)
    if root.name == "RelationshipDefinitions":
        return _relationship_definitions(emulator, view, call, segments)
    if root.name == "GlobalOptionSetDefinitions":
        if call.method != "GET":
            raise errors.unsupported(f"{call.method} on GlobalOptionSetDefinitions (global option sets)")
        return read_global_option_sets(call, segments)
    raise errors.unsupported(f"the metadata operation '{call.path}'")


def _entity_definitions(emulator: DataverseEmulator, view: MetadataView, call: Call,
                        segments: list[Segment]) -> Outcome:
    if call.method == "GET":
        return read_entity_definitions(view, call, segments)
    _no_query(call)
    root = segments[0]
    shape = tuple(s.name for s in segments[1:])
    keys = tuple(s.key for s in segments[1:])
    if call.method == "POST":
        if not shape and root.key is None:
            return create_table(emulator, call)
        if root.key is not None and shape in (("Attributes",), ("Keys",)) and keys == (None,):
            return post_attribute(emulator, call, root.key) if shape == ("Attributes",) else create_key(
                emulator, call, root.key)
    elif call.method == "PUT":
        if root.key is not None and shape == ("Attributes",) and keys[0] is not None:
            return put_attribute(emulator, call, root.key, keys[0])
        if root.key is not None and not shape:
            raise errors.unsupported("updating table definitions (PUT EntityDefinitions)")
    elif call.method == "DELETE":
        if root.key is not None and not shape:
            return delete_table(emulator, call, root.key)
        if root.key is not None and shape in (("Attributes",), ("Keys",)) and keys[0] is not None:
            return (delete_attribute if shape == ("Attributes",) else delete_key)(emulator, call, root.key, keys[0])
    elif call.method == "PATCH":
        # "You can't use the PATCH method to update data model entities" (use PUT with the whole definition)
        raise method_not_allowed(call)
    raise errors.unsupported(f"{call.method} on '{call.path}'")


def _relationship_definitions(emulator: DataverseEmulator, view: MetadataView, call: Call,
                              segments: list[Segment]) -> Outcome:
    if call.method == "GET":
        return read_relationship_definitions(view, call, segments)
    _no_query(call)
    root = segments[0]
    if call.method == "POST" and len(segments) == 1 and root.key is None:
        return create_relationship(emulator, call)
    if call.method == "DELETE" and len(segments) == 1 and root.key is not None:
        return delete_relationship(emulator, call, root.key)
    if call.method == "PATCH":
        raise method_not_allowed(call)
    raise errors.unsupported(f"{call.method} on '{call.path}'")


def _no_query(call: Call) -> None:
    for name, _ in call.query:
        raise ODataError(501, errors.BAD_PROPERTY,
                         f"The Dataverse emulator does not support the query parameter '{name}' on a metadata change.")
