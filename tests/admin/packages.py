"""A small solution package built by hand: solution.xml and customizations.xml naming the product tables and roles."""

from __future__ import annotations

import io
import zipfile

from solution.schema import load_schema

ROLES = {"SMS Bridge Administrator": "6a3b1c2d-0000-4000-8000-000000000001",
         "SMS Bridge User": "6a3b1c2d-0000-4000-8000-000000000002",
         "SMS Bridge Integration": "6a3b1c2d-0000-4000-8000-000000000003"}


def package_zip(*, version: str = "1.0.0.0", managed: bool = False, tables: list[str] | None = None,
                unique_name: str = "SmsBridge", privileges: dict[str, list[tuple[str, str]]] | None = None) -> bytes:
    """A minimal solution package: solution.xml and customizations.xml naming the product tables and roles (with
    the ``privileges`` given per role name: ``(privilege name, level)``)."""
    names = tables if tables is not None else [t.logical_name for t in load_schema().tables if t.is_custom]
    entities = "".join(f'<Entity><Name LocalizedName="{n}" OriginalName="{n}">{n}</Name>'
                       f'<EntityInfo><entity Name="{n}"/></EntityInfo></Entity>' for n in names)
    granted = privileges or {}
    roles = "".join(f'<Role id="{{{rid}}}" name="{name}"><RolePrivileges>'
                    + "".join(f'<RolePrivilege name="{p}" level="{level}"/>' for p, level in granted.get(name, []))
                    + "</RolePrivileges></Role>" for name, rid in ROLES.items())
    solution = (f'<ImportExportXml version="9.2" SolutionPackageVersion="9.2" languagecode="1033">'
                f"<SolutionManifest><UniqueName>{unique_name}</UniqueName><LocalizedNames>"
                f'<LocalizedName description="SMS Bridge" languagecode="1033"/></LocalizedNames>'
                f"<Version>{version}</Version><Managed>{1 if managed else 0}</Managed>"
                f"<Publisher><UniqueName>smsbridge</UniqueName><CustomizationPrefix>smsb</CustomizationPrefix>"
                f"</Publisher><RootComponents/></SolutionManifest></ImportExportXml>")
    customizations = f"<ImportExportXml><Entities>{entities}</Entities><Roles>{roles}</Roles></ImportExportXml>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("solution.xml", solution)
        archive.writestr("customizations.xml", customizations)
    return buffer.getvalue()
