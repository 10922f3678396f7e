"""The declarative UI and security definitions the packer turns into solution XML.

``solution/forms/<table>.toml`` holds a table's forms and views, ``solution/app/app.toml`` the model-driven
app and its site map, ``solution/app/security.toml`` the security roles and the field security profile.
The file formats are described in ``solution/packer/README.md``. Everything is checked against the table
definitions (``solution.schema``) when it is loaded: a form or view naming a missing column fails the build.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solution.schema import ColumnType, Ownership, Schema

from ._entities import schema_name

SOLUTION_DIR = Path(__file__).resolve().parent.parent
FORMS_DIR = SOLUTION_DIR / "forms"
APP_DIR = SOLUTION_DIR / "app"

# saved query types (savedquery.querytype)
VIEW_KINDS = {"public": 0, "advancedfind": 1, "associated": 2, "quickfind": 4, "lookup": 64}
PRIVILEGE_LEVELS = ("Basic", "Local", "Deep", "Global")
PRIVILEGE_VERBS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
# Tables whose privileges carry another name. Activity tables, custom ones included, have no privileges of
# their own: roles grant the Activity privileges (prvCreateActivity, ...), which cover every activity table.
_PRIVILEGE_NAMES = {"activitypointer": "Activity", "systemuser": "User"}


class DefinitionError(ValueError):
    """A form, view, app or role definition is malformed or names something that does not exist."""


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


@dataclass(frozen=True)
class SubArea:
    id: str
    title: str
    table: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    subareas: tuple[SubArea, ...]


@dataclass(frozen=True)
class App:
    unique_name: str
    display_name: str
    description: str
    area_title: str
    groups: tuple[Group, ...]
    tables: tuple[str, ...]  # every table the app shows


@dataclass(frozen=True)
class Privilege:
    verb: str
    table: str
    level: str


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    description: str
    privileges: tuple[Privilege, ...]
    misc: tuple[str, ...] = ()  # privileges of no table (prvActOnBehalfOfAnotherUser), held at the Global level


@dataclass(frozen=True)
class FieldPermission:
    table: str
    column: str
    can_read: bool
    can_update: bool
    can_create: bool


@dataclass(frozen=True)
class FieldSecurityProfile:
    key: str
    name: str
    description: str
    permissions: tuple[FieldPermission, ...]


@dataclass(frozen=True)
class Definitions:
    forms: tuple[Form, ...]
    views: tuple[View, ...]
    app: App
    roles: tuple[Role, ...]
    field_security_profiles: tuple[FieldSecurityProfile, ...]

    def views_of(self, table: str) -> tuple[View, ...]:
        return tuple(v for v in self.views if v.table == table)

    def forms_of(self, table: str) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if f.table == table)

    def view(self, table: str, name: str) -> View:
        for v in self.views:
            if v.table == table and v.name == name:
                return v
        raise DefinitionError(f"no view {name!r} of table {table!r}")


def load_definitions(schema: Schema, forms_dir: Path = FORMS_DIR, app_dir: Path = APP_DIR) -> Definitions:
    """Read and check every definition file."""
    forms: list[Form] = []
    views: list[View] = []
    for path in sorted(forms_dir.glob("*.toml")):
        doc = _read(path)
        table = _str(path, doc, "table")
        if not schema.has_table(table):
            raise DefinitionError(f"{path.name}: no table {table!r}")
        forms.extend(_form(path, table, f) for f in doc.get("forms", []))
        views.extend(_view(path, table, v) for v in doc.get("views", []))
    app = _app(app_dir / "app.toml", _read(app_dir / "app.toml"))
    security = _read(app_dir / "security.toml")
    roles = load_roles(schema, app_dir)
    profiles = tuple(
        _profile(app_dir / "security.toml", key, p) for key, p in security.get("field_security_profiles", {}).items()
    )
    definitions = Definitions(tuple(forms), tuple(views), app, roles, profiles)
    check_definitions(schema, definitions)
    return definitions


def load_roles(schema: Schema, app_dir: Path = APP_DIR) -> tuple[Role, ...]:
    """The security roles of ``security.toml`` alone (what the Dataverse emulator grants when the product is
    preinstalled), checked against ``schema``."""
    path = app_dir / "security.toml"
    return tuple(_role(path, key, r, schema) for key, r in _read(path).get("roles", {}).items())


def check_definitions(schema: Schema, d: Definitions) -> None:
    """Every column, table, relationship and view a definition names must exist."""
    names = [(v.table, v.name) for v in d.views]
    if len(names) != len(set(names)):
        raise DefinitionError("a view name is used twice for one table")
    _check_forms(schema, d)
    _check_views(schema, d)
    _check_app_and_security(schema, d)


def _check_forms(schema: Schema, d: Definitions) -> None:
    for form in d.forms:
        table = schema.table(form.table)
        for field in form.fields():
            if not table.has_column(field):
                raise DefinitionError(f"form {form.name!r} of {form.table}: no column {field!r}")
            if table.column(field).type is ColumnType.FILE:
                raise DefinitionError(f"form {form.name!r}: file column {field!r} has no classic form control")
        for grid in form.subgrids():
            if not schema.has_table(grid.table):
                raise DefinitionError(f"form {form.name!r}: subgrid {grid.name!r} shows missing table {grid.table!r}")
            d.view(grid.table, grid.view)
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


def _check_views(schema: Schema, d: Definitions) -> None:
    for view in d.views:
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


def _check_app_and_security(schema: Schema, d: Definitions) -> None:
    for table_name in d.app.tables:
        schema.table(table_name)
    for group in d.app.groups:
        for sub in group.subareas:
            if sub.table is not None and sub.table not in d.app.tables:
                raise DefinitionError(f"site map {sub.id!r}: table {sub.table!r} is not one of the app's tables")
    for role in d.roles:
        for p in role.privileges:
            schema.table(p.table)
        role_privileges(schema, role)
    for profile in d.field_security_profiles:
        for perm in profile.permissions:
            col = schema.table(perm.table).column(perm.column)
            if not col.secured:
                raise DefinitionError(f"field security profile {profile.name!r}: {perm.column} is not secured")


def privilege_name(schema: Schema, verb: str, table: str) -> str:
    """``prv<Verb><table's schema name>``; an activity table's privileges are the Activity ones."""
    t = schema.table(table)
    return f"prv{verb}{'Activity' if t.is_activity else _PRIVILEGE_NAMES.get(table, schema_name(t))}"


def role_privileges(schema: Schema, role: Role) -> tuple[tuple[str, str], ...]:
    """(privilege name, level) of a role, sorted by name, its privileges of no table (``misc``) at Global; grants on
    several activity tables meet in the Activity privileges and must agree on the level."""
    levels: dict[str, str] = {}
    for p in role.privileges:
        name = privilege_name(schema, p.verb, p.table)
        if levels.setdefault(name, p.level) != p.level:
            raise DefinitionError(
                f"role {role.name!r}: {name} is granted at {levels[name]} and {p.level} (activity tables share the"
                " Activity privileges)"
            )
    levels.update(dict.fromkeys(role.misc, "Global"))
    return tuple(sorted(levels.items(), key=lambda item: item[0].lower()))


# --- parsing ------------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path}: {exc}") from exc


def _str(path: Path, doc: dict[str, Any], key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value:
        raise DefinitionError(f"{path.name}: {key!r} must be a non-empty string")
    return value


def _form(path: Path, table: str, doc: dict[str, Any]) -> Form:
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


def _view(path: Path, table: str, doc: dict[str, Any]) -> View:
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


def _app(path: Path, doc: dict[str, Any]) -> App:
    a = doc.get("app", {})
    groups = []
    for g in doc.get("groups", []):
        subs = []
        for s in g.get("subareas", []):
            if ("table" in s) == ("url" in s):
                raise DefinitionError(f"{path.name}: subarea {s.get('id')!r} needs exactly one of table and url")
            subs.append(SubArea(_str(path, s, "id"), _str(path, s, "title"), s.get("table"), s.get("url")))
        groups.append(Group(_str(path, g, "id"), _str(path, g, "title"), tuple(subs)))
    return App(
        unique_name=_str(path, a, "unique_name"),
        display_name=_str(path, a, "display_name"),
        description=str(a.get("description", "")),
        area_title=_str(path, a, "area_title"),
        groups=tuple(groups),
        tables=tuple(a.get("tables", [])),
    )


def _role(path: Path, key: str, doc: dict[str, Any], schema: Schema) -> Role:
    """Expand ``grants``; without ``privileges`` a grant gives every privilege the table's ownership allows
    (organization-owned tables have no Assign/Share and take the Global level only)."""
    privileges: list[Privilege] = []
    for grant in doc.get("grants", []):
        level = _str(path, grant, "level")
        if level not in PRIVILEGE_LEVELS:
            raise DefinitionError(f"{path.name}: role {key}: unknown level {level!r}")
        for table_name in grant.get("tables", []):
            table = schema.table(table_name)
            org_owned = table.ownership is not Ownership.USER
            allowed = PRIVILEGE_VERBS[:6] if org_owned else PRIVILEGE_VERBS
            verbs = tuple(grant.get("privileges", allowed))
            unknown = set(verbs) - set(allowed)
            if unknown:
                raise DefinitionError(f"{path.name}: role {key}: {table_name} has no privilege {sorted(unknown)}")
            if org_owned and level != "Global":
                raise DefinitionError(f"{path.name}: role {key}: {table_name} is organization-owned: level Global")
            privileges.extend(Privilege(v, table_name, level) for v in verbs)
    seen: dict[tuple[str, str], str] = {}
    for p in privileges:
        if seen.setdefault((p.verb, p.table), p.level) != p.level:
            raise DefinitionError(f"{path.name}: role {key}: {p.verb} {p.table} is granted at two levels")
    misc = tuple(str(m) for m in doc.get("misc", []))
    for name in misc:
        if not re.fullmatch(r"prv[A-Z][A-Za-z]+", name):
            raise DefinitionError(f"{path.name}: role {key}: {name!r} is not a privilege name (prvSomething)")
    return Role(key, _str(path, doc, "name"), str(doc.get("description", "")), tuple(privileges), misc)


def _profile(path: Path, key: str, doc: dict[str, Any]) -> FieldSecurityProfile:
    perms = tuple(
        FieldPermission(
            _str(path, p, "table"), _str(path, p, "column"),
            bool(p.get("read", False)), bool(p.get("update", False)), bool(p.get("create", False)),
        )
        for p in doc.get("permissions", [])
    )
    return FieldSecurityProfile(key, _str(path, doc, "name"), str(doc.get("description", "")), perms)


__all__ = [
    "App",
    "DefinitionError",
    "Definitions",
    "FieldSecurityProfile",
    "Form",
    "Role",
    "View",
    "load_definitions",
    "load_roles",
]
