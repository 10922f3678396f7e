"""Solutions, security roles and their associations: what an admin's set-up of SMS Bridge asks of Dataverse.

Supported (Web API v9.2, as documented for each message):

* ``POST ImportSolutionAsync`` ``{"CustomizationFile": <base64 zip>, "OverwriteUnmanagedCustomizations": ..,
  "PublishWorkflows": ..}`` answers ``{"AsyncOperationId", "ImportJobKey"}``. The job advances one step each
  time ``asyncoperations(id)`` or ``importjobs(id)`` is read (Waiting → In Progress → Succeeded/Failed, with
  ``importjobs.progress`` 0 → 100) and applies the import when it completes;
* ``POST ImportSolution`` (same parameters, optional ``ImportJobId``) imports at once and answers 204; a bad
  package answers 400 with the import's message;
* the import reads ``solution.xml`` (``UniqueName``, ``Version``, ``Managed``, ``LocalizedNames``, publisher) and
  ``customizations.xml`` (``Entities/Entity/Name``, ``Roles/Role``): it upserts the ``solutions`` row, makes the
  product tables it describes appear (entity sets, ``EntityDefinitions``, ``sdkmessagefilters``), creates its
  roles in the root business unit, and starts building their alternate key indexes;
* ``POST PublishAllXml`` answers 204;
* the state of alternate key indexes (``EntityKeyIndexStatus``: Pending → Active once ``key_index_seconds``
  have passed; ``set_key_status`` forces any status, ``Failed`` included), which ``entity_keys.py`` serves;
* ``POST <set>(id)/<n:n>/$ref`` ``{"@odata.id": ".../<other set>(id)"}``, ``DELETE <set>(id)/<n:n>(id)/$ref``
  and ``GET <set>(id)/<n:n>`` for ``teamroles_association``, ``systemuserroles_association`` and
  ``teammembership_association`` (the intersect rows are readable as ``teamrolescollection``,
  ``systemuserrolescollection`` and ``teammemberships``).

An emulator built with ``preinstalled=False`` starts as a new environment: the product's tables are not there
until a solution describing them is imported. With the default ``preinstalled=True`` it behaves as if the
``SmsBridge`` solution were already imported (solution row, roles, active keys, the application user holding
SMS Bridge Integration; ``seed_demo`` gives its team SMS Bridge User).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from solution.schema import Schema, Table

from . import errors
from .errors import ODataError
from .odata import Ref
from .platform import ASYNC_STATE, ASYNC_STATUS, ManyToMany
from .protocol import Call, Outcome, WriteEvent, method_not_allowed
from .roles import PLATFORM_ROLES, package_privileges, product_privileges
from .security import Depth, privilege_name

if TYPE_CHECKING:
    from .service import DataverseEmulator

__all__ = ["PRODUCT_ROLES", "PRODUCT_SOLUTION", "KeyStatus", "Solutions"]

_NAMESPACE = uuid.UUID("8a3f4c1e-7b2d-4e9a-b6c5-1d0e2f3a4b5c")
PRODUCT_SOLUTION = "SmsBridge"
PRODUCT_PREFIX = "smsb"  # the SMS Bridge publisher's customization prefix (DESIGN.md section 5)
PRODUCT_ROLES = ("SMS Bridge Administrator", "SMS Bridge User", "SMS Bridge Integration")
SYSTEM_ROLES = tuple(PLATFORM_ROLES)
IMPORT_STEPS = 3  # reads of the job until it completes: waiting, in progress, done

_REF_PATH = re.compile(r"(?P<set>[A-Za-z_]\w*)\((?P<id>[^)]*)\)/(?P<nav>[A-Za-z_]\w*)"
                       r"(?:\((?P<other>[^)]*)\))?(?P<ref>/\$ref)?")
_ACTIONS = ("ImportSolution", "ImportSolutionAsync", "PublishAllXml", "PublishXml")


class KeyStatus:
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    ACTIVE = "Active"
    FAILED = "Failed"


@dataclass
class _Key:
    status: str
    ready_at: datetime | None = None  # Pending/InProgress become Active then


@dataclass
class _Package:
    unique_name: str
    friendly_name: str
    version: str
    managed: bool
    publisher: str
    tables: list[str]
    roles: list[tuple[str | None, str]]  # (id, name)
    prefix: str  # the publisher's customization prefix (Publisher/CustomizationPrefix)
    privileges: dict[str, dict[str, Depth]] = field(default_factory=dict)  # role name -> its RolePrivileges


@dataclass
class _Job:
    async_id: str
    import_job_id: str
    package: _Package | None
    problem: str | None
    reads: int = 0
    done: bool = False
    notes: list[str] = field(default_factory=list)


class Solutions:
    """Installed solutions, the product tables they made visible, alternate key index states and import jobs."""

    def __init__(self, emulator: DataverseEmulator, *, preinstalled: bool = True) -> None:
        self.emulator = emulator
        self.preinstalled = preinstalled
        self.key_index_seconds = 0.0
        self.publish_count = 0
        self._installed: set[str] = set()
        self._keys: dict[tuple[str, str], _Key] = {}
        self._jobs: dict[str, _Job] = {}
        self._visible: Schema | None = None
        self.role_privileges: dict[str, dict[str, Depth]] = {}  # role id -> privilege name (lower case) -> depth
        self._prefixes: dict[str, str] = {}
        self.reset()

    # --- state ---

    def reset(self) -> None:
        """Back to a new environment's state (or the preinstalled one); rows are the store's business."""
        schema = self.emulator.schema
        custom = [t.logical_name for t in schema.tables if t.is_custom]
        self._installed = set(custom) if self.preinstalled else set()
        self._keys = {(t.logical_name, k.name): _Key(KeyStatus.ACTIVE) for t in schema.tables
                      if t.logical_name in self._installed for k in t.keys}
        self._jobs.clear()
        self._visible = None
        self.role_privileges = {}
        self._prefixes = {}

    def bootstrap(self) -> None:
        """Roles every org has; with ``preinstalled`` also the product's solution and roles. Store lock held."""
        store = self.emulator.store
        if not self.emulator.schema.has_table("role"):
            return
        for name in SYSTEM_ROLES:
            self._ensure_role(None, name, managed=True, privileges=PLATFORM_ROLES[name])
        admin_role = self._role_id("System Administrator")
        if self.emulator.schema.has_table("systemuserroles") and admin_role is not None:
            store.insert("systemuserroles", {"systemuserroleid": _id("userrole", self.emulator.user_id),
                                             "systemuserid": self.emulator.user_id, "roleid": admin_role})
        if self.preinstalled and self.emulator.schema.has_table("solution"):
            from app.version import version

            self._record_solution(_Package(PRODUCT_SOLUTION, "SMS Bridge", _dotted(version()), False,
                                           "SMS Bridge", [], [], PRODUCT_PREFIX))
            defined = product_privileges(self.emulator.schema)
            for name in PRODUCT_ROLES:
                self._ensure_role(None, name, managed=False, privileges=defined.get(name, {}))
            integration = self._role_id("SMS Bridge Integration")
            if self.emulator.schema.has_table("systemuserroles") and integration is not None:
                store.insert("systemuserroles", {"systemuserroleid": _id("userrole:integration", self.emulator.user_id),
                                                 "systemuserid": self.emulator.user_id, "roleid": integration})

    def role_id(self, name: str) -> str | None:
        """The id of the role called ``name``, if the org has it."""
        return self._role_id(name) if self.emulator.schema.has_table("role") else None

    def set_privilege(self, role_name: str, verb_or_privilege: str, table: str | None = None,
                      depth: Depth | str | None = Depth.GLOBAL) -> None:
        """Change what a role grants: ``set_privilege("Basic User", "Read", "contact", "Local")``, or a privilege
        of no table by name (``set_privilege("Delegate", "prvActOnBehalfOfAnotherUser", None, None)`` removes
        it). ``depth`` None takes the privilege away."""
        role = self.role_id(role_name)
        if role is None:
            raise KeyError(f"no role named {role_name!r}")
        schema = self.emulator.schema
        activity = bool(table) and schema.has_table(str(table)) and schema.table(str(table)).is_activity
        name = privilege_name(verb_or_privilege, table, activity=activity) if table else verb_or_privilege
        granted = self.role_privileges.setdefault(role, {})
        for held in [k for k in granted if k.lower() == name.lower()]:
            del granted[held]
        if depth is not None:
            granted[name] = depth if isinstance(depth, Depth) else Depth.parse(depth)

    def grant_user_role(self, user_id: str, role_name: str) -> None:
        """Give a user a role (as ``systemuserroles_association`` does), if it exists and the user lacks it."""
        role_id = self.role_id(role_name) if self.emulator.schema.has_table("systemuserroles") else None
        if role_id is None:
            return
        store = self.emulator.store
        if not any(r.get("systemuserid") == user_id and r.get("roleid") == role_id
                   for r in store.all_raw("systemuserroles")):
            store.insert("systemuserroles", {"systemuserroleid": _id("userrole", f"{user_id}:{role_id}"),
                                             "systemuserid": user_id, "roleid": role_id})

    def grant_team_role(self, team_id: str, role_name: str) -> None:
        """Give a team a role (as ``teamroles_association`` does), if both exist and it lacks it. Lock held."""
        role_id = self._role_id(role_name) if self.emulator.schema.has_table("teamroles") else None
        if role_id is None:
            return
        store = self.emulator.store
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
            schema = self.emulator.schema
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
        if state.ready_at is not None and self.emulator.clock() >= state.ready_at:
            state = _Key(KeyStatus.ACTIVE)
            self._keys[(table, key)] = state
        return state.status

    def start_key_index(self, table: str, key: str, *, failed: bool = False) -> None:
        """A new alternate key: Pending until ``key_index_seconds`` have passed, or Failed at once."""
        if failed:
            self._keys[(table, key)] = _Key(KeyStatus.FAILED)
        else:
            ready_at = self.emulator.clock() + timedelta(seconds=self.key_index_seconds)
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
            self._add_message_filters(name)

    def remove_table(self, name: str) -> None:
        """A deleted table: no longer visible, its message filters and key states gone."""
        self._installed.discard(name)
        self._visible = None
        for key in [k for k in self._keys if k[0] == name]:
            del self._keys[key]
        store = self.emulator.store
        if self.emulator.schema.has_table("sdkmessagefilter"):
            for row in store.all_raw("sdkmessagefilter"):
                if row.get("primaryobjecttypecode") == name:
                    store.remove("sdkmessagefilter", str(row["sdkmessagefilterid"]))

    def publisher_prefix(self, unique_name: str) -> str | None:
        """The customization prefix of the publisher of an installed solution, when known."""
        return self._prefixes.get(unique_name.lower())

    def solution_exists(self, unique_name: str) -> bool:
        return self._solution_row(unique_name) is not None

    # --- routing ---

    def route(self, call: Call, events: list[WriteEvent]) -> Outcome | None:
        """Answer the calls this module owns; None for everything else."""
        path = call.path
        if path.removesuffix("()") in _ACTIONS:
            return self._action(call, path.removesuffix("()"))
        if path.startswith(("asyncoperations(", "importjobs(")) and call.method == "GET":
            self._advance_job(path)
            return None  # the ordinary read answers, with the job's new state
        ref = _REF_PATH.fullmatch(path)
        if ref is not None:
            relation = next((r for r in self.emulator.catalog.many_to_many if r.name == ref.group("nav")), None)
            if relation is not None:
                return self._many_to_many(call, relation, ref, events)
        return None

    # --- import ---

    def _action(self, call: Call, name: str) -> Outcome:
        if call.method != "POST":
            raise method_not_allowed(call)
        if name == "ImportSolutionAsync":
            return self._import_async(call)
        if name == "ImportSolution":
            return self._import_now(call)
        self.publish_count += 1
        return Outcome(204, [("OData-Version", "4.0")])

    def _parameters(self, call: Call) -> dict[str, Any]:
        try:
            body = json.loads(call.body or b"{}")
        except ValueError:
            raise errors.payload_error("ImportSolution", "Invalid JSON.") from None
        if not isinstance(body, dict):
            raise errors.payload_error("ImportSolution", "The payload must be a JSON object.")
        for required in ("CustomizationFile", "OverwriteUnmanagedCustomizations", "PublishWorkflows"):
            if required not in body:
                raise ODataError(400, errors.BAD_PROPERTY,
                                 f"The parameter '{required}' of the action is required and was not provided.")
        return body

    def _read_package(self, body: dict[str, Any]) -> tuple[_Package | None, str | None]:
        try:
            data = base64.b64decode(str(body["CustomizationFile"]), validate=True)
        except (binascii.Error, ValueError):
            raise errors.payload_error("ImportSolution", "CustomizationFile is not base64 (Edm.Binary).") from None
        try:
            return parse_package(data, self.emulator.schema), None
        except ValueError as exc:
            return None, str(exc)

    def _import_async(self, call: Call) -> Outcome:
        package, problem = self._read_package(self._parameters(call))
        job = _Job(str(uuid.uuid4()), str(uuid.uuid4()), package, problem)
        self._jobs[job.async_id] = job
        self._jobs[job.import_job_id] = job
        now = self.emulator.clock()
        name = package.unique_name if package else "unknown"
        self.emulator.store.insert("asyncoperation", {
            "asyncoperationid": job.async_id, "name": f"Import Solution {name}", "operationtype": 103,
            "statecode": ASYNC_STATE["ready"], "statuscode": ASYNC_STATUS["waiting_for_resources"],
            "startedon": now})
        self.emulator.store.insert("importjob", {
            "importjobid": job.import_job_id, "name": name, "solutionname": name, "progress": 0.0,
            "startedon": now})
        return Outcome.json(200, {
            "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.ImportSolutionAsyncResponse",
            "AsyncOperationId": job.async_id, "ImportJobKey": job.import_job_id})

    def _import_now(self, call: Call) -> Outcome:
        body = self._parameters(call)
        package, problem = self._read_package(body)
        if package is not None:
            problem = self._check(package)
        if problem is not None or package is None:
            raise ODataError(400, "0x8004801a", problem or "The import file is invalid.")
        notes = self._apply(package)
        job_id = body.get("ImportJobId")
        if job_id:
            now = self.emulator.clock()
            self.emulator.store.insert("importjob", {
                "importjobid": str(job_id), "name": package.unique_name, "solutionname": package.unique_name,
                "progress": 100.0, "startedon": now, "completedon": now, "data": _result_xml(package, notes)})
        return Outcome(204, [("OData-Version", "4.0")])

    def _advance_job(self, path: str) -> None:
        match = re.fullmatch(r"(?:asyncoperations|importjobs)\(([^)]*)\)", path)
        job = self._jobs.get(match.group(1).lower()) if match else None
        if job is None or job.done:
            return
        job.reads += 1
        now = self.emulator.clock()
        progress = min(100.0, 100.0 * job.reads / IMPORT_STEPS)
        if job.reads < IMPORT_STEPS:
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["locked"], "statuscode": ASYNC_STATUS["in_progress"]})
            self._update("importjob", job.import_job_id, {"progress": round(progress * 0.9, 1)})
            return
        job.done = True
        problem = job.problem
        if problem is None and job.package is not None:
            problem = self._check(job.package)
        if problem is None and job.package is not None:
            job.notes = self._apply(job.package)
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["completed"], "statuscode": ASYNC_STATUS["succeeded"], "completedon": now})
            self._update("importjob", job.import_job_id, {
                "progress": 100.0, "completedon": now, "data": _result_xml(job.package, job.notes)})
        else:
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["completed"], "statuscode": ASYNC_STATUS["failed"], "completedon": now,
                "errorcode": -2147188685, "message": problem, "friendlymessage": problem})
            self._update("importjob", job.import_job_id, {"completedon": now, "data": _failure_xml(problem or "")})

    def _update(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        store = self.emulator.store
        row = store.raw(table, row_id)
        if row is not None:
            updated = dict(row)
            updated.update(values)
            updated["modifiedon"] = self.emulator.clock()
            store.put(table, row_id, updated)

    def _check(self, package: _Package) -> str | None:
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
        if package.managed and _version_tuple(package.version) < _version_tuple(str(existing.get("version"))):
            return (f"The solution {package.unique_name} {package.version} is older than the installed version "
                    f"{existing.get('version')}. Import a package with the same or a higher version.")
        return None

    def _apply(self, package: _Package) -> list[str]:
        notes: list[str] = []
        schema = self.emulator.schema
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

    def _add_message_filters(self, table: str) -> None:
        from .service import _NAMESPACE as FILTER_NAMESPACE
        from .service import SDK_MESSAGE_IDS

        store = self.emulator.store
        if not (self.emulator.schema.has_table("sdkmessagefilter") and self.emulator.schema.has_table("sdkmessage")):
            return
        for name, message_id in SDK_MESSAGE_IDS.items():
            filter_id = str(uuid.uuid5(FILTER_NAMESPACE, f"filter:{name}:{table}"))
            if store.get("sdkmessagefilter", filter_id) is None:
                store.insert("sdkmessagefilter", {
                    "sdkmessagefilterid": filter_id, "name": f"{name} of {table}", "sdkmessageid": message_id,
                    "primaryobjecttypecode": table, "secondaryobjecttypecode": "none",
                    "iscustomprocessingstepallowed": True})

    def _solution_row(self, unique_name: str) -> dict[str, Any] | None:
        if not self.emulator.schema.has_table("solution"):
            return None
        return next((r for r in self.emulator.store.all_raw("solution")
                     if str(r.get("uniquename", "")).lower() == unique_name.lower()), None)

    def _record_solution(self, package: _Package) -> str:
        store = self.emulator.store
        if package.prefix:
            self._prefixes[package.unique_name.lower()] = package.prefix
        values = {"uniquename": package.unique_name, "friendlyname": package.friendly_name,
                  "version": package.version, "ismanaged": package.managed, "publishername": package.publisher,
                  "installedon": self.emulator.clock()}
        existing = self._solution_row(package.unique_name)
        if existing is None:
            return store.insert("solution", {"solutionid": _id("solution", package.unique_name.lower()), **values})
        self._update("solution", str(existing["solutionid"]), values)
        return str(existing["solutionid"])

    def _role_id(self, name: str) -> str | None:
        row = next((r for r in self.emulator.store.all_raw("role") if r.get("name") == name), None)
        return None if row is None else str(row["roleid"])

    def _ensure_role(self, role_id: str | None, name: str, *, managed: bool, solution_id: str | None = None,
                     privileges: Mapping[str, Depth] | None = None) -> None:
        store = self.emulator.store
        existing = next((r for r in store.all_raw("role")
                         if (role_id and str(r.get("roleid")) == role_id) or r.get("name") == name), None)
        if existing is not None:
            self._update("role", str(existing["roleid"]), {"name": name})
            if privileges is not None:  # an import replaces the role's privileges with the package's
                self.role_privileges[str(existing["roleid"])] = dict(privileges)
            return
        self.role_privileges[role_id or _id("role", name)] = dict(privileges or {})
        values: dict[str, Any] = {"roleid": role_id or _id("role", name), "name": name, "ismanaged": managed,
                                  "solutionid": solution_id}
        if self.emulator.schema.table("role").has_column("businessunitid"):
            values["businessunitid"] = Ref("businessunit", self.emulator.business_unit_id)
        store.insert("role", values)

    # --- N:N associations ---

    def _many_to_many(self, call: Call, relation: ManyToMany, match: re.Match[str],
                      events: list[WriteEvent]) -> Outcome:
        del events  # associations raise no Create/Update events
        schema = self.emulator.schema
        for table in (relation.entity1, relation.entity2, relation.intersect):
            if not schema.has_table(table):
                raise errors.unsupported(f"'{relation.name}' without the table '{table}'")
        source = schema.find_entity_set(match.group("set"))
        if source is None or source.logical_name not in (relation.entity1, relation.entity2):
            raise errors.unknown_query_property(match.group("set"), relation.name)
        mine, theirs = ((relation.attribute1, relation.attribute2) if source.logical_name == relation.entity1
                        else (relation.attribute2, relation.attribute1))
        other_table = schema.table(relation.entity2 if source.logical_name == relation.entity1 else relation.entity1)
        row_id = _guid(match.group("id"))
        if self.emulator.store.raw(source.logical_name, row_id) is None:
            raise errors.not_found(source.logical_name, match.group("id"))
        intersect = schema.table(relation.intersect)
        links = [r for r in self.emulator.store.all_raw(relation.intersect) if str(r.get(mine)) == row_id]
        if match.group("ref") and call.method == "POST" and match.group("other") is None:
            other_id = self._reference_id(call, other_table)
            if any(str(r.get(theirs)) == other_id for r in links):
                raise ODataError(400, errors.DUPLICATE, "Cannot insert duplicate key.")
            self.emulator.store.insert(relation.intersect, {
                intersect.primary_id: str(uuid.uuid4()), mine: row_id, theirs: other_id})
            return Outcome(204, [("OData-Version", "4.0")])
        if match.group("ref") and call.method == "DELETE" and match.group("other") is not None:
            other_id = _guid(match.group("other"))
            link = next((r for r in links if str(r.get(theirs)) == other_id), None)
            if link is not None:
                self.emulator.store.remove(relation.intersect, str(link[intersect.primary_id]))
            return Outcome(204, [("OData-Version", "4.0")])
        if not match.group("ref") and match.group("other") is None and call.method == "GET":
            rows = [self.emulator.store.raw(other_table.logical_name, str(r.get(theirs))) for r in links]
            reader = self.emulator.reader
            from .protocol import Prefer
            from .query_options import parse_select

            select = parse_select(other_table, call.param("$select") or "") if call.param("$select") else None
            prefer = Prefer.parse(call.headers.getlist("Prefer"))
            value = [reader.represent(other_table, r, select, prefer) for r in rows if r is not None]
            return Outcome.json(200, {"@odata.context": f"{call.base_url}$metadata#{other_table.entity_set}",
                                      "value": value})
        raise errors.unsupported(f"{call.method} on '{call.path}'")

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
        other_id = _guid(m.group(2))
        if self.emulator.store.raw(other.logical_name, other_id) is None:
            raise errors.not_found(other.logical_name, m.group(2))
        return other_id


def parse_package(data: bytes, schema: Schema) -> _Package:
    """Read a solution zip; ValueError with the import's message when it is not a usable package."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError("The import file is invalid: it is not a solution zip file.") from None
    names = {n.lstrip("/").lower(): n for n in archive.namelist()}
    for required in ("solution.xml", "customizations.xml"):
        if required not in names:
            raise ValueError(f"The import file is invalid: the zip has no {required}.")
    try:
        # expat resolves no external entities; the packages are the developer's own (a local emulator)
        manifest = ElementTree.fromstring(archive.read(names["solution.xml"])).find("SolutionManifest")  # noqa: S314
        customizations = ElementTree.fromstring(archive.read(names["customizations.xml"]))  # noqa: S314
    except ElementTree.ParseError as exc:
        raise ValueError(f"The import file is invalid: XML is not well formed ({exc}).") from None
    if manifest is None:
        raise ValueError("The import file is invalid: solution.xml has no SolutionManifest.")
    unique_name = (manifest.findtext("UniqueName") or "").strip()
    version = (manifest.findtext("Version") or "").strip()
    if not unique_name or not re.fullmatch(r"\d+(\.\d+){1,3}", version):
        raise ValueError("The import file is invalid: solution.xml needs a UniqueName and a Version such as 1.0.0.0.")
    label = manifest.find("LocalizedNames/LocalizedName")
    friendly = label.get("description", unique_name) if label is not None else unique_name
    tables: list[str] = []
    for entity in customizations.findall("Entities/Entity"):
        info = entity.find("EntityInfo/entity")
        name = (info.get("Name") if info is not None else None) or entity.findtext("Name") or ""
        logical = name.strip().lower()
        if not logical:
            continue
        if not schema.has_table(logical):
            raise ValueError(f"The Dataverse emulator does not support importing the table '{logical}': it serves "
                             "only the tables defined in solution/tables.")
        tables.append(logical)
    elements = [r for r in customizations.findall("Roles/Role") if r.get("name")]
    roles = [(_guid(r.get("id", "")) or None, r.get("name", "")) for r in elements]
    privileges = {r.get("name", ""): package_privileges(r) for r in elements}
    return _Package(unique_name, friendly, version, (manifest.findtext("Managed") or "0").strip() == "1",
                    (manifest.findtext("Publisher/UniqueName") or "").strip(), tables, roles,
                    (manifest.findtext("Publisher/CustomizationPrefix") or "").strip().lower(), privileges)


def _result_xml(package: _Package, notes: list[str]) -> str:
    items = "".join(f"<result>{n}</result>" for n in notes)
    return (f'<importexportxml><solutionManifests><solutionManifest languagecode="1033" '
            f'UniqueName="{package.unique_name}" Version="{package.version}"><result result="success"/>'
            f"</solutionManifest></solutionManifests><entities>{items}</entities></importexportxml>")


def _failure_xml(problem: str) -> str:
    return f'<importexportxml><result result="failure" errortext="{problem}"/></importexportxml>'


def _guid(text: str) -> str:
    return text.strip().strip("{}").lower()


def _id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def _dotted(version: str) -> str:
    parts = [p for p in re.split(r"[.\-+]", version) if p.isdigit()][:4]
    return ".".join(parts + ["0"] * (4 - len(parts)))


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))
