"""Every table, column, choice, key and relationship of DESIGN.md §5 is in customizations.xml, as the
function app and the emulator name them (SchemaName = logical name, navigation properties from solution.schema)."""

from __future__ import annotations

import pytest

from solution.packer._entities import packaged_relationships

# DESIGN.md §5, written out here on purpose (not read from the table files).
DESIGN_COLUMNS = {
    "smsb_configuration": (
        "smsb_name smsb_medium smsb_mobilenumber smsb_messagingservicesid smsb_description smsb_accountsid"
        " smsb_authtoken smsb_callbackurl smsb_allowcreateto smsb_sessiontimeout smsb_idletimeout smsb_enterissend"
        " smsb_assignedteam smsb_validationstatus smsb_lastvalidatedon smsb_validationmessage"
        " smsb_validaterequestedon smsb_autoconfigure smsb_sendappnotifications smsb_deletetwiliomedia"
    ),
    "smsb_recordtype": (
        "smsb_name smsb_configuration smsb_entitylogicalname smsb_relatedentitylogicalname smsb_phonefield"
        " smsb_compliancefield smsb_defaultcountrycode smsb_priorityorder smsb_validationmessage"
    ),
    "smsb_messagetemplate": (
        "smsb_name smsb_templatetype smsb_entitylogicalname smsb_body smsb_configuration smsb_publishstate"
    ),
    "smsb_conversation": (
        "smsb_name smsb_configuration smsb_phonenumber smsb_state smsb_optedout smsb_optedouton smsb_optoutkeyword"
        " smsb_customerentity smsb_customerid smsb_customername smsb_matchreason smsb_lastinboundon"
        " smsb_lastoutboundon smsb_lastactivityon smsb_lastmessagepreview smsb_acceptedby smsb_acceptedon"
        " smsb_blockedby smsb_blockedon"
    ),
    "smsb_messagesession": "smsb_customer smsb_conversation smsb_configuration smsb_phonenumber",
    "smsb_message": (
        "smsb_name smsb_session smsb_conversation smsb_configuration smsb_direction smsb_body smsb_from smsb_to"
        " smsb_status smsb_sid smsb_errorcode smsb_errormessage smsb_numsegments smsb_encoding smsb_nummedia"
        " smsb_receivedon smsb_senton smsb_deliveredon smsb_readon smsb_sentby smsb_outbox"
    ),
    "smsb_messagemedia": "smsb_name smsb_message smsb_contenttype smsb_size smsb_file smsb_twiliomediasid",
    "smsb_outbox": (
        "smsb_configuration smsb_messagetemplate smsb_freeform smsb_mobilenumber smsb_session smsb_attachment"
        " smsb_sendafter smsb_sendstatus smsb_sid smsb_errorcode smsb_failurereason smsb_message"
    ),
    "smsb_dismissal": "smsb_conversation smsb_dismissedon",
    "smsb_errorlog": (
        "smsb_name smsb_source smsb_severity smsb_details smsb_correlationid smsb_twiliosid smsb_relatedentity"
        " smsb_relatedid smsb_occurredon"
    ),
}
DESIGN_CHOICES = {
    ("smsb_configuration", "smsb_medium"): {1: "SMS"},
    ("smsb_configuration", "smsb_validationstatus"): {1: "Draft", 2: "Valid", 3: "Invalid"},
    ("smsb_messagetemplate", "smsb_templatetype"): {1: "Entity", 2: "Global"},
    ("smsb_messagetemplate", "smsb_publishstate"): {1: "Draft", 2: "Published"},
    ("smsb_conversation", "smsb_state"): {1: "Pending", 2: "Accepted", 3: "Blocked"},
    ("smsb_message", "smsb_direction"): {1: "Incoming", 2: "Outgoing"},
    ("smsb_message", "smsb_status"): {
        1: "Queued", 2: "Sending", 3: "Sent", 4: "Delivered", 5: "Undelivered", 6: "Failed", 7: "Received",
        8: "Read", 9: "Canceled", 10: "Accepted", 11: "Scheduled", 12: "Unknown",
    },
    ("smsb_message", "smsb_encoding"): {1: "GSM-7", 2: "UCS-2"},
    ("smsb_outbox", "smsb_sendstatus"): {
        1: "Pending", 2: "Sending", 3: "Sent", 4: "Failed", 5: "Skipped", 6: "Unknown",
    },
    ("smsb_errorlog", "smsb_severity"): {1: "Warning", 2: "Error", 3: "Critical"},
}
DESIGN_ENTITY_SETS = {
    "smsb_configuration": "smsb_configurations", "smsb_recordtype": "smsb_recordtypes",
    "smsb_messagetemplate": "smsb_messagetemplates", "smsb_conversation": "smsb_conversations",
    "smsb_messagesession": "smsb_messagesessions", "smsb_message": "smsb_messages",
    "smsb_messagemedia": "smsb_messagemedias", "smsb_outbox": "smsb_outboxes", "smsb_dismissal": "smsb_dismissals",
    "smsb_errorlog": "smsb_errorlogs",
}
ORG_OWNED = {"smsb_configuration", "smsb_recordtype", "smsb_messagetemplate", "smsb_errorlog"}


