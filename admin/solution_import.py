"""Importing the SMS Bridge solution: ``ImportSolutionAsync``, poll the system job, then ``PublishAllXml``.

https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/importsolutionasync
The system job (``asyncoperations``) says when the import ends and how (statuscode 30 Succeeded, 31 Failed, 32
Canceled, with ``message``/``friendlymessage``); the import job (``importjobs``, keyed by ``ImportJobKey``)
carries the percentage done.
"""

from __future__ import annotations

import base64
import io
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from admin.webapi import call_action
from dataverse import DataverseClient, F, NotFound

__all__ = ["ImportFailed", "ImportResult", "PackageInfo", "import_solution", "installed_solution", "read_package"]

SOLUTION_NAME = "SmsBridge"
_SUCCEEDED, _FAILED, _CANCELED = 30, 31, 32
_COMPLETED = 3
_LONG_CALL_SECONDS = 600.0  # uploading a large package and PublishAllXml can take minutes on a busy org


class ImportFailed(Exception):
    """The import did not succeed; the message is Dataverse's, plus what to do."""


@dataclass(frozen=True)
class PackageInfo:
    unique_name: str
    version: str
    managed: bool


@dataclass(frozen=True)
class ImportResult:
    package: PackageInfo
    previous_version: str | None
    imported: bool
    published: bool
    seconds: float


def read_package(data: bytes) -> PackageInfo:
    """The name, version and kind of a solution zip; ValueError when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {n.lstrip("/").lower(): n for n in archive.namelist()}
            if "solution.xml" not in names:
                raise ValueError("the zip has no solution.xml; is it a Dataverse solution package?")
            # the admin's own package; expat resolves no external entities
            manifest = ElementTree.fromstring(archive.read(names["solution.xml"])).find("SolutionManifest")  # noqa: S314
    except zipfile.BadZipFile:
        raise ValueError("not a zip file") from None
    except ElementTree.ParseError as exc:
        raise ValueError(f"solution.xml is not well-formed XML ({exc})") from None
    if manifest is None or not manifest.findtext("UniqueName") or not manifest.findtext("Version"):
        raise ValueError("solution.xml names no UniqueName and Version")
    return PackageInfo(str(manifest.findtext("UniqueName")).strip(), str(manifest.findtext("Version")).strip(),
                       (manifest.findtext("Managed") or "0").strip() == "1")


def installed_solution(client: DataverseClient, unique_name: str = SOLUTION_NAME) -> tuple[str, bool] | None:
    """(version, managed) of the installed solution, or None."""
    row = client.first("solutions", select=["version", "ismanaged"], filter=F.eq("uniquename", unique_name))
    if row is None:
        return None
    return str(row.get("version") or "?"), bool(row.get("ismanaged"))


def import_solution(
    client: DataverseClient,
    data: bytes,
    *,
    force: bool = False,
    progress: Callable[[str, float | None], None] = lambda _label, _fraction: None,
    poll_seconds: float = 2.0,
    timeout_seconds: float = 1800.0,
    sleep: Callable[[float], None] = time.sleep,
) -> ImportResult:
    """Import the package unless the same version is installed (``force`` imports anyway), then publish."""
    started = time.monotonic()
    package = read_package(data)
    installed = installed_solution(client, package.unique_name)
    previous = installed[0] if installed else None
    if installed is not None and installed[0] == package.version and installed[1] == package.managed and not force:
        return ImportResult(package, previous, imported=False, published=False, seconds=time.monotonic() - started)
    progress(f"uploading {package.unique_name} {package.version} ({len(data) // 1024} KB)", None)
    answer = call_action(client, "ImportSolutionAsync", {
        "CustomizationFile": base64.b64encode(data).decode("ascii"),
        "OverwriteUnmanagedCustomizations": True,
        "PublishWorkflows": True,
    }, read_timeout=_LONG_CALL_SECONDS)
    job_id = _guid(answer.get("AsyncOperationId"))
    import_job = _guid(answer.get("ImportJobKey"))
    if job_id is None:
        raise ImportFailed("ImportSolutionAsync answered without an AsyncOperationId")
    deadline = time.monotonic() + timeout_seconds
    delay = 0.25  # short at first, so a small import ends quickly; then every poll_seconds
    while True:
        job = client.retrieve("asyncoperations", job_id,
                              select=["statecode", "statuscode", "message", "friendlymessage"])
        status = int(job.get("statuscode") or 0)
        fraction = _progress_of(client, import_job)
        if int(job.get("statecode") or 0) == _COMPLETED or status in (_SUCCEEDED, _FAILED, _CANCELED):
            break
        progress(f"importing {package.unique_name} {package.version}", fraction)
        if time.monotonic() > deadline:
            raise ImportFailed(f"the import is still running after {timeout_seconds:.0f} s; follow system job "
                               f"{job_id} in the Power Platform admin center, then run `smsbridge doctor`")
        sleep(delay)
        delay = min(poll_seconds, delay * 2)
    if status != _SUCCEEDED:
        reason = str(job.get("friendlymessage") or job.get("message") or "no message")
        verb = "was canceled" if status == _CANCELED else "failed"
        raise ImportFailed(f"the import of {package.unique_name} {package.version} {verb}: {reason}")
    progress(f"imported {package.unique_name} {package.version}", 1.0)
    progress("publishing all customizations", None)
    call_action(client, "PublishAllXml", {}, idempotent=True, read_timeout=_LONG_CALL_SECONDS)
    return ImportResult(package, previous, imported=True, published=True, seconds=time.monotonic() - started)


def _progress_of(client: DataverseClient, import_job: uuid.UUID | None) -> float | None:
    if import_job is None:
        return None
    try:
        row = client.retrieve("importjobs", import_job, select=["progress"])
    except NotFound:
        return None  # the import job row appears a moment after the system job starts
    value = row.get("progress")
    return None if value is None else max(0.0, min(1.0, float(value) / 100.0))


def _guid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
