"""The main form every table of the emulated org starts with, as ``systemforms`` serves it.

Dataverse gives every table a main form: Microsoft's standard tables come with theirs (the same id in every
environment), and a table created through the metadata API gets one named "Information". The emulator holds a
minimal one of the same shape for each: a first tab with one section showing the table's primary name, its phone
columns and its owner, which is enough for ``smsbridge add-chat`` to add a tab and for the devstack to draw it.

The ids and names of the standard tables' main forms are real (the emulator answers with them, the solution
patches them):

* Contact "Contact" ``{1fed44d1-ae68-4a41-bd2b-f13acac4acfa}`` and Account "Account"
  ``{8448b78f-8f42-454e-8e2a-f8196b0419af}``: the forms of solution ``msdynce_AppCommon`` named in the missing
  dependencies of microsoft/Nonprofits ``CommonDataModelforNonprofits/Solution/Other/Solution.xml`` (MIT,
  558d7f55e73ce016213bfc89211946cf67ce05dc), whose forms also name them as ``<ancestor>``;
* Lead "Lead" ``{e3b6ddb7-8df0-4410-ac7b-fd32e5053d38}`` and Case "Case" ``{4a63c8d1-6c1e-48ec-9db4-3e6c7155334c}``:
  as public scripts and form inventories of real organizations read them through ``systemforms`` (no licensed
  export of either was found, so only the ids are used here).

Other tables (Opportunity among them: its form id was not confirmed) get an id derived from the table's name.
"""

from __future__ import annotations

import uuid

from lxml import etree

from solution.schema import ColumnType, Ownership, Table

__all__ = ["MAIN_FORM", "STANDARD_MAIN_FORMS", "default_form_xml", "main_form_id", "main_form_name", "takes_forms"]

MAIN_FORM = 2  # systemform.type: Main
STANDARD_MAIN_FORMS = {
    "contact": ("{1fed44d1-ae68-4a41-bd2b-f13acac4acfa}", "Contact"),
    "account": ("{8448b78f-8f42-454e-8e2a-f8196b0419af}", "Account"),
    "lead": ("{e3b6ddb7-8df0-4410-ac7b-fd32e5053d38}", "Lead"),
    "incident": ("{4a63c8d1-6c1e-48ec-9db4-3e6c7155334c}", "Case"),
}
NEW_TABLE_FORM = "Information"  # what Dataverse names the main form of a table it creates
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:smsbridge:dataverse-emulator:systemform")
_LANGUAGE = "1033"
# Classic control classes of the cells (the ids real forms use): text, phone, lookup.
_TEXT = "{4273EDBD-AC1D-40d3-9FB2-095C621B552D}"
_PHONE = "{8C10015A-B339-4982-9474-A95FE05631A5}"
_LOOKUP = "{270BD3DB-D9AF-4782-9025-509E298DEC0A}"


_NO_FORMS = ("activitypointer", "activityparty")  # views over every activity, which have forms of their own


def takes_forms(table: Table) -> bool:
    """Tables with forms: owned tables with a primary name (not the intersect and system tables)."""
    return (table.primary_name is not None and table.ownership is not Ownership.NONE
            and table.logical_name not in _NO_FORMS)


def main_form_id(table: str) -> str:
    known = STANDARD_MAIN_FORMS.get(table)
    return known[0] if known else "{" + str(uuid.uuid5(_NAMESPACE, f"main:{table}")) + "}"


def main_form_name(table: Table) -> str:
    known = STANDARD_MAIN_FORMS.get(table.logical_name)
    return known[1] if known else NEW_TABLE_FORM


def _id(form_id: str, *parts: str) -> str:
    return "{" + str(uuid.uuid5(_NAMESPACE, ":".join((form_id, *parts)))) + "}"


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        node.set(key, value)
    return node


def _labels(parent: etree._Element, text: str) -> None:
    _sub(_sub(parent, "labels"), "label", description=text, languagecode=_LANGUAGE)


def default_form_xml(table: Table, form_id: str) -> str:
    """``<form>`` with one tab ("Summary" on standard tables, "General" on others) and one section."""
    standard = table.logical_name in STANDARD_MAIN_FORMS
    tab_name, tab_label = ("SUMMARY_TAB", "Summary") if standard else ("general", "General")
    form = etree.Element("form", shownavigationbar="true", showImage="false", maxWidth="1920")
    tab = _sub(_sub(form, "tabs"), "tab", name=tab_name, id=_id(form_id, "tab", tab_name), IsUserDefined="0",
               verticallayout="true", expanded="true", showlabel="true")
    _labels(tab, tab_label)
    column = _sub(_sub(tab, "columns"), "column", width="100%")
    section = _sub(_sub(column, "sections"), "section", name=f"{tab_name}_section_1",
                   id=_id(form_id, "section", tab_name), IsUserDefined="0", showlabel="true", showbar="false",
                   columns="1", labelwidth="115", celllabelalignment="Left", celllabelposition="Left")
    _labels(section, tab_label)
    rows = _sub(section, "rows")
    for column_def in _shown_columns(table):
        cell = _sub(_sub(rows, "row"), "cell", id=_id(form_id, "cell", column_def[0]), showlabel="true")
        _labels(cell, column_def[1])
        _sub(cell, "control", id=column_def[0], classid=column_def[2], datafieldname=column_def[0], disabled="false")
    text: str = etree.tostring(form, encoding="unicode")
    return text


def _shown_columns(table: Table) -> list[tuple[str, str, str]]:
    """(column, label, control class): the primary name, the phone columns, the owner."""
    shown: list[tuple[str, str, str]] = []
    if table.primary_name and table.has_column(table.primary_name):
        shown.append((table.primary_name, table.column(table.primary_name).display_name or "Name", _TEXT))
    for column in table.columns:
        if column.type is ColumnType.STRING and column.format == "phone" and not column.read_only:
            shown.append((column.name, column.display_name or column.name, _PHONE))
    if table.has_column("ownerid"):
        shown.append(("ownerid", "Owner", _LOOKUP))
    return shown
