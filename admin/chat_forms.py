"""``smsbridge add-chat``: the chat tab on a table's main form, through the Web API.

The same "Message UI" tab the solution ships on Contact's and Account's own forms (``solution.packer.chat_tab``
writes both): read the table's definition and the Message Sessions relationship to it, read its main forms from
``systemforms``, add the tab to one form's ``formxml``, patch it, and publish the table (``PublishXml``). A form
that has the chat already is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from admin.webapi import call_action, get_json
from dataverse import DataverseClient, F, NotFound
from solution.packer.chat_tab import CHAT_LABEL, add_chat_tab
from solution.packer.definitions import SESSION_TABLE, ChatTab

__all__ = ["ChatFormProblem", "ChatReport", "MainForm", "add_chat", "choose_form", "session_relationship"]

Progress = Callable[[str, float | None], None]
_MAIN_FORM = 2  # systemform.type
# Which Message Sessions lookup a record's chat lists, by preference: Customer (contact, account), then Regarding.
_SESSION_LOOKUPS = ("smsb_customer", "regardingobjectid")
_PUBLISH_SECONDS = 600.0
_HOW_TO_ENABLE_ACTIVITIES = (
    "in Power Apps open Tables > {label} > Properties > Advanced options and tick 'Creating a new activity' (it "
    "cannot be turned off again), or PUT the table's definition with HasActivities true; then run add-chat again"
)


class ChatFormProblem(LookupError):
    """The chat cannot go on that table's form; the message says why and what to do."""


@dataclass(frozen=True)
class MainForm:
    id: uuid.UUID
    name: str
    formxml: str


@dataclass
class ChatReport:
    table: str
    form: str = ""
    relationship: str = ""
    added: bool = False
    published: bool = False
    other_forms: list[str] = field(default_factory=list)


def session_relationship(rows: list[Mapping[str, Any]]) -> str | None:
    """The relationship the chat's subgrid follows, from the Message Sessions' lookups to the table."""
    by_lookup = {str(r.get("ReferencingAttribute") or ""): str(r.get("SchemaName") or "") for r in rows}
    return next((by_lookup[a] for a in _SESSION_LOOKUPS if by_lookup.get(a)), None)


def choose_form(forms: list[MainForm], wanted: str | None, table_label: str) -> MainForm | None:
    """``wanted`` by id or name (any case); else the form named as the table, else the first."""
    if wanted:
        key = wanted.strip().strip("{}").lower()
        return next((f for f in forms if str(f.id) == key or f.name.lower() == key), None)
    named = [f for f in forms if f.name.lower() == table_label.lower()]
    return next(iter(named or forms), None)


def _quiet(label: str, fraction: float | None) -> None:
    """No progress shown."""


def add_chat(client: DataverseClient, table: str, *, form: str | None = None,
             progress: Progress = _quiet) -> ChatReport:
    """Put the chat tab on ``table``'s main form ``form`` (default: the one named as the table, else the first)."""
    table = table.strip().lower()
    report = ChatReport(table)
    progress(f"reading the table {table}", None)
    definition = _table(client, table)
    label = _label(definition.get("DisplayName")) or table
    if definition.get("IsActivity") is True:
        raise ChatFormProblem(f"{table} is an activity table: a Message Session cannot be Regarding an activity")
    progress(f"finding the Message Sessions relationship to {table}", None)
    relationships = get_json(client, f"EntityDefinitions(LogicalName='{SESSION_TABLE}')/ManyToOneRelationships",
                             {"$select": "SchemaName,ReferencingAttribute,ReferencedEntity",
                              "$filter": f"ReferencedEntity eq '{table}'"})
    relationship = session_relationship([r for r in relationships.get("value", []) if isinstance(r, dict)])
    if relationship is None:
        if definition.get("HasActivities") is not True:
            raise ChatFormProblem(f"{table} does not take activities, so a Message Session cannot be Regarding its "
                                  "records: " + _HOW_TO_ENABLE_ACTIVITIES.format(label=label))
        raise ChatFormProblem(f"no Message Sessions relationship to {table}: is the SmsBridge solution imported? "
                              "(smsbridge import, then run add-chat again)")
    report.relationship = relationship
    progress(f"reading the main forms of {table}", None)
    forms = [MainForm(row.guid("formid") or uuid.UUID(int=0), str(row.get("name") or ""), str(row.get("formxml") or ""))
             for row in client.query("systemforms", select=["formid", "name", "formxml"], orderby=["name"],
                                     filter=F.eq("objecttypecode", table) & F.eq("type", _MAIN_FORM)
                                     & F.eq("formactivationstate", 1))]
    if not forms:
        raise ChatFormProblem(f"{table} has no active main form to put the chat on: create one in Power Apps "
                              "(Tables > {label} > Forms > New form > Main form), then run add-chat again"
                              .replace("{label}", label))
    chosen = choose_form(forms, form, label)
    if chosen is None:
        names = ", ".join(f"'{f.name}' ({f.id})" for f in forms)
        raise ChatFormProblem(f"{table} has no main form '{form}'; its main forms: {names}")
    report.form = chosen.name
    report.other_forms = [f.name for f in forms if f is not chosen]
    progress(f"adding the {CHAT_LABEL} tab to the form '{chosen.name}'", None)
    changed = add_chat_tab(chosen.formxml, ChatTab(table, chosen.name, "{" + str(chosen.id) + "}", relationship))
    if changed is None:
        return report
    client.update("systemforms", chosen.id, {"formxml": changed})
    report.added = True
    progress(f"publishing {table}", None)
    parameter = f"<importexportxml><entities><entity>{table}</entity></entities></importexportxml>"
    call_action(client, "PublishXml", {"ParameterXml": parameter}, read_timeout=_PUBLISH_SECONDS)
    report.published = True
    return report


def _label(value: object) -> str:
    """The user's label of a metadata ``Label`` (``{"UserLocalizedLabel": {"Label": "Project"}}``)."""
    if isinstance(value, dict):
        user = value.get("UserLocalizedLabel")
        if isinstance(user, dict) and isinstance(user.get("Label"), str):
            return str(user["Label"])
    return ""


def _table(client: DataverseClient, table: str) -> dict[str, Any]:
    try:
        return get_json(client, f"EntityDefinitions(LogicalName='{table}')",
                        {"$select": "LogicalName,DisplayName,EntitySetName,IsActivity,HasActivities"})
    except NotFound:
        raise ChatFormProblem(f"no table '{table}' in this environment: give its logical name (e.g. new_project, "
                              "as Power Apps shows it under Tables > Properties)") from None
