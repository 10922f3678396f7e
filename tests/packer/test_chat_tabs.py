"""The chat on the standard tables' own main forms: a tab the package adds as a differential FormXml, shaped as the
real export in fixtures/real_exports/nonprofits.contact-form-diff.xml adds one (microsoft/Nonprofits, MIT); and the
same tab ``smsbridge add-chat`` writes into a form read through the Web API."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import pytest

from solution.packer import build, default_sources
from solution.packer._xml import etree, parse
from solution.packer.chat_tab import CHAT_CONTROL, CHAT_TAB, ChatFormError, add_chat_tab, has_chat
from solution.packer.definitions import ChatTab, DefinitionError, load_definitions
from solution.packer.definitions.chat_tabs import check_chat_tabs
from solution.schema import load_schema

REAL = parse((Path(__file__).resolve().parent / "fixtures" / "real_exports" / "nonprofits.contact-form-diff.xml")
             .read_bytes())
STANDARD_FORMS = {"contact": "Contact", "account": "Account"}


def _standard_form_ids() -> dict[str, str]:
    """The standard main forms the real export depends on, by table: ``{"Contact": "{1fed44d1-…}", …}``."""
    return {r.get("parentDisplayName"): r.get("id") for r in REAL.iterfind("MissingDependency/Required")
            if r.get("type") == "60"}


def _diff(built, table: str):
    form_id = _standard_form_ids()[STANDARD_FORMS[table]]
    found = [f for f in built.entity(table).iterfind("FormXml/forms[@type='main']/systemform")
             if f.findtext("formid") == form_id]
    assert len(found) == 1, f"no form {form_id} of {table}"
    return found[0]


@pytest.mark.parametrize("table", sorted(STANDARD_FORMS))
def test_the_chat_tab_goes_on_the_standard_main_form_the_real_export_names_as_a_form_diff(full, table):
    form = _diff(full, table)

    # the systemform's own elements in the real diff's order, then the form, then its name
    head = [e.tag for e in REAL.find("systemform-head")]
    assert [e.tag for e in form] == [*head, "form", "LocalizedNames"]
    assert form.find("LocalizedNames/LocalizedName").get("description") == STANDARD_FORMS[table]
    # only what it adds: one tab and the control description of its subgrid, each marked Added as the real ones
    body = form.find("form")
    assert [e.tag for e in body] == ["tabs", "controlDescriptions"]
    tab = body.find("tabs/tab")
    description = body.find("controlDescriptions/controlDescription")
    assert [t.tag for t in body.find("tabs")] == ["tab"]
    assert len(body.find("controlDescriptions")) == 1
    real_tab, real_description = REAL.find("tab"), REAL.find("controlDescription")
    assert real_tab.get("solutionaction") == real_description.get("solutionaction") == "Added"
    assert tab.get("solutionaction") == description.get("solutionaction") == "Added"
    marked = [e for e in body.iter() if e.get("solutionaction") is not None]
    assert marked == [tab, description]  # an added element's own content carries no marks, as in the real tab
    assert not any(e.get("solutionaction") for e in real_tab.iter() if e is not real_tab)
    # the tab, drawn by the chat control over the record's Message Sessions (Customer)
    assert tab.get("name") == CHAT_TAB
    assert tab.find("labels/label").get("description") == "Message UI"
    grid = tab.find(".//control[@indicationOfSubgrid='true']")
    assert grid.findtext("parameters/RelationshipName") == f"{table}_smsb_messagesession_smsb_customer"
    assert description.get("forControl") == grid.get("uniqueid")
    bound = description.findall("customControl[@name]")
    assert [c.get("name") for c in bound] == [CHAT_CONTROL] * 3
    assert {c.findtext("parameters/parentTable") for c in bound} == {table}


def test_the_form_diffs_travel_in_the_unmanaged_and_the_managed_package_alike(full):
    # The standard forms belong to Microsoft's managed solutions: both kinds of export carry the diff (the real
    # export's unmanaged and _managed.xml copies of the form are the same diff).
    managed = parse(zipfile.ZipFile(io.BytesIO(build(managed=True, sources=full.sources))).read("customizations.xml"))
    for table, name in STANDARD_FORMS.items():
        form_id = _standard_form_ids()[name]
        ours = etree.tostring(_diff(full, table))
        theirs = next(f for f in managed.iterfind("Entities/Entity/FormXml/forms/systemform")
                      if f.findtext("formid") == form_id)
        assert etree.tostring(theirs) == ours


def test_the_standard_tables_travel_as_shells_and_the_optional_ones_not_at_all(built):
    roots = {(rc.get("type"), rc.get("schemaName") or rc.get("id")): rc.get("behavior")
             for rc in built.solution.iterfind("SolutionManifest/RootComponents/RootComponent")}
    assert roots[("1", "contact")] == roots[("1", "account")] == "2"
    assert not any(kind == "60" for kind, _ in roots)  # forms travel inside their table, not as root components
    # Lead, Case and Opportunity exist only with Dynamics 365 Sales/Customer Service: no form of theirs is shipped,
    # so the package imports where they are missing (smsbridge add-chat puts the chat on them).
    shipped = {e.findtext("Name").lower() for e in built.customizations.iterfind("Entities/Entity")}
    assert not shipped & {"lead", "incident", "opportunity"}
    assert not any(kind == "1" and name in ("lead", "incident", "opportunity") for kind, name in roots)


def test_add_chat_writes_the_tab_the_package_ships_into_a_form_and_finds_it_there_afterwards(full):
    schema, d = full.sources.schema, full.sources.definitions
    control = next(c for c in full.sources.controls if c.name == CHAT_CONTROL)
    chat = d.chat_tabs_of("contact")[0]
    shipped = _diff(full, "contact").find("form")
    other = ('<form><tabs><tab name="SUMMARY_TAB" id="{0c9f34a1-0000-4000-8000-000000000001}"><labels>'
             '<label description="Summary" languagecode="1033"/></labels><columns><column width="100%"><sections/>'
             "</column></columns></tab></tabs></form>")

    patched = add_chat_tab(other, chat, schema=schema, definitions=d, control=control)

    form = parse(patched.encode())
    assert [t.get("name") for t in form.iterfind("tabs/tab")] == ["SUMMARY_TAB", CHAT_TAB]  # theirs kept, first
    for ours, shipped_part in ((form.find(f"tabs/tab[@name='{CHAT_TAB}']"), shipped.find("tabs/tab")),
                               (form.find("controlDescriptions/controlDescription"),
                                shipped.find("controlDescriptions/controlDescription"))):
        packaged = copy.deepcopy(shipped_part)
        del packaged.attrib["solutionaction"]  # a form in the environment is whole, not a diff
        assert etree.tostring(ours, method="c14n") == etree.tostring(_reindent(packaged), method="c14n")
    assert has_chat(form)
    assert add_chat_tab(patched, chat, schema=schema, definitions=d, control=control) is None


def _reindent(node):
    for element in node.iter():
        element.tail = None
        if len(element):
            element.text = None
    return node


def test_add_chat_finds_a_chat_someone_drew_on_a_subgrid_of_their_own(full):
    form = ('<form><tabs><tab name="mine"><columns/></tab></tabs><controlDescriptions>'
            f'<controlDescription forControl="{{x}}"><customControl name="{CHAT_CONTROL}" formFactor="0"/>'
            "</controlDescription></controlDescriptions></form>")
    chat = full.sources.definitions.chat_tabs_of("account")[0]
    assert add_chat_tab(form, chat, schema=full.sources.schema, definitions=full.sources.definitions) is None


@pytest.mark.parametrize("formxml", ["<form><tabs>", "<systemform/>", "<form/>"])
def test_a_form_that_cannot_take_the_tab_is_refused(built, formxml):
    chat = built.sources.definitions.chat_tabs_of("contact")[0]
    with pytest.raises(ChatFormError):
        add_chat_tab(formxml, chat, schema=built.sources.schema, definitions=built.sources.definitions)


def test_a_chat_tab_must_follow_a_relationship_from_its_table_to_the_message_sessions():
    schema = load_schema()
    with pytest.raises(DefinitionError, match="not a relationship from account"):
        check_chat_tabs(schema, (ChatTab("account", "Account", "{8448b78f-8f42-454e-8e2a-f8196b0419af}",
                                         "contact_smsb_messagesession_smsb_customer"),))
    with pytest.raises(DefinitionError, match="own table"):
        check_chat_tabs(schema, (ChatTab("smsb_conversation", "Conversation", "{8448b78f-8f42-454e-8e2a-f8196b0419af}",
                                         "smsb_conversation_smsb_messagesession"),))


def test_the_repository_ships_the_chat_on_contact_and_account_only():
    d = load_definitions(load_schema())
    assert {(c.table, c.form) for c in d.chat_tabs} == {("contact", "Contact"), ("account", "Account")}
    assert default_sources().definitions.chat_tabs == d.chat_tabs
