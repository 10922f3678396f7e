"""``customizations.xml``: the custom tables with their forms and views, the forms added to standard tables, the
relationships, security roles, field security profiles, web resources, custom controls, the site map and the app."""

from __future__ import annotations

import re

from solution.schema import Schema

from ._assets import WebResource
from ._entities import (
    INTRODUCED,
    entity_info,
    packaged_relationships,
    relationship,
    schema_name,
    system_relationships,
)
from ._forms import FormAssets, savedqueries, systemforms
from ._frontend import FrontEnd
from ._ids import guid, profile_id, role_id
from ._ids import webresource_id as _webresource_id
from ._manifest import ENTITY, PUBLISHER_PREFIX, SITE_MAP
from ._ribbon import ribbon_diff
from ._sources import Sources, custom_tables, standard_tables_with_forms, wiring
from ._xml import LANGUAGE, Element, etree, labels, sub
from ._xml import serialize as _serialize
from .chat_tab import CHAT_CONTROL, chat_form_diffs
from .definitions import App, role_privileges

DEFAULT_APP_ICON = "953b9fac-1e5e-e611-80d6-00155ded156f"  # the platform's default app module icon
FIELD_ALLOWED = "4"  # field permission values: 0 not allowed, 4 allowed


def webresource_id(resource: WebResource) -> str:
    return _webresource_id(resource.name)


def webresource_file(resource: WebResource) -> str:
    """Where the content lives in the zip, as exports name it: the name without punctuation but ``_``, then the id
    (``msnfp_/images/MeasurementItem_SVG`` → ``msnfp_imagesMeasurementItem_SVG<ID>``)."""
    plain = re.sub(r"[^A-Za-z0-9_]", "", resource.name)
    return f"/WebResources/{plain}{guid('webresource', resource.name).upper()}"


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
    for table_name in standard_tables_with_forms(src):
        table = schema.table(table_name)  # a standard table: only our additional forms and tabs travel
        node = sub(entities, "Entity")
        sub(node, "Name", schema_name(table), LocalizedName=table.display_name, OriginalName=table.display_name)
        systemforms(node, schema, d, table, assets)
        chat_form_diffs(node, schema, d, table_name, assets.control(CHAT_CONTROL))
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
