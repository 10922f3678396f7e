"""Importing solutions: the ``ImportSolutionAsync`` and ``ImportSolution`` actions, and counting publishes.

* ``POST ImportSolutionAsync`` ``{"CustomizationFile": <base64 zip>, "OverwriteUnmanagedCustomizations": ..,
  "PublishWorkflows": ..}`` answers ``{"AsyncOperationId", "ImportJobKey"}``. The job advances one step each
  time ``asyncoperations(id)`` or ``importjobs(id)`` is read (Waiting → In Progress → Succeeded/Failed, with
  ``importjobs.progress`` 0 → 100) and applies the import when it completes;
* ``POST ImportSolution`` (same parameters, optional ``ImportJobId``) imports at once and answers 204; a bad
  package answers 400 with the import's message;
* ``PublishAllXml`` and ``PublishXml`` (``system_forms.py`` publishes the forms) end here: counted, 204.

What an import installs (tables, the solution row, roles and their privileges, key indexes) is ``solutions.py``'s
business; the package is read by ``solution_package.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import errors
from .errors import ODataError
from .platform import ASYNC_STATE, ASYNC_STATUS
from .ports import Clock, SchemaHolder
from .protocol import Call, Outcome, method_not_allowed
from .routing import Routed
from .solution_package import Package, failure_xml, parse_package, result_xml
from .store import Store

__all__ = ["IMPORT_STEPS", "PackageInstaller", "SolutionImports"]

IMPORT_STEPS = 3  # reads of the job until it completes: waiting, in progress, done


class PackageInstaller(Protocol):
    """The org's solutions, as an import changes them (``solutions.Solutions``)."""

    publish_count: int

    def check(self, package: Package) -> str | None: ...

    def apply(self, package: Package) -> list[str]: ...


@dataclass
class _Job:
    async_id: str
    import_job_id: str
    package: Package | None
    problem: str | None
    reads: int = 0
    done: bool = False
    notes: list[str] = field(default_factory=list)


class SolutionImports:
    """The import actions, and the asynchronous import jobs they started."""

    def __init__(self, installer: PackageInstaller, holder: SchemaHolder, store: Store, clock: Clock) -> None:
        self.installer = installer
        self.holder = holder
        self.store = store
        self.clock = clock
        self._jobs: dict[str, _Job] = {}

    def reset(self) -> None:
        self._jobs.clear()

    def action(self, routed: Routed) -> Outcome:
        """``POST <action>`` for the action the path names; an import raises no Create/Update events."""
        call, name = routed.call, routed["action"]
        if call.method != "POST":
            raise method_not_allowed(call)
        if name == "ImportSolutionAsync":
            return self._import_async(call)
        if name == "ImportSolution":
            return self._import_now(call)
        self.installer.publish_count += 1
        return Outcome(204, [("OData-Version", "4.0")])

    def advance(self, job_key: str) -> None:
        """A job's row is read: the job moves one step on (Dataverse runs it in the background meanwhile)."""
        job = self._jobs.get(job_key.lower())
        if job is None or job.done:
            return
        job.reads += 1
        now = self.clock()
        progress = min(100.0, 100.0 * job.reads / IMPORT_STEPS)
        if job.reads < IMPORT_STEPS:
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["locked"], "statuscode": ASYNC_STATUS["in_progress"]})
            self._update("importjob", job.import_job_id, {"progress": round(progress * 0.9, 1)})
            return
        job.done = True
        problem = job.problem
        if problem is None and job.package is not None:
            problem = self.installer.check(job.package)
        if problem is None and job.package is not None:
            job.notes = self.installer.apply(job.package)
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["completed"], "statuscode": ASYNC_STATUS["succeeded"], "completedon": now})
            self._update("importjob", job.import_job_id, {
                "progress": 100.0, "completedon": now, "data": result_xml(job.package, job.notes)})
        else:
            self._update("asyncoperation", job.async_id, {
                "statecode": ASYNC_STATE["completed"], "statuscode": ASYNC_STATUS["failed"], "completedon": now,
                "errorcode": -2147188685, "message": problem, "friendlymessage": problem})
            self._update("importjob", job.import_job_id, {"completedon": now, "data": failure_xml(problem or "")})

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

    def _read_package(self, body: dict[str, Any]) -> tuple[Package | None, str | None]:
        try:
            data = base64.b64decode(str(body["CustomizationFile"]), validate=True)
        except (binascii.Error, ValueError):
            raise errors.payload_error("ImportSolution", "CustomizationFile is not base64 (Edm.Binary).") from None
        try:
            return parse_package(data, self.holder.schema), None
        except ValueError as exc:
            return None, str(exc)

    def _import_async(self, call: Call) -> Outcome:
        package, problem = self._read_package(self._parameters(call))
        job = _Job(str(uuid.uuid4()), str(uuid.uuid4()), package, problem)
        self._jobs[job.async_id] = job
        self._jobs[job.import_job_id] = job
        now = self.clock()
        name = package.unique_name if package else "unknown"
        self.store.insert("asyncoperation", {
            "asyncoperationid": job.async_id, "name": f"Import Solution {name}", "operationtype": 103,
            "statecode": ASYNC_STATE["ready"], "statuscode": ASYNC_STATUS["waiting_for_resources"],
            "startedon": now})
        self.store.insert("importjob", {
            "importjobid": job.import_job_id, "name": name, "solutionname": name, "progress": 0.0,
            "startedon": now})
        return Outcome.json(200, {
            "@odata.context": f"{call.base_url}$metadata#Microsoft.Dynamics.CRM.ImportSolutionAsyncResponse",
            "AsyncOperationId": job.async_id, "ImportJobKey": job.import_job_id})

    def _import_now(self, call: Call) -> Outcome:
        body = self._parameters(call)
        package, problem = self._read_package(body)
        if package is not None:
            problem = self.installer.check(package)
        if problem is not None or package is None:
            raise ODataError(400, "0x8004801a", problem or "The import file is invalid.")
        notes = self.installer.apply(package)
        job_id = body.get("ImportJobId")
        if job_id:
            now = self.clock()
            self.store.insert("importjob", {
                "importjobid": str(job_id), "name": package.unique_name, "solutionname": package.unique_name,
                "progress": 100.0, "startedon": now, "completedon": now, "data": result_xml(package, notes)})
        return Outcome(204, [("OData-Version", "4.0")])

    def _update(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        self.store.update(table, row_id, values, self.clock())
