"""Security roles enforced for the acting user: the emulator's rows turned into ``security.py``'s plain data, and
the two hooks that use its answers (``readable``/``check_read`` where reads filter, ``check_write`` and friends
where writes check).

What is enforced (when enforcement is on for the request, see ``SecurityMode``):

* reads: a query (``$filter``, ``$count``, ``/$count``, FetchXML and its link-entities, ``$expand`` of
  collections) returns only the rows the user may read; a retrieve of a row the user may not read, or a single
  property or file of it, is 403; an expanded lookup the user may not read is null. ``$batch`` parts are
  ordinary requests and are checked the same way;
* writes: Create (with the new row's owner), Write, Delete, Assign (a change of ``ownerid``), Append on the row
  that gains a lookup and AppendTo on the row it points at;
* impersonation (``MSCRMCallerID``): the authenticated user needs ``prvActOnBehalfOfAnotherUser``, and then
  both it and the impersonated user must hold each privilege (Microsoft's "Impersonate another user").

Errors as Dataverse answers them: a user who holds no such privilege gets 403 ``0x80040220`` ("Principal user
(Id=..., type=8, ...), is missing prvReadcontact privilege ..."); a user whose privilege does not reach the row
gets 403 ``0x80048306`` ("Principal with id ... does not have ReadAccess right(s) for record with id ... of
entity contact").

Not enforced: field (column) security profiles, sharing (``principalobjectaccess``: ``GrantAccess``,
``ModifyAccess`` and ``RevokeAccess`` answer 501), hierarchy security, the parties of an activity (only the
activity itself is checked), rows deleted by a cascade, the roles of teams in other business units than the
user's (a team role's privileges count as the member's own), access-team templates, and the
``Microsoft.Dynamics.CRM.RetrieveUserPrivileges`` answer lists privileges only, without record filters.
"""

from __future__ import annotations

import contextlib
import enum
import uuid
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from solution.schema import Table

from .errors import ODataError
from .odata import Ref
from .ports import Caller, RoleGrants, SchemaHolder
from .rows import Rows
from .security import (
    ACT_ON_BEHALF,
    ADMINISTRATOR_ROLE,
    Decision,
    Depth,
    Principal,
    RowFacts,
    TableFacts,
    Units,
    decide_impersonated,
    merge,
)
from .store import Store

__all__ = ["ACCESS_DENIED", "PRIVILEGE_DENIED", "Access", "SecurityMode"]

PRIVILEGE_DENIED = "0x80040220"  # -2147220960: "Principal user ... is missing prv... privilege"
ACCESS_DENIED = "0x80048306"  # -2147187962: "Principal with id ... does not have ...Access right(s) for record"

# Lookups every row carries that are the platform's business, not an Append of the writer's.
_SYSTEM_LOOKUPS = frozenset({"ownerid", "owninguser", "owningteam", "owningbusinessunit", "createdby", "modifiedby",
                             "createdonbehalfby", "modifiedonbehalfby", "transactioncurrencyid"})
_NAMESPACE = uuid.UUID("3c1b6a0e-9e7d-4f4a-8d52-6b2f0c9e1a47")


class SecurityMode(enum.StrEnum):
    """When roles are enforced: never, only for requests that impersonate (the default: the application user is
    a System Administrator in the devstack), or for every request."""

    OFF = "off"
    IMPERSONATED = "impersonated"
    ALWAYS = "always"


_principals: ContextVar[dict[str, Principal] | None] = ContextVar("dataverse_emulator_principals", default=None)


