"""The component graph is complete: everything solution.xml or the app names is in the package."""

from __future__ import annotations

import pytest

from solution.packer._forms import SUBGRID

# Tables every Dataverse organization has; the package may refer to them without carrying them ("owner" is the
# platform's pseudo-table behind ownerid; activity pointer, mailbox and SLA carry the activity system relationships).
PLATFORM_TABLES = {"account", "contact", "lead", "incident", "opportunity", "team", "systemuser", "businessunit",
                   "owner", "activitypointer", "mailbox", "sla"}


@pytest.fixture(params=["built", "full"])
def package(request):
    """Each check runs on the package from whatever is built and on the one with the built front end."""
    return request.getfixturevalue(request.param)


def _entity_names(built) -> set[str]:
    return {n.findtext("Name").lower() for n in built.customizations.iterfind("Entities/Entity")}


def test_every_root_component_resolves_to_an_element_of_the_package(package):
    built = package
    c = built.customizations
    resolvers = {
        1: _entity_names(built),
        20: {r.get("id") for r in c.iterfind("Roles/Role")},
        50: {":RibbonDiffXml"} if c.find("RibbonDiffXml") is not None else set(),
        60: {f.findtext("formid") for f in c.iterfind("Entities/Entity/FormXml/forms/systemform")},
        61: {w.findtext("Name") for w in c.iterfind("WebResources/WebResource")},
        62: {s.findtext("SiteMapUniqueName") for s in c.iterfind("AppModuleSiteMaps/AppModuleSiteMap")},
        66: {x.findtext("Name") for x in c.iterfind("CustomControls/CustomControl")},
        70: {p.get("fieldsecurityprofileid") for p in c.iterfind("FieldSecurityProfiles/FieldSecurityProfile")},
        80: {a.findtext("UniqueName") for a in c.iterfind("AppModules/AppModule")},
    }
    roots = built.solution.findall("SolutionManifest/RootComponents/RootComponent")
    assert roots
    for root in roots:
        ctype = int(root.get("type"))
        key = root.get("schemaName") or root.get("id")
        assert ctype in resolvers, f"no resolver for RootComponent type {ctype}"
        assert (key.lower() if ctype == 1 else key) in resolvers[ctype], (ctype, key)


def test_every_packaged_component_is_a_root_component_or_inside_one(package):
    built = package
    c = built.customizations
    roots = {(int(r.get("type")), (r.get("schemaName") or r.get("id")).lower())
             for r in built.solution.iterfind("SolutionManifest/RootComponents/RootComponent")}
    for entity in c.iterfind("Entities/Entity"):
        assert (1, entity.findtext("Name").lower()) in roots
    for role in c.iterfind("Roles/Role"):
        assert (20, role.get("id").lower()) in roots
    for profile in c.iterfind("FieldSecurityProfiles/FieldSecurityProfile"):
        assert (70, profile.get("fieldsecurityprofileid").lower()) in roots
    for resource in c.iterfind("WebResources/WebResource"):
        assert (61, resource.findtext("Name").lower()) in roots
    for app in c.iterfind("AppModules/AppModule"):
        assert (80, app.findtext("UniqueName").lower()) in roots
    for control in c.iterfind("CustomControls/CustomControl"):
        assert (66, control.findtext("Name").lower()) in roots
    if c.find("RibbonDiffXml") is not None:
        assert (50, ":ribbondiffxml") in roots


