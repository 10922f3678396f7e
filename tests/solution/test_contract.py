"""The table definitions keep the public contract: every table and column named in the design, with its type."""

from __future__ import annotations

import tomllib

import pytest

from solution.schema import TABLES_DIR, Cascade, ColumnType, Ownership, load_schema

S, M, INT, B, D, C, L, CU, F = (
    "string",
    "memo",
    "integer",
    "boolean",
    "datetime",
    "choice",
    "lookup",
    "customer",
    "file",
)

# (table, entity set, ownership, is activity)
TABLES = [
    ("smsb_configuration", "smsb_configurations", "organization", False),
    ("smsb_recordtype", "smsb_recordtypes", "organization", False),
    ("smsb_messagetemplate", "smsb_messagetemplates", "organization", False),
    ("smsb_conversation", "smsb_conversations", "user", False),
    ("smsb_messagesession", "smsb_messagesessions", "user", True),
    ("smsb_message", "smsb_messages", "user", False),
    ("smsb_messagemedia", "smsb_messagemedias", "user", False),
    ("smsb_outbox", "smsb_outboxes", "user", True),
    ("smsb_dismissal", "smsb_dismissals", "user", False),
    ("smsb_errorlog", "smsb_errorlogs", "organization", False),
]

# (table, column, type, lookup targets) as the design names them
COLUMNS = [
    ("smsb_configuration", "smsb_name", S, ()),
    ("smsb_configuration", "smsb_medium", C, ()),
    ("smsb_configuration", "smsb_mobilenumber", S, ()),
    ("smsb_configuration", "smsb_messagingservicesid", S, ()),
    ("smsb_configuration", "smsb_description", M, ()),
    ("smsb_configuration", "smsb_accountsid", S, ()),
    ("smsb_configuration", "smsb_authtoken", S, ()),
    ("smsb_configuration", "smsb_callbackurl", S, ()),
    ("smsb_configuration", "smsb_allowcreateto", S, ()),
    ("smsb_configuration", "smsb_sessiontimeout", INT, ()),
    ("smsb_configuration", "smsb_idletimeout", INT, ()),
    ("smsb_configuration", "smsb_enterissend", B, ()),
    ("smsb_configuration", "smsb_assignedteam", L, ("team",)),
    ("smsb_configuration", "smsb_validationstatus", C, ()),
    ("smsb_configuration", "smsb_lastvalidatedon", D, ()),
    ("smsb_configuration", "smsb_validationmessage", M, ()),
    ("smsb_configuration", "smsb_validaterequestedon", D, ()),
    ("smsb_configuration", "smsb_autoconfigure", B, ()),
    ("smsb_configuration", "smsb_sendappnotifications", B, ()),
    ("smsb_configuration", "smsb_deletetwiliomedia", B, ()),
    ("smsb_recordtype", "smsb_name", S, ()),
    ("smsb_recordtype", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_recordtype", "smsb_entitylogicalname", S, ()),
    ("smsb_recordtype", "smsb_relatedentitylogicalname", S, ()),
    ("smsb_recordtype", "smsb_phonefield", S, ()),
    ("smsb_recordtype", "smsb_compliancefield", S, ()),
    ("smsb_recordtype", "smsb_defaultcountrycode", S, ()),
    ("smsb_recordtype", "smsb_priorityorder", INT, ()),
    ("smsb_recordtype", "smsb_validationmessage", M, ()),
    ("smsb_messagetemplate", "smsb_name", S, ()),
    ("smsb_messagetemplate", "smsb_templatetype", C, ()),
    ("smsb_messagetemplate", "smsb_entitylogicalname", S, ()),
    ("smsb_messagetemplate", "smsb_body", M, ()),
    ("smsb_messagetemplate", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_messagetemplate", "smsb_publishstate", C, ()),
    ("smsb_conversation", "smsb_name", S, ()),
    ("smsb_conversation", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_conversation", "smsb_phonenumber", S, ()),
    ("smsb_conversation", "smsb_state", C, ()),
    ("smsb_conversation", "smsb_optedout", B, ()),
    ("smsb_conversation", "smsb_optedouton", D, ()),
    ("smsb_conversation", "smsb_optoutkeyword", S, ()),
    ("smsb_conversation", "smsb_customerentity", S, ()),
    ("smsb_conversation", "smsb_customerid", S, ()),
    ("smsb_conversation", "smsb_customername", S, ()),
    ("smsb_conversation", "smsb_matchreason", S, ()),
    ("smsb_conversation", "smsb_lastinboundon", D, ()),
    ("smsb_conversation", "smsb_lastoutboundon", D, ()),
    ("smsb_conversation", "smsb_lastactivityon", D, ()),
    ("smsb_conversation", "smsb_lastmessagepreview", S, ()),
    ("smsb_conversation", "smsb_acceptedby", L, ("systemuser",)),
    ("smsb_conversation", "smsb_acceptedon", D, ()),
    ("smsb_conversation", "smsb_blockedby", L, ("systemuser",)),
    ("smsb_conversation", "smsb_blockedon", D, ()),
    ("smsb_conversation", "ownerid", "owner", ("systemuser", "team")),
    ("smsb_messagesession", "subject", S, ()),
    ("smsb_messagesession", "regardingobjectid", L, ("account", "contact", "lead", "incident", "opportunity")),
    ("smsb_messagesession", "smsb_customer", CU, ("account", "contact")),
    ("smsb_messagesession", "smsb_conversation", L, ("smsb_conversation",)),
    ("smsb_messagesession", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_messagesession", "smsb_phonenumber", S, ()),
    ("smsb_messagesession", "actualstart", D, ()),
    ("smsb_messagesession", "scheduledend", D, ()),
    ("smsb_messagesession", "actualend", D, ()),
    ("smsb_messagesession", "statecode", "state", ()),
    ("smsb_messagesession", "statuscode", "status", ()),
    ("smsb_message", "smsb_name", S, ()),
    ("smsb_message", "smsb_session", L, ("smsb_messagesession",)),
    ("smsb_message", "smsb_conversation", L, ("smsb_conversation",)),
    ("smsb_message", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_message", "smsb_direction", C, ()),
    ("smsb_message", "smsb_body", M, ()),
    ("smsb_message", "smsb_from", S, ()),
    ("smsb_message", "smsb_to", S, ()),
    ("smsb_message", "smsb_status", C, ()),
    ("smsb_message", "smsb_sid", S, ()),
    ("smsb_message", "smsb_errorcode", INT, ()),
    ("smsb_message", "smsb_errormessage", M, ()),
    ("smsb_message", "smsb_numsegments", INT, ()),
    ("smsb_message", "smsb_encoding", C, ()),
    ("smsb_message", "smsb_nummedia", INT, ()),
    ("smsb_message", "smsb_receivedon", D, ()),
    ("smsb_message", "smsb_senton", D, ()),
    ("smsb_message", "smsb_deliveredon", D, ()),
    ("smsb_message", "smsb_readon", D, ()),
    ("smsb_message", "smsb_sentby", L, ("systemuser",)),
    ("smsb_message", "smsb_outbox", L, ("smsb_outbox",)),
    ("smsb_messagemedia", "smsb_name", S, ()),
    ("smsb_messagemedia", "smsb_message", L, ("smsb_message",)),
    ("smsb_messagemedia", "smsb_contenttype", S, ()),
    ("smsb_messagemedia", "smsb_size", INT, ()),
    ("smsb_messagemedia", "smsb_file", F, ()),
    ("smsb_messagemedia", "smsb_twiliomediasid", S, ()),
    ("smsb_outbox", "subject", S, ()),
    ("smsb_outbox", "regardingobjectid", L, ("account", "contact", "lead", "incident", "opportunity")),
    ("smsb_outbox", "smsb_configuration", L, ("smsb_configuration",)),
    ("smsb_outbox", "smsb_messagetemplate", L, ("smsb_messagetemplate",)),
    ("smsb_outbox", "smsb_freeform", M, ()),
    ("smsb_outbox", "smsb_mobilenumber", S, ()),
    ("smsb_outbox", "smsb_session", L, ("smsb_messagesession",)),
    ("smsb_outbox", "smsb_attachment", F, ()),
    ("smsb_outbox", "smsb_sendafter", D, ()),
    ("smsb_outbox", "smsb_sendstatus", C, ()),
    ("smsb_outbox", "smsb_sid", S, ()),
    ("smsb_outbox", "smsb_errorcode", INT, ()),
    ("smsb_outbox", "smsb_failurereason", M, ()),
    ("smsb_outbox", "smsb_message", L, ("smsb_message",)),
    ("smsb_dismissal", "smsb_conversation", L, ("smsb_conversation",)),
    ("smsb_dismissal", "smsb_dismissedon", D, ()),
    ("smsb_errorlog", "smsb_name", S, ()),
    ("smsb_errorlog", "smsb_source", S, ()),
    ("smsb_errorlog", "smsb_severity", C, ()),
    ("smsb_errorlog", "smsb_details", M, ()),
    ("smsb_errorlog", "smsb_correlationid", S, ()),
    ("smsb_errorlog", "smsb_twiliosid", S, ()),
    ("smsb_errorlog", "smsb_relatedentity", S, ()),
    ("smsb_errorlog", "smsb_relatedid", S, ()),
    ("smsb_errorlog", "smsb_occurredon", D, ()),
]

# (table, column, {value: label}) as listed in the design
CHOICES = [
    ("smsb_configuration", "smsb_medium", {1: "SMS"}),
    ("smsb_configuration", "smsb_validationstatus", {1: "Draft", 2: "Valid", 3: "Invalid"}),
    ("smsb_messagetemplate", "smsb_templatetype", {1: "Entity", 2: "Global"}),
    ("smsb_messagetemplate", "smsb_publishstate", {1: "Draft", 2: "Published"}),
    ("smsb_conversation", "smsb_state", {1: "Pending", 2: "Accepted", 3: "Blocked"}),
    ("smsb_message", "smsb_direction", {1: "Incoming", 2: "Outgoing"}),
    (
        "smsb_message",
        "smsb_status",
        {
            1: "Queued",
            2: "Sending",
            3: "Sent",
            4: "Delivered",
            5: "Undelivered",
            6: "Failed",
            7: "Received",
            8: "Read",
            9: "Canceled",
            10: "Accepted",
            11: "Scheduled",
            12: "Unknown",
        },
    ),
    ("smsb_message", "smsb_encoding", {1: "GSM-7", 2: "UCS-2"}),
    (
        "smsb_outbox",
        "smsb_sendstatus",
        {1: "Pending", 2: "Sending", 3: "Sent", 4: "Failed", 5: "Skipped", 6: "Unknown"},
    ),
    ("smsb_errorlog", "smsb_severity", {1: "Warning", 2: "Error", 3: "Critical"}),
]

DEFAULTS = [
    ("smsb_configuration", "smsb_sessiontimeout", 1440),
    ("smsb_configuration", "smsb_idletimeout", 5),
    ("smsb_configuration", "smsb_enterissend", True),
    ("smsb_configuration", "smsb_autoconfigure", True),
    ("smsb_configuration", "smsb_sendappnotifications", True),
    ("smsb_configuration", "smsb_deletetwiliomedia", False),
]

STANDARD_COLUMNS = [
    ("systemuser", "fullname"),
    ("systemuser", "businessunitid"),
    ("team", "name"),
    ("teammembership", "teamid"),
    ("teammembership", "systemuserid"),
    ("businessunit", "name"),
    ("contact", "telephone1"),
    ("contact", "telephone2"),
    ("contact", "mobilephone"),
    ("contact", "statecode"),
    ("contact", "modifiedon"),
    ("contact", "ownerid"),
    ("account", "telephone1"),
    ("account", "name"),
    ("lead", "mobilephone"),
    ("incident", "customerid"),
    ("opportunity", "customerid"),
    ("activitypointer", "regardingobjectid"),
    ("activityparty", "partyid"),
    ("activityparty", "participationtypemask"),
    ("activityparty", "addressused"),
    ("appnotification", "title"),
    ("appnotification", "ownerid"),
    ("serviceendpoint", "authtype"),
    ("sdkmessage", "name"),
    ("sdkmessagefilter", "primaryobjecttypecode"),
    ("sdkmessageprocessingstep", "filteringattributes"),
    ("sdkmessageprocessingstep", "eventhandler"),
]


@pytest.mark.parametrize(("table", "entity_set", "ownership", "is_activity"), TABLES)
def test_every_design_table_exists_with_its_entity_set_and_ownership(
    table: str, entity_set: str, ownership: str, is_activity: bool
) -> None:
    schema = load_schema()
    t = schema.table(table)
    assert t.entity_set == entity_set
    assert schema.by_entity_set(entity_set) is t
    assert t.ownership is Ownership(ownership)
    assert t.is_activity is is_activity
    if is_activity:
        assert (t.primary_id, t.primary_name) == ("activityid", "subject")


@pytest.mark.parametrize(("table", "column", "ctype", "targets"), COLUMNS)
def test_every_design_column_exists_with_its_type(
    table: str, column: str, ctype: str, targets: tuple[str, ...]
) -> None:
    col = load_schema().table(table).column(column)
    assert col.type is ColumnType(ctype)
    assert set(targets) <= set(col.targets)


@pytest.mark.parametrize(("table", "column", "labels"), CHOICES)
def test_choice_columns_carry_the_design_values_and_labels(table: str, column: str, labels: dict[int, str]) -> None:
    col = load_schema().table(table).column(column)
    assert {c.value: c.label for c in col.choices} == labels


@pytest.mark.parametrize(("table", "column", "default"), DEFAULTS)
def test_configuration_defaults_match_the_design(table: str, column: str, default: object) -> None:
    assert load_schema().table(table).column(column).default == default


@pytest.mark.parametrize(("table", "column"), STANDARD_COLUMNS)
def test_standard_tables_define_the_columns_the_product_reads(table: str, column: str) -> None:
    assert load_schema().table(table).has_column(column)


def test_auth_token_is_column_secured_and_not_audited() -> None:
    col = load_schema().table("smsb_configuration").column("smsb_authtoken")
    assert col.secured is True
    assert col.audited is False


def test_alternate_keys_match_the_design() -> None:
    schema = load_schema()
    assert [k.columns for k in schema.table("smsb_recordtype").keys] == [
        ("smsb_configuration", "smsb_entitylogicalname")
    ]
    assert [k.columns for k in schema.table("smsb_message").keys] == [("smsb_sid",)]


@pytest.mark.parametrize(
    ("child", "attribute", "parent"),
    [("smsb_message", "smsb_session", "smsb_messagesession"), ("smsb_messagemedia", "smsb_message", "smsb_message")],
)
def test_message_and_media_are_parental_children(child: str, attribute: str, parent: str) -> None:
    (rel,) = [r for r in load_schema().relationships_from(child, attribute) if r.referenced_table == parent]
    assert rel.cascade is Cascade.PARENTAL


def test_custom_lookups_bind_through_a_navigation_property_named_like_the_column() -> None:
    schema = load_schema()
    rel = schema.single_navigation("smsb_recordtype", "smsb_configuration")
    assert rel is not None
    assert rel.referenced_table == "smsb_configuration"
    assert schema.collection_navigation("smsb_configuration", rel.referenced_navigation) == rel


def test_activity_tables_expose_their_party_collection_and_per_target_regarding() -> None:
    schema = load_schema()
    for activity in ("smsb_messagesession", "smsb_outbox"):
        parties = schema.collection_navigation(activity, f"{activity}_activity_parties")
        assert parties is not None
        assert (parties.referencing_table, parties.referencing_attribute) == ("activityparty", "activityid")
        regarding = schema.single_navigation(activity, f"regardingobjectid_contact_{activity}")
        assert regarding is not None
        assert regarding.referenced_table == "contact"


def test_every_custom_column_uses_the_publisher_prefix() -> None:
    for table in load_schema().tables:
        if not table.is_custom:
            continue
        assert table.logical_name.startswith("smsb_")
        inherited = {c.name for c in load_schema().table("activitypointer").columns} if table.is_activity else set()
        system = {
            "createdon",
            "modifiedon",
            "createdby",
            "modifiedby",
            "versionnumber",
            "statecode",
            "statuscode",
            "ownerid",
            "owninguser",
            "owningteam",
            "owningbusinessunit",
            table.primary_id,
        }
        for col in table.columns:
            assert col.name.startswith("smsb_") or col.name in inherited | system, (table.logical_name, col.name)


def test_each_definition_file_is_named_after_its_table() -> None:
    for path in TABLES_DIR.rglob("*.toml"):
        with path.open("rb") as handle:
            assert tomllib.load(handle)["table"]["logical_name"] == path.stem
