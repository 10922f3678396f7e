"""Many-to-many associations through ``$ref``: ``POST <set>(id)/<n:n>/$ref`` ``{"@odata.id": ".../<other set>(id)"}``,
``DELETE <set>(id)/<n:n>(id)/$ref`` and ``GET <set>(id)/<n:n>``.

They serve ``teamroles_association``, ``systemuserroles_association`` and ``teammembership_association`` (the
intersect rows are readable as ``teamrolescollection``, ``systemuserrolescollection`` and ``teammemberships``) and
the N:N relationships created through ``RelationshipDefinitions`` (``catalog.py``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from solution.schema import Table

from . import errors
from .errors import ODataError
from .platform import ManyToMany
from .ports import ReadModel, SchemaHolder
from .protocol import Call, Outcome, Prefer
from .query_options import parse_select
from .routing import Routed
from .solution_package import plain_guid
from .store import Store

__all__ = ["ASSOCIATION_PATH", "Associations"]

ASSOCIATION_PATH = (r"(?P<set>[A-Za-z_]\w*)\((?P<id>[^)]*)\)/(?P<nav>[A-Za-z_]\w*)"
                    r"(?:\((?P<other>[^)]*)\))?(?P<ref>/\$ref)?")


class Associations:
    def __init__(self, holder: SchemaHolder, store: Store, view: ReadModel,
                 relations: Callable[[], tuple[ManyToMany, ...]]) -> None:
        self.holder = holder
        self.store = store
        self.view = view
        self.relations = relations

    def names(self, match: re.Match[str]) -> bool:
        """Whether the navigation property of an :data:`ASSOCIATION_PATH` is a many-to-many relationship."""
        return self._relation(match["nav"]) is not None

    def handle(self, routed: Routed) -> Outcome:
        """Associate, disassociate or list; associations raise no Create/Update events."""
        call, match = routed.call, routed.match
        relation = self._relation(match["nav"])
        if relation is None:  # the route's guard found it under the same lock; this only narrows the type
            raise errors.unknown_query_property(match["set"], match["nav"])
        schema = self.holder.schema
        for table in (relation.entity1, relation.entity2, relation.intersect):
            if not schema.has_table(table):
                raise errors.unsupported(f"'{relation.name}' without the table '{table}'")
        source = schema.find_entity_set(match.group("set"))
        if source is None or source.logical_name not in (relation.entity1, relation.entity2):
            raise errors.unknown_query_property(match.group("set"), relation.name)
        mine, theirs = ((relation.attribute1, relation.attribute2) if source.logical_name == relation.entity1
                        else (relation.attribute2, relation.attribute1))
        other_table = schema.table(relation.entity2 if source.logical_name == relation.entity1 else relation.entity1)
        row_id = plain_guid(match.group("id"))
        if self.store.raw(source.logical_name, row_id) is None:
            raise errors.not_found(source.logical_name, match.group("id"))
        intersect = schema.table(relation.intersect)
        links = [r for r in self.store.all_raw(relation.intersect) if str(r.get(mine)) == row_id]
        if match.group("ref") and call.method == "POST" and match.group("other") is None:
            other_id = self._reference_id(call, other_table)
            if any(str(r.get(theirs)) == other_id for r in links):
                raise ODataError(400, errors.DUPLICATE, "Cannot insert duplicate key.")
            self.store.insert(relation.intersect, {intersect.primary_id: str(uuid.uuid4()), mine: row_id,
                                                   theirs: other_id})
            return Outcome(204, [("OData-Version", "4.0")])
        if match.group("ref") and call.method == "DELETE" and match.group("other") is not None:
            other_id = plain_guid(match.group("other"))
            link = next((r for r in links if str(r.get(theirs)) == other_id), None)
            if link is not None:
                self.store.remove(relation.intersect, str(link[intersect.primary_id]))
            return Outcome(204, [("OData-Version", "4.0")])
        if not match.group("ref") and match.group("other") is None and call.method == "GET":
            rows = [self.store.raw(other_table.logical_name, str(r.get(theirs))) for r in links]
            select = parse_select(other_table, call.param("$select") or "") if call.param("$select") else None
            prefer = Prefer.parse(call.headers.getlist("Prefer"))
            value = [self.view.represent(other_table, r, select, prefer) for r in rows if r is not None]
            return Outcome.json(200, {"@odata.context": f"{call.base_url}$metadata#{other_table.entity_set}",
                                      "value": value})
        raise errors.unsupported(f"{call.method} on '{call.path}'")

    def _relation(self, name: str) -> ManyToMany | None:
        return next((r for r in self.relations() if r.name == name), None)

    def _reference_id(self, call: Call, other: Table) -> str:
        try:
            body = json.loads(call.body or b"{}")
        except ValueError:
            body = None
        target = body.get("@odata.id") if isinstance(body, dict) else None
        if not isinstance(target, str):
            raise errors.payload_error(other.entity_set, 'Associate with {"@odata.id": "<url of the record>"}.')
        m = re.search(r"([A-Za-z_]\w*)\(([^)]*)\)$", target)
        if m is None or m.group(1) != other.entity_set:
            raise ODataError(400, errors.BAD_PROPERTY,
                             f"The @odata.id '{target}' is not a record of '{other.entity_set}'.")
        other_id = plain_guid(m.group(2))
        if self.store.raw(other.logical_name, other_id) is None:
            raise errors.not_found(other.logical_name, m.group(2))
        return other_id
