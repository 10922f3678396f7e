"""The record pages' forms, from what the solution ships: the form definitions (``solution/forms/<table>.toml``,
through the packer's own definitions reader) and the front end's wiring (``frontend/webresources/packaging.json``:
the form's script libraries, OnLoad handler, web resource controls and command bar buttons).

:func:`form_model` turns one table's main form into plain data (tabs, sections, fields with their types and
choices, header fields, subgrids with their views, the chat control) that ``pages.py`` draws and
``static/form-host.js`` runs: the form scripts and commands get a ``formContext`` over those fields, as in Dynamics.
So the devstack shows an admin and an agent what an environment gets from the solution, and the browser tests
exercise the shipped forms.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from solution.packer._frontend import FrontEnd, RibbonButton, load_frontend
from solution.packer.definitions import Definitions, Subgrid, View, load_definitions
from solution.schema import Column, ColumnType, RequiredLevel, Schema, Table, load_schema

__all__ = ["CHAT_CONTROL", "FormSource", "field_model", "form_columns", "form_model", "form_source", "subgrid_model"]

# The subgrid control the devstack hosts with the built PCF bundle (frontend/chat-control).
CHAT_CONTROL = "TextSMSChatSystem"
_REFERENCES = (ColumnType.LOOKUP, ColumnType.CUSTOMER, ColumnType.OWNER)
# Types a form shows but the stand-in does not edit (Dynamics offers pickers and calendars for them).
_SHOWN_ONLY = (*_REFERENCES, ColumnType.DATETIME, ColumnType.UNIQUEIDENTIFIER, ColumnType.MULTISELECT,
               ColumnType.STATE, ColumnType.STATUS, ColumnType.MONEY, ColumnType.DECIMAL, ColumnType.DOUBLE)
_BOOLEAN = ({"value": False, "label": "No"}, {"value": True, "label": "Yes"})


@dataclass(frozen=True)
class FormSource:
    """What the forms are read from: the table definitions, the form/view definitions and the front end's wiring."""

    schema: Schema
    definitions: Definitions
    frontend: FrontEnd


@functools.cache
def form_source() -> FormSource:
    """The repository's definitions, read once per process."""
    schema = load_schema()
    return FormSource(schema, load_definitions(schema), load_frontend())


def form_model(source: FormSource, table_name: str) -> dict[str, Any] | None:
    """The first main form of ``table_name`` as the form host needs it; None when the solution has no form for it."""
    forms = source.definitions.forms_of(table_name)
    if not forms or not source.schema.has_table(table_name):
        return None
    form, table = forms[0], source.schema.table(table_name)
    wiring = source.frontend.form(table_name, form.name)
    controls = {c.id: c for c in wiring.controls} if wiring else {}
    sections_controls: dict[str, list[dict[str, Any]]] = {}
    for control in controls.values():
        section = control.section or next(s.name for t in form.tabs for s in t.sections)
        sections_controls.setdefault(section, []).append({
            "id": control.id, "webresource": control.webresource, "label": control.label, "rows": control.rows,
            "scrolling": control.scrolling, "showLabel": control.show_label,
        })
    commands = [_command(b) for b in source.frontend.buttons_of(table_name) if b.location.startswith("Mscrm.Form.")]
    libraries = list(wiring.libraries) if wiring else []
    for button in source.frontend.buttons_of(table_name):
        libraries.extend(lib for lib in button.libraries() if lib not in libraries)
    model: dict[str, Any] = {
        "name": form.name,
        "table": table_name,
        "entitySet": table.entity_set,
        "primaryId": table.primary_id,
        "primaryName": table.primary_name,
        "header": [field_model(table, name) for name in form.header],
        "tabs": [
            {
                "name": tab.name,
                "label": tab.label,
                "columns": tab.columns,
                "sections": [
                    {
                        "name": section.name,
                        "label": section.label,
                        "column": section.column,
                        "fields": [field_model(table, name) for name in section.fields],
                        "webresources": sections_controls.get(section.name, []),
                        "subgrid": None if section.subgrid is None else subgrid_model(source, section.subgrid),
                    }
                    for section in tab.sections
                ],
            }
            for tab in form.tabs
        ],
        "libraries": libraries,
        "onload": None if wiring is None or wiring.onload is None else {
            "function": wiring.onload.function, "passContext": wiring.onload.pass_execution_context},
        "commands": commands,
    }
    model["select"] = list(dict.fromkeys([*([table.primary_name] if table.primary_name else []),
                                          *form_columns(model)]))
    return model


