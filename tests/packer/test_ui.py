"""Forms, views and the app follow the seed manual's screens, and reference only existing columns."""

from __future__ import annotations

import pytest

from solution.packer._forms import SUBGRID

CUSTOM = ("smsb_configuration", "smsb_recordtype", "smsb_messagetemplate", "smsb_conversation",
          "smsb_messagesession", "smsb_message", "smsb_messagemedia", "smsb_outbox", "smsb_dismissal", "smsb_errorlog")


def _labels(nodes):
    return [n.find("labels/label").get("description") for n in nodes]


def test_site_map_has_the_manual_navigation(built):
    sitemap = built.customizations.find("AppModuleSiteMaps/AppModuleSiteMap")
    assert sitemap.findtext("SiteMapUniqueName") == "smsb_SmsBridge"
    groups = {
        g.find("Titles/Title").get("Title"): [(s.find("Titles/Title").get("Title"), s.get("Entity") or s.get("Url"))
                                              for s in g.iterfind("SubArea")]
        for g in sitemap.iterfind("SiteMap/Area/Group")
    }
    assert list(groups) == ["Messages", "Customers", "Administration", "Analysis", "Help"]
    assert groups["Messages"][:2] == [("Messages", "smsb_message"), ("Message Sessions", "smsb_messagesession")]
    assert groups["Customers"] == [("Accounts", "account"), ("Contacts", "contact")]
    assert groups["Administration"] == [("Configurations", "smsb_configuration"), ("Teams", "team")]
    assert groups["Analysis"] == [("Error Logs", "smsb_errorlog")]
    assert groups["Help"] == [("User Manual", "$webresource:smsb_/help/userguide.html")]


def test_app_module_is_sms_bridge_for_the_three_roles(built):
    app = built.customizations.find("AppModules/AppModule")
    assert app.findtext("UniqueName") == "smsb_SmsBridge"
    assert app.find("LocalizedNames/LocalizedName").get("description") == "SMS Bridge"
    assert app.findtext("ClientType") == "4"
    assert len(app.findall("AppModuleRoleMaps/Role")) == 3


@pytest.mark.parametrize("table", CUSTOM)
def test_every_table_has_a_main_form_a_default_view_a_quick_find_and_a_lookup_view(built, table):
    entity = built.entity(table)
    assert entity.findall("FormXml/forms[@type='main']/systemform")
    views = entity.findall("SavedQueries/savedqueries/savedquery")
    kinds = {(v.findtext("querytype"), v.findtext("isdefault")) for v in views}
    assert ("0", "1") in kinds  # default public view
    assert ("4", "1") in kinds  # quick find
    assert ("64", "1") in kinds  # lookup
    quick_find = next(v for v in views if v.findtext("querytype") == "4")
    assert quick_find.findtext("isquickfindquery") == "1"
    assert quick_find.xpath("fetchxml/fetch/entity/filter[@isquickfindfields='1']/condition[@value='{0}']")


def test_configuration_form_matches_the_manual(built):
    form = built.form("smsb_configuration", "Configuration")
    tabs = form.findall("form/tabs/tab")
    assert _labels(tabs) == ["Details", "Record Type", "Message Template"]
    sections = _labels(tabs[0].iterfind("columns/column/sections/section"))
    assert {"Communication Medium Information", "Twilio Details", "Settings"} <= set(sections)
    twilio = tabs[0].xpath(".//section[@name='twilio_details']//control/@datafieldname")
    # Take Over Number sits by Auto Configure; the form script shows it only when Validate asks for it.
    assert twilio == ["smsb_accountsid", "smsb_authtoken", "smsb_callbackurl", "smsb_autoconfigure",
                      "smsb_takeovernumber"]
    settings = tabs[0].xpath(".//section[@name='settings']//control/@datafieldname")
    assert settings[:3] == ["smsb_allowcreateto", "smsb_sessiontimeout", "smsb_idletimeout"]
    assert form.xpath("form/header//control/@datafieldname") == ["smsb_lastvalidatedon", "smsb_validationstatus"]
    grids = {c.findtext("parameters/TargetEntityType") for c in form.xpath(f".//control[@classid='{SUBGRID}']")}
    assert grids == {"smsb_recordtype", "smsb_messagetemplate"}


@pytest.mark.parametrize(("table", "name"), [
    ("smsb_recordtype", "Record Type"), ("smsb_messagetemplate", "Message Template"),
    ("smsb_conversation", "Conversation"), ("smsb_messagesession", "Message Session"), ("smsb_outbox", "Outbox"),
    ("smsb_errorlog", "Error Log"), ("smsb_message", "Message"),
])
def test_each_manual_screen_has_its_form(built, table, name):
    assert built.form(table, name).findtext("formid")


def test_message_session_form_shows_its_messages(built):
    form = built.form("smsb_messagesession", "Message Session")
    grid = form.find(f".//section[@name='textsmschatsystem']//control[@classid='{SUBGRID}']")
    assert grid.findtext("parameters/TargetEntityType") == "smsb_message"
    assert grid.findtext("parameters/RelationshipName") == "smsb_messagesession_smsb_message"