class Access:
    """The emulator's security: ``mode`` may be changed at any time (``emulator.access.mode = "always"``)."""

    def __init__(self, mode: SecurityMode | str, *, application_user: str, caller: Caller, store: Store,
                 holder: SchemaHolder, roles: RoleGrants, rows: Rows) -> None:
        self._mode = SecurityMode(mode)
        self.application_user = application_user  # the authenticated caller: the org's application user
        self.caller = caller
        self.store = store
        self.holder = holder
        self.roles = roles
        self.rows = rows

    @property
    def mode(self) -> SecurityMode:
        return self._mode

    @mode.setter
    def mode(self, mode: SecurityMode | str) -> None:
        self._mode = SecurityMode(mode)

    # --- when ---

    def impersonated(self) -> bool:
        return self.caller() != self.application_user

    def enforced(self) -> bool:
        return self.mode is SecurityMode.ALWAYS or (self.mode is SecurityMode.IMPERSONATED and self.impersonated())

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """One request: principals are computed once; an impersonating caller must be allowed to impersonate."""
        token = _principals.set({})
        try:
            if self.mode is not SecurityMode.OFF and self.impersonated():
                caller = self.principal(self.application_user)
                if caller.depth(ACT_ON_BEHALF) is None:
                    raise self._privilege_error(caller, ACT_ON_BEHALF, None)
            yield
        finally:
            _principals.reset(token)

    # --- who ---

    def principal(self, user_id: str) -> Principal:
        cache = _principals.get()
        if cache is not None and user_id in cache:
            return cache[user_id]
        found = self._principal(user_id)
        if cache is not None:
            cache[user_id] = found
        return found

    def _principal(self, user_id: str) -> Principal:
        store, schema = self.store, self.holder.schema
        user = store.raw("systemuser", user_id) if schema.has_table("systemuser") else None
        unit = user.get("businessunitid") if user else None
        teams = frozenset(str(r.get("teamid")) for r in self._rows("teammembership")
                          if str(r.get("systemuserid")) == user_id)
        role_ids = [str(r.get("roleid")) for r in self._rows("systemuserroles")
                    if str(r.get("systemuserid")) == user_id]
        role_ids += [str(r.get("roleid")) for r in self._rows("teamroles") if str(r.get("teamid")) in teams]
        names = {str(r.get("roleid")): str(r.get("name") or "") for r in self._rows("role")}
        granted = self.roles.role_privileges
        return Principal(
            user_id=user_id,
            business_unit=_ref_id(unit),
            teams=teams,
            privileges=merge(granted.get(role, {}) for role in role_ids),
            administrator=any(names.get(role) == ADMINISTRATOR_ROLE for role in role_ids),
            roles=tuple(sorted({names.get(role, role) for role in role_ids})),
        )

    def privileges_of(self, user_id: str) -> list[tuple[str, Depth]]:
        """Every privilege a user holds through their roles and teams, with the original names."""
        principal = self.principal(user_id)
        ids = {str(r.get("name") or ""): str(r.get("roleid")) for r in self._rows("role")}
        names: dict[str, str] = {}
        for role in principal.roles:
            for name in self.roles.role_privileges.get(ids.get(role, role), {}):
                names.setdefault(name.lower(), name)
        return sorted((names.get(key, key), depth) for key, depth in principal.privileges.items())

    def _rows(self, table: str) -> list[dict[str, Any]]:
        return self.store.all_raw(table) if self.holder.schema.has_table(table) else []

    # --- what ---

    def units(self) -> Units:
        return Units({str(r["businessunitid"]): _ref_id(r.get("parentbusinessunitid"))
                      for r in self._rows("businessunit")})

    def table_facts(self, table: Table) -> TableFacts:
        return TableFacts(table.logical_name, str(table.ownership.value), table.is_activity)

    def row_facts(self, table: Table, row: Mapping[str, Any]) -> RowFacts:
        if table.ownership.value == "business_unit":
            unit = row.get(table.primary_id) if table.logical_name == "businessunit" else row.get("businessunitid")
            return RowFacts(business_unit=_ref_id(unit))
        owner = row.get("ownerid")
        owner_user = owner.id if isinstance(owner, Ref) and owner.table == "systemuser" else None
        owner_team = owner.id if isinstance(owner, Ref) and owner.table == "team" else None
        unit = _ref_id(row.get("owningbusinessunit"))
        if unit is None and isinstance(owner, Ref):
            owner_row = self.store.raw(owner.table, owner.id) if self.holder.schema.has_table(owner.table) else None
            unit = _ref_id(owner_row.get("businessunitid")) if owner_row else None
        return RowFacts(owner_user, owner_team, unit)

    # --- decisions ---

    def decide(self, verb: str, table: Table, row: Mapping[str, Any] | None, units: Units | None = None) -> Decision:
        caller = self.principal(self.application_user)
        acting_id = self.caller()
        acting = self.principal(acting_id) if acting_id != caller.user_id else None
        facts = self.row_facts(table, row) if row is not None else None
        return decide_impersonated(caller, acting, verb, self.table_facts(table), facts, units=units or self.units())

    def allows(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> bool:
        return not self.enforced() or self.decide(verb, table, row).allowed

    def check(self, verb: str, table: Table, row: Mapping[str, Any] | None) -> None:
        if not self.enforced():
            return
        decision = self.decide(verb, table, row)
        if decision.allowed:
            return
        principal = self.principal(decision.principal or self.caller())
        if decision.refusal == "privilege":
            raise self._privilege_error(principal, decision.privilege, table)
        row_id = row.get(table.primary_id) if row is not None else None
        raise ODataError(403, ACCESS_DENIED,
                         f"Principal with id {principal.user_id} does not have {verb}Access right(s) for record with "
                         f"id {row_id} of entity {table.logical_name}.")

    # --- the read hook ---

    def readable(self, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of ``rows`` the acting user may read."""
        if not self.enforced():
            return rows
        units = self.units()
        if not self.decide("Read", table, None, units).allowed:
            return []
        return [row for row in rows if self.decide("Read", table, row, units).allowed]

    def check_read(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Read", table, row)

    # --- the write hook ---

    def check_create(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Create", table, row)
        self._check_links(table, row, row, None)

    def check_update(self, table: Table, before: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self.check("Write", table, before)
        if "ownerid" in values and values["ownerid"] != before.get("ownerid"):
            self.check("Assign", table, before)
        self._check_links(table, before, values, before)

    def check_delete(self, table: Table, row: Mapping[str, Any]) -> None:
        self.check("Delete", table, row)

    def _check_links(self, table: Table, row: Mapping[str, Any], values: Mapping[str, Any],
                     before: Mapping[str, Any] | None) -> None:
        """Append on the row for each lookup it gains, AppendTo on the row each points at."""
        if not self.enforced():
            return
        schema = self.holder.schema
        for name, value in values.items():
            if name in _SYSTEM_LOOKUPS or not isinstance(value, Ref):
                continue
            if before is not None and before.get(name) == value:
                continue
            self.check("Append", table, row)
            if schema.has_table(value.table):
                target_table = schema.table(value.table)
                target = self.rows.source_row(target_table, value.id)
                if target is not None:
                    self.check("AppendTo", target_table, target)

    # --- errors ---

    def _privilege_error(self, principal: Principal, privilege: str, table: Table | None) -> ODataError:
        privilege_id = uuid.uuid5(_NAMESPACE, privilege.lower())
        entity = f" on OTC=0 for entity '{table.logical_name}'" if table is not None else ""
        user = self.store.raw("systemuser", principal.user_id) if self.holder.schema.has_table("systemuser") else None
        mode = user.get("accessmode") if user else None
        return ODataError(
            403, PRIVILEGE_DENIED,
            f"Principal user (Id={principal.user_id}, type=8, roleCount={len(principal.roles)}, "
            f"privilegeCount={len(principal.privileges)}, accessMode={mode or 0}), is missing {privilege} privilege "
            f"(Id={privilege_id}){entity}. context.Caller={self.application_user}")


def _ref_id(value: Any) -> str | None:
    if isinstance(value, Ref):
        return value.id
    return None if value is None else str(value)
