"""Solutions and security roles as an org holds them: what an admin's set-up of SMS Bridge asks of Dataverse.

* the installed solutions (``solutions`` rows) and the product tables they made visible (entity sets,
  ``EntityDefinitions``, ``sdkmessagefilters``); ``solution_import.py`` imports packages into them;
* the state of alternate key indexes (``EntityKeyIndexStatus``: Pending → Active once ``key_index_seconds``
  have passed; ``set_key_status`` forces any status, ``Failed`` included), which ``entity_keys.py`` serves;
* security roles (``roles`` rows) and what each grants (``role_privileges``), which ``access.py`` enforces:
  ``set_privilege``, ``grant_user_role``, ``grant_team_role``.

An emulator built with ``preinstalled=False`` starts as a new environment: the product's tables are not there
until a solution describing them is imported. With the default ``preinstalled=True`` it behaves as if the
``SmsBridge`` solution were already imported (solution row, roles, active keys, the application user holding
SMS Bridge Integration; ``seed_demo`` gives its team SMS Bridge User).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from solution.schema import Schema, Table

from .bootstrap import add_message_filters, remove_message_filters
from .odata import Ref
from .ports import Clock, OrgIds, SchemaHolder
from .roles import PLATFORM_ROLES, product_privileges
from .security import Depth, privilege_name
from .solution_package import PRODUCT_PREFIX, PRODUCT_ROLES, PRODUCT_SOLUTION, Package, dotted_version, version_tuple
from .store import Store

__all__ = ["KeyStatus", "Solutions"]

_NAMESPACE = uuid.UUID("8a3f4c1e-7b2d-4e9a-b6c5-1d0e2f3a4b5c")
SYSTEM_ROLES = tuple(PLATFORM_ROLES)


class KeyStatus:
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    ACTIVE = "Active"
    FAILED = "Failed"


@dataclass
class _Key:
    status: str
    ready_at: datetime | None = None  # Pending/InProgress become Active then


class Solutions:
    """Installed solutions, the product tables they made visible, alternate key index states and security roles."""

    def __init__(self, holder: SchemaHolder, store: Store, clock: Clock, org: OrgIds, *,
                 preinstalled: bool = True) -> None:
        self.holder = holder
        self.store = store
        self.clock = clock
        self.org = org
        self.preinstalled = preinstalled
        self.key_index_seconds = 0.0
        self.publish_count = 0
        self._installed: set[str] = set()
        self._keys: dict[tuple[str, str], _Key] = {}
        self._visible: Schema | None = None
        self.role_privileges: dict[str, dict[str, Depth]] = {}  # role id -> privilege name (lower case) -> depth
        self._prefixes: dict[str, str] = {}
        self.reset()

    # --- state ---

    def reset(self) -> None:
        """Back to a new environment's state (or the preinstalled one); rows are the store's business."""
        schema = self.holder.schema
        custom = [t.logical_name for t in schema.tables if t.is_custom]
        self._installed = set(custom) if self.preinstalled else set()
        self._keys = {(t.logical_name, k.name): _Key(KeyStatus.ACTIVE) for t in schema.tables
                      if t.logical_name in self._installed for k in t.keys}
        self._visible = None
        self.role_privileges = {}
        self._prefixes = {}

    def bootstrap(self) -> None:
        """Roles every org has; with ``preinstalled`` also the product's solution and roles. Store lock held."""
        store = self.store
        if not self.holder.schema.has_table("role"):
            return
        for name in SYSTEM_ROLES:
            self._ensure_role(None, name, managed=True, privileges=PLATFORM_ROLES[name])
        admin_role = self._role_id("System Administrator")
        if self.holder.schema.has_table("systemuserroles") and admin_role is not None:
            store.insert("systemuserroles", {"systemuserroleid": _id("userrole", self.org.user_id),
                                             "systemuserid": self.org.user_id, "roleid": admin_role})
        if self.preinstalled and self.holder.schema.has_table("solution"):
            from app.version import version

            self._record_solution(Package(PRODUCT_SOLUTION, "SMS Bridge", dotted_version(version()), False,
                                          "SMS Bridge", [], [], PRODUCT_PREFIX))
            defined = product_privileges(self.holder.schema)
            for name in PRODUCT_ROLES:
                self._ensure_role(None, name, managed=False, privileges=defined.get(name, {}))
            integration = self._role_id("SMS Bridge Integration")
            if self.holder.schema.has_table("systemuserroles") and integration is not None:
                store.insert("systemuserroles", {"systemuserroleid": _id("userrole:integration", self.org.user_id),
                                                 "systemuserid": self.org.user_id, "roleid": integration})

    def role_id(self, name: str) -> str | None:
        """The id of the role called ``name``, if the org has it."""
        return self._role_id(name) if self.holder.schema.has_table("role") else None

    def set_privilege(self, role_name: str, verb_or_privilege: str, table: str | None = None,
                      depth: Depth | str | None = Depth.GLOBAL) -> None:
        """Change what a role grants: ``set_privilege("Basic User", "Read", "contact", "Local")``, or a privilege
        of no table by name (``set_privilege("Delegate", "prvActOnBehalfOfAnotherUser", None, None)`` removes
        it). ``depth`` None takes the privilege away."""
        role = self.role_id(role_name)
        if role is None:
            raise KeyError(f"no role named {role_name!r}")
        schema = self.holder.schema
        activity = bool(table) and schema.has_table(str(table)) and schema.table(str(table)).is_activity
        name = privilege_name(verb_or_privilege, table, activity=activity) if table else verb_or_privilege
        granted = self.role_privileges.setdefault(role, {})
        for held in [k for k in granted if k.lower() == name.lower()]:
            del granted[held]
        if depth is not None:
            granted[name] = depth if isinstance(depth, Depth) else Depth.parse(depth)

    def grant_user_role(self, user_id: str, role_name: str) -> None:
        """Give a user a role (as ``systemuserroles_association`` does), if it exists and the user lacks it."""
        role_id = self.role_id(role_name) if self.holder.schema.has_table("systemuserroles") else None
        if role_id is None:
            return
        store = self.store
        if not any(r.get("systemuserid") == user_id and r.get("roleid") == role_id
                   for r in store.all_raw("systemuserroles")):
            store.insert("systemuserroles", {"systemuserroleid": _id("userrole", f"{user_id}:{role_id}"),
                                             "systemuserid": user_id, "roleid": role_id})

    def grant_team_role(self, team_id: str, role_name: str) -> None:
        """Give a team a role (as ``teamroles_association`` does), if both exist and it lacks it. Lock held."""
        role_id = self._role_id(role_name) if self.holder.schema.has_table("teamroles") else None
        if role_id is None:
            return
        store = self.store
        if not any(r.get("teamid") == team_id and r.get("roleid") == role_id for r in store.all_raw("teamroles")):
            store.insert("teamroles", {"teamroleid": _id("teamrole", f"{team_id}:{role_id}"), "teamid": team_id,
                                       "roleid": role_id})

    def visible(self, table: Table) -> bool:
        return not table.is_custom or table.logical_name in self._installed

    def installed_tables(self) -> frozenset[str]:
        return frozenset(self._installed)

    def visible_schema(self) -> Schema:
        """The schema as a client of this org sees it: product tables only once installed."""
        if self._visible is None:
            schema = self.holder.schema
            tables = tuple(t for t in schema.tables if self.visible(t))
            names = {t.logical_name for t in tables}
            rels = tuple(r for r in schema.relationships
                         if r.referenced_table in names and r.referencing_table in names)
            self._visible = Schema(tables=tables, relationships=rels)
        return self._visible

    def set_key_status(self, table: str, key: str, status: str) -> None:
        """Force an alternate key index into ``status`` (Pending, InProgress, Active, Failed)."""
        if (table, key) not in self._keys:
            raise KeyError(f"{table} has no installed alternate key {key!r}")
        self._keys[(table, key)] = _Key(status)

    def key_status(self, table: str, key: str) -> str:
        """The index state of an alternate key, which becomes Active once its build time has passed."""
        state = self._keys.get((table, key)) or _Key(KeyStatus.ACTIVE)
        if state.ready_at is not None and self.clock() >= state.ready_at:
            state = _Key(KeyStatus.ACTIVE)
            self._keys[(table, key)] = state
        return state.status

    def start_key_index(self, table: str, key: str, *, failed: bool = False) -> None:
        """A new alternate key: Pending until ``key_index_seconds`` have passed, or Failed at once."""
        if failed:
            self._keys[(table, key)] = _Key(KeyStatus.FAILED)
        else:
            ready_at = self.clock() + timedelta(seconds=self.key_index_seconds)
            self._keys[(table, key)] = _Key(KeyStatus.PENDING, ready_at)

    def forget_key(self, table: str, key: str) -> None:
        self._keys.pop((table, key), None)

    def schema_changed(self) -> None:
        """The emulator's schema was replaced: what a client sees is computed again."""
        self._visible = None

    def add_table(self, name: str, *, messages: bool = True) -> None:
        """A custom table created in this org (solution import or the metadata API) becomes visible; with
        ``messages`` it gets the Create/Update/Delete message filters webhook steps register on."""
        self._installed.add(name)
        self._visible = None
        if messages:
            add_message_filters(self.store, self.holder.schema, name)

    def remove_table(self, name: str) -> None:
        """A deleted table: no longer visible, its message filters and key states gone."""
        self._installed.discard(name)
        self._visible = None
        for key in [k for k in self._keys if k[0] == name]:
            del self._keys[key]
        remove_message_filters(self.store, self.holder.schema, name)

    def publisher_prefix(self, unique_name: str) -> str | None:
        """The customization prefix of the publisher of an installed solution, when known."""
        return self._prefixes.get(unique_name.lower())

    def solution_exists(self, unique_name: str) -> bool:
        return self._solution_row(unique_name) is not None

    # --- installing packages ---

    def check(self, package: Package) -> str | None:
        """Why ``package`` cannot be imported over what is installed; None when it can."""
        existing = self._solution_row(package.unique_name)
        if existing is None:
            return None
        if bool(existing.get("ismanaged")) and not package.managed:
            return (f"The solution {package.unique_name} is installed as a managed solution; an unmanaged package "
                    "cannot update it. Import the managed package, or uninstall the solution first.")
        if not bool(existing.get("ismanaged")) and package.managed:
            return (f"The solution is already installed on this system as an unmanaged solution and the package "
                    f"supplied is attempting to install it in managed mode. Import can only update solutions when "
                    f"the modes match. Uninstall the current solution ({package.unique_name}) and try again.")
        if package.managed and version_tuple(package.version) < version_tuple(str(existing.get("version"))):
            return (f"The solution {package.unique_name} {package.version} is older than the installed version "
                    f"{existing.get('version')}. Import a package with the same or a higher version.")
        return None

    def apply(self, package: Package) -> list[str]:
        """Install ``package``: its tables appear (their keys start indexing), its solution row and roles are
        written. Returns the import's notes."""
        notes: list[str] = []
        schema = self.holder.schema
        new_tables = [name for name in package.tables
                      if schema.has_table(name) and schema.table(name).is_custom and name not in self._installed]
        for name in new_tables:
            self.add_table(name)
            for key in schema.table(name).keys:
                self.start_key_index(name, key.name)
            notes.append(f"table {name} created")
        solution_id = self._record_solution(package)
        for role_id, role_name in package.roles:
            self._ensure_role(role_id, role_name, managed=package.managed, solution_id=solution_id,
                              privileges=package.privileges.get(role_name, {}))
        return notes

    def _solution_row(self, unique_name: str) -> dict[str, Any] | None:
        if not self.holder.schema.has_table("solution"):
            return None
        return next((r for r in self.store.all_raw("solution")
                     if str(r.get("uniquename", "")).lower() == unique_name.lower()), None)

    def _record_solution(self, package: Package) -> str:
        store = self.store
        if package.prefix:
            self._prefixes[package.unique_name.lower()] = package.prefix
        values = {"uniquename": package.unique_name, "friendlyname": package.friendly_name,
                  "version": package.version, "ismanaged": package.managed, "publishername": package.publisher,
                  "installedon": self.clock()}
        existing = self._solution_row(package.unique_name)
        if existing is None:
            return store.insert("solution", {"solutionid": _id("solution", package.unique_name.lower()), **values})
        self.store.update("solution", str(existing["solutionid"]), values, self.clock())
        return str(existing["solutionid"])

    def _role_id(self, name: str) -> str | None:
        row = next((r for r in self.store.all_raw("role") if r.get("name") == name), None)
        return None if row is None else str(row["roleid"])

    def _ensure_role(self, role_id: str | None, name: str, *, managed: bool, solution_id: str | None = None,
                     privileges: Mapping[str, Depth] | None = None) -> None:
        store = self.store
        existing = next((r for r in store.all_raw("role")
                         if (role_id and str(r.get("roleid")) == role_id) or r.get("name") == name), None)
        if existing is not None:
            self.store.update("role", str(existing["roleid"]), {"name": name}, self.clock())
            if privileges is not None:  # an import replaces the role's privileges with the package's
                self.role_privileges[str(existing["roleid"])] = dict(privileges)
            return
        self.role_privileges[role_id or _id("role", name)] = dict(privileges or {})
        values: dict[str, Any] = {"roleid": role_id or _id("role", name), "name": name, "ismanaged": managed,
                                  "solutionid": solution_id}
        if self.holder.schema.table("role").has_column("businessunitid"):
            values["businessunitid"] = Ref("businessunit", self.org.business_unit_id)
        store.insert("role", values)


def _id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))
