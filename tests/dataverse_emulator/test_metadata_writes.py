"""Creating tables, columns, relationships and keys through the Web API, and using them like any other table.

The request bodies are those of Microsoft's pages "Create and update table definitions using the Web API",
"Create and update column definitions using the Web API" and "Create and update table relationships using the
Web API" (learn.microsoft.com/power-apps/developer/data-platform/webapi/...); each result is checked through a
second path: the rows the store holds, the data API, or the definitions read back.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.catalog import Component

from .conftest import Api, ApiResponse, Clock, stored
from .test_batch import Batch, statuses
from .test_webhooks import CREATE, Recorder, register


def text(value: str) -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.Label",
            "LocalizedLabels": [{"@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", "Label": value,
                                 "LanguageCode": 1033}]}


def primary(schema_name: str, display: str = "Name") -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "AttributeType": "String",
            "AttributeTypeName": {"Value": "StringType"}, "SchemaName": schema_name, "IsPrimaryName": True,
            "RequiredLevel": {"Value": "None", "CanBeChanged": True,
                              "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
            "MaxLength": 100, "FormatName": {"Value": "Text"}, "DisplayName": text(display),
            "Description": text(f"The {display}")}


def bank_account(**changes: Any) -> dict[str, Any]:
    """The table of "Create and update table definitions using the Web API"."""
    body = {"@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "Attributes": [primary("new_AccountName",
                                                                                            "Account Name")],
            "Description": text("An entity to store information about customer bank accounts"),
            "DisplayCollectionName": text("Bank Accounts"), "DisplayName": text("Bank Account"),
            "HasActivities": False, "HasNotes": False, "IsActivity": False, "OwnershipType": "UserOwned",
            "SchemaName": "new_BankAccount"}
    body.update(changes)
    return body


def created(response: ApiResponse) -> str:
    """The MetadataId in OData-EntityId of a 204 answer to a definition write."""
    assert response.status_code == 204, response.get_data(as_text=True)
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match, response.headers["OData-EntityId"]
    return match.group(1)


def error(response: ApiResponse, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    if code is not None:
        assert response.json["error"]["code"] == code
    message: str = response.json["error"]["message"]
    return message


def add_column(api: Api, table: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> ApiResponse:
    return api.post(f"EntityDefinitions(LogicalName='{table}')/Attributes", json=body, headers=headers or {})


@pytest.fixture
def bank(api: Api) -> str:
    created(api.post("EntityDefinitions", json=bank_account()))
    return "new_bankaccount"


# --- tables ---


def test_a_table_created_as_documented_is_served_and_stores_rows(api: Api, emulator: DataverseEmulator) -> None:
    metadata_id = created(api.post("EntityDefinitions", json=bank_account()))
    definition = api.get(f"EntityDefinitions({metadata_id})").json
    row = api.create("new_bankaccounts", {"new_accountname": "Savings"})

    assert definition["LogicalName"] == "new_bankaccount"
    assert definition["SchemaName"] == "new_BankAccount"
    assert definition["EntitySetName"] == "new_bankaccounts"
    assert (definition["PrimaryIdAttribute"], definition["PrimaryNameAttribute"]) == ("new_bankaccountid",
                                                                                     "new_accountname")
    assert definition["DisplayName"]["UserLocalizedLabel"]["Label"] == "Bank Account"
    assert definition["DisplayCollectionName"]["UserLocalizedLabel"]["Label"] == "Bank Accounts"
    assert definition["IsCustomEntity"] is True
    assert definition["OwnershipType"] == "UserOwned"
    stored = emulator.store.get("new_bankaccount", row["new_bankaccountid"])
    assert stored is not None
    assert stored["new_accountname"] == "Savings"
    assert stored["ownerid"].id == emulator.user_id  # the platform's owner, state and audit columns
    assert (stored["statecode"], stored["statuscode"]) == (0, 1)
    assert stored["createdon"] is not None


def test_the_platform_adds_the_primary_key_owner_state_and_audit_columns(api: Api, bank: str) -> None:
    attributes = api.get(f"EntityDefinitions(LogicalName='{bank}')/Attributes?$select=LogicalName,SchemaName,"
                         "AttributeType,IsCustomAttribute").json["value"]
    found = {a["LogicalName"]: a for a in attributes}

    assert {"new_bankaccountid", "createdon", "modifiedon", "createdby", "modifiedby", "versionnumber", "statecode",
            "statuscode", "ownerid", "owninguser", "owningteam", "owningbusinessunit", "new_accountname"} == set(found)
    assert found["new_accountname"]["SchemaName"] == "new_AccountName"
    assert found["new_accountname"]["IsCustomAttribute"] is True
    assert found["ownerid"]["AttributeType"] == "Owner"


def test_a_created_table_filters_binds_owners_and_formats_like_any_other(api: Api, emulator: DataverseEmulator,
                                                                        bank: str) -> None:
    team = emulator.store.insert("team", {"name": "Tellers", "businessunitid": emulator.business_unit_id})
    api.create("new_bankaccounts", {"new_accountname": "Savings", "ownerid@odata.bind": f"/teams({team})"})
    api.create("new_bankaccounts", {"new_accountname": "Checking"})

    found = api.get("new_bankaccounts?$filter=startswith(new_accountname,'sav')&$select=new_accountname,_ownerid_value",
                    headers={"Prefer": 'odata.include-annotations="*"'}).json["value"]

    assert [r["new_accountname"] for r in found] == ["Savings"]
    assert found[0]["_ownerid_value"] == team
    assert found[0]["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "team"
    assert api.get("new_bankaccounts/$count").get_data(as_text=True) == "2"


def test_entity_set_names_are_english_plurals_unless_given(api: Api) -> None:
    for schema_name, entity_set in (("new_Category", "new_categories"), ("new_Box", "new_boxes"),
                                    ("new_Day", "new_days")):
        created(api.post("EntityDefinitions", json=bank_account(SchemaName=schema_name, Attributes=[
            primary(f"{schema_name}Name")])))
        definition = api.get(f"EntityDefinitions(LogicalName='{schema_name.lower()}')?$select=EntitySetName").json
        assert definition["EntitySetName"] == entity_set
    created(api.post("EntityDefinitions", json=bank_account(SchemaName="new_Person", EntitySetName="new_people",
                                                            Attributes=[primary("new_PersonName")])))
    assert api.get("new_people").status_code == 200


def test_names_need_the_publisher_prefix_of_the_solution(api: Api, emulator: DataverseEmulator) -> None:
    without = bank_account(SchemaName="BankAccount")
    foreign = bank_account(SchemaName="new_Ledger", Attributes=[primary("new_LedgerName")])
    product = bank_account(SchemaName="smsb_Ledger", Attributes=[primary("smsb_LedgerName")])

    message = error(api.post("EntityDefinitions", json=without), 400, "0x80044366")
    error(api.post("EntityDefinitions", json=foreign, headers={"MSCRM.SolutionUniqueName": "SmsBridge"}), 400,
          "0x80044366")
    created(api.post("EntityDefinitions", json=product, headers={"MSCRM.SolutionUniqueName": "SmsBridge"}))
    error(api.post("EntityDefinitions", json=foreign, headers={"MSCRM.SolutionUniqueName": "Nope"}), 404)

    assert "must start with a valid customization prefix" in message
    assert emulator.catalog.components_of("SmsBridge") == (Component("Entity", "smsb_ledger"),)
    assert not emulator.schema.has_table("new_ledger")


def test_a_table_needs_one_text_primary_name_and_a_new_name(api: Api, bank: str) -> None:
    number = {"@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata", "SchemaName": "new_Number",
              "IsPrimaryName": True, "DisplayName": text("Number")}

    error(api.post("EntityDefinitions", json=bank_account()), 400, "0x80047010")
    error(api.post("EntityDefinitions", json=bank_account(SchemaName="new_A", Attributes=[])), 400)
    error(api.post("EntityDefinitions", json=bank_account(SchemaName="new_B", Attributes=[
        primary("new_One"), primary("new_Two")])), 400, "0x8004701E")
    error(api.post("EntityDefinitions", json=bank_account(SchemaName="new_C", Attributes=[number])), 400, "0x8004700e")
    error(api.post("EntityDefinitions", json=bank_account(SchemaName="new_D", Nonsense=True)), 400)
    assert api.get("EntityDefinitions?$select=LogicalName&$filter=IsCustomEntity eq true and "
                   "LogicalName eq 'new_b'").json["value"] == []


def test_create_entities_creates_every_table_or_none(api: Api, emulator: DataverseEmulator) -> None:
    good = bank_account(SchemaName="new_One", Attributes=[primary("new_OneName")])
    good["@odata.type"] = "Microsoft.Dynamics.CRM.ComplexEntityMetadata"
    bad = bank_account(SchemaName="Two", Attributes=[primary("new_TwoName")])

    error(api.post("CreateEntities", json={"Entities": [good, bad]}), 400, "0x80044366")
    assert not emulator.schema.has_table("new_one")
    assert api.post("CreateEntities?SolutionUniqueName=SmsBridge", json={"Entities": [good]}).status_code == 400
    assert api.post("CreateEntities", json={"Entities": [good]}).status_code == 204
    assert emulator.schema.table("new_one").entity_set == "new_ones"


def test_a_custom_activity_has_regarding_and_parties(api: Api, emulator: DataverseEmulator) -> None:
    contact = api.create("contacts", {"lastname": "Lopez"})
    body = bank_account(SchemaName="new_Call", IsActivity=True, Attributes=[primary("Subject", "Subject")])
    created(api.post("EntityDefinitions", json=body))

    call = api.create("new_calls", {
        "subject": "Follow up", "regardingobjectid_contact_new_call@odata.bind": f"/contacts({contact['contactid']})",
        "new_call_activity_parties": [{"partyid_contact@odata.bind": f"/contacts({contact['contactid']})",
                                       "participationtypemask": 2}]})

    definition = api.get("EntityDefinitions(LogicalName='new_call')?$select=IsActivity,PrimaryIdAttribute").json
    assert (definition["IsActivity"], definition["PrimaryIdAttribute"]) == (True, "activityid")
    assert call["_regardingobjectid_value"] == contact["contactid"]
    pointers = api.get(f"activitypointers?$filter=activityid eq {call['activityid']}&$select=activitytypecode")
    assert [p["activitytypecode"] for p in pointers.json["value"]] == ["new_call"]
    parties = [p for p in emulator.store.rows("activityparty") if p["activityid"].id == call["activityid"]]
    assert [p["partyid"].id for p in parties] == [contact["contactid"]]
    wrong = bank_account(SchemaName="new_Chat", IsActivity=True, Attributes=[primary("new_Topic")])
    error(api.post("EntityDefinitions", json=wrong), 400, "0x8004F127")


def test_a_table_with_activities_can_be_the_regarding_of_an_activity(api: Api) -> None:
    created(api.post("EntityDefinitions", json=bank_account(HasActivities=True)))
    account = api.create("new_bankaccounts", {"new_accountname": "Savings"})

    outbox = api.create("smsb_outboxes", {
        "subject": "Hi", "regardingobjectid_new_bankaccount_smsb_outbox@odata.bind":
            f"/new_bankaccounts({account['new_bankaccountid']})"})

    assert outbox["_regardingobjectid_value"] == account["new_bankaccountid"]
    assert api.get("EntityDefinitions(LogicalName='new_bankaccount')?$select=HasActivities").json["HasActivities"]


def test_deleting_a_table_removes_its_rows_and_message_filters(api: Api, emulator: DataverseEmulator,
                                                                bank: str) -> None:
    metadata_id = api.get(f"EntityDefinitions(LogicalName='{bank}')?$select=LogicalName").json["MetadataId"]
    api.create("new_bankaccounts", {"new_accountname": "Savings"})
    filters = f"sdkmessagefilters?$filter=primaryobjecttypecode eq '{bank}'"
    assert len(api.get(filters).json["value"]) == 3

    assert api.delete(f"EntityDefinitions({metadata_id})", headers={"If-Match": "*"}).status_code == 204

    assert api.get(f"EntityDefinitions({metadata_id})").status_code == 404
    assert api.get("new_bankaccounts").status_code == 404
    assert not emulator.schema.has_table(bank)
    assert api.get(filters).json["value"] == []
    error(api.delete("EntityDefinitions(LogicalName='contact')"), 400)


def test_a_created_table_raises_webhooks_like_a_product_table(clock: Clock) -> None:
    recorder = Recorder()
    emulator = DataverseEmulator(clock=clock, webhook_sender=recorder)
    try:
        api = Api(emulator)
        created(api.post("EntityDefinitions", json=bank_account()))
        register(api, "new_bankaccount", CREATE)
        row = api.create("new_bankaccounts", {"new_accountname": "Savings"})
        (delivery,) = emulator.webhooks.drain()
    finally:
        emulator.webhooks.stop()

    assert delivery.status == 200
    assert recorder.calls[0][1]["x-ms-dynamics-entity-name"] == "new_bankaccount"
    assert row["new_bankaccountid"].encode() in recorder.calls[0][2]


def test_reset_forgets_definitions_created_at_run_time(api: Api, emulator: DataverseEmulator, bank: str) -> None:
    emulator.reset()

    assert api.get(f"EntityDefinitions(LogicalName='{bank}')").status_code == 404
    assert not emulator.schema.has_table(bank)
    created(api.post("EntityDefinitions", json=bank_account()))


def test_definitions_do_not_change_inside_a_change_set(api: Api, emulator: DataverseEmulator) -> None:
    response = Batch().changeset(("POST", "/api/data/v9.2/EntityDefinitions", bank_account())).send(api)

    assert statuses(response) == [501]
    assert not emulator.schema.has_table("new_bankaccount")


# --- columns ---


COLUMNS: dict[str, dict[str, Any]] = {
    "new_email": {"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "SchemaName": "new_Email",
                  "MaxLength": 50, "FormatName": {"Value": "Email"}, "DisplayName": text("Email")},
    "new_notes": {"@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata", "SchemaName": "new_Notes",
                  "MaxLength": 500, "DisplayName": text("Notes")},
    "new_rating": {"@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata", "SchemaName": "new_Rating",
                   "MinValue": 1, "MaxValue": 5, "Format": "None", "DisplayName": text("Rating")},
    "new_rate": {"@odata.type": "Microsoft.Dynamics.CRM.DecimalAttributeMetadata", "AttributeType": "Decimal",
                 "SchemaName": "new_Rate", "MinValue": 0.0, "MaxValue": 100.0, "Precision": 1,
                 "DisplayName": text("Rate")},
    "new_checked": {"@odata.type": "Microsoft.Dynamics.CRM.DateTimeAttributeMetadata", "SchemaName": "new_Checked",
                    "Format": "DateOnly", "DisplayName": text("Date")},
    "new_active": {"@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata", "SchemaName": "new_Active",
                   "DefaultValue": False, "DisplayName": text("Active"),
                   "OptionSet": {"TrueOption": {"Value": 1, "Label": text("Open")},
                                 "FalseOption": {"Value": 0, "Label": text("Closed")}, "OptionSetType": "Boolean"}},
    "new_course": {"@odata.type": "Microsoft.Dynamics.CRM.PicklistAttributeMetadata", "SchemaName": "new_Course",
                   "DisplayName": text("Course"),
                   "OptionSet": {"@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata", "IsGlobal": False,
                                 "OptionSetType": "Picklist",
                                 "Options": [{"Value": 727000000, "Label": text("Appetizer")},
                                             {"Value": 727000001, "Label": text("Entree")}]}},
    "new_statement": {"@odata.type": "Microsoft.Dynamics.CRM.FileAttributeMetadata", "SchemaName": "new_Statement",
                      "MaxSizeInKB": 1024, "DisplayName": text("Statement")},
    "new_total": {"@odata.type": "Microsoft.Dynamics.CRM.BigIntAttributeMetadata", "SchemaName": "new_Total",
                  "DisplayName": text("Total")},
    "new_balance": {"@odata.type": "Microsoft.Dynamics.CRM.MoneyAttributeMetadata", "AttributeType": "Money",
                    "AttributeTypeName": {"Value": "MoneyType"}, "SchemaName": "new_Balance", "PrecisionSource": 2,
                    "DisplayName": text("Balance"), "Description": text("Enter the balance amount")},
    "new_weight": {"@odata.type": "Microsoft.Dynamics.CRM.DoubleAttributeMetadata", "SchemaName": "new_Weight",
                   "MinValue": 0.0, "MaxValue": 1000.0, "Precision": 3, "DisplayName": text("Weight")},
    "new_courses": {"@odata.type": "Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata",
                    "AttributeType": "Virtual", "AttributeTypeName": {"Value": "MultiSelectPicklistType"},
                    "SchemaName": "new_Courses", "DisplayName": text("Courses"),
                    "OptionSet": {"@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata", "IsGlobal": False,
                                  "OptionSetType": "Picklist",
                                  "Options": [{"Value": 727000000, "Label": text("Appetizer")},
                                              {"Value": 727000001, "Label": text("Entree")},
                                              {"Value": 727000002, "Label": text("Dessert")}]}},
}


def test_columns_of_each_type_are_added_with_their_definitions(api: Api, bank: str) -> None:
    for body in COLUMNS.values():
        created(add_column(api, bank, body))
    read = {a["LogicalName"]: a for a in api.get(f"EntityDefinitions(LogicalName='{bank}')/Attributes").json["value"]}
    course = api.get(f"EntityDefinitions(LogicalName='{bank}')/Attributes(LogicalName='new_course')"
                     "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet").json
    active = api.get(f"EntityDefinitions(LogicalName='{bank}')/Attributes(LogicalName='new_active')"
                     "/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet").json

    assert (read["new_email"]["MaxLength"], read["new_email"]["FormatName"]) == (50, {"Value": "Email"})
    assert read["new_notes"]["MaxLength"] == 500
    assert (read["new_rating"]["MinValue"], read["new_rating"]["MaxValue"]) == (1, 5)
    assert (read["new_rate"]["Precision"], read["new_rate"]["MaxValue"]) == (1, 100.0)
    assert read["new_checked"]["Format"] == "DateOnly"
    assert read["new_statement"]["MaxSizeInKB"] == 1024
    assert read["new_statement"]["AttributeType"] == "Virtual"
    assert read["new_total"]["AttributeType"] == "BigInt"
    assert (read["new_balance"]["AttributeType"], read["new_balance"]["PrecisionSource"]) == ("Money", 2)
    assert (read["new_weight"]["AttributeType"], read["new_weight"]["Precision"]) == ("Double", 3)
    assert read["new_courses"]["AttributeTypeName"] == {"Value": "MultiSelectPicklistType"}
    assert [(o["Value"], o["Label"]["UserLocalizedLabel"]["Label"]) for o in course["OptionSet"]["Options"]] == [
        (727000000, "Appetizer"), (727000001, "Entree")]
    assert active["OptionSet"]["TrueOption"]["Label"]["UserLocalizedLabel"]["Label"] == "Open"


def test_added_columns_hold_values_with_their_rules_and_labels(api: Api, emulator: DataverseEmulator,
                                                               bank: str) -> None:
    for body in COLUMNS.values():
        created(add_column(api, bank, body))
    row = api.post("new_bankaccounts", json={"new_accountname": "A", "new_rating": 4, "new_course": 727000001,
                                             "new_active": True, "new_email": "a@example.com",
                                             "new_courses": "727000000,727000002", "new_balance": 12.5,
                                             "new_weight": 2.125},
                   headers={"Prefer": 'return=representation,odata.include-annotations="*"'}).json

    assert row["new_course@OData.Community.Display.V1.FormattedValue"] == "Entree"
    assert row["new_active@OData.Community.Display.V1.FormattedValue"] == "Open"
    assert row["new_courses@OData.Community.Display.V1.FormattedValue"] == "Appetizer; Dessert"
    assert (row["new_balance"], row["new_weight"]) == (12.5, 2.125)
    assert stored(emulator, bank, row["new_bankaccountid"])["new_rating"] == 4
    assert api.post("new_bankaccounts", json={"new_rating": 6}).status_code == 400
    assert api.post("new_bankaccounts", json={"new_course": 1}).status_code == 400
    assert api.post("new_bankaccounts", json={"new_email": "x" * 51}).status_code == 400


def test_column_names_follow_the_prefix_and_uniqueness_rules(api: Api, bank: str) -> None:
    email = COLUMNS["new_email"]
    created(add_column(api, bank, email))

    error(add_column(api, bank, email), 400, "0x80047013")
    error(add_column(api, bank, {**email, "SchemaName": "Email"}), 400, "0x80044366")
    error(add_column(api, "contact", email, {"MSCRM.SolutionUniqueName": "SmsBridge"}), 400, "0x80044366")
    created(add_column(api, "contact", email))  # a standard table takes custom columns too
    assert api.post("contacts", json={"lastname": "L", "new_email": "l@example.com"}).status_code == 204


def test_lookups_and_global_choices_are_not_created_through_attributes(api: Api, bank: str) -> None:
    lookup = {"@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata", "SchemaName": "new_ContactId",
              "DisplayName": text("Contact")}
    bound = {**COLUMNS["new_course"], "GlobalOptionSet@odata.bind": "/GlobalOptionSetDefinitions(Name='x')"}

    assert "RelationshipDefinitions" in error(add_column(api, bank, lookup), 400)
    assert "global option sets" in error(add_column(api, bank, bound), 501)


def test_a_column_definition_is_replaced_with_put(api: Api, bank: str) -> None:
    created(add_column(api, bank, COLUMNS["new_email"]))
    path = f"EntityDefinitions(LogicalName='{bank}')/Attributes(LogicalName='new_email')"
    current = api.get(f"{path}/Microsoft.Dynamics.CRM.StringAttributeMetadata").json
    changed = {k: v for k, v in current.items() if not k.startswith("@odata.context")}
    changed.update({"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "MaxLength": 200,
                    "DisplayName": text("Work Email"),
                    "RequiredLevel": {"Value": "ApplicationRequired", "CanBeChanged": True}})

    response = api.request("PUT", path, json=changed, headers={"MSCRM.MergeLabels": "true"})

    assert response.status_code == 204, response.get_data(as_text=True)
    after = api.get(f"{path}/Microsoft.Dynamics.CRM.StringAttributeMetadata").json
    assert after["MaxLength"] == 200
    assert after["DisplayName"]["UserLocalizedLabel"]["Label"] == "Work Email"
    assert after["RequiredLevel"]["Value"] == "ApplicationRequired"
    assert api.post("new_bankaccounts", json={"new_email": "x" * 150}).status_code == 204
    error(api.request("PUT", path, json={**changed, "@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata"}),
          400)


def test_deleting_a_custom_column_drops_its_values(api: Api, emulator: DataverseEmulator, bank: str) -> None:
    attribute_id = created(add_column(api, bank, COLUMNS["new_email"]))
    row = api.create("new_bankaccounts", {"new_accountname": "A", "new_email": "a@example.com"})
    table_id = api.get(f"EntityDefinitions(LogicalName='{bank}')?$select=LogicalName").json["MetadataId"]

    response = api.delete(f"EntityDefinitions({table_id})/Attributes({attribute_id})", headers={"If-Match": "*"})

    assert response.status_code == 204
    assert "new_email" not in stored(emulator, bank, row["new_bankaccountid"])
    assert api.get("new_bankaccounts?$select=new_email").status_code == 400
    error(api.delete(f"EntityDefinitions({table_id})/Attributes(LogicalName='createdon')"), 400)
    error(api.delete(f"EntityDefinitions({table_id})/Attributes(LogicalName='new_accountname')"), 400)


# --- relationships ---


def one_to_many(**changes: Any) -> dict[str, Any]:
    """The relationship of "Create and update table relationships using the Web API"."""
    body = {"SchemaName": "new_contact_new_bankaccount",
            "@odata.type": "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
            "CascadeConfiguration": {"Assign": "Cascade", "Delete": "Cascade", "Merge": "Cascade",
                                     "Reparent": "Cascade", "Share": "Cascade", "Unshare": "Cascade"},
            "ReferencedAttribute": "contactid", "ReferencedEntity": "contact", "ReferencingEntity": "new_bankaccount",
            "Lookup": {"AttributeType": "Lookup", "AttributeTypeName": {"Value": "LookupType"},
                       "Description": text("The owner of the account"), "DisplayName": text("Account Owner"),
                       "RequiredLevel": {"Value": "ApplicationRequired", "CanBeChanged": True,
                                         "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
                       "SchemaName": "new_AccountOwner",
                       "@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata"}}
    body.update(changes)
    return body


def test_a_one_to_many_relationship_adds_a_lookup_bound_by_its_schema_name(api: Api, emulator: DataverseEmulator,
                                                                         bank: str) -> None:
    relationship_id = created(api.post("RelationshipDefinitions", json=one_to_many()))
    contact = api.create("contacts", {"lastname": "Lopez"})

    account = api.create("new_bankaccounts", {"new_accountname": "Savings",
                                              "new_AccountOwner@odata.bind": f"/contacts({contact['contactid']})"})
    expanded = api.get(f"contacts({contact['contactid']})?$select=lastname"
                       "&$expand=new_contact_new_bankaccount($select=new_accountname)").json
    definition = api.get(f"RelationshipDefinitions({relationship_id})").json

    assert account["_new_accountowner_value"] == contact["contactid"]
    assert [a["new_accountname"] for a in expanded["new_contact_new_bankaccount"]] == ["Savings"]
    assert definition["ReferencingEntityNavigationPropertyName"] == "new_AccountOwner"
    assert definition["ReferencedEntityNavigationPropertyName"] == "new_contact_new_bankaccount"
    assert definition["CascadeConfiguration"]["Assign"] == "Cascade"
    lookup = api.get(f"EntityDefinitions(LogicalName='{bank}')/Attributes(LogicalName='new_accountowner')"
                     "/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=Targets,RequiredLevel,SchemaName").json
    assert (lookup["Targets"], lookup["SchemaName"]) == (["contact"], "new_AccountOwner")
    assert api.delete(f"contacts({contact['contactid']})").status_code == 204  # Delete: Cascade
    assert emulator.store.rows(bank) == []


def test_a_table_is_the_child_of_one_parental_relationship_only(api: Api, bank: str) -> None:
    created(api.post("RelationshipDefinitions", json=one_to_many()))
    second = one_to_many(SchemaName="new_account_new_bankaccount", ReferencedEntity="account",
                         ReferencedAttribute="accountid",
                         Lookup={**one_to_many()["Lookup"], "SchemaName": "new_Bank"})

    error(api.post("RelationshipDefinitions", json=second), 400, "0x8004432D")
    error(api.post("RelationshipDefinitions", json=one_to_many()), 400, "0x80047010")
    referential = {**second, "CascadeConfiguration": {"Delete": "RemoveLink"}}
    created(api.post("RelationshipDefinitions", json=referential))


def test_deleting_a_relationship_removes_its_lookup(api: Api, emulator: DataverseEmulator, bank: str) -> None:
    relationship_id = created(api.post("RelationshipDefinitions", json=one_to_many()))
    deleted = api.delete(f"RelationshipDefinitions({relationship_id})", headers={"If-Match": "*"})

    assert deleted.status_code == 204
    assert not emulator.schema.table(bank).has_column("new_accountowner")
    assert api.get("RelationshipDefinitions(SchemaName='new_contact_new_bankaccount')").status_code == 404
    error(api.delete("RelationshipDefinitions(SchemaName='teammembership_association')"), 400)


def test_a_many_to_many_relationship_has_an_intersect_table_and_associations(api: Api, emulator: DataverseEmulator,
                                                                            bank: str) -> None:
    body = {"SchemaName": "new_bankaccount_contact",
            "@odata.type": "Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata",
            "Entity1LogicalName": "new_bankaccount", "Entity2LogicalName": "contact",
            "IntersectEntityName": "new_bankaccount_contact"}
    relationship_id = created(api.post("RelationshipDefinitions", json=body))
    account = api.create("new_bankaccounts", {"new_accountname": "Joint"})
    contact = api.create("contacts", {"lastname": "Lopez"})

    associated = api.post(f"new_bankaccounts({account['new_bankaccountid']})/new_bankaccount_contact/$ref",
                          json={"@odata.id": f"contacts({contact['contactid']})"})
    listed = api.get(f"contacts({contact['contactid']})/new_bankaccount_contact?$select=new_accountname").json

    assert associated.status_code == 204
    assert [a["new_accountname"] for a in listed["value"]] == ["Joint"]
    assert len(emulator.store.rows("new_bankaccount_contact")) == 1
    assert api.get("new_bankaccount_contactset").status_code == 200
    definition = api.get(f"RelationshipDefinitions({relationship_id})").json
    assert (definition["Entity1IntersectAttribute"], definition["Entity2IntersectAttribute"]) == (
        "new_bankaccountid", "contactid")
    assert api.delete(f"RelationshipDefinitions({relationship_id})").status_code == 204
    assert not emulator.schema.has_table("new_bankaccount_contact")


# --- keys ---


def key(schema_name: str = "new_email_key", columns: tuple[str, ...] = ("new_email",)) -> dict[str, Any]:
    return {"SchemaName": schema_name, "KeyAttributes": list(columns), "DisplayName": text("Email")}


def test_an_alternate_key_builds_its_index_then_addresses_rows(api: Api, emulator: DataverseEmulator, clock: Clock,
                                                              bank: str) -> None:
    emulator.solutions.key_index_seconds = 60
    created(add_column(api, bank, COLUMNS["new_email"]))
    keys = f"EntityDefinitions(LogicalName='{bank}')/Keys"
    response = api.post(keys, json=key())
    key_id = created(response)

    pending = api.get(f"{keys}({key_id})").json
    clock.advance(seconds=61)
    active = api.get(f"{keys}?$select=LogicalName,EntityKeyIndexStatus").json["value"]
    upserted = api.patch("new_bankaccounts(new_email='a@example.com')", json={"new_accountname": "A"})

    assert response.headers["OData-EntityId"].endswith(f"EntityDefinitions(LogicalName='{bank}')/Keys({key_id})")
    assert (pending["EntityKeyIndexStatus"], pending["SchemaName"], pending["KeyAttributes"]) == (
        "Pending", "new_email_key", ["new_email"])
    assert [(k["LogicalName"], k["EntityKeyIndexStatus"]) for k in active] == [("new_email_key", "Active")]
    assert upserted.status_code == 204
    assert [r["new_accountname"] for r in emulator.store.rows(bank)] == ["A"]


def test_a_key_over_duplicate_values_fails_to_build_and_is_not_enforced(api: Api, emulator: DataverseEmulator,
                                                                       bank: str) -> None:
    created(add_column(api, bank, COLUMNS["new_email"]))
    api.create("new_bankaccounts", {"new_email": "same@example.com"})
    api.create("new_bankaccounts", {"new_email": "SAME@example.com"})
    keys = f"EntityDefinitions(LogicalName='{bank}')/Keys"

    created(api.post(keys, json=key()))

    assert [k["EntityKeyIndexStatus"] for k in api.get(keys).json["value"]] == ["Failed"]
    assert api.post("new_bankaccounts", json={"new_email": "same@example.com"}).status_code == 204
    assert emulator.schema.table(bank).keys == ()


def test_key_names_and_columns_follow_dataverse_rules(api: Api, bank: str) -> None:
    created(add_column(api, bank, COLUMNS["new_email"]))
    created(add_column(api, bank, COLUMNS["new_notes"]))
    keys = f"EntityDefinitions(LogicalName='{bank}')/Keys"
    key_id = created(api.post(keys, json=key()))

    error(api.post(keys, json=key()), 400, "0x80060893")
    error(api.post(keys, json=key("new_other_key")), 400, "0x80060894")
    error(api.post(keys, json=key("new_notes_key", ("new_notes",))), 400)  # memo columns cannot be keys
    error(api.post(keys, json=key("EmailKey")), 400, "0x80044366")
    assert api.delete(f"{keys}({key_id})", headers={"If-Match": "*"}).status_code == 204
    assert api.get(keys).json["value"] == []
    created(api.post(keys, json=key("new_other_key")))


# --- RetrieveMetadataChanges ---


def test_retrieve_metadata_changes_returns_typed_columns_of_the_tables_asked_for(api: Api) -> None:
    query = ('{"Properties":{"PropertyNames":["LogicalName","Attributes"]},"Criteria":{"Conditions":[{'
             '"PropertyName":"LogicalName","ConditionOperator":"Equals","Value":{"Type":"System.String",'
             '"Value":"smsb_message"}}]},"AttributeQuery":{"Properties":{"PropertyNames":["LogicalName",'
             '"AttributeType","MaxLength"]},"Criteria":{"Conditions":[{"PropertyName":"AttributeType",'
             '"ConditionOperator":"Equals","Value":{"Type":"Microsoft.Xrm.Sdk.Metadata.AttributeTypeCode",'
             '"Value":"String"}}]}}}')
    response = api.get("RetrieveMetadataChanges(Query=@p1)", query_string={"@p1": query})

    assert response.status_code == 200, response.get_data(as_text=True)
    (entity,) = response.json["EntityMetadata"]
    assert set(entity) == {"MetadataId", "LogicalName", "Attributes"}
    by_name = {a["LogicalName"]: a for a in entity["Attributes"]}
    assert by_name["smsb_sid"]["MaxLength"] == 64
    assert set(by_name["smsb_sid"]) == {"@odata.type", "MetadataId", "LogicalName", "AttributeType", "MaxLength"}
    assert all(a["AttributeType"] == "String" for a in entity["Attributes"])
    assert response.json["ServerVersionStamp"]


def test_retrieve_metadata_changes_refuses_change_tracking_by_name(api: Api) -> None:
    query = '{"Criteria":{"Conditions":[]}}'
    response = api.get("RetrieveMetadataChanges(Query=@p1,ClientVersionStamp=@p2)",
                       query_string={"@p1": query, "@p2": '"1!01/01/2026 00:00:00"'})

    assert "ClientVersionStamp" in error(response, 501)
    assert "KeyQuery" in error(api.get("RetrieveMetadataChanges(Query=@p1)",
                                       query_string={"@p1": '{"KeyQuery":{}}'}), 501)



def test_created_tables_get_new_object_type_codes_and_the_others_keep_theirs(api: Api) -> None:
    codes = "EntityDefinitions?$select=LogicalName,ObjectTypeCode&$filter=IsCustomEntity eq true"
    before = {t["LogicalName"]: t["ObjectTypeCode"] for t in api.get(codes).json["value"]}
    created(api.post("EntityDefinitions", json=bank_account()))
    created(api.post("RelationshipDefinitions", json={
        "SchemaName": "new_bankaccount_contact", "IntersectEntityName": "new_bankaccount_contact",
        "@odata.type": "Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata",
        "Entity1LogicalName": "new_bankaccount", "Entity2LogicalName": "contact"}))

    after = {t["LogicalName"]: t["ObjectTypeCode"] for t in api.get(codes).json["value"]}

    assert {name: after[name] for name in before} == before
    new = {after["new_bankaccount"], after["new_bankaccount_contact"]}
    assert len(new) == 2
    assert not new & set(before.values())
    assert min(new) >= 10000