def _info(built, table):
    return built.entity(table).find("EntityInfo/entity")


def _attribute(built, table, column):
    node = _info(built, table).find(f"attributes/attribute[@PhysicalName='{column}']")
    assert node is not None, f"{table}.{column} missing"
    return node


@pytest.mark.parametrize("table", sorted(DESIGN_COLUMNS))
def test_every_design_table_and_column_is_packaged_with_names_and_descriptions(built, table):
    info = _info(built, table)
    assert info.get("Name") == table
    assert built.entity(table).findtext("Name") == table  # SchemaName = logical name
    assert info.findtext("EntitySetName") == DESIGN_ENTITY_SETS[table]
    assert info.find("LocalizedNames/LocalizedName").get("description")
    assert info.find("Descriptions/Description").get("description")
    assert info.findtext("OwnershipTypeMask") == ("OrgOwned" if table in ORG_OWNED else "UserOwned")
    for column in DESIGN_COLUMNS[table].split():
        node = _attribute(built, table, column)
        assert node.findtext("Name") == column
        assert node.findtext("LogicalName") == column
        assert node.findtext("IsCustomField") == "1"
        assert node.find("displaynames/displayname").get("description"), column
        assert node.find("Descriptions/Description") is not None


def test_the_two_custom_activities_are_activities(built):
    for table in ("smsb_messagesession", "smsb_outbox"):
        info = _info(built, table)
        assert info.findtext("IsActivity") == "1"
        assert info.findtext("IsOfflineInMobileClient") == "1"
        assert info.findtext("OwnershipTypeMask") == "UserOwned"
    for table in set(DESIGN_COLUMNS) - {"smsb_messagesession", "smsb_outbox"}:
        assert _info(built, table).findtext("IsActivity") == "0"


@pytest.mark.parametrize(("table", "column"), sorted(DESIGN_CHOICES))
def test_choices_carry_the_design_values_and_labels(built, table, column):
    options = _attribute(built, table, column).findall("optionset/options/option")
    got = {int(o.get("value")): o.find("labels/label").get("description") for o in options}
    assert got == DESIGN_CHOICES[(table, column)]


def test_auth_token_is_secured_and_not_audited(built):
    token = _attribute(built, "smsb_configuration", "smsb_authtoken")
    assert token.findtext("IsSecured") == "1"
    assert token.findtext("IsAuditEnabled") == "0"
    secured = built.customizations.xpath("//attributes/attribute[IsSecured='1']/@PhysicalName")
    assert secured == ["smsb_authtoken"]


def test_alternate_keys_are_packaged(built):
    keys = {
        (table, key.findtext("Name")): [a.text for a in key.iterfind("EntityKeyAttributes/AttributeName")]
        for table in DESIGN_COLUMNS
        for key in _info(built, table).iterfind("EntityKeys/EntityKey")
    }
    assert keys == {
        ("smsb_message", "smsb_message_sid"): ["smsb_sid"],
        ("smsb_recordtype", "smsb_recordtype_configuration_entity"): ["smsb_configuration", "smsb_entitylogicalname"],
    }