def test_forms_and_ribbons_refer_only_to_packaged_web_resources_and_controls(package):
    c = package.customizations
    webresources = {w.findtext("Name"): w.findtext("WebResourceId") for w in c.iterfind("WebResources/WebResource")}
    controls = set(c.xpath("CustomControls/CustomControl/Name/text()"))
    for name in c.xpath("//formLibraries/Library/@name | //Handler/@libraryName | //control/parameters/Url/text()"):
        assert name in webresources, name
    for library in c.xpath("//RibbonDiffXml//@Library"):
        assert library.removeprefix("$webresource:") in webresources, library
    for reference in c.xpath("//control/parameters/WebResourceId/text()"):
        assert reference in webresources.values()
    assert set(c.xpath("//controlDescription/customControl/@name")) <= controls
    rules = set(c.xpath("//RuleDefinitions/EnableRules/EnableRule/@Id"))
    assert set(c.xpath("//CommandDefinition/EnableRules/EnableRule/@Id")) <= rules
    commands = set(c.xpath("//CommandDefinition/@Id"))
    assert set(c.xpath("//CustomAction/CommandUIDefinition/Button/@Command")) <= commands
    labels = set(c.xpath("//LocLabels/LocLabel/@Id"))
    assert {t.removeprefix("$LocLabels:") for t in c.xpath("//Button/@LabelText")} <= labels


def test_every_file_a_component_names_is_in_the_zip(package):
    built = package
    for name in built.customizations.xpath("//WebResources/WebResource/FileName/text()"
                                           " | //CustomControls/CustomControl/FileName/text()"):
        assert name.lstrip("/") in built.files, name
    extra = set(built.files) - {"[Content_Types].xml", "solution.xml", "customizations.xml"}
    named = {n.lstrip("/") for n in built.customizations.xpath("//WebResources/WebResource/FileName/text()")}
    folders = tuple(f"Controls/{n}/" for n in built.customizations.xpath("//CustomControls/CustomControl/Name/text()"))
    assert {n for n in extra if not n.startswith(folders)} == named  # nothing outside the components' places


def test_relationships_join_tables_of_the_package_or_the_platform(package):
    built = package
    packaged = _entity_names(built)
    for rel in built.customizations.iterfind("EntityRelationships/EntityRelationship"):
        for side in ("ReferencingEntityName", "ReferencedEntityName"):
            assert rel.findtext(side).lower() in packaged | PLATFORM_TABLES, (rel.get("Name"), side)


def test_app_components_site_map_and_subgrids_resolve(package):
    built = package
    c = built.customizations
    packaged = _entity_names(built)
    app = c.find("AppModules/AppModule")
    sitemaps = {s.findtext("SiteMapUniqueName") for s in c.iterfind("AppModuleSiteMaps/AppModuleSiteMap")}
    app_tables = set()
    for component in app.iterfind("AppModuleComponents/AppModuleComponent"):
        if component.get("type") == "1":
            app_tables.add(component.get("schemaName").lower())
        else:
            assert component.get("type") == "62"
            assert component.get("schemaName") in sitemaps
    assert app_tables <= packaged | PLATFORM_TABLES
    roles = {r.get("id") for r in c.iterfind("Roles/Role")}
    assert {r.get("id") for r in app.iterfind("AppModuleRoleMaps/Role")} == roles
    webresources = {w.findtext("Name") for w in c.iterfind("WebResources/WebResource")}
    for sub in c.iterfind(".//SiteMap//SubArea"):
        if sub.get("Entity"):
            assert sub.get("Entity") in app_tables, sub.get("Id")
        else:
            assert sub.get("Url").removeprefix("$webresource:") in webresources, sub.get("Id")
    views = {v.findtext("savedqueryid") for v in c.iterfind(".//savedquery")}
    relationships = {r.get("Name") for r in c.iterfind("EntityRelationships/EntityRelationship")}
    grids = c.xpath(f"//control[@classid='{SUBGRID}']")
    assert len(grids) >= 7
    for grid in grids:
        assert grid.findtext("parameters/ViewId") in views
        assert grid.findtext("parameters/RelationshipName") in relationships
        assert grid.findtext("parameters/TargetEntityType") in packaged


def test_component_ids_are_unique(package):
    built = package
    ids = built.customizations.xpath(
        "//formid/text() | //savedqueryid/text() | //tab/@id | //section/@id | //cell/@id | //Roles/Role/@id"
        " | //WebResources/WebResource/WebResourceId/text() | //control/@uniqueid | //Handler/@handlerUniqueId"
    )
    assert len(ids) == len(set(ids))
