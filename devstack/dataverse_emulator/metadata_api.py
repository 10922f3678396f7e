"""The metadata paths as the routing table (``service.py``) reaches them: each handler reads the path's segments,
refuses query parameters on a change, and hands the call to the reader or writer of that kind of definition.

The shapes below are those ``metadata_paths.parse_path`` accepts (``Name`` or ``Name(key)`` segments, a key
without parentheses or slashes); any other path under a metadata name answers 501 naming what is not supported.
"""

from __future__ import annotations

from . import errors
from .definitions import Definitions
from .entity_keys import create_key, delete_key
from .metadata_changes import retrieve_metadata_changes
from .metadata_paths import parse_path
from .metadata_reads import (
    MetadataView,
    read_entity_definitions,
    read_global_option_sets,
    read_relationship_definitions,
)
from .metadata_writes import delete_attribute, no_query, post_attribute, put_attribute
from .protocol import Outcome, method_not_allowed
from .relationship_writes import create_relationship, delete_relationship
from .routing import Routed
from .table_writes import create_entities, create_table, delete_table

__all__ = ["KEY", "MetadataApi", "definitions_path"]

KEY = r"\((?P<{}>[^()/]*)\)"  # a segment's key, named by the route: KEY.format("entity")
_SEGMENT = r"[A-Za-z][\w.]*(?:\([^()/]*\))?"


def definitions_path(root: str) -> str:
    """Every path ``parse_path`` accepts under ``root``: ``root``, ``root(key)`` and further segments."""
    return rf"{root}(?:\([^()/]*\))?(?:/{_SEGMENT})*"


class MetadataApi:
    def __init__(self, defs: Definitions) -> None:
        self.defs = defs

    def _view(self) -> MetadataView:
        return MetadataView(self.defs.visible_schema(), self.defs.catalog, self.defs.keys)

    # --- reads ---

    def read_entities(self, routed: Routed) -> Outcome:
        return read_entity_definitions(self._view(), routed.call, parse_path(routed.call.path))

    def read_relationships(self, routed: Routed) -> Outcome:
        return read_relationship_definitions(self._view(), routed.call, parse_path(routed.call.path))

    def read_option_sets(self, routed: Routed) -> Outcome:
        return read_global_option_sets(routed.call, parse_path(routed.call.path))

    def metadata_changes(self, routed: Routed) -> Outcome:
        return retrieve_metadata_changes(self._view(), routed.call, parse_path(routed.call.path)[0])

    # --- changes: definitions raise no Create/Update events ---

    def create_entities(self, routed: Routed) -> Outcome:
        return create_entities(self.defs, routed.call)

    def create_table(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return create_table(self.defs, routed.call)

    def delete_table(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return delete_table(self.defs, routed.call, routed["entity"])

    def post_attribute(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return post_attribute(self.defs, routed.call, routed["entity"])

    def put_attribute(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return put_attribute(self.defs, routed.call, routed["entity"], routed["attribute"])

    def delete_attribute(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return delete_attribute(self.defs, routed.call, routed["entity"], routed["attribute"])

    def create_key(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return create_key(self.defs, routed.call, routed["entity"])

    def delete_key(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return delete_key(self.defs, routed.call, routed["entity"], routed["key"])

    def create_relationship(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return create_relationship(self.defs, routed.call)

    def delete_relationship(self, routed: Routed) -> Outcome:
        no_query(routed.call)
        return delete_relationship(self.defs, routed.call, routed["key"])

    # --- what is not served ---

    @staticmethod
    def refuse_table_update(routed: Routed) -> Outcome:
        no_query(routed.call)
        raise errors.unsupported("updating table definitions (PUT EntityDefinitions)")

    @staticmethod
    def refuse_option_set_change(routed: Routed) -> Outcome:
        raise errors.unsupported(f"{routed.call.method} on GlobalOptionSetDefinitions (global option sets)")

    @staticmethod
    def no_such_change(routed: Routed) -> Outcome:
        call = routed.call
        no_query(call)
        if call.method == "PATCH":
            # "You can't use the PATCH method to update data model entities" (use PUT with the whole definition)
            raise method_not_allowed(call)
        raise errors.unsupported(f"{call.method} on '{call.path}'")

    @staticmethod
    def unsupported_operation(routed: Routed) -> Outcome:
        parse_path(routed.call.path)  # a malformed path is refused as such
        raise errors.unsupported(f"the metadata operation '{routed.call.path}'")
