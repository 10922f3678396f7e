"""Forms and views of ``solution/forms/<table>.toml``: their dataclasses, reading, and the check that every column,
table, relationship and view they name exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solution.schema import ColumnType, Schema

from .files import DefinitionError
from .files import required_str as _str

# saved query types (savedquery.querytype)
VIEW_KINDS = {"public": 0, "advancedfind": 1, "associated": 2, "quickfind": 4, "lookup": 64}


@dataclass(frozen=True)
class Subgrid:
    name: str
    table: str
    relationship: str | None
    view: str
    records_per_page: int = 10
    control: str | None = None  # a custom (PCF) control drawing the subgrid when it is built: smsb_<ns>.<ctor>
    control_parameters: tuple[tuple[str, str], ...] = ()  # static values of the control's input properties


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    column: int
    fields: tuple[str, ...]
    subgrid: Subgrid | None = None


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    columns: int
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Form:
    table: str
    name: str
    description: str
    header: tuple[str, ...]
    tabs: tuple[Tab, ...]

    def fields(self) -> tuple[str, ...]:
        return self.header + tuple(f for tab in self.tabs for s in tab.sections for f in s.fields)

    def subgrids(self) -> tuple[Subgrid, ...]:
        return tuple(s.subgrid for tab in self.tabs for s in tab.sections if s.subgrid is not None)


@dataclass(frozen=True)
class Link:
    table: str
    from_column: str  # column of the linked table
    to_column: str  # column of the view's table
    alias: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class View:
    table: str
    name: str
    kind: str
    default: bool
    columns: tuple[str, ...]  # "column" or "alias.column" for a linked table's column
    order: tuple[tuple[str, bool], ...]  # (column, descending)
    filters: tuple[tuple[str, str, str | None], ...]  # (column, operator, value)
    find_columns: tuple[str, ...]  # quick find: the columns searched
    links: tuple[Link, ...] = ()


def find_view(views: tuple[View, ...], table: str, name: str) -> View:
    for v in views:
        if v.table == table and v.name == name:
            return v
    raise DefinitionError(f"no view {name!r} of table {table!r}")


def check_forms(schema: Schema, forms: tuple[Form, ...], views: tuple[View, ...]) -> None:
    for form in forms:
        table = schema.table(form.table)
        for field in form.fields():
            if not table.has_column(field):
                raise DefinitionError(f"form {form.name!r} of {form.table}: no column {field!r}")
            if table.column(field).type is ColumnType.FILE:
                raise DefinitionError(f"form {form.name!r}: file column {field!r} has no classic form control")
        for grid in form.subgrids():
            if not schema.has_table(grid.table):
                raise DefinitionError(f"form {form.name!r}: subgrid {grid.name!r} shows missing table {grid.table!r}")
            find_view(views, grid.table, grid.view)
            if grid.control is None and grid.control_parameters:
                raise DefinitionError(f"form {form.name!r}: subgrid {grid.name!r}: control_parameters but no control")
            if grid.control is not None and not re.fullmatch(r"smsb_\w+\.\w+", grid.control):
                raise DefinitionError(f"form {form.name!r}: control {grid.control!r} is not smsb_<namespace>.<name>")
            if grid.relationship is not None:
                rel = next((r for r in schema.relationships if r.name == grid.relationship), None)
                if rel is None or rel.referenced_table != form.table or rel.referencing_table != grid.table:
                    raise DefinitionError(
                        f"form {form.name!r}: subgrid {grid.name!r}: {grid.relationship!r} is not a relationship"
                        f" from {form.table} to {grid.table}"
                    )


def check_views(schema: Schema, views: tuple[View, ...]) -> None:
    for view in views:
        table = schema.table(view.table)
        aliases = {link.alias: link for link in view.links}
        for link in view.links:
            if not schema.table(link.table).has_column(link.from_column) or not table.has_column(link.to_column):
                raise DefinitionError(f"view {view.name!r}: link {link.alias!r} joins missing columns")
        for col in (*view.columns, *(c for c, _ in view.order), *(f[0] for f in view.filters), *view.find_columns):
            alias, _, name = col.rpartition(".")
            target = schema.table(aliases[alias].table) if alias in aliases else table
            if alias and alias not in aliases:
                raise DefinitionError(f"view {view.name!r} of {view.table}: unknown link alias {alias!r}")
            if not target.has_column(name):
                raise DefinitionError(f"view {view.name!r} of {view.table}: no column {col!r}")


def read_form(path: Path, table: str, doc: dict[str, Any]) -> Form:
    tabs = []
    for t in doc.get("tabs", []):
        sections = []
        for s in t.get("sections", []):
            grid = s.get("subgrid")
            sections.append(
                Section(
                    name=_str(path, s, "name"),
                    label=_str(path, s, "label"),
                    column=int(s.get("column", 1)),
                    fields=tuple(s.get("fields", [])),
                    subgrid=None
                    if grid is None
                    else Subgrid(
                        name=_str(path, grid, "name"),
                        table=_str(path, grid, "table"),
                        relationship=grid.get("relationship"),
                        view=_str(path, grid, "view"),
                        records_per_page=int(grid.get("records_per_page", 10)),
                        control=grid.get("control"),
                        control_parameters=_parameters(path, grid.get("control_parameters", {})),
                    ),
                )
            )
        columns = int(t.get("columns", 1))
        if columns not in (1, 2) or any(s.column > columns for s in sections):
            raise DefinitionError(f"{path.name}: tab {t.get('name')!r}: columns must be 1 or 2 and hold its sections")
        tabs.append(Tab(_str(path, t, "name"), _str(path, t, "label"), columns, tuple(sections)))
    if not tabs:
        raise DefinitionError(f"{path.name}: form {doc.get('name')!r} has no tabs")
    name, description = _str(path, doc, "name"), str(doc.get("description", ""))
    return Form(table, name, description, tuple(doc.get("header", [])), tuple(tabs))


def _parameters(path: Path, doc: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(doc, dict) or not all(isinstance(v, (str, int, bool)) for v in doc.values()):
        raise DefinitionError(f"{path.name}: control_parameters must map property names to strings or numbers")
    return tuple((str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in doc.items())


def read_view(path: Path, table: str, doc: dict[str, Any]) -> View:
    kind = _str(path, doc, "kind", "public")
    if kind not in VIEW_KINDS:
        raise DefinitionError(f"{path.name}: view {doc.get('name')!r}: unknown kind {kind!r}")
    order = tuple((o.lstrip("-"), o.startswith("-")) for o in doc.get("order", []))
    filters = tuple((str(f[0]), str(f[1]), None if len(f) < 3 else str(f[2])) for f in doc.get("filter", []))
    links = tuple(
        Link(
            _str(path, lk, "table"), _str(path, lk, "from"), _str(path, lk, "to"), _str(path, lk, "alias"),
            tuple(lk.get("columns", [])),
        )
        for lk in doc.get("links", [])
    )
    find = tuple(doc.get("find_columns", []))
    if kind == "quickfind" and not find:
        raise DefinitionError(f"{path.name}: quick find view {doc.get('name')!r} needs find_columns")
    return View(
        table=table,
        name=_str(path, doc, "name"),
        kind=kind,
        default=bool(doc.get("default", False)),
        columns=tuple(doc.get("columns", [])),
        order=order,
        filters=filters,
        find_columns=find,
        links=links,
    )
