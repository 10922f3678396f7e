"""Forms (``FormXml``) and views (``SavedQueries``) from ``solution/forms/*.toml``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from solution.schema import ColumnType, Schema, Table

from ._assets import AssetError, CustomControl
from ._entities import INTRODUCED
from ._frontend import FormWiring, FrontEnd, WebResourceControl, form_section
from ._ids import braced, webresource_id
from ._xml import Element, labels, sub
from .definitions import VIEW_KINDS, Definitions, Form, Section, Subgrid, Tab, View

# Control class ids of the classic form controls, by column type.
_TEXT = "{4273EDBD-AC1D-40d3-9FB2-095C621B552D}"
_MEMO = "{E0DECE4B-6FC8-4a8f-A065-082708572369}"
_NUMBER = "{C6D124CA-7EDA-4a60-AEA9-7FB8D318B68F}"
_DECIMAL = "{C3EFE0C3-0EC6-42be-8349-CBD9079C717A}"
_CHOICE = "{3EF39988-22BB-4f0b-BBBE-64B5A3748AEE}"
_BOOLEAN = "{67FAC785-CD58-4f9f-ABB3-4B7DDC6ED5ED}"
_DATETIME = "{5B773807-9FB2-42db-97C3-7A91EFF8ADFF}"
_LOOKUP = "{270BD3DB-D9AF-4782-9025-509E298DEC0A}"
_PHONE = "{8C10015A-B339-4982-9474-A95FE05631A5}"
_URL = "{71716B6C-711E-476c-8AB8-5D11542BFB47}"
_EMAIL = "{ADA2203E-B4CD-49be-9DDF-234642B43B52}"
SUBGRID = "{E7A81278-8635-4d9e-8D4D-59480B391C5B}"
WEBRESOURCE = "{9FDF5F91-88B1-47f4-AD53-C11EFC01A01D}"
FORM_FACTORS = (0, 1, 2)  # customControl formFactor: web, tablet, phone
_CLASSIDS = {
    ColumnType.STRING: _TEXT,
    ColumnType.MEMO: _MEMO,
    ColumnType.INTEGER: _NUMBER,
    ColumnType.BIGINT: _NUMBER,
    ColumnType.DECIMAL: _DECIMAL,
    ColumnType.CHOICE: _CHOICE,
    ColumnType.STATE: _CHOICE,
    ColumnType.STATUS: _CHOICE,
    ColumnType.BOOLEAN: _BOOLEAN,
    ColumnType.DATETIME: _DATETIME,
    ColumnType.LOOKUP: _LOOKUP,
    ColumnType.CUSTOMER: _LOOKUP,
    ColumnType.OWNER: _LOOKUP,
    ColumnType.UNIQUEIDENTIFIER: _TEXT,
}
_FORMATS = {"phone": _PHONE, "url": _URL, "email": _EMAIL}
# An activity's Regarding column has its own control class in exported forms (microsoft/industry-apps, Nonprofits).
_REGARDING = "{F3015350-44A2-4aa0-97B5-00166532B5E9}"
_FIELD_CLASSIDS = {"regardingobjectid": _REGARDING}


def form_id(form: Form) -> str:
    return braced("form", form.table, form.name)


def view_id(view: View) -> str:
    return braced("view", view.table, view.name)


@dataclass(frozen=True)
class FormAssets:
    """The built front end forms can use: wiring that can be packed (``FrontEnd.packable``) and PCF controls."""

    frontend: FrontEnd = dataclasses.field(default_factory=FrontEnd)
    controls: tuple[CustomControl, ...] = ()

    def control(self, name: str) -> CustomControl | None:
        return next((c for c in self.controls if c.name == name), None)


def control_uniqueid(fid: str, grid: Subgrid) -> str:
    """The ``uniqueid`` of a subgrid's control on form ``fid``, which its ``controlDescription`` names in
    ``forControl``."""
    return braced(fid, "control", grid.name)


def systemforms(
    parent: Element, schema: Schema, definitions: Definitions, table: Table, assets: FormAssets | None = None
) -> None:
    """``<FormXml><forms type="main"><systemform>…`` for every main form of ``table``."""
    forms = definitions.forms_of(table.logical_name)
    if not forms:
        return
    box = sub(sub(parent, "FormXml"), "forms", type="main")
    for form in forms:
        _systemform(box, schema, definitions, table, form, assets=assets or FormAssets())


def _systemform(
    parent: Element, schema: Schema, d: Definitions, table: Table, form: Form, *, assets: FormAssets
) -> None:
    wiring = assets.frontend.form(form.table, form.name)
    extra: dict[str, list[WebResourceControl]] = {}
    for wr_control in wiring.controls if wiring else ():
        extra.setdefault(form_section(form, wr_control).name, []).append(wr_control)
    node = sub(parent, "systemform")
    fid = form_id(form)
    sub(node, "formid", fid)
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "FormPresentation", "1")
    sub(node, "FormActivationState", "1")
    body = sub(node, "form", shownavigationbar="true", showImage="false", maxWidth="1920")
    tabs = sub(body, "tabs")
    for tab in form.tabs:
        tab_element(tabs, schema, d, table, fid=fid, tab=tab, extra=extra, assets=assets)
    if form.header:
        header = sub(body, "header", id=braced(fid, "header"), celllabelposition="Top", columns="111", labelwidth="115",
                     celllabelalignment="Left")
        row = sub(sub(header, "rows"), "row")
        for field in form.header:
            _field_cell(row, table, fid, field, prefix="header_")
    if wiring is not None and wiring.libraries:
        _scripts(body, fid, wiring)
    bound = [(g, c) for g in form.subgrids() if g.control and (c := assets.control(g.control)) is not None]
    if bound:
        descriptions = sub(body, "controlDescriptions")
        for grid, control in bound:
            control_description(descriptions, d, form_id(form), grid, control, where=f"form {form.name!r}")
    labels(node, "LocalizedNames", "LocalizedName", form.name)
    labels(node, "Descriptions", "Description", form.description)


def tab_element(
    tabs: Element, schema: Schema, d: Definitions, table: Table | None, *, fid: str, tab: Tab,
    extra: dict[str, list[WebResourceControl]] | None = None, assets: FormAssets | None = None,
) -> Element:
    """``<tab>`` with its columns and sections, ids derived from the form's id ``fid``; ``table`` (the form's) is
    needed only for the fields it shows."""
    tnode = sub(
        tabs, "tab", name=tab.name, id=braced(fid, "tab", tab.name), IsUserDefined="0",
        verticallayout="true", expanded="true", showlabel="true",
    )
    labels(tnode, "labels", "label", tab.label)
    columns = sub(tnode, "columns")
    width = "100%" if tab.columns == 1 else "50%"
    for index in range(1, tab.columns + 1):
        sections = sub(sub(columns, "column", width=width), "sections")
        for section in (s for s in tab.sections if s.column == index):
            _section(sections, schema, d, table, fid=fid, section=section, extra=(extra or {}).get(section.name, ()),
                     assets=assets)
    return tnode


def _section(
    parent: Element, schema: Schema, d: Definitions, table: Table | None, *, fid: str, section: Section,
    extra: tuple[WebResourceControl, ...] | list[WebResourceControl] = (), assets: FormAssets | None = None,
) -> None:
    node = sub(
        parent, "section", name=section.name, id=braced(fid, "section", section.name), IsUserDefined="0",
        showlabel="true", showbar="false", columns="1", labelwidth="115", celllabelalignment="Left",
        celllabelposition="Left",
    )
    labels(node, "labels", "label", section.label)
    rows = sub(node, "rows")
    for field in section.fields:
        if table is None:
            raise ValueError(f"section {section.name!r} shows fields of a table the schema does not define")
        _field_cell(sub(rows, "row"), table, fid, field)
    if section.subgrid is not None:
        grid = section.subgrid
        bound = grid.control is not None and assets is not None and assets.control(grid.control) is not None
        _subgrid(rows, schema, d, fid, grid, uniqueid=control_uniqueid(fid, grid) if bound else None)
    for control in extra:
        _webresource_cell(rows, fid, control)


def _field_cell(row: Element, table: Table, fid: str, field: str, prefix: str = "") -> None:
    column = table.column(field)
    cell = sub(row, "cell", id=braced(fid, "cell", prefix + field), showlabel="true")
    labels(cell, "labels", "label", column.display_name)
    # file columns are refused on load
    classid = _FIELD_CLASSIDS.get(field) or _FORMATS.get(column.format or "", _CLASSIDS[column.type])
    sub(cell, "control", id=prefix + field, classid=classid, datafieldname=field, disabled="false")


def _subgrid(rows: Element, schema: Schema, d: Definitions, fid: str, grid: Subgrid, *, uniqueid: str | None) -> None:
    cell = sub(sub(rows, "row"), "cell", id=braced(fid, "cell", grid.name), showlabel="true", colspan="1",
               rowspan="10", auto="false")
    labels(cell, "labels", "label", schema.table(grid.table).display_plural)
    control = sub(cell, "control", id=grid.name, classid=SUBGRID, indicationOfSubgrid="true")
    if uniqueid is not None:
        control.set("uniqueid", uniqueid)
    _subgrid_parameters(sub(control, "parameters"), d, grid)
    _filler_rows(rows, 10)


def _filler_rows(rows: Element, rowspan: int) -> None:
    """A cell spanning n rows is followed by n - 1 empty rows, as the form editor writes it."""
    for _ in range(rowspan - 1):
        sub(rows, "row")


def _subgrid_parameters(params: Element, d: Definitions, grid: Subgrid) -> None:
    view = d.view(grid.table, grid.view)
    sub(params, "ViewId", view_id(view))
    sub(params, "IsUserView", "false")
    if grid.relationship is not None:
        sub(params, "RelationshipName", grid.relationship)
    sub(params, "TargetEntityType", grid.table)
    sub(params, "AutoExpand", "Fixed")
    sub(params, "EnableQuickFind", "false")
    sub(params, "EnableViewPicker", "false")
    sub(params, "ViewIds", view_id(view))
    sub(params, "EnableJumpBar", "false")
    sub(params, "ChartGridMode", "Grid")
    sub(params, "VisualizationId")
    sub(params, "IsUserChart", "false")
    sub(params, "EnableChartPicker", "false")
    sub(params, "RecordsPerPage", str(grid.records_per_page))


def control_description(
    parent: Element, d: Definitions, fid: str, grid: Subgrid, control: CustomControl, *, where: str
) -> Element:
    """The subgrid drawn by ``control`` on every form factor, its primary data-set bound to the subgrid."""
    if not control.datasets:
        raise AssetError(f"{control.name}: its manifest has no data-set to bind subgrid {grid.name!r} to")
    values: dict[str, str] = {
        p.name: p.default for p in control.properties if p.usage == "input" and p.default is not None
    }
    for name, value in grid.control_parameters:
        prop = control.property(name)
        if prop is None or prop.usage != "input":
            raise AssetError(f"{where}: {control.name} has no input property {name!r}")
        values[name] = value
    view = view_id(d.view(grid.table, grid.view))
    node = sub(parent, "controlDescription", forControl=control_uniqueid(fid, grid))
    _subgrid_parameters(sub(sub(node, "customControl", id=SUBGRID), "parameters"), d, grid)
    for factor in FORM_FACTORS:
        params = sub(sub(node, "customControl", name=control.name, formFactor=str(factor)), "parameters")
        dataset = sub(params, "data-set", name=control.datasets[0])
        sub(dataset, "ViewId", view)
        sub(dataset, "IsUserView", "false")
        if grid.relationship is not None:
            sub(dataset, "RelationshipName", grid.relationship)
        sub(dataset, "TargetEntityType", grid.table)
        sub(dataset, "FilteredViewIds", view)
        sub(dataset, "EnableViewPicker", "false")
        for prop in control.properties:
            if prop.name in values:
                sub(params, prop.name, values[prop.name], type=prop.of_type, static="true")
    return node


def _webresource_cell(rows: Element, fid: str, control: WebResourceControl) -> None:
    cell = sub(sub(rows, "row"), "cell", id=braced(fid, "cell", control.id), showlabel=_bool(control.show_label),
               colspan="1", rowspan=str(control.rows), auto="false")
    labels(cell, "labels", "label", control.label)
    node = sub(cell, "control", id=control.id, classid=WEBRESOURCE)
    params = sub(node, "parameters")
    sub(params, "Url", control.webresource)
    sub(params, "PassParameters", _bool(control.pass_parameters))
    sub(params, "Security", "false")
    sub(params, "Scrolling", control.scrolling)
    sub(params, "Border", _bool(control.border))
    sub(params, "ShowOnMobileClient", "false")
    sub(params, "WebResourceId", webresource_id(control.webresource))
    _filler_rows(rows, control.rows)


def _scripts(body: Element, fid: str, wiring: FormWiring) -> None:
    """``<formLibraries>`` and the OnLoad ``<events>`` (execution context passed when asked)."""
    if wiring.onload is not None:
        event = sub(sub(body, "events"), "event", name="onload", application="false", active="false")
        sub(
            sub(event, "Handlers"), "Handler", functionName=wiring.onload.function, libraryName=wiring.libraries[0],
            handlerUniqueId=braced(fid, "handler", "onload", wiring.onload.function), enabled="true", parameters="",
            passExecutionContext=_bool(wiring.onload.pass_execution_context),
        )
    libraries = sub(body, "formLibraries")
    for name in wiring.libraries:
        sub(libraries, "Library", name=name, libraryUniqueId=braced(fid, "library", name))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def savedqueries(parent: Element, schema: Schema, definitions: Definitions, table: Table) -> None:
    views = definitions.views_of(table.logical_name)
    if not views:
        return
    box = sub(sub(parent, "SavedQueries"), "savedqueries")
    for view in views:
        _savedquery(box, schema, table, view)


def _savedquery(parent: Element, schema: Schema, table: Table, view: View) -> None:
    node = sub(parent, "savedquery")
    sub(node, "IsCustomizable", "1")
    sub(node, "CanBeDeleted", "0")
    sub(node, "isquickfindquery", "1" if view.kind == "quickfind" else "0")
    sub(node, "isprivate", "0")
    sub(node, "isdefault", "1" if view.default else "0")
    sub(node, "savedqueryid", view_id(view))
    layout = sub(node, "layoutxml")
    grid = sub(layout, "grid", name="resultset", jump=table.primary_name or table.primary_id, select="1", icon="1",
               preview="1")
    row = sub(grid, "row", name="result", id=table.primary_id)
    for column in view.columns:
        sub(row, "cell", name=column, width=str(_width(schema, table, view, column)))
    sub(node, "querytype", str(VIEW_KINDS[view.kind]))
    fetchxml = sub(node, "fetchxml")
    fetch = sub(fetchxml, "fetch", version="1.0", mapping="logical", distinct="false")
    entity = sub(fetch, "entity", name=table.logical_name)
    own = [c for c in view.columns if "." not in c]
    for column in dict.fromkeys([*own, table.primary_id]):
        sub(entity, "attribute", name=column)
    for column, descending in view.order:
        sub(entity, "order", attribute=column, descending="true" if descending else "false")
    if view.filters:
        flt = sub(entity, "filter", type="and")
        for column, operator, value in view.filters:
            if value is None:
                sub(flt, "condition", attribute=column, operator=operator)
            else:
                sub(flt, "condition", attribute=column, operator=operator, value=value)
    if view.find_columns:
        find = sub(entity, "filter", type="or", isquickfindfields="1")
        for column in view.find_columns:
            sub(find, "condition", attribute=column, operator="like", value="{0}")
    for link in view.links:
        lnode = sub(entity, "link-entity", name=link.table, from_=link.from_column, to=link.to_column,
                    alias=link.alias, **{"link-type": "outer", "visible": "false"})
        for column in link.columns:
            sub(lnode, "attribute", name=column)
    sub(node, "IntroducedVersion", INTRODUCED)
    labels(node, "LocalizedNames", "LocalizedName", view.name)


def _width(schema: Schema, table: Table, view: View, column: str) -> int:
    alias, _, name = column.rpartition(".")
    target = table
    for link in view.links:
        if link.alias == alias:
            target = schema.table(link.table)
    ctype = target.column(name).type
    if ctype in (ColumnType.MEMO,) or name == target.primary_name:
        return 300
    if ctype in (ColumnType.LOOKUP, ColumnType.CUSTOMER, ColumnType.OWNER, ColumnType.STRING):
        return 150
    return 125
