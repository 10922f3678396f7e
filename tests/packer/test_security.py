"""Security roles (DESIGN.md §5) and the column security of the Twilio auth token."""

from __future__ import annotations

ALL = ("Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share")
ORG = ALL[:6]
USER_OWNED = ("smsb_conversation", "smsb_message", "smsb_messagemedia", "smsb_dismissal")
# Activity tables have no privileges of their own: roles grant the Activity privileges, which cover them
# (microsoft/Nonprofits' Volunteer Manager role grants prv*Activity and nothing on its two custom activities).
ACTIVITIES = ("smsb_messagesession", "smsb_outbox")
ORG_OWNED = ("smsb_configuration", "smsb_recordtype", "smsb_messagetemplate", "smsb_errorlog")
RECORD_TABLES = {"Account": "account", "Contact": "contact", "Lead": "lead", "Incident": "incident",
                 "Opportunity": "opportunity"}


def _privileges(built, role_name):
    role = built.customizations.find(f"Roles/Role[@name='{role_name}']")
    assert role is not None, role_name
    return {p.get("name"): p.get("level") for p in role.iterfind("RolePrivileges/RolePrivilege")}


def test_administrator_has_everything_on_the_product_tables(built):
    privileges = _privileges(built, "SMS Bridge Administrator")
    for table in (*USER_OWNED, "Activity"):
        for verb in ALL:
            assert privileges[f"prv{verb}{table}"] == "Global", (verb, table)
    for table in ORG_OWNED:
        for verb in ORG:
            assert privileges[f"prv{verb}{table}"] == "Global", (verb, table)
        assert f"prvAssign{table}" not in privileges  # organization-owned tables have no Assign/Share
    for schema_name in RECORD_TABLES:
        assert privileges[f"prvRead{schema_name}"] == "Global"


def test_user_reads_setup_and_works_with_the_chats_of_their_teams(built):
    privileges = _privileges(built, "SMS Bridge User")
    for table in ("smsb_configuration", "smsb_recordtype", "smsb_messagetemplate"):
        assert privileges[f"prvRead{table}"] == "Global"
        assert f"prvWrite{table}" not in privileges
        assert f"prvCreate{table}" not in privileges
    # Basic: rows the user owns and rows their teams own (the Configuration's team owns its chats)
    for table in ("smsb_conversation", "Activity", "smsb_message", "smsb_messagemedia"):
        for verb in ("Create", "Read", "Write", "Append", "AppendTo", "Assign"):
            assert privileges[f"prv{verb}{table}"] == "Basic", (verb, table)
        assert f"prvDelete{table}" not in privileges
    for verb in ("Create", "Read", "Write", "Delete"):
        assert privileges[f"prv{verb}smsb_dismissal"] == "Basic"  # their own dismissals
    assert not any(name.endswith("smsb_errorlog") for name in privileges)
    for schema_name in (*RECORD_TABLES, "SalesOrder"):
        assert privileges[f"prvRead{schema_name}"] == "Local"
        assert privileges[f"prvAppendTo{schema_name}"] == "Local"  # a session's Regarding / Customer
    assert privileges["prvReadTeam"] == "Global"


def test_user_may_create_the_records_the_manual_creates_from_a_chat(built):
    privileges = _privileges(built, "SMS Bridge User")
    for schema_name in ("Lead", "Opportunity", "Incident", "SalesOrder"):  # lead, opportunity, case, order
        assert privileges[f"prvCreate{schema_name}"] == "Basic", schema_name
        assert privileges[f"prvWrite{schema_name}"] == "Basic", schema_name
        assert f"prvDelete{schema_name}" not in privileges
    for schema_name in ("Account", "Contact"):
        assert f"prvCreate{schema_name}" not in privileges


def test_integration_user_can_do_what_the_function_app_does(built):
    privileges = _privileges(built, "SMS Bridge Integration")
    for table in ("smsb_conversation", "Activity", "smsb_message", "smsb_messagemedia"):
        for verb in ("Create", "Read", "Write", "Append", "AppendTo", "Assign"):
            assert privileges[f"prv{verb}{table}"] == "Global"
    for verb in ("Create", "Read", "Write"):
        assert privileges[f"prv{verb}smsb_errorlog"] == "Global"
    for verb in ("Read", "Write"):  # encrypts tokens in place, records validation results
        assert privileges[f"prv{verb}smsb_configuration"] == "Global"
    assert privileges["prvReadsmsb_messagetemplate"] == "Global"
    assert privileges["prvReadsmsb_dismissal"] == "Global"
    assert "prvCreatesmsb_configuration" not in privileges
    for schema_name in RECORD_TABLES:
        assert privileges[f"prvRead{schema_name}"] == "Global"
    assert privileges["prvReadTeam"] == "Global"
    assert privileges["prvReadUser"] == "Global"
    assert privileges["prvCreateappnotification"] == "Global"


def test_no_role_names_a_privilege_of_an_activity_table(built):
    for role in built.customizations.iterfind("Roles/Role"):
        names = [p.get("name") for p in role.iterfind("RolePrivileges/RolePrivilege")]
        assert not [n for n in names if n.endswith(ACTIVITIES)], role.get("name")
        assert len(names) == len(set(names)), role.get("name")  # each privilege once


def test_role_ids_are_stable_and_distinct(built):
    ids = [r.get("id") for r in built.customizations.iterfind("Roles/Role")]
    assert len(set(ids)) == 3
    assert ids == ["{02154f26-1b52-50a7-8499-f1a1fa4949e2}", "{eaee3db5-466d-5a70-b4bb-6191b559647f}",
                   "{2ac44278-31db-5cd9-96f6-7b378fb72214}"]


def test_field_security_profile_grants_the_auth_token_only(built):
    profiles = built.customizations.findall("FieldSecurityProfiles/FieldSecurityProfile")
    assert [p.get("name") for p in profiles] == ["SMS Bridge Auth Token"]
    permissions = profiles[0].findall("FieldPermissions/FieldPermission")
    assert [(p.findtext("EntityName"), p.findtext("AttributeName")) for p in permissions] == [
        ("smsb_configuration", "smsb_authtoken")
    ]
    assert [permissions[0].findtext(x) for x in ("CanRead", "CanUpdate", "CanCreate")] == ["4", "4", "4"]


def test_only_integration_may_act_on_behalf_of_another_user(built):
    # Outbox texts are filled in while impersonating their owners (MSCRMCallerID); the role editor's
    # "Act on Behalf of Another User" is exported as this privilege at the Global level.
    assert _privileges(built, "SMS Bridge Integration")["prvActOnBehalfOfAnotherUser"] == "Global"
    for role in ("SMS Bridge Administrator", "SMS Bridge User"):
        assert "prvActOnBehalfOfAnotherUser" not in _privileges(built, role)
