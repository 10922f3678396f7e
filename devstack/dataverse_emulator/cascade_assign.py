"""Cascade Assign: a row that changes owner takes the rows related to it along, as each relationship's
CascadeConfiguration says ("Configure table relationship cascading behavior",
https://learn.microsoft.com/power-apps/developer/data-platform/configure-entity-relationship-cascading-behavior;
MicrosoftDocs/powerapps-docs, powerapps-docs/developer/data-platform/configure-entity-relationship-cascading-behavior.md
at 2c7aa842edd320c442333dea7701d6a3ef830bd7, CC BY 4.0):

* ``Cascade`` ("Cascade All"): every referencing row; ``Active``: the referencing rows in the state the page lists as
  active for their table (state 0 for custom tables and custom activities); ``UserOwned``: the referencing rows owned
  by the same user as the referenced row (its owner before the change); ``NoCascade``: none.
* "Child records' owner is updated to the new owner; child records' business unit is updated to new owner's business
  unit" (the default ``AlwaysMoveRecordToOwnerBusinessUnit``).
* Nothing cascades when the owner did not change ("Assign ... will not execute ... if the original parent record and
  requested action contain the same values").

A child that changes owner cascades in turn (a session's messages take their pictures along) and is an Update of
its own, so steps registered on the child's table see it. Only tables with an owner take part: activity parties,
for one, have none. The caller's privileges are checked on the row it assigned, not on the rows that follow it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from solution.schema import Relationship, Table

from .odata import Ref
from .ports import Caller, Clock, SchemaHolder
from .protocol import WriteEvent
from .store import Store

__all__ = ["AssignCascade", "CascadeOf"]

CascadeOf = Callable[[Relationship], Mapping[str, str]]

# The state that counts as active for cascading, where it is not 0 (the page's table; every other table: 0).
_ACTIVE_STATE = {"quote": 1, "contract": 2, "appointment": 3, "serviceappointment": 3,
                 "recurringappointmentmaster": 3}


class AssignCascade:
    def __init__(self, holder: SchemaHolder, store: Store, cascade_of: CascadeOf, *, clock: Clock, caller: Caller,
                 settle_owner: Callable[[dict[str, Any]], None]) -> None:
        self.holder = holder
        self.store = store
        self.cascade_of = cascade_of
        self.clock = clock
        self.caller = caller
        self.settle_owner = settle_owner  # fills owninguser/owningteam/owningbusinessunit from ownerid

    def follow(self, table: Table, before: Mapping[str, Any], after: Mapping[str, Any],
               events: list[WriteEvent]) -> None:
        """After `table`'s row went from `before` to `after`: when its owner changed, the rows that follow it."""
        if after.get("ownerid") == before.get("ownerid") or not isinstance(after.get("ownerid"), Ref):
            return
        self._cascade(table, before.get("ownerid"), after, events, {(table.logical_name, str(after[table.primary_id]))})

    def _cascade(self, table: Table, previous: Any, parent: Mapping[str, Any], events: list[WriteEvent],
                 seen: set[tuple[str, str]]) -> None:
        schema = self.holder.schema
        owner = parent["ownerid"]
        ref = Ref(table.logical_name, str(parent[table.primary_id]))
        for rel in schema.relationships_to(table.logical_name):
            kind = self.cascade_of(rel).get("Assign", "NoCascade")
            child_table = schema.table(rel.referencing_table)
            if kind == "NoCascade" or not child_table.has_column("ownerid"):
                continue
            for child in list(self.store.all_raw(child_table.logical_name)):
                key = (child_table.logical_name, str(child[child_table.primary_id]))
                if child.get(rel.referencing_attribute) != ref or key in seen or child.get("ownerid") == owner:
                    continue
                if not _follows(kind, child_table, child, previous):
                    continue
                seen.add(key)
                self._reassign(child_table, child, owner, events)
                self._cascade(child_table, child.get("ownerid"), self.store.raw(*key) or child, events, seen)

    def _reassign(self, table: Table, child: dict[str, Any], owner: Ref, events: list[WriteEvent]) -> None:
        before = dict(child)
        row = {**child, "ownerid": owner, "modifiedon": self.clock(), "modifiedby": Ref("systemuser", self.caller())}
        self.settle_owner(row)
        row_id = str(row[table.primary_id])
        self.store.put(table.logical_name, row_id, row)
        target = {"ownerid": owner, table.primary_id: row_id, "modifiedon": row["modifiedon"],
                  "modifiedby": row["modifiedby"]}
        events.append(WriteEvent("Update", table.logical_name, row_id, target, before, dict(row)))


def _follows(kind: str, table: Table, child: Mapping[str, Any], previous: Any) -> bool:
    if kind == "Cascade":
        return True
    if kind == "Active":
        return not table.has_column("statecode") or child.get("statecode") == _ACTIVE_STATE.get(table.logical_name, 0)
    if kind == "UserOwned":
        return isinstance(previous, Ref) and previous.table == "systemuser" and child.get("ownerid") == previous
    return False
