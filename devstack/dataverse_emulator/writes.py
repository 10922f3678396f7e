"""Writing rows: create, upsert with If-Match/If-None-Match, update (an owner's change cascading as
``cascade_assign.py`` says), delete with cascades, payload parsing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from solution.schema import Cascade, Relationship, Schema, Table

from . import computed, errors
from .cascade_assign import AssignCascade, CascadeOf
from .errors import ODataError
from .odata import Ref
from .payloads import Payloads
from .ports import AccessChecker, Caller, Clock, OrgIds, ReadModel, SchemaHolder
from .protocol import Call, Outcome, Prefer, WriteEvent, context_url, etag, json_body, only_options
from .query_options import parse_select
from .rows import Rows
from .store import Store
from .values import describe_key, json_value

__all__ = ["Writer"]


class Writer:
    def __init__(self, holder: SchemaHolder, store: Store, rows: Rows, *, payloads: Payloads, access: AccessChecker,
                 view: ReadModel, clock: Clock, caller: Caller, org: OrgIds,
                 cascade_of: CascadeOf | None = None) -> None:
        self.holder = holder
        self.store = store
        self.rows = rows
        self.payloads = payloads
        self.access = access
        self.view = view
        self.clock = clock
        self.caller = caller
        self.org = org
        self.assign_cascade = (AssignCascade(holder, store, cascade_of, clock=clock, caller=caller,
                                             settle_owner=self._set_owning) if cascade_of is not None else None)

    @property
    def schema(self) -> Schema:
        return self.holder.schema

    def create(self, call: Call, table: Table, events: list[WriteEvent]) -> Outcome:
        only_options(call, "$select", "$expand")
        if table.logical_name == "activitypointer":
            raise errors.unsupported("creating activitypointer rows directly; create the specific activity")
        values, parties = self.payloads.record(table, json_body(call, table.entity_set))
        row_id = values.pop(table.primary_id, None) or str(uuid.uuid4())
        if self.store.raw(table.logical_name, row_id) is not None:
            raise errors.duplicate_key()
        row = self._insert(table, row_id, values, parties, events)
        return self._write_outcome(call, table, row, created=True)

    def upsert(
        self, call: Call, table: Table, key: str | dict[str, Any], key_text: str, events: list[WriteEvent]
    ) -> Outcome:
        only_options(call, "$select", "$expand")
        if table.logical_name == "activitypointer":
            raise errors.unsupported("writing activitypointer rows directly; update the specific activity")
        body = json_body(call, table.entity_set)
        existing = self.rows.find(table, key)
        _check_preconditions(call, table, existing, key_text)
        values, parties = self.payloads.record(table, body)
        # Dataverse answers an alternate-key upsert with the key form of the URL
        address = None if isinstance(key, str) else key_text
        if existing is None:
            if not table.supports_upsert:
                raise errors.not_found(table.logical_name, key_text)
            row_id = _new_row_id(table, key, values)
            row = self._insert(table, row_id, values, parties, events)
            return self._write_outcome(call, table, row, created=True, address=address)
        row_id = str(existing[table.primary_id])
        body_id = values.pop(table.primary_id, None)
        if body_id is not None and body_id != row_id:
            raise errors.payload_error(table.entity_set, "The primary id in the body does not match the record.")
        if not isinstance(key, str):
            for name in key:
                values.pop(name, None)  # alternate key values are not updated through the same key
        row = self.update(table, existing, values, parties, events)
        return self._write_outcome(call, table, row, created=False, address=address)

    def _write_outcome(
        self, call: Call, table: Table, row: dict[str, Any], *, created: bool, address: str | None = None
    ) -> Outcome:
        prefer = Prefer.parse(call.headers.getlist("Prefer"))
        entity_id = f"{call.base_url}{table.entity_set}({address or row[table.primary_id]})"
        headers = [("OData-EntityId", entity_id), ("ETag", etag(row))]
        if prefer.representation:
            select = parse_select(table, call.param("$select") or "") if call.param("$select") else None
            body = {"@odata.context": context_url(call, table, select, entity=True)}
            body.update(self.view.represent(table, row, select, prefer, call.param("$expand")))
            applied = self.view.applied(prefer, representation=True, annotations=True)
            return Outcome.json(201 if created else 200, body, [*headers, *applied])
        return Outcome(204, [*headers, ("OData-Version", "4.0")])

    def _insert(
        self,
        table: Table,
        row_id: str,
        values: dict[str, Any],
        parties: list[dict[str, Any]] | None,
        events: list[WriteEvent],
    ) -> dict[str, Any]:
        now = self.clock()
        row = self.store.defaults(table)
        row.update(values)
        row[table.primary_id] = row_id
        row["createdon"] = now
        row["modifiedon"] = now
        caller = Ref("systemuser", self.caller())
        row["createdby"] = caller
        row["modifiedby"] = caller
        if table.has_column("ownerid"):
            if row.get("ownerid") is None:
                row["ownerid"] = caller
            self._set_owning(row)
        if table.is_activity:
            row["activitytypecode"] = table.logical_name
        self.access.check_create(table, row)
        computed.apply(table, row, self.store)
        self._settle_state(table, row, values)
        self._check_keys(table, row)
        self.store.put(table.logical_name, row_id, row)
        if parties is not None:
            self._write_parties(table, row_id, parties)
        events.append(WriteEvent("Create", table.logical_name, row_id, dict(row), None, dict(row)))
        return row

    def update(
        self,
        table: Table,
        existing: dict[str, Any],
        values: dict[str, Any],
        parties: list[dict[str, Any]] | None,
        events: list[WriteEvent],
    ) -> dict[str, Any]:
        before = dict(existing)
        self.access.check_update(table, before, values)
        row = dict(existing)
        row.update(values)
        row["modifiedon"] = self.clock()
        row["modifiedby"] = Ref("systemuser", self.caller())
        if "ownerid" in values:
            self._set_owning(row)
        computed.apply(table, row, self.store)
        self._settle_state(table, row, values)
        self._check_keys(table, row)
        row_id = str(row[table.primary_id])
        self.store.put(table.logical_name, row_id, row)
        if parties is not None:
            self._write_parties(table, row_id, parties)
        target = {**values, table.primary_id: row_id, "modifiedon": row["modifiedon"], "modifiedby": row["modifiedby"]}
        events.append(WriteEvent("Update", table.logical_name, row_id, target, before, dict(row)))
        if self.assign_cascade is not None and "ownerid" in values:
            self.assign_cascade.follow(table, before, row, events)
        return row

    def _set_owning(self, row: dict[str, Any]) -> None:
        owner = row.get("ownerid")
        if isinstance(owner, Ref):
            row["owninguser"] = owner if owner.table == "systemuser" else None
            row["owningteam"] = owner if owner.table == "team" else None
            # a row belongs to its owner's business unit (what Local and Deep privileges reach)
            owner_row = self.store.raw(owner.table, owner.id) if self.schema.has_table(owner.table) else None
            unit = owner_row.get("businessunitid") if owner_row else None
            fallback = Ref("businessunit", self.org.business_unit_id)
            row["owningbusinessunit"] = unit if isinstance(unit, Ref) else fallback

    def _settle_state(self, table: Table, row: dict[str, Any], values: dict[str, Any]) -> None:
        state_col, status_col = table.find_column("statecode"), table.find_column("statuscode")
        if state_col is None or status_col is None:
            return
        if "statuscode" in values and "statecode" not in values and values["statuscode"] is not None:
            choice = next((c for c in status_col.choices if c.value == values["statuscode"]), None)
            if choice is not None and choice.state is not None:
                row["statecode"] = choice.state
        elif "statecode" in values and "statuscode" not in values:
            choice = next((c for c in status_col.choices if c.state == values["statecode"]), None)
            if choice is not None:
                row["statuscode"] = choice.value
        status = next((c for c in status_col.choices if c.value == row.get("statuscode")), None)
        if status is not None and status.state is not None and row.get("statecode") != status.state:
            raise ODataError(
                400,
                errors.INVALID_ARGUMENT,
                f"{row.get('statuscode')} is not a valid status code for state code "
                f"{table.logical_name}State.{row.get('statecode')} on {table.logical_name}.",
            )

    def _check_keys(self, table: Table, row: dict[str, Any]) -> None:
        for key in table.keys:
            values = [row.get(c) for c in key.columns]
            if any(v is None for v in values):
                continue
            other = self.store.by_key(table.logical_name, key.name, tuple(values))
            if other is not None and other.get(table.primary_id) != row.get(table.primary_id):
                raise ODataError(
                    412,
                    errors.DUPLICATE,
                    f"A record that has the attribute values {', '.join(str(json_value(v)) for v in values)}"
                    f" already exists. The entity key {key.name} requires that this set of attributes contains"
                    " unique values. Select unique values and try again.",
                )

    def _write_parties(self, table: Table, activity_id: str, parties: list[dict[str, Any]]) -> None:
        ref = Ref(table.logical_name, activity_id)
        for party in self.store.all_raw("activityparty"):
            if party.get("activityid") == ref:
                self.store.remove("activityparty", str(party["activitypartyid"]))
        party_table = self.schema.table("activityparty")
        now = self.clock()
        for values in parties:
            party_id = values.pop("activitypartyid", None) or str(uuid.uuid4())
            row = self.store.defaults(party_table)
            row.update(values)
            row.update({"activitypartyid": party_id, "activityid": ref, "createdon": now, "modifiedon": now})
            self.store.put("activityparty", party_id, row)

    def delete(self, call: Call, table: Table, key: str | dict[str, Any]) -> Outcome:
        only_options(call)
        if table.logical_name == "activitypointer":
            raise errors.unsupported("deleting activitypointer rows directly; delete the specific activity")
        row = self.rows.find(table, key)
        if row is None:
            raise errors.not_found(table.logical_name, key if isinstance(key, str) else describe_key(key))
        if_match = call.header("If-Match")
        if if_match and if_match.strip() != "*" and if_match.strip() != etag(row):
            raise errors.version_mismatch()
        self.access.check_delete(table, row)
        self.delete_row(table, str(row[table.primary_id]))
        return Outcome(204, [("OData-Version", "4.0")])

    def delete_row(self, table: Table, row_id: str) -> None:
        # Dataverse deletes a row and its parental children in one transaction: a restricting child anywhere below
        # refuses the whole delete before anything is removed
        self._refuse_if_restricted(table, row_id, set())
        self._delete_row(table, row_id)

    def _children(self, table: Table, row_id: str) -> Iterator[tuple[Relationship, Table, dict[str, Any]]]:
        ref = Ref(table.logical_name, row_id)
        for rel in self.schema.relationships_to(table.logical_name):
            child_table = self.schema.table(rel.referencing_table)
            for child in self.store.all_raw(rel.referencing_table):
                if child.get(rel.referencing_attribute) == ref:
                    yield rel, child_table, child

    def _refuse_if_restricted(self, table: Table, row_id: str, seen: set[tuple[str, str]]) -> None:
        if (table.logical_name, row_id) in seen:
            return
        seen.add((table.logical_name, row_id))
        for rel, child_table, child in list(self._children(table, row_id)):
            if rel.cascade is Cascade.RESTRICT:
                raise ODataError(
                    400,
                    errors.INVALID_ARGUMENT,
                    f"The record cannot be deleted because it is associated with another record ({rel.name}).",
                )
            if rel.cascade is Cascade.PARENTAL:
                self._refuse_if_restricted(child_table, str(child[child_table.primary_id]), seen)

    def _delete_row(self, table: Table, row_id: str) -> None:
        ref = Ref(table.logical_name, row_id)
        for rel in self.schema.relationships_to(table.logical_name):
            child_table = self.schema.table(rel.referencing_table)
            children = [r for r in self.store.all_raw(rel.referencing_table) if r.get(rel.referencing_attribute) == ref]
            for child in children:
                child_id = str(child[child_table.primary_id])
                if rel.cascade is Cascade.PARENTAL:
                    self._delete_row(child_table, child_id)
                elif rel.referencing_attribute in ("createdby", "modifiedby"):
                    continue
                else:
                    updated = dict(child)
                    updated[rel.referencing_attribute] = None
                    self.store.put(rel.referencing_table, child_id, updated)
        self.store.remove(table.logical_name, row_id)


def _check_preconditions(call: Call, table: Table, existing: dict[str, Any] | None, key_text: str) -> None:
    if_match = (call.header("If-Match") or "").strip()
    if if_match:
        if existing is None:
            raise errors.not_found(table.logical_name, key_text)
        if if_match not in ("*", etag(existing)):
            raise errors.version_mismatch()
    if (call.header("If-None-Match") or "").strip() == "*" and existing is not None:
        raise errors.duplicate_key()


def _new_row_id(table: Table, key: str | dict[str, Any], values: dict[str, Any]) -> str:
    """The id of a row an upsert creates; an alternate key's values become the row's values."""
    body_id = values.pop(table.primary_id, None)
    if isinstance(key, str):
        if body_id is not None and body_id != key:
            raise errors.payload_error(
                table.entity_set, "The key in the URL does not match the primary id in the body."
            )
        return key
    for name, value in key.items():
        if name not in values:
            col = table.column(name)
            values[name] = Ref(col.targets[0], value) if col.type.is_reference else value
    return str(body_id or uuid.uuid4())
