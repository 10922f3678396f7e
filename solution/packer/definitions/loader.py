"""Every definition file read and checked together: :class:`Definitions`, :func:`load_definitions`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solution.schema import Schema

from .app import App, check_app, read_app
from .chat_tabs import SESSION_TABLE, SESSION_VIEW, ChatTab, check_chat_tabs, read_chat_tab
from .files import APP_DIR, FORMS_DIR, DefinitionError, read_toml
from .files import required_str as _str
from .forms import Form, View, check_forms, check_views, find_view, read_form, read_view
from .security import FieldSecurityProfile, Role, check_security, load_roles, read_profiles


@dataclass(frozen=True)
class Definitions:
    forms: tuple[Form, ...]
    views: tuple[View, ...]
    app: App
    roles: tuple[Role, ...]
    field_security_profiles: tuple[FieldSecurityProfile, ...]
    chat_tabs: tuple[ChatTab, ...] = ()  # the chat added to standard tables' own main forms

    def views_of(self, table: str) -> tuple[View, ...]:
        return tuple(v for v in self.views if v.table == table)

    def forms_of(self, table: str) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if f.table == table)

    def chat_tabs_of(self, table: str) -> tuple[ChatTab, ...]:
        return tuple(t for t in self.chat_tabs if t.table == table)

    def view(self, table: str, name: str) -> View:
        return find_view(self.views, table, name)


def load_definitions(schema: Schema, forms_dir: Path = FORMS_DIR, app_dir: Path = APP_DIR) -> Definitions:
    """Read and check every definition file."""
    forms: list[Form] = []
    views: list[View] = []
    chat_tabs: list[ChatTab] = []
    for path in sorted(forms_dir.glob("*.toml")):
        doc = read_toml(path)
        table = _str(path, doc, "table")
        if not schema.has_table(table):
            raise DefinitionError(f"{path.name}: no table {table!r}")
        forms.extend(read_form(path, table, f) for f in doc.get("forms", []))
        views.extend(read_view(path, table, v) for v in doc.get("views", []))
        chat_tabs.extend(read_chat_tab(path, table, t) for t in doc.get("chat_tabs", []))
    app = read_app(app_dir / "app.toml", read_toml(app_dir / "app.toml"))
    roles = load_roles(schema, app_dir)
    profiles = read_profiles(app_dir)
    definitions = Definitions(tuple(forms), tuple(views), app, roles, profiles, tuple(chat_tabs))
    check_definitions(schema, definitions)
    return definitions


def check_definitions(schema: Schema, d: Definitions) -> None:
    """Every column, table, relationship and view a definition names must exist."""
    names = [(v.table, v.name) for v in d.views]
    if len(names) != len(set(names)):
        raise DefinitionError("a view name is used twice for one table")
    check_forms(schema, d.forms, d.views)
    check_views(schema, d.views)
    check_app(schema, d.app)
    check_security(schema, d.roles, d.field_security_profiles)
    check_chat_tabs(schema, d.chat_tabs)
    if d.chat_tabs:
        find_view(d.views, SESSION_TABLE, SESSION_VIEW)