def form_columns(model: dict[str, Any]) -> list[str]:
    """The properties to ``$select`` for every field the form shows (lookups as ``_x_value``)."""
    fields = [*model["header"], *(f for tab in model["tabs"] for s in tab["sections"] for f in s["fields"])]
    return list(dict.fromkeys(f["property"] for f in fields))


def field_model(table: Table, name: str) -> dict[str, Any]:
    column = table.column(name)
    field: dict[str, Any] = {
        "name": name,
        "label": column.display_name or name,
        "type": column.type.value,
        "property": f"_{name}_value" if column.type in _REFERENCES else name,
        "required": column.required in (RequiredLevel.REQUIRED, RequiredLevel.SYSTEM),
        "editable": not (column.read_only or column.secured or column.type in _SHOWN_ONLY),
        "secured": column.secured,
    }
    if column.max_length:
        field["maxLength"] = column.max_length
    if column.type is ColumnType.BOOLEAN:
        field["options"] = _boolean_options(column)
    elif column.type.has_choices:
        field["options"] = [{"value": c.value, "label": c.label} for c in column.choices]
    return field


def _boolean_options(column: Column) -> list[dict[str, Any]]:
    labels = {c.value: c.label for c in column.choices}
    return [{"value": o["value"], "label": labels.get(int(bool(o["value"])), o["label"])} for o in _BOOLEAN]


def subgrid_model(source: FormSource, grid: Subgrid) -> dict[str, Any]:
    schema = source.schema
    table = schema.table(grid.table)
    relationship = next((r for r in schema.relationships if r.name == grid.relationship), None)
    view = source.definitions.view(grid.table, grid.view)
    columns = [c for c in view.columns if "." not in c and table.has_column(c)]
    return {
        "name": grid.name,
        "table": grid.table,
        "tableLabel": table.display_plural or table.display_name,
        "entitySet": table.entity_set,
        "primaryId": table.primary_id,
        "relatedBy": f"_{relationship.referencing_attribute}_value" if relationship else None,
        "view": grid.view,
        "columns": [field_model(table, c) for c in columns],
        "filter": _view_filter(table, view),
        "orderBy": ",".join(f"{_property(table, c)}{' desc' if desc else ''}" for c, desc in view.order
                            if table.has_column(c)),
        "control": CHAT_CONTROL if grid.control and grid.control.endswith(f".{CHAT_CONTROL}") else None,
        "parameters": dict(grid.control_parameters),
        "pageSize": grid.records_per_page,
    }


def _property(table: Table, name: str) -> str:
    return f"_{name}_value" if table.column(name).type in _REFERENCES else name


def _view_filter(table: Table, view: View) -> str:
    """The view's conditions OData can say simply (``eq``/``ne``/``null``/``not-null``); the rest are left out."""
    parts = []
    for name, operator, value in view.filters:
        if not table.has_column(name):
            continue
        prop = _property(table, name)
        if operator in ("null", "not-null"):
            parts.append(f"{prop} {'eq' if operator == 'null' else 'ne'} null")
        elif operator in ("eq", "ne") and value is not None:
            literal = value if value.lstrip("-").isdigit() else "'" + value.replace("'", "''") + "'"
            parts.append(f"{prop} {operator} {literal}")
    return " and ".join(parts)


def _command(button: RibbonButton) -> dict[str, Any]:
    rule = button.enable_rule
    return {
        "id": button.id,
        "label": button.label,
        "function": button.action.function,
        "parameters": list(button.action.crm_parameters),
        "enable": None if rule is None else {
            "function": rule.rule.function, "parameters": list(rule.rule.crm_parameters), "default": rule.default},
    }
