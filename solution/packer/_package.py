"""Assemble ``solution.xml``, ``customizations.xml``, ``[Content_Types].xml`` and the zip."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from solution.schema import Schema, Table

from ._assets import AssetError, CustomControl, WebResource, find_controls, find_webresources
from ._entities import (
    INTRODUCED,
    entity_info,
    packaged_relationships,
    relationship,
    schema_name,
    system_relationships,
)
from ._forms import FormAssets, savedqueries, systemforms
from ._frontend import FrontEnd, check_frontend, load_frontend
from ._ids import braced, guid
from ._ids import webresource_id as _webresource_id
from ._ribbon import ribbon_diff
from ._xml import LANGUAGE, Element, etree, labels, sub
from ._xml import serialize as _serialize
from .definitions import App, Definitions, role_privileges

SOLUTION_UNIQUE_NAME = "SmsBridge"
SOLUTION_DISPLAY_NAME = "SMS Bridge"
SOLUTION_DESCRIPTION = "Two-way SMS/MMS conversations with customers inside Dynamics 365, carried by Twilio."
PUBLISHER_UNIQUE_NAME = "smsbridge"
PUBLISHER_DISPLAY_NAME = "SMS Bridge"
PUBLISHER_PREFIX = "smsb"
OPTION_VALUE_PREFIX = 10747
DEFAULT_APP_ICON = "953b9fac-1e5e-e611-80d6-00155ded156f"  # the platform's default app module icon
FIELD_ALLOWED = "4"  # field permission values: 0 not allowed, 4 allowed
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o644

# RootComponent types (dataverse notes §3.1); the application ribbon is type 50 named ":RibbonDiffXml"
ENTITY, ROLE, RIBBON, SYSTEM_FORM, WEB_RESOURCE, SITE_MAP, CUSTOM_CONTROL, FIELD_SECURITY_PROFILE, APP_MODULE = (
    1, 20, 50, 60, 61, 62, 66, 70, 80,
)
APPLICATION_RIBBON = ":RibbonDiffXml"
@dataclass(frozen=True)
class Sources:
    """Everything one build reads; tests pass their own."""

    schema: Schema
    definitions: Definitions
    version: str
    webresources: tuple[WebResource, ...] = ()
    controls: tuple[CustomControl, ...] = ()
    frontend: FrontEnd = field(default_factory=FrontEnd)  # frontend/webresources/packaging.json: the wiring
    extra: dict[str, bytes] = field(default_factory=dict)


def read_version(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def default_sources() -> Sources:
    from solution.schema import load_schema

    from .definitions import SOLUTION_DIR, load_definitions

    schema = load_schema()
    return Sources(
        schema=schema,
        definitions=load_definitions(schema),
        version=read_version(SOLUTION_DIR.parent / "VERSION"),
        webresources=find_webresources(),
        controls=find_controls(),
        frontend=load_frontend(),
    )


def solution_version(version: str) -> str:
    """Dataverse solution versions have four parts: ``0.1.0`` → ``0.1.0.0``."""
    parts = version.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"VERSION {version!r} is not a dotted number of up to four parts")
    return ".".join(parts + ["0"] * (4 - len(parts)))


def custom_tables(schema: Schema) -> tuple[Table, ...]:
    return tuple(sorted((t for t in schema.tables if t.is_custom), key=lambda t: t.logical_name))


def role_id(key: str) -> str:
    return braced("role", key)


def profile_id(key: str) -> str:
    return braced("fieldsecurityprofile", key)


def webresource_id(resource: WebResource) -> str:
    return _webresource_id(resource.name)


def wiring(src: Sources) -> FrontEnd:
    """The front-end wiring this package carries: checked, and only what its packed web resources allow.

    The web resources ``packaging.json`` lists are built together: when some are packed, all must be (and of
    the listed type), so that a partial build fails instead of silently losing form scripts or buttons.
    """
    fe = src.frontend
    check_frontend(src.schema, src.definitions, fe, {t.logical_name for t in custom_tables(src.schema)})
    packed = {w.name: w for w in src.webresources}
    listed = [w for w in fe.webresources if w.name in packed]
    if listed and len(listed) != len(fe.webresources):
        missing = sorted(w.name for w in fe.webresources if w.name not in packed)
        raise AssetError(f"packaging.json lists web resources the build lacks: {missing} (npm run build"
                         " --workspace @smsb/webresources)")
    for info in listed:
        if packed[info.name].type != info.type:
            raise AssetError(f"{info.name}: packaging.json says type {info.type}, the file is {packed[info.name].type}")
    return fe.packable(set(packed))


def webresource_file(resource: WebResource) -> str:
    """Where the content lives in the zip, as exports name it: the name without punctuation but ``_``, then the id
    (``msnfp_/images/MeasurementItem_SVG`` → ``msnfp_imagesMeasurementItem_SVG<ID>``)."""
    plain = re.sub(r"[^A-Za-z0-9_]", "", resource.name)
    return f"/WebResources/{plain}{guid('webresource', resource.name).upper()}"


# --- customizations.xml -------------------------------------------------------------------------------


def customizations_xml(src: Sources) -> bytes:
    schema, d = src.schema, src.definitions
    fe = wiring(src)
    assets = FormAssets(fe, src.controls)
    root = etree.Element("ImportExportXml", nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    entities = sub(root, "Entities")
    for table in custom_tables(schema):
        node = sub(entities, "Entity")
        sub(node, "Name", schema_name(table), LocalizedName=table.display_name, OriginalName=table.display_name)
        entity_info(node, schema, table)
        systemforms(node, schema, d, table, assets)
        savedqueries(node, schema, d, table)
        if fe.buttons_of(table.logical_name):
            ribbon_diff(node, fe.buttons_of(table.logical_name))
    for table_name in sorted({f.table for f in d.forms} - {t.logical_name for t in custom_tables(schema)}):
        table = schema.table(table_name)  # a standard table: only our additional forms travel
        node = sub(entities, "Entity")
        sub(node, "Name", schema_name(table), LocalizedName=table.display_name, OriginalName=table.display_name)
        systemforms(node, schema, d, table, assets)
    _roles(sub(root, "Roles"), src)
    sub(root, "Workflows")  # the empty sections exports always write
    _field_security_profiles(sub(root, "FieldSecurityProfiles"), src)
    sub(root, "Templates")
    if fe.application_buttons():
        ribbon_diff(root, fe.application_buttons())
    sub(root, "EntityMaps")
    _relationships(sub(root, "EntityRelationships"), schema)
    sub(root, "OrganizationSettings")
    sub(root, "optionsets")
    if src.webresources:
        _webresources(sub(root, "WebResources"), src.webresources, fe)
    if src.controls:
        controls = sub(root, "CustomControls")
        for control in src.controls:
            node = sub(controls, "CustomControl")
            sub(node, "Name", control.name)
            sub(node, "FileName", f"/{control.folder}/ControlManifest.xml")
    _sitemap(sub(root, "AppModuleSiteMaps"), d.app)
    _appmodule(sub(root, "AppModules"), src)
    sub(root, "EntityDataProviders")
    sub(sub(root, "Languages"), "Language", LANGUAGE)
    return _serialize(root)


def _relationships(parent: Element, schema: Schema) -> None:
    """The product's lookups and the system relationships of its tables' platform columns, sorted by name."""
    nodes: dict[str, Element] = {}
    scratch = etree.Element("EntityRelationships")
    for rel in packaged_relationships(schema):
        relationship(scratch, schema, rel)
    for table in custom_tables(schema):
        system_relationships(scratch, table)
    for node in scratch:
        name = node.get("Name")
        if name in nodes:
            raise ValueError(f"relationship {name!r} is declared twice")
        nodes[name] = node
    for name in sorted(nodes, key=str.lower):
        parent.append(nodes[name])


def _roles(parent: Element, src: Sources) -> None:
    for role in src.definitions.roles:
        # isinherited 1: a team's members get the role's Basic (own rows) privileges themselves, as the SMS Bridge
        # User role given to a team needs for their own dismissals (newer than the 2019 schema).
        node = sub(parent, "Role", id=role_id(role.key), name=role.name, isinherited="1")
        sub(node, "IsCustomizable", "1")
        privileges = sub(node, "RolePrivileges")
        for name, level in role_privileges(src.schema, role):
            sub(privileges, "RolePrivilege", name=name, level=level)


def _field_security_profiles(parent: Element, src: Sources) -> None:
    for profile in src.definitions.field_security_profiles:
        node = sub(
            parent, "FieldSecurityProfile", name=profile.name, description=profile.description,
            fieldsecurityprofileid=profile_id(profile.key),
        )
        permissions = sub(node, "FieldPermissions")
        for perm in profile.permissions:
            p = sub(permissions, "FieldPermission")
            sub(p, "EntityName", perm.table)
            sub(p, "AttributeName", perm.column)
            sub(p, "CanRead", FIELD_ALLOWED if perm.can_read else "0")
            sub(p, "CanUpdate", FIELD_ALLOWED if perm.can_update else "0")
            sub(p, "CanCreate", FIELD_ALLOWED if perm.can_create else "0")


def _webresources(parent: Element, resources: tuple[WebResource, ...], fe: FrontEnd) -> None:
    for resource in resources:
        info = fe.webresource(resource.name)
        node = sub(parent, "WebResource")
        sub(node, "WebResourceId", webresource_id(resource))
        sub(node, "Name", resource.name)
        sub(node, "DisplayName", info.display_name if info else resource.name)
        if info and info.description:
            sub(node, "Description", info.description)
        sub(node, "WebResourceType", resource.type)
        sub(node, "IntroducedVersion", INTRODUCED)
        sub(node, "IsEnabledForMobileClient", "0")
        sub(node, "IsAvailableForMobileOffline", "0")
        sub(node, "IsCustomizable", "1")
        sub(node, "CanBeDeleted", "1")
        sub(node, "IsHidden", "0")
        sub(node, "FileName", webresource_file(resource))


def _sitemap(parent: Element, app: App) -> None:
    node = sub(parent, "AppModuleSiteMap")
    sub(node, "SiteMapUniqueName", app.unique_name)
    # Newer than the 2019 schema: the navigation options the app designer writes (validation.NEWER_THAN_SCHEMA).
    for tag, value in (("EnableCollapsibleGroups", "False"), ("ShowHome", "True"), ("ShowPinned", "True"),
                       ("ShowRecents", "True")):
        sub(node, tag, value)
    sitemap = sub(node, "SiteMap", IntroducedVersion="7.0.0.0")
    area = sub(sitemap, "Area", Id=f"{PUBLISHER_PREFIX}_area", ShowGroups="true", IntroducedVersion="7.0.0.0")
    sub(sub(area, "Titles"), "Title", LCID=LANGUAGE, Title=app.area_title)
    for group in app.groups:
        g = sub(area, "Group", Id=group.id, IntroducedVersion="7.0.0.0", IsProfile="false")
        sub(sub(g, "Titles"), "Title", LCID=LANGUAGE, Title=group.title)
        for s in group.subareas:
            attrs = {"Entity": s.table} if s.table is not None else {"Url": s.url or ""}
            node_s = sub(g, "SubArea", Id=s.id, **attrs, AvailableOffline="true", PassParams="false")
            sub(sub(node_s, "Titles"), "Title", LCID=LANGUAGE, Title=s.title)
    labels(node, "LocalizedNames", "LocalizedName", app.display_name)


def _appmodule(parent: Element, src: Sources) -> None:
    app = src.definitions.app
    node = sub(parent, "AppModule")
    sub(node, "UniqueName", app.unique_name)
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "WebResourceId", DEFAULT_APP_ICON)
    # Newer than the 2019 schema (validation.NEWER_THAN_SCHEMA): exports state the app active (0/1) explicitly.
    sub(node, "OptimizedFor", "")
    sub(node, "statecode", "0")
    sub(node, "statuscode", "1")
    sub(node, "FormFactor", "1")
    sub(node, "ClientType", "4")  # unified interface
    sub(node, "NavigationType", "0")
    components = sub(node, "AppModuleComponents")
    for table_name in app.tables:  # tables by logical name, as exports list them
        sub(components, "AppModuleComponent", type=str(ENTITY), schemaName=table_name)
    sub(components, "AppModuleComponent", type=str(SITE_MAP), schemaName=app.unique_name)
    roles = sub(node, "AppModuleRoleMaps")
    for role in src.definitions.roles:
        sub(roles, "Role", id=role_id(role.key))
    labels(node, "LocalizedNames", "LocalizedName", app.display_name)
    labels(node, "Descriptions", "Description", app.description)


# --- solution.xml -------------------------------------------------------------------------------------


def root_components(src: Sources) -> list[tuple[int, dict[str, str]]]:
    """(type, attributes) of every RootComponent, in package order."""
    d = src.definitions
    out: list[tuple[int, dict[str, str]]] = []
    for table in custom_tables(src.schema):
        out.append((ENTITY, {"schemaName": table.logical_name, "behavior": "0"}))
    custom = {t.logical_name for t in custom_tables(src.schema)}
    for table_name in sorted({f.table for f in d.forms} - custom):
        # Shell only: the table's forms in customizations.xml travel as its subcomponents; exports list no
        # separate type-60 root components for them (microsoft/industry-apps: contact, behavior 2, with its form).
        out.append((ENTITY, {"schemaName": table_name, "behavior": "2"}))
    out.extend((ROLE, {"id": role_id(r.key), "behavior": "0"}) for r in d.roles)
    out.extend((FIELD_SECURITY_PROFILE, {"id": profile_id(p.key), "behavior": "0"}) for p in d.field_security_profiles)
    out.extend((WEB_RESOURCE, {"schemaName": w.name, "behavior": "0"}) for w in src.webresources)
    out.extend((CUSTOM_CONTROL, {"schemaName": c.name, "behavior": "0"}) for c in src.controls)
    if wiring(src).application_buttons():
        out.append((RIBBON, {"schemaName": APPLICATION_RIBBON, "behavior": "0"}))
    out.append((SITE_MAP, {"schemaName": d.app.unique_name, "behavior": "0"}))
    out.append((APP_MODULE, {"schemaName": d.app.unique_name, "behavior": "0"}))
    return out


def solution_xml(src: Sources, managed: bool) -> bytes:
    version = solution_version(src.version)
    root = etree.Element(
        "ImportExportXml",
        nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        version="9.2.0.0",
        SolutionPackageVersion="9.2",
        languagecode=LANGUAGE,
        generatedBy="CrmLive",
    )
    manifest = sub(root, "SolutionManifest")
    sub(manifest, "UniqueName", SOLUTION_UNIQUE_NAME)
    labels(manifest, "LocalizedNames", "LocalizedName", SOLUTION_DISPLAY_NAME)
    labels(manifest, "Descriptions", "Description", SOLUTION_DESCRIPTION)
    sub(manifest, "Version", version)
    sub(manifest, "Managed", "1" if managed else "0")
    publisher = sub(manifest, "Publisher")
    sub(publisher, "UniqueName", PUBLISHER_UNIQUE_NAME)
    labels(publisher, "LocalizedNames", "LocalizedName", PUBLISHER_DISPLAY_NAME)
    labels(publisher, "Descriptions", "Description", "Publisher of the open-source SMS Bridge solution.")
    _nil(publisher, "EMailAddress")
    _nil(publisher, "SupportingWebsiteUrl")
    sub(publisher, "CustomizationPrefix", PUBLISHER_PREFIX)
    sub(publisher, "CustomizationOptionValuePrefix", OPTION_VALUE_PREFIX)
    addresses = sub(publisher, "Addresses")
    for number in ("1", "2"):
        address = sub(addresses, "Address")
        sub(address, "AddressNumber", number)
        sub(address, "AddressTypeCode", "1")
        for name in ("City", "County", "Country", "Fax", "FreightTermsCode", "ImportSequenceNumber", "Latitude",
                     "Line1", "Line2", "Line3", "Longitude", "Name", "PostalCode", "PostOfficeBox",
                     "PrimaryContactName"):
            _nil(address, name)
        sub(address, "ShippingMethodCode", "1")
        for name in ("StateOrProvince", "Telephone1", "Telephone2", "Telephone3", "TimeZoneRuleVersionNumber",
                     "UPSZone", "UTCOffset", "UTCConversionTimeZoneCode"):
            _nil(address, name)
    roots = sub(manifest, "RootComponents")
    for ctype, attrs in root_components(src):
        sub(roots, "RootComponent", type=str(ctype), **attrs)
    sub(manifest, "MissingDependencies")
    return _serialize(root)


def _nil(parent: Element, tag: str) -> None:
    sub(parent, tag).set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")


def content_types_xml(names: list[str]) -> bytes:
    root = etree.Element("Types", nsmap={None: "http://schemas.openxmlformats.org/package/2006/content-types"})
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    extensions = sorted({n.rsplit(".", 1)[1].lower() for n in names if "." in n.rsplit("/", 1)[-1]} - {"xml"})
    # Exports give every part, xml included, the type application/octet-stream (pac-built zips: text/xml for xml).
    etree.SubElement(root, f"{ns}Default", Extension="xml", ContentType="application/octet-stream")
    for ext in extensions:
        etree.SubElement(root, f"{ns}Default", Extension=ext, ContentType="application/octet-stream")
    for name in names:  # web resource parts are named as exports name them, without an extension
        if "." not in name.rsplit("/", 1)[-1]:
            etree.SubElement(root, f"{ns}Override", PartName=f"/{name}", ContentType="application/octet-stream")
    return _serialize(root)


# --- zip ----------------------------------------------------------------------------------------------


def package_files(src: Sources, managed: bool) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "solution.xml": solution_xml(src, managed),
        "customizations.xml": customizations_xml(src),
    }
    for resource in src.webresources:
        files[webresource_file(resource).lstrip("/")] = resource.content
    for control in src.controls:
        for rel, content in control.files:
            files[f"{control.folder}/{rel}"] = content
    files.update(src.extra)
    files["[Content_Types].xml"] = content_types_xml(sorted(files))
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic zip: sorted entries (the three manifests first), fixed timestamps and attributes."""
    head = ["[Content_Types].xml", "solution.xml", "customizations.xml"]
    order = [n for n in head if n in files] + sorted(n for n in files if n not in head)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = ZIP_FILE_MODE << 16  # fixed, not taken from the build machine
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()
