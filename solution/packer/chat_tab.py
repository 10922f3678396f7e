"""The chat tab: "Message UI", the Message Sessions subgrid drawn by the ``TextSMSChatSystem`` control, as the user
manual puts it on a record's main form ("Access Messaging UI on CRM Records").

One function, :func:`chat_tab_parts`, writes its XML for both users of it:

* the packer (:func:`chat_form_diff`): the tab added to a standard table's own main form, shipped as a
  *differential* FormXml (``solutionaction="Added"`` on the tab and its ``controlDescription``, nothing else of
  the form), the way Dataverse exports a change to a form another (managed) solution owns;
* ``smsbridge add-chat`` (:func:`add_chat_tab`): the same tab put into a form's ``formxml`` read through the Web
  API, which is then patched and published.

Ids derive from the form's id, so the tab the solution ships and the one ``add-chat`` writes on the same form are
the same tab: either finds the other (:func:`has_chat`) and changes nothing.
"""

from __future__ import annotations

import functools

from solution.schema import Schema, load_schema

from ._assets import CHAT_CONTROL_MANIFEST, CustomControl, read_manifest
from ._entities import INTRODUCED
from ._forms import FormAssets, control_description, tab_element
from ._xml import Element, etree, labels, parse, sub
from .definitions import SESSION_TABLE, SESSION_VIEW, ChatTab, Definitions, Section, Subgrid, Tab, load_definitions

__all__ = [
    "CHAT_CONTROL",
    "CHAT_LABEL",
    "CHAT_TAB",
    "ChatFormError",
    "add_chat_tab",
    "chat_form_diff",
    "chat_form_diffs",
    "chat_tab",
    "chat_tab_parts",
    "has_chat",
    "repository_chat_tabs",
]

CHAT_TAB = "smsb_message_ui"  # prefixed: it goes on forms other solutions own, next to their tabs
CHAT_SECTION = "textsmschatsystem"
CHAT_LABEL = "Message UI"  # the manual's name for the chat on a record
CHAT_SUBGRID = "TextSMSChatSystem"
CHAT_CONTROL = "smsb_SmsBridge.TextSMSChatSystem"
ADDED = "Added"  # FormXml's solutionaction of what a differential form adds


class ChatFormError(ValueError):
    """A form's ``formxml`` cannot take the chat tab (not a form, no tabs)."""


def chat_tab(table: str, relationship: str) -> Tab:
    """The tab as a form definition: one section, the Message Sessions subgrid the control draws."""
    grid = Subgrid(
        name=CHAT_SUBGRID, table=SESSION_TABLE, relationship=relationship, view=SESSION_VIEW,
        control=CHAT_CONTROL, control_parameters=(("parentTable", table),),
    )
    return Tab(CHAT_TAB, CHAT_LABEL, 1, (Section(CHAT_SECTION, CHAT_LABEL, 1, (), grid),))


def chat_tab_parts(
    schema: Schema, d: Definitions, chat: ChatTab, control: CustomControl | None, *, added: bool = False
) -> tuple[Element, Element | None]:
    """``(<tab>, <controlDescription>)`` of the chat on form ``chat.form_id``; no description without the control.

    ``added`` marks both ``solutionaction="Added"``, as a differential FormXml marks what it adds."""
    tab = chat_tab(chat.table, chat.relationship)
    grid = tab.sections[0].subgrid
    assert grid is not None  # noqa: S101 - chat_tab always makes one
    scratch = etree.Element("tabs")
    assets = FormAssets(controls=(control,) if control is not None else ())
    # The tab shows no column of its form's table, which may be one the repository's schema does not define.
    node = tab_element(scratch, schema, d, None, fid=chat.form_id, tab=tab, assets=assets)
    description = None
    if control is not None:
        holder = etree.Element("controlDescriptions")
        description = control_description(holder, d, chat.form_id, grid, control,
                                          where=f"the chat tab of {chat.table}")
    if added:
        node.set("solutionaction", ADDED)
        if description is not None:
            description.set("solutionaction", ADDED)
    return node, description


def chat_form_diff(
    parent: Element, schema: Schema, d: Definitions, chat: ChatTab, control: CustomControl | None
) -> None:
    """``<systemform>`` of a form another solution owns, carrying only the chat tab it adds (a differential
    FormXml: the form's id, the added tab and control description, the form's name)."""
    tab, description = chat_tab_parts(schema, d, chat, control, added=True)
    node = sub(parent, "systemform")
    sub(node, "formid", chat.form_id)
    sub(node, "IntroducedVersion", INTRODUCED)
    sub(node, "FormPresentation", "1")
    sub(node, "FormActivationState", "1")
    form = sub(node, "form")
    sub(form, "tabs").append(tab)
    if description is not None:
        sub(form, "controlDescriptions").append(description)
    labels(node, "LocalizedNames", "LocalizedName", chat.form)


def chat_form_diffs(
    entity: Element, schema: Schema, d: Definitions, table: str, control: CustomControl | None
) -> None:
    """The chat tabs of ``table``'s own main forms, after its other main forms in the ``<Entity>``'s FormXml."""
    chats = d.chat_tabs_of(table)
    if not chats:
        return
    box = entity.find("FormXml/forms[@type='main']")
    if box is None:
        holder = entity.find("FormXml")
        box = sub(holder if holder is not None else sub(entity, "FormXml"), "forms", type="main")
    for chat in chats:
        chat_form_diff(box, schema, d, chat, control)


def has_chat(form: Element) -> bool:
    """The form shows the chat already: the chat tab, or a control description drawing a subgrid with the control."""
    if any(t.get("name") == CHAT_TAB for t in form.iterfind("tabs/tab")):
        return True
    drawn = form.iterfind("controlDescriptions/controlDescription/customControl")
    return any(c.get("name") == CHAT_CONTROL for c in drawn)


@functools.cache
def _repository() -> tuple[Schema, Definitions, CustomControl]:
    schema = load_schema()
    return schema, load_definitions(schema), read_manifest(CHAT_CONTROL_MANIFEST)


def repository_chat_tabs() -> tuple[ChatTab, ...]:
    """The chat tabs the solution ships on standard tables' forms (``[[chat_tabs]]`` of ``solution/forms``)."""
    return _repository()[1].chat_tabs


def add_chat_tab(formxml: str, chat: ChatTab, *, schema: Schema | None = None, definitions: Definitions | None = None,
                 control: CustomControl | None = None) -> str | None:
    """``formxml`` with the chat tab appended (and its control description), or None when the form has the chat.

    By default the definitions are the repository's and the control's binding is read from its source manifest
    (the control itself is in the environment with the solution)."""
    if schema is None or definitions is None or control is None:
        repo_schema, repo_definitions, repo_control = _repository()
        schema, definitions, control = schema or repo_schema, definitions or repo_definitions, control or repo_control
    try:
        form = parse(formxml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ChatFormError(f"the form's XML is malformed: {exc}") from exc
    if form.tag != "form":
        raise ChatFormError(f"the form's XML starts with <{form.tag}>, not <form>")
    if has_chat(form):
        return None
    tabs = form.find("tabs")
    if tabs is None:
        raise ChatFormError("the form has no <tabs> to add the chat tab to")
    tab, description = chat_tab_parts(schema, definitions, chat, control)
    tabs.append(tab)
    if description is not None:
        descriptions = form.find("controlDescriptions")
        if descriptions is None:
            descriptions = sub(form, "controlDescriptions")
        descriptions.append(description)
    text: str = etree.tostring(form, encoding="unicode")
    return text
