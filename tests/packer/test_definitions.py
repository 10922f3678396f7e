"""Definition files are checked against the table definitions when they are loaded."""

from __future__ import annotations

import shutil

import pytest

from solution.packer.definitions import APP_DIR, FORMS_DIR, DefinitionError, load_definitions


@pytest.fixture
def dirs(tmp_path):
    forms, app = tmp_path / "forms", tmp_path / "app"
    shutil.copytree(FORMS_DIR, forms)
    shutil.copytree(APP_DIR, app)
    return forms, app


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_repository_definitions_load(built):
    d = built.sources.definitions
    assert {f.table for f in d.forms} >= {"smsb_configuration", "contact", "account"}
    assert [r.name for r in d.roles] == ["SMS Bridge Administrator", "SMS Bridge User", "SMS Bridge Integration"]


def test_a_form_naming_a_missing_column_is_refused(built, dirs):
    forms, app = dirs
    _edit(forms / "smsb_outbox.toml", '"smsb_freeform"', '"smsb_freetext"')
    with pytest.raises(DefinitionError, match="smsb_freetext"):
        load_definitions(built.sources.schema, forms, app)


def test_a_view_naming_a_missing_column_is_refused(built, dirs):
    forms, app = dirs
    _edit(forms / "smsb_message.toml", '"conversation.smsb_phonenumber"', '"conversation.smsb_mobile"')
    with pytest.raises(DefinitionError, match="smsb_mobile"):
        load_definitions(built.sources.schema, forms, app)


def test_a_subgrid_on_a_relationship_of_other_tables_is_refused(built, dirs):
    forms, app = dirs
    _edit(forms / "contact.toml", "contact_smsb_messagesession_smsb_customer",
          "account_smsb_messagesession_smsb_customer")
    with pytest.raises(DefinitionError, match="not a relationship from contact"):
        load_definitions(built.sources.schema, forms, app)


def test_a_file_column_on_a_form_is_refused(built, dirs):
    forms, app = dirs
    _edit(forms / "smsb_messagemedia.toml", '"smsb_contenttype", ', '"smsb_file", ')
    with pytest.raises(DefinitionError, match="file column"):
        load_definitions(built.sources.schema, forms, app)


def test_assign_on_an_organization_owned_table_is_refused(built, dirs):
    forms, app = dirs
    _edit(app / "security.toml", 'privileges = ["Read", "AppendTo"], tables = ["smsb_configuration"',
          'privileges = ["Read", "Assign"], tables = ["smsb_configuration"')
    with pytest.raises(DefinitionError, match="no privilege"):
        load_definitions(built.sources.schema, forms, app)


def test_a_local_grant_on_an_organization_owned_table_is_refused(built, dirs):
    forms, app = dirs
    grant = 'privileges = ["Read", "AppendTo"], tables = ["smsb_configuration"'
    _edit(app / "security.toml", f'{{ level = "Global", {grant}', f'{{ level = "Local", {grant}')
    with pytest.raises(DefinitionError, match="organization-owned"):
        load_definitions(built.sources.schema, forms, app)


def test_a_site_map_entry_for_a_table_outside_the_app_is_refused(built, dirs):
    forms, app = dirs
    _edit(app / "app.toml", '"account", "contact", "team",', '"account", "contact",')
    with pytest.raises(DefinitionError, match="team"):
        load_definitions(built.sources.schema, forms, app)


def test_a_subgrid_control_must_be_named_smsb_namespace_constructor(built, dirs):
    forms, app = dirs
    _edit(forms / "contact.toml", 'control = "smsb_SmsBridge.TextSMSChatSystem"', 'control = "TextSMSChatSystem"')
    with pytest.raises(DefinitionError, match=r"smsb_<namespace>\.<name>"):
        load_definitions(built.sources.schema, forms, app)


def test_control_parameters_need_a_control(built, dirs):
    forms, app = dirs
    _edit(forms / "account.toml", 'control = "smsb_SmsBridge.TextSMSChatSystem"\n', "")
    with pytest.raises(DefinitionError, match="no control"):
        load_definitions(built.sources.schema, forms, app)


def test_activity_tables_granted_at_different_levels_are_refused(built, dirs):
    # The administrator's Global grant on Outbox and Message Session is the Activity privileges' Global level:
    # a Local grant on activities beside it gives prvReadActivity two levels.
    forms, app = dirs
    _edit(app / "security.toml", '"opportunity", "activitypointer",\n  ] },',
          '"opportunity",\n  ] },\n  { level = "Local", privileges = ["Read"], tables = ["activitypointer"] },')
    with pytest.raises(DefinitionError, match="prvReadActivity is granted at Global and Local"):
        load_definitions(built.sources.schema, forms, app)


def test_a_misc_privilege_that_is_not_a_privilege_name_is_refused(built, dirs):
    forms, app = dirs
    _edit(app / "security.toml", 'misc = ["prvActOnBehalfOfAnotherUser"]', 'misc = ["ActOnBehalf"]')
    with pytest.raises(DefinitionError, match="not a privilege name"):
        load_definitions(built.sources.schema, forms, app)
