"""The SMS Bridge solution packer: table definitions + declarative UI/security → a Dataverse solution zip.

    from solution.packer import build, describe
    data = build(managed=False)          # bytes of SmsBridge_<version>_unmanaged.zip
    summary = describe(data)             # PackageSummary(unique_name="SmsBridge", version="0.1.0.0", ...)

``python -m solution.packer --out dist`` writes both the unmanaged and the managed zip. Details, the
definition file formats and what is still to be confirmed on a real org: ``solution/packer/README.md``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ._manifest import SOLUTION_UNIQUE_NAME
from ._package import package_files, zip_bytes
from ._sources import Sources, default_sources
from ._xml import Element, XMLSyntaxError, parse


class PackageError(ValueError):
    """The bytes are not a solution zip this packer can read."""


@dataclass(frozen=True)
class PackageSummary:
    unique_name: str
    version: str  # four-part solution version, e.g. "0.1.0.0"
    managed: bool
    publisher: str
    publisher_prefix: str
    tables: tuple[str, ...]  # logical names of the tables the package defines
    roles: tuple[str, ...]  # security role names
    field_security_profiles: tuple[str, ...]
    app_modules: tuple[str, ...]  # unique names
    web_resources: tuple[str, ...]
    custom_controls: tuple[str, ...]
    root_components: tuple[tuple[int, str], ...]  # (type, schemaName or id)
    files: tuple[str, ...]  # zip entry names


def build(managed: bool = False, *, sources: Sources | None = None) -> bytes:
    """The solution zip built from the repository's definitions (or from ``sources``), deterministic."""
    return zip_bytes(package_files(sources or default_sources(), managed))


def write(out_dir: Path, *, sources: Sources | None = None) -> tuple[Path, Path]:
    """Write ``SmsBridge_<version>_unmanaged.zip`` and ``…_managed.zip`` into ``out_dir``."""
    src = sources or default_sources()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for managed in (False, True):
        path = out_dir / f"{SOLUTION_UNIQUE_NAME}_{src.version}_{'managed' if managed else 'unmanaged'}.zip"
        path.write_bytes(build(managed, sources=src))
        paths.append(path)
    return paths[0], paths[1]


def describe(data: bytes) -> PackageSummary:
    """What a solution zip contains, read from its ``solution.xml`` and ``customizations.xml``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = tuple(archive.namelist())
            solution = _parse(archive.read("solution.xml"))
            custom = _parse(archive.read("customizations.xml"))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise PackageError(f"not a solution zip: {exc}") from exc
    manifest = solution.find("SolutionManifest")
    if manifest is None:
        raise PackageError("solution.xml has no SolutionManifest")
    publisher = manifest.find("Publisher")
    roots = tuple(
        (int(rc.get("type", "0")), rc.get("schemaName") or rc.get("id") or "")
        for rc in manifest.iterfind("RootComponents/RootComponent")
    )
    return PackageSummary(
        unique_name=manifest.findtext("UniqueName", ""),
        version=manifest.findtext("Version", ""),
        managed=manifest.findtext("Managed", "0") == "1",
        publisher=publisher.findtext("UniqueName", "") if publisher is not None else "",
        publisher_prefix=publisher.findtext("CustomizationPrefix", "") if publisher is not None else "",
        tables=tuple(e.get("Name", "") for e in custom.iterfind("Entities/Entity/EntityInfo/entity")),
        roles=tuple(r.get("name", "") for r in custom.iterfind("Roles/Role")),
        field_security_profiles=tuple(
            p.get("name", "") for p in custom.iterfind("FieldSecurityProfiles/FieldSecurityProfile")
        ),
        app_modules=tuple(a.findtext("UniqueName", "") for a in custom.iterfind("AppModules/AppModule")),
        web_resources=tuple(w.findtext("Name", "") for w in custom.iterfind("WebResources/WebResource")),
        custom_controls=tuple(c.findtext("Name", "") for c in custom.iterfind("CustomControls/CustomControl")),
        root_components=roots,
        files=names,
    )


def _parse(data: bytes) -> Element:
    try:
        return parse(data)
    except XMLSyntaxError as exc:
        raise PackageError(f"malformed XML: {exc}") from exc


__all__ = ["PackageError", "PackageSummary", "Sources", "build", "default_sources", "describe", "write"]
