"""Record pages drawn from a form the emulated org holds: a main form's ``formxml`` from ``systemforms``.

:func:`form_model_from_xml` reads the tabs, sections, fields, header and subgrids of a FormXml ``<form>`` into the
same plain data :func:`forms.form_model` makes from the solution's definitions, so ``pages.py`` and the form host
draw both alike. A subgrid drawn by the chat control (its ``controlDescription`` names ``…TextSMSChatSystem``) is the
chat, with the control's static values (``parentTable``); views are the solution's (``ViewId`` is the id the
packer gives them). This is how a table created at run time shows the chat ``smsbridge add-chat`` put on its form.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from solution.packer._forms import view_id
from solution.packer.definitions import Subgrid
from solution.schema import Schema

from .forms import CHAT_CONTROL, FormSource, field_model, form_columns, subgrid_model

__all__ = ["form_model_from_xml"]


def form_model_from_xml(source: FormSource, schema: Schema, table_name: str, name: str, formxml: str) -> dict[str, Any]:
    """The form host's model of one ``<form>``; fields the table lacks and subgrids of unknown views are left out."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    form = etree.fromstring(formxml.encode("utf-8"), parser)
    table = schema.table(table_name)
    here = FormSource(schema, source.definitions, source.frontend)
    drawn = _custom_controls(form)
    tabs = []
    for tab in form.iterfind("tabs/tab"):
        columns = tab.findall("columns/column")
        sections = []
        for index, column in enumerate(columns, start=1):
            for section in column.iterfind("sections/section"):
                cells = list(section.iterfind("rows/row/cell"))
                fields = [c.get("datafieldname") for c in _controls(cells) if c.get("datafieldname")]
                grids = [g for g in (_subgrid(here, c, drawn) for c in _controls(cells)) if g is not None]
                sections.append({
                    "name": section.get("name", ""),
                    "label": _label(section) or section.get("name", ""),
                    "column": index,
                    "fields": [field_model(table, f) for f in fields if table.has_column(f)],
                    "webresources": [],
                    "subgrid": grids[0] if grids else None,
                })
        tabs.append({"name": tab.get("name", ""), "label": _label(tab) or tab.get("name", ""),
                     "columns": max(1, min(2, len(columns))), "sections": sections})
    header = [c.get("datafieldname") for c in form.iterfind("header/rows/row/cell/control") if c.get("datafieldname")]
    model: dict[str, Any] = {
        "name": name,
        "table": table_name,
        "entitySet": table.entity_set,
        "primaryId": table.primary_id,
        "primaryName": table.primary_name,
        "header": [field_model(table, f) for f in header if table.has_column(f)],
        "tabs": tabs,
        "libraries": [],
        "onload": None,
        "commands": [],
    }
    model["select"] = list(dict.fromkeys([*([table.primary_name] if table.primary_name else []),
                                          *form_columns(model)]))
    return model


def _label(node: Any) -> str:
    label = node.find("labels/label")
    return str(label.get("description", "")) if label is not None else ""


def _controls(cells: list[Any]) -> list[Any]:
    return [c for cell in cells for c in cell.iterfind("control")]


def _custom_controls(form: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """``uniqueid`` of a drawn control → (the custom control's name, its static property values)."""
    drawn: dict[str, tuple[str, dict[str, str]]] = {}
    for description in form.iterfind("controlDescriptions/controlDescription"):
        for custom in description.iterfind("customControl"):
            if custom.get("name"):
                params = custom.findall("parameters/*")
                values = {p.tag: p.text or "" for p in params if p.get("static") == "true"}
                drawn[description.get("forControl", "").lower()] = (custom.get("name"), values)
                break
    return drawn


def _subgrid(source: FormSource, control: Any, drawn: dict[str, tuple[str, dict[str, str]]]) -> dict[str, Any] | None:
    params = control.find("parameters")
    if control.get("indicationOfSubgrid") != "true" or params is None:
        return None
    target = params.findtext("TargetEntityType") or ""
    wanted = (params.findtext("ViewId") or "").lower()
    view = next((v for v in source.definitions.views_of(target) if view_id(v).lower() == wanted), None)
    if view is None or not source.schema.has_table(target):
        return None
    custom, values = drawn.get((control.get("uniqueid") or "").lower(), (None, {}))
    chat = custom is not None and custom.endswith(f".{CHAT_CONTROL}")
    grid = Subgrid(name=control.get("id", ""), table=target, relationship=params.findtext("RelationshipName"),
                   view=view.name, records_per_page=int(params.findtext("RecordsPerPage") or 10),
                   control=custom if chat else None, control_parameters=tuple(values.items()) if chat else ())
    return subgrid_model(source, grid)
