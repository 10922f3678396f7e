"""The platform's own functions and actions: ``WhoAmI``, the service document, ``RetrieveUserPrivileges``, and the
sharing messages the emulator refuses by name.

* ``GET WhoAmI`` answers the acting user (the impersonated one under ``MSCRMCallerID``), their business unit and
  the org ("WhoAmI function", https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/whoami);
* ``GET systemusers(id)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`` the privileges the user holds through their
  roles and teams, without record filters (``access.py``);
* ``GrantAccess``, ``ModifyAccess``, ``RevokeAccess``, ``RetrievePrincipalAccess`` and
  ``RetrieveSharedPrincipalsAndAccess`` (sharing through ``principalobjectaccess``) answer 501.
"""

from __future__ import annotations

import uuid

from . import errors
from .bootstrap import NAMESPACE
from .key_predicates import parse_key
from .odata import Ref
from .ports import Caller, OrgIds, Privileges, SchemaHolder, TableLookup
from .protocol import Call, Outcome, method_not_allowed, only_options
from .routing import Routed
from .rows import Rows
from .security import ACT_ON_BEHALF
from .store import Store

__all__ = ["SHARING_ACTIONS", "PlatformActions"]

SHARING_ACTIONS = ("GrantAccess", "ModifyAccess", "RevokeAccess", "RetrievePrincipalAccess",
                   "RetrieveSharedPrincipalsAndAccess")


class PlatformActions:
    def __init__(self, holder: SchemaHolder, store: Store, rows: Rows, *, org: OrgIds, caller: Caller,
                 privileges: Privileges, tables: TableLookup) -> None:
        self.holder = holder
        self.store = store
        self.rows = rows
        self.org = org
        self.caller = caller
        self.privileges = privileges
        self.tables = tables

    def service_document(self, routed: Routed) -> Outcome:
        """``GET /``: every entity set."""
        call = self._plain_get(routed.call)
        return Outcome.json(
            200,
            {
                "@odata.context": f"{call.base_url}$metadata",
                "value": [{"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set}
                          for t in self.holder.schema.tables],
            },
        )

    def who_am_i(self, routed: Routed) -> Outcome:
        call = self._plain_get(routed.call)
        acting = self.caller()
        user = self.store.raw("systemuser", acting) if self.holder.schema.has_table("systemuser") else None
        unit = user.get("businessunitid") if user else None
        return Outcome.json(
            200,
            {
                "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                "BusinessUnitId": unit.id if isinstance(unit, Ref) else self.org.business_unit_id,
                "UserId": acting,
                "OrganizationId": self.org.organization_id,
            },
        )

    def user_privileges(self, routed: Routed) -> Outcome:
        """``systemusers(id)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges``: the privileges the user holds through
        their roles and teams."""
        call, key_text = routed.call, routed["key"]
        if call.method != "GET":
            raise method_not_allowed(call)
        table = self.tables("systemusers")
        row = self.rows.find(table, parse_key(table, key_text))
        if row is None:
            raise errors.not_found("systemuser", key_text)
        user_id = str(row["systemuserid"])
        unit = row.get("businessunitid")
        unit_id = unit.id if isinstance(unit, Ref) else self.org.business_unit_id
        held = [{"Depth": depth.name.capitalize(), "PrivilegeId": _privilege_id(name), "BusinessUnitId": unit_id,
                 "PrivilegeName": name}
                for name, depth in self.privileges.privileges_of(user_id)]
        if self.privileges.principal(user_id).administrator and not any(
                p["PrivilegeName"].lower() == ACT_ON_BEHALF.lower() for p in held):
            # a System Administrator holds every privilege; the one the product asks about is listed
            held.append({"Depth": "Global", "PrivilegeId": _privilege_id(ACT_ON_BEHALF), "BusinessUnitId": unit_id,
                         "PrivilegeName": ACT_ON_BEHALF})
        return Outcome.json(200, {
            "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse",
            "RolePrivileges": held})

    @staticmethod
    def refuse_sharing(routed: Routed) -> Outcome:
        """Sharing (``principalobjectaccess``) is not modelled: refused by name."""
        raise errors.unsupported(f"the action '{routed['action']}' (sharing records through principalobjectaccess)")

    @staticmethod
    def _plain_get(call: Call) -> Call:
        only_options(call)
        if call.method != "GET":
            raise method_not_allowed(call)
        return call


def _privilege_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"privilege:{name.lower()}"))