@pytest.mark.parametrize(("table", "form_name", "relationship"), [
    ("contact", "Contact - SMS Bridge", "contact_smsb_messagesession_smsb_customer"),
    ("account", "Account - SMS Bridge", "account_smsb_messagesession_smsb_customer"),
    ("smsb_conversation", "Conversation", "smsb_conversation_smsb_messagesession"),
])
def test_customer_forms_leave_a_named_place_for_the_chat_control(built, table, form_name, relationship):
    form = built.form(table, form_name)
    section = form.find(".//section[@name='textsmschatsystem']")
    assert section.find("labels/label").get("description") == "Message UI"
    grid = section.find(".//control[@id='TextSMSChatSystem']")
    assert grid.get("classid") == SUBGRID
    assert grid.findtext("parameters/TargetEntityType") == "smsb_messagesession"
    assert grid.findtext("parameters/RelationshipName") == relationship
    view = built.view("smsb_messagesession", "All Message Sessions - Internal Purpose")
    assert grid.findtext("parameters/ViewId") == view.findtext("savedqueryid")


def test_my_messages_view_shows_the_manual_columns(built):
    view = built.view("smsb_message", "My Messages")
    assert view.findtext("isdefault") == "1"
    cells = view.xpath("layoutxml/grid/row/cell/@name")
    assert cells == ["smsb_configuration", "conversation.smsb_phonenumber", "smsb_body", "smsb_status",
                     "smsb_direction", "createdon"]
    schema = built.sources.schema
    headers = [schema.table("smsb_message").column(c).display_name for c in ("smsb_configuration", "smsb_status",
                                                                              "smsb_direction")]
    assert headers == ["Configuration", "Status", "Direction"]
    fetch = view.find("fetchxml/fetch/entity")
    assert fetch.xpath("filter/condition[@attribute='ownerid']/@operator") == ["eq-useroruserteams"]
    assert fetch.xpath("link-entity[@alias='conversation']/attribute/@name") == ["smsb_phonenumber"]
    assert fetch.xpath("order/@descending") == ["true"]


def test_all_message_sessions_internal_purpose_lists_every_session(built):
    view = built.view("smsb_messagesession", "All Message Sessions - Internal Purpose")
    assert view.findtext("querytype") == "0"
    assert view.find("fetchxml/fetch/entity/filter") is None
    assert "regardingobjectid" in view.xpath("layoutxml/grid/row/cell/@name")


def test_forms_and_views_reference_only_existing_columns(built):
    schema = built.sources.schema
    for entity in built.customizations.iterfind("Entities/Entity"):
        table = schema.table(entity.findtext("Name").lower())
        for name in entity.xpath("FormXml//control/@datafieldname"):
            assert table.has_column(name), (table.logical_name, name)
        for view in entity.iterfind("SavedQueries/savedqueries/savedquery"):
            fetch = view.find("fetchxml/fetch/entity")
            for name in fetch.xpath("attribute/@name | order/@attribute | filter/condition/@attribute"):
                assert table.has_column(name), (table.logical_name, view.find("LocalizedNames/LocalizedName"), name)
            aliases = {}
            for link in fetch.iterfind("link-entity"):
                linked = schema.table(link.get("name"))
                aliases[link.get("alias")] = linked
                assert linked.has_column(link.get("from"))
                assert table.has_column(link.get("to"))
                for name in link.xpath("attribute/@name"):
                    assert linked.has_column(name)
            for cell in view.xpath("layoutxml/grid/row/cell/@name"):
                alias, _, name = cell.rpartition(".")
                assert (aliases[alias] if alias else table).has_column(name), cell


def test_blocked_numbers_lists_the_blocked_conversations_to_unblock(built):
    view = built.view("smsb_conversation", "Blocked Numbers")
    assert view.findtext("querytype") == "0"
    assert view.xpath("layoutxml/grid/row/cell/@name")[0] == "smsb_phonenumber"
    conditions = view.find("fetchxml/fetch/entity/filter").xpath("condition")
    assert {(c.get("attribute"), c.get("operator"), c.get("value")) for c in conditions} == {
        ("statecode", "eq", "0"), ("smsb_state", "eq", "3")}
    assert view.xpath("fetchxml/fetch/entity/order/@attribute") == ["smsb_blockedon"]


def test_unblock_is_a_command_of_the_conversation_form_on_blocked_conversations_only(full):
    ribbon = full.entity("smsb_conversation").find("RibbonDiffXml")
    action = ribbon.find("CustomActions/CustomAction[@Id='smsb.smsb_conversation.Unblock.CustomAction']")
    assert action.get("Location") == "Mscrm.Form.smsb_conversation.MainTab.Save.Controls._children"
    command = ribbon.find("CommandDefinitions/CommandDefinition[@Id='smsb.smsb_conversation.Unblock.Command']")
    assert command.find("Actions/JavaScriptFunction").get("FunctionName") == "SmsBridge.Forms.Conversation.unblock"
    rule = ribbon.find("RuleDefinitions/EnableRules/EnableRule[@Id='smsb.smsb_conversation.Unblock.EnableRule']")
    custom = rule.find("CustomRule")
    assert custom.get("FunctionName") == "SmsBridge.Forms.Conversation.isUnblockEnabled"
    assert custom.get("Default") == "false"  # hidden until the form says the number is blocked
