"""What the built front end needs wired into forms and ribbons, read from ``frontend/webresources/packaging.json``.

The front end states it as data (its owners keep that file next to the code it describes):

* ``webresources``: display name, description and type of each web resource it builds;
* ``forms``: per form, the script libraries, the OnLoad handler and the web resource controls (``id``,
  ``webresource``, ``label``, ``section`` (default: the form's only section), ``rows``, ``scrolling``,
  ``border``, ``show_label``, ``pass_parameters``);
* ``ribbons``: buttons of the application ribbon and of table forms, each a custom action, a button, a
  command (JavaScript function with CRM parameters) and optionally an enable rule (a custom rule).

Only what the built files allow is wired: :meth:`FrontEnd.packable` keeps a form's libraries and handler
when its libraries are packed, a web resource control when its page is packed and a button when every
library its command and rule name is packed. A fresh clone without front-end builds packs no wiring.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from solution.schema import Schema

from ._assets import FRONTEND_DIR
from .definitions import DefinitionError, Definitions, Form, Section

PACKAGING_FILE = FRONTEND_DIR / "webresources" / "packaging.json"
LIBRARY_PREFIX = "$webresource:"
APPLICATION = ""  # RibbonButton.table of the application ribbon's buttons
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z_$0-9.]*")  # RibbonTypes.xsd JavaScriptIdentifier
_CRM_PARAMETERS = {"PrimaryControl", "PrimaryEntityTypeName", "FirstPrimaryItemId", "PrimaryItemIds", "SelectedControl"}


@dataclass(frozen=True)
class WebResourceInfo:
    name: str
    type: int
    display_name: str
    description: str


@dataclass(frozen=True)
class Handler:
    function: str  # SmsBridge.Forms.Configuration.onLoad
    pass_execution_context: bool


@dataclass(frozen=True)
class WebResourceControl:
    id: str  # WebResource_smsb_allowcreateto (the name form scripts look it up by)
    webresource: str
    label: str
    section: str | None
    rows: int = 1
    scrolling: str = "auto"
    border: bool = False
    show_label: bool = False
    pass_parameters: bool = False


@dataclass(frozen=True)
class FormWiring:
    table: str
    form: str
    libraries: tuple[str, ...]
    onload: Handler | None
    controls: tuple[WebResourceControl, ...]


@dataclass(frozen=True)
class JsCall:
    function: str
    library: str  # $webresource:smsb_/scripts/smsbridge.js
    crm_parameters: tuple[str, ...] = ()

    @property
    def webresource(self) -> str:
        return self.library.removeprefix(LIBRARY_PREFIX)


@dataclass(frozen=True)
class EnableRule:
    id: str
    rule: JsCall
    default: bool


@dataclass(frozen=True)
class RibbonButton:
    table: str  # APPLICATION ("") for the application ribbon
    action_id: str  # the CustomAction
    location: str
    sequence: int
    id: str  # the Button
    label: str
    template_alias: str
    modern_image: str | None
    command: str
    action: JsCall
    enable_rules: tuple[str, ...]  # ids the command refers to
    enable_rule: EnableRule | None  # the rule this button defines

    def libraries(self) -> tuple[str, ...]:
        calls = [self.action] + ([self.enable_rule.rule] if self.enable_rule else [])
        return tuple(dict.fromkeys(c.webresource for c in calls))


@dataclass(frozen=True)
class FrontEnd:
    webresources: tuple[WebResourceInfo, ...] = ()
    forms: tuple[FormWiring, ...] = ()
    buttons: tuple[RibbonButton, ...] = ()

    def webresource(self, name: str) -> WebResourceInfo | None:
        return next((w for w in self.webresources if w.name == name), None)

    def form(self, table: str, name: str) -> FormWiring | None:
        return next((f for f in self.forms if f.table == table and f.form == name), None)

    def application_buttons(self) -> tuple[RibbonButton, ...]:
        return tuple(b for b in self.buttons if b.table == APPLICATION)

    def buttons_of(self, table: str) -> tuple[RibbonButton, ...]:
        return tuple(b for b in self.buttons if b.table == table)

    def packable(self, packed: set[str]) -> FrontEnd:
        """What can be wired when the web resources ``packed`` are in the package."""
        forms = []
        for f in self.forms:
            scripts = set(f.libraries) <= packed
            controls = tuple(c for c in f.controls if c.webresource in packed)
            if scripts or controls:
                forms.append(replace(f, libraries=f.libraries if scripts else (), onload=f.onload if scripts else None,
                                     controls=controls))
        buttons = tuple(b for b in self.buttons if set(b.libraries()) <= packed)
        return FrontEnd(self.webresources, tuple(forms), buttons)


def load_frontend(path: Path = PACKAGING_FILE) -> FrontEnd:
    """The wiring ``path`` describes; nothing when the file does not exist."""
    if not path.is_file():
        return FrontEnd()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return _frontend(doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise DefinitionError(f"{path}: {exc!r}") from exc


def _frontend(doc: dict[str, Any]) -> FrontEnd:
    resources = tuple(
        WebResourceInfo(str(w["name"]), int(w["type"]), str(w.get("display_name", w["name"])),
                        str(w.get("description", "")))
        for w in doc.get("webresources", [])
    )
    forms = tuple(
        FormWiring(
            table=str(f["table"]),
            form=str(f["form"]),
            libraries=tuple(str(x) for x in f.get("libraries", [])),
            onload=None if "onload" not in f else Handler(
                str(f["onload"]["function"]), bool(f["onload"].get("pass_execution_context", False))
            ),
            controls=tuple(
                WebResourceControl(
                    id=str(c["id"]), webresource=str(c["webresource"]), label=str(c["label"]),
                    section=c.get("section"), rows=int(c.get("rows", 1)), scrolling=str(c.get("scrolling", "auto")),
                    border=bool(c.get("border", False)), show_label=bool(c.get("show_label", False)),
                    pass_parameters=bool(c.get("pass_parameters", False)),
                )
                for c in f.get("webresource_controls", [])
            ),
        )
        for f in doc.get("forms", [])
    )
    ribbons = doc.get("ribbons", {})
    buttons = tuple(_button(APPLICATION, b) for b in ribbons.get("application", [])) + tuple(
        _button(str(b["table"]), b) for b in ribbons.get("entity", [])
    )
    return FrontEnd(resources, forms, buttons)


def _call(doc: dict[str, Any]) -> JsCall:
    return JsCall(str(doc["function"]), str(doc["library"]), tuple(str(p) for p in doc.get("crm_parameters", [])))


def _button(table: str, doc: dict[str, Any]) -> RibbonButton:
    action, button, command = doc["custom_action"], doc["button"], doc["command"]
    rule = doc.get("enable_rule")
    if command["id"] != button["command"]:
        raise ValueError(f"button {button['id']!r} runs {button['command']!r}, the command is {command['id']!r}")
    return RibbonButton(
        table=table,
        action_id=str(action["id"]),
        location=str(action["location"]),
        sequence=int(action["sequence"]),
        id=str(button["id"]),
        label=str(button["label"]),
        template_alias=str(button.get("template_alias", "o1")),
        modern_image=button.get("modern_image"),
        command=str(button["command"]),
        action=_call(command["action"]),
        enable_rules=tuple(str(r) for r in command.get("enable_rules", [])),
        enable_rule=None if rule is None else EnableRule(
            str(rule["id"]), _call(rule["custom_rule"]), str(rule["custom_rule"].get("default", "true")) == "true"
        ),
    )


# --- checks -------------------------------------------------------------------------------------------


def form_section(form: Form, control: WebResourceControl) -> Section:
    """The section a web resource control goes into: the named one, else the form's only section."""
    sections = [s for tab in form.tabs for s in tab.sections]
    if control.section is None:
        if len(sections) != 1:
            raise DefinitionError(f"form {form.name!r}: {control.id} needs a section (the form has {len(sections)})")
        return sections[0]
    for s in sections:
        if s.name == control.section:
            return s
    raise DefinitionError(f"form {form.name!r}: no section {control.section!r} for {control.id}")