def test_file_columns_keep_their_size_limit_in_kb_as_max_value(built):
    media = _attribute(built, "smsb_messagemedia", "smsb_file")
    attachment = _attribute(built, "smsb_outbox", "smsb_attachment")
    assert (media.findtext("Type"), media.findtext("MaxValue")) == ("file", "32768")
    assert (attachment.findtext("Type"), attachment.findtext("MaxValue")) == ("file", "5120")
    assert built.customizations.xpath("//attribute/MaxSizeInKB") == []


def test_every_lookup_has_its_relationship_with_the_navigation_names_clients_bind(built):
    schema = built.sources.schema
    packaged = {r.get("Name"): r for r in built.customizations.iterfind("EntityRelationships/EntityRelationship")}
    expected = packaged_relationships(schema)
    assert {r.name for r in expected} <= set(packaged)  # the others: the platform's (test_real_exports.py)
    for rel in expected:
        node = packaged[rel.name]
        assert node.findtext("ReferencingAttributeName") == rel.referencing_attribute
        assert node.findtext("ReferencingEntityName").lower() == rel.referencing_table
        assert node.findtext("ReferencedEntityName").lower() == rel.referenced_table
        # type 1: the single-valued navigation property clients bind; type 0: the collection on the parent
        roles = {r.findtext("RelationshipRoleType"): r.findtext("NavigationPropertyName")
                 for r in node.iterfind("EntityRelationshipRoles/EntityRelationshipRole")}
        assert roles == {"1": rel.referencing_navigation, "0": rel.referenced_navigation}
    lookups = {
        (table, a.get("PhysicalName"))
        for table in DESIGN_COLUMNS
        for a in _info(built, table).iterfind("attributes/attribute")
        if a.findtext("Type") in ("lookup", "customer") and a.findtext("IsCustomField") == "1"
    }
    assert lookups == {(r.referencing_table, r.referencing_attribute) for r in expected}


def test_design_relationships_and_their_cascades(built):
    rels = {r.get("Name"): r for r in built.customizations.iterfind("EntityRelationships/EntityRelationship")}
    parental = rels["smsb_messagesession_smsb_message"]
    assert (parental.findtext("CascadeDelete"), parental.findtext("CascadeAssign")) == ("Cascade", "Cascade")
    assert rels["smsb_message_smsb_messagemedia"].findtext("CascadeDelete") == "Cascade"
    assert rels["smsb_configuration_smsb_conversation"].findtext("CascadeDelete") == "RemoveLink"
    # A user's own dismissal goes with its conversation but does not follow it to a new owner.
    dismissal = rels["smsb_conversation_smsb_dismissal"]
    assert [dismissal.findtext(f"Cascade{action}") for action in ("Delete", "Assign", "Share", "Reparent")] == [
        "Cascade", "NoCascade", "Cascade", "Cascade"]
    # A chat's conversation and sessions are brought to one owner by the app, not by a cascade.
    assert rels["smsb_conversation_smsb_messagesession"].findtext("CascadeAssign") == "NoCascade"
    suffix = "_smsb_messagesession_smsb_customer"
    customer = {rels[n].findtext("ReferencedEntityName") for n in rels if n.endswith(suffix)}
    assert customer == {"Account", "Contact"}
    for name, child in (
        ("smsb_configuration_smsb_recordtype", "smsb_recordtype"),
        ("smsb_configuration_smsb_messagetemplate", "smsb_messagetemplate"),
        ("smsb_conversation_smsb_messagesession", "smsb_messagesession"),
        ("smsb_messagesession_smsb_outbox", "smsb_outbox"),
        ("team_smsb_configuration_smsb_assignedteam", "smsb_configuration"),
        ("systemuser_smsb_message_smsb_sentby", "smsb_message"),
    ):
        assert rels[name].findtext("ReferencingEntityName") == child
