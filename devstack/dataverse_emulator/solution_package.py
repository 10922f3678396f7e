"""Solution packages: what an import reads from a solution zip, and the results it writes back.

The import reads ``solution.xml`` (``UniqueName``, ``Version``, ``Managed``, ``LocalizedNames``, publisher and its
customization prefix) and ``customizations.xml`` (``Entities/Entity/Name``, ``Roles/Role`` with their
``RolePrivileges``). Pure functions over the zip's bytes; ``solution_import.py`` runs the import.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from solution.schema import Schema

from .roles import package_privileges
from .security import Depth

__all__ = ["PRODUCT_PREFIX", "PRODUCT_ROLES", "PRODUCT_SOLUTION", "Package", "dotted_version", "failure_xml",
           "parse_package", "plain_guid", "result_xml", "version_tuple"]

PRODUCT_SOLUTION = "SmsBridge"
PRODUCT_PREFIX = "smsb"  # the SMS Bridge publisher's customization prefix (DESIGN.md section 5)
PRODUCT_ROLES = ("SMS Bridge Administrator", "SMS Bridge User", "SMS Bridge Integration")


@dataclass
class Package:
    unique_name: str
    friendly_name: str
    version: str
    managed: bool
    publisher: str
    tables: list[str]
    roles: list[tuple[str | None, str]]  # (id, name)
    prefix: str  # the publisher's customization prefix (Publisher/CustomizationPrefix)
    privileges: dict[str, dict[str, Depth]] = field(default_factory=dict)  # role name -> its RolePrivileges


def parse_package(data: bytes, schema: Schema) -> Package:
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
    roles = [(plain_guid(r.get("id", "")) or None, r.get("name", "")) for r in elements]
    privileges = {r.get("name", ""): package_privileges(r) for r in elements}
    return Package(unique_name, friendly, version, (manifest.findtext("Managed") or "0").strip() == "1",
                    (manifest.findtext("Publisher/UniqueName") or "").strip(), tables, roles,
                    (manifest.findtext("Publisher/CustomizationPrefix") or "").strip().lower(), privileges)


def result_xml(package: Package, notes: list[str]) -> str:
    items = "".join(f"<result>{n}</result>" for n in notes)
    return (f'<importexportxml><solutionManifests><solutionManifest languagecode="1033" '
            f'UniqueName="{package.unique_name}" Version="{package.version}"><result result="success"/>'
            f"</solutionManifest></solutionManifests><entities>{items}</entities></importexportxml>")


def failure_xml(problem: str) -> str:
    return f'<importexportxml><result result="failure" errortext="{problem}"/></importexportxml>'


def plain_guid(text: str) -> str:
    return text.strip().strip("{}").lower()


def dotted_version(version: str) -> str:
    parts = [p for p in re.split(r"[.\-+]", version) if p.isdigit()][:4]
    return ".".join(parts + ["0"] * (4 - len(parts)))


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))