def check_frontend(schema: Schema, d: Definitions, fe: FrontEnd, custom_tables: set[str]) -> None:
    """Every form, section, table, library and rule the wiring names must exist and be well formed."""
    names = {w.name for w in fe.webresources}
    _check_forms(schema, d, fe, names)
    _check_buttons(fe, names, custom_tables)


def _check_forms(schema: Schema, d: Definitions, fe: FrontEnd, names: set[str]) -> None:
    for f in fe.forms:
        form = next((x for x in d.forms_of(f.table) if x.name == f.form), None)
        if form is None:
            raise DefinitionError(f"packaging.json: no form {f.form!r} of {f.table}")
        for lib in f.libraries:
            if lib not in names:
                raise DefinitionError(f"packaging.json: form {f.form!r}: library {lib!r} is not a listed web resource")
        if f.onload is not None and (not f.libraries or not _IDENTIFIER.fullmatch(f.onload.function)):
            raise DefinitionError(f"packaging.json: form {f.form!r}: OnLoad {f.onload.function!r} needs a library")
        table = schema.table(f.table)
        for c in f.controls:
            form_section(form, c)
            if c.webresource not in names:
                raise DefinitionError(f"packaging.json: {c.id}: {c.webresource!r} is not a listed web resource")
            if table.has_column(c.id) or c.rows < 1 or c.scrolling not in ("auto", "yes", "no"):
                raise DefinitionError(f"packaging.json: {c.id}: a column's name, rows < 1 or unknown scrolling")
        ids = [c.id for c in f.controls]
        if len(ids) != len(set(ids)):
            raise DefinitionError(f"packaging.json: form {f.form!r}: a web resource control id is used twice")


def _check_buttons(fe: FrontEnd, names: set[str], custom_tables: set[str]) -> None:
    defined = {b.enable_rule.id for b in fe.buttons if b.enable_rule is not None}
    for b in fe.buttons:
        if b.table != APPLICATION and b.table not in custom_tables:
            raise DefinitionError(f"packaging.json: {b.id}: {b.table!r} is not a table of the package")
        for call in [b.action] + ([b.enable_rule.rule] if b.enable_rule else []):
            if not call.library.startswith(LIBRARY_PREFIX) or call.webresource not in names:
                raise DefinitionError(f"packaging.json: {b.id}: library {call.library!r} is not a listed web resource")
            if not _IDENTIFIER.fullmatch(call.function) or not set(call.crm_parameters) <= _CRM_PARAMETERS:
                raise DefinitionError(f"packaging.json: {b.id}: {call.function!r} {call.crm_parameters} is not a call")
        for rule in b.enable_rules:
            if rule not in defined:
                raise DefinitionError(f"packaging.json: {b.id}: enable rule {rule!r} is defined nowhere")
    ids = [x for b in fe.buttons for x in (b.action_id, b.id, b.command)]
    if len(ids) != len(set(ids)):
        raise DefinitionError("packaging.json: a custom action, button or command id is used twice")


__all__ = ["FrontEnd", "RibbonButton", "check_frontend", "form_section", "load_frontend"]
