"""Any table, any column, end to end on the devstack: an admin creates a table through the metadata Web API, a
Record Type names it, and texts in and out work on its records as on a contact's — the customer matched and the
session Regarding it, an Outbox a workflow creates with Regarding set to the record, its template filled in from any
column with the values Dataverse formats; a chat started from a Case texts the Case's contact; lead and salesorder
behave the same; a table that takes no activities is refused with the fix.

The table definitions are created with the bodies of Microsoft's "Create and update table definitions using the Web
API" and "Create and update column definitions using the Web API"
(learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api and
.../create-update-column-definitions-using-web-api); the product learns them from `EntityDefinitions` at run time.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from dataverse import bind
from dataverse.odata import DataverseRequest
from devstack.dataverse_emulator import Ref
from devstack.sandbox import Sandbox
from messaging.ids import conversation_id
from messaging.names import OutboxStatus
from tests.pipeline.conftest import inbound_params, post_signed, queued

pytestmark = pytest.mark.azurite

OWNER_PHONE = "+16565550199"  # stored in the vehicle as "(656) 555-0199"
AVERY = "+16562185892"  # the seeded contact Avery Park, mobilephone "+1 (656) 218-5892"
ELECTRIC = 100000002


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox(twilio_callback_delay=0.01)
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def settle(sandbox: Sandbox, timeout: float = 30) -> None:
    """Run both queues until the webhooks (Record Types, Outbox rows), the sends and their callbacks are done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sandbox.dataverse.webhooks.drain(1)
        handled = sandbox.drain("sms-outbound") + sandbox.drain("sms-inbound")
        sandbox.twilio.wait_idle(5)
        if not handled and not queued(sandbox, "sms-outbound") and not queued(sandbox, "sms-inbound"):
            return


# -- what an admin does through the metadata Web API ----------------------------------------------------------------
def label(text: str) -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.Label",
            "LocalizedLabels": [{"@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", "Label": text,
                                 "LanguageCode": 1033}]}


def text_column(schema_name: str, display: str, *, primary: bool = False, phone: bool = False) -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "AttributeType": "String",
            "AttributeTypeName": {"Value": "StringType"}, "SchemaName": schema_name, "IsPrimaryName": primary,
            "RequiredLevel": {"Value": "None", "CanBeChanged": True,
                              "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
            "MaxLength": 100, "FormatName": {"Value": "Phone" if phone else "Text"}, "DisplayName": label(display),
            "Description": label(display)}


def yes_no_column(schema_name: str, display: str) -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata", "SchemaName": schema_name,
            "DefaultValue": False, "DisplayName": label(display),
            "OptionSet": {"TrueOption": {"Value": 1, "Label": label("Yes")},
                          "FalseOption": {"Value": 0, "Label": label("No")}, "OptionSetType": "Boolean"}}


def choice_column(schema_name: str, display: str, options: list[str]) -> dict[str, Any]:
    return {"@odata.type": "Microsoft.Dynamics.CRM.PicklistAttributeMetadata", "SchemaName": schema_name,
            "DisplayName": label(display),
            "OptionSet": {"@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata", "IsGlobal": False,
                          "OptionSetType": "Picklist",
                          "Options": [{"Value": 100000000 + index, "Label": label(option)}
                                      for index, option in enumerate(options)]}}


def metadata(sandbox: Sandbox, path: str, body: dict[str, Any]) -> None:
    response = sandbox.app.dataverse.send(DataverseRequest("POST", path, json=body, idempotent=False))
    assert response.status == 204, response.body


def create_vehicle_table(sandbox: Sandbox, *, activities: bool = True, schema_name: str = "new_Vehicle") -> str:
    """A custom table with a phone column, a Yes/No column and a choice column."""
    metadata(sandbox, "EntityDefinitions", {
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "SchemaName": schema_name,
        "DisplayName": label("Vehicle"), "DisplayCollectionName": label("Vehicles"),
        "Description": label("A customer's vehicle"), "OwnershipType": "UserOwned", "IsActivity": False,
        "HasActivities": activities, "HasNotes": False,
        "Attributes": [text_column(f"{schema_name}Registration", "Registration", primary=True)]})
    table = schema_name.lower()
    columns = f"EntityDefinitions(LogicalName='{table}')/Attributes"
    metadata(sandbox, columns, text_column("new_OwnerPhone", "Owner Phone", phone=True))
    metadata(sandbox, columns, yes_no_column("new_SmsConsent", "SMS Consent"))
    metadata(sandbox, columns, choice_column("new_Fuel", "Fuel", ["Petrol", "Diesel", "Electric"]))
    return table


def record_type(sandbox: Sandbox, entity: str, phone: str, **columns: Any) -> uuid.UUID:
    product = sandbox.product
    assert product is not None
    return sandbox.app.dataverse.create("smsb_recordtypes", {
        "smsb_name": entity, "smsb_configuration@odata.bind": bind("smsb_configurations", product.configuration_id),
        "smsb_entitylogicalname": entity, "smsb_phonefield": phone, "smsb_defaultcountrycode": "+1",
        "smsb_priorityorder": 5, **columns})


def verdict(sandbox: Sandbox, record_type_id: uuid.UUID) -> str | None:
    row = sandbox.dataverse.store.get("smsb_recordtype", str(record_type_id))
    assert row is not None
    return row.get("smsb_validationmessage")


def outbox(sandbox: Sandbox, regarding: tuple[str, str, uuid.UUID | str], **fields: Any) -> uuid.UUID:
    """An Outbox as a classic workflow or a flow creates it: From, Regarding the record it runs on, a template."""
    product = sandbox.product
    assert product is not None
    table, entity_set, record = regarding
    outbox_id = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, {
        "subject": "Service reminder",
        "smsb_configuration@odata.bind": bind("smsb_configurations", product.configuration_id),
        f"regardingobjectid_{table}_smsb_outbox@odata.bind": bind(entity_set, record), **fields})
    return outbox_id


def template(sandbox: Sandbox, entity: str, body: str) -> dict[str, str]:
    template_id = sandbox.app.dataverse.create("smsb_messagetemplates", {
        "smsb_name": f"{entity} reminder", "smsb_templatetype": 1, "smsb_entitylogicalname": entity,
        "smsb_body": body, "smsb_publishstate": 2})
    return {"smsb_messagetemplate@odata.bind": bind("smsb_messagetemplates", template_id)}


def text_in(sandbox: Sandbox, number: str, body: str) -> None:
    response = post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, number, body))
    assert response.status_code == 200, response.text
    settle(sandbox)


def stored(sandbox: Sandbox, table: str, row_id: uuid.UUID | str) -> dict[str, Any]:
    row = sandbox.dataverse.store.get(table, str(row_id))
    assert row is not None, f"no {table} {row_id}"
    return row


def conversation_of(sandbox: Sandbox, number: str) -> dict[str, Any]:
    product = sandbox.product
    assert product is not None
    return stored(sandbox, "smsb_conversation", conversation_id(product.configuration_id, number))


def session_of(sandbox: Sandbox, number: str) -> dict[str, Any]:
    product = sandbox.product
    assert product is not None
    (session,) = [row for row in sandbox.rows("smsb_messagesession")
                  if row["smsb_conversation"].id == str(conversation_id(product.configuration_id, number))]
    return session


def sent_to(sandbox: Sandbox, number: str) -> list[str]:
    return [message.body for message in sandbox.twilio.messages
            if message.direction == "outbound-api" and message.to == number]


# -- a custom table -------------------------------------------------------------------------------------------------
@pytest.fixture
def vehicle(sandbox: Sandbox) -> str:
    """A vehicle whose owner agreed to texts, and a Record Type for the table that Validate accepted."""
    table = create_vehicle_table(sandbox)
    vehicle_id = sandbox.app.dataverse.create("new_vehicles", {
        "new_vehicleregistration": "KA-01-1234", "new_ownerphone": "(656) 555-0199", "new_smsconsent": True,
        "new_fuel": ELECTRIC})
    checked = record_type(sandbox, table, "new_ownerphone", smsb_compliancefield="new_smsconsent")
    settle(sandbox)
    assert verdict(sandbox, checked) is None
    return str(vehicle_id)


def test_a_text_from_a_number_in_a_custom_tables_phone_column_lands_on_that_record(
        sandbox: Sandbox, vehicle: str) -> None:
    text_in(sandbox, OWNER_PHONE, "Is my car ready?")

    conversation = conversation_of(sandbox, OWNER_PHONE)
    assert (conversation["smsb_customerentity"], conversation["smsb_customerid"]) == ("new_vehicle", vehicle)
    assert conversation["smsb_customername"] == "KA-01-1234"
    assert conversation["smsb_matchreason"] == (
        f"Record Type 'new_vehicle' (priority 5): new_vehicle.new_ownerphone '(656) 555-0199' equals {OWNER_PHONE}")
    session = session_of(sandbox, OWNER_PHONE)
    assert session["regardingobjectid"] == Ref("new_vehicle", vehicle)
    assert session.get("smsb_customer") is None  # a vehicle is neither an account nor a contact


def test_a_workflow_outbox_regarding_a_custom_record_fills_in_its_columns_as_dataverse_formats_them(
        sandbox: Sandbox, vehicle: str) -> None:
    reminder = template(sandbox, "new_vehicle",
                        "Your {new_vehicleregistration} ({new_fuel}) is due a service. Texts: {new_smsconsent}.")
    outbox_id = outbox(sandbox, ("new_vehicle", "new_vehicles", vehicle), **reminder)

    settle(sandbox)

    assert stored(sandbox, "smsb_outbox", outbox_id)["smsb_sendstatus"] == int(OutboxStatus.SENT)
    assert sent_to(sandbox, OWNER_PHONE) == ["Your KA-01-1234 (Electric) is due a service. Texts: Yes."]
    assert session_of(sandbox, OWNER_PHONE)["regardingobjectid"] == Ref("new_vehicle", vehicle)
    assert conversation_of(sandbox, OWNER_PHONE)["smsb_customerid"] == vehicle


def test_a_template_naming_a_column_the_table_lacks_fails_and_names_it(sandbox: Sandbox, vehicle: str) -> None:
    wrong = template(sandbox, "new_vehicle", "Your {new_vehicleregistration} needs {new_tyres}")
    outbox_id = outbox(sandbox, ("new_vehicle", "new_vehicles", vehicle), **wrong)

    settle(sandbox)

    row = stored(sandbox, "smsb_outbox", outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.FAILED)
    assert row["smsb_failurereason"] == ("The Message Template 'new_vehicle reminder' cannot be filled in: the "
                                         "placeholder {new_tyres} names no column of new_vehicle")
    assert sent_to(sandbox, OWNER_PHONE) == []


def test_a_column_added_after_the_worker_read_the_table_fills_in_without_a_restart(
        sandbox: Sandbox, vehicle: str) -> None:
    outbox(sandbox, ("new_vehicle", "new_vehicles", vehicle), smsb_freeform="First reminder")
    settle(sandbox)
    metadata(sandbox, "EntityDefinitions(LogicalName='new_vehicle')/Attributes", text_column("new_Colour", "Colour"))
    sandbox.app.dataverse.update("new_vehicles", uuid.UUID(vehicle), {"new_colour": "red"})

    colour = template(sandbox, "new_vehicle", "Your {new_colour} car")
    outbox(sandbox, ("new_vehicle", "new_vehicles", vehicle), **colour)
    settle(sandbox)

    assert sent_to(sandbox, OWNER_PHONE) == ["First reminder", "Your red car"]


def test_a_record_whose_consent_column_is_no_is_not_texted(sandbox: Sandbox, vehicle: str) -> None:
    sandbox.app.dataverse.update("new_vehicles", uuid.UUID(vehicle), {"new_smsconsent": False})
    outbox_id = outbox(sandbox, ("new_vehicle", "new_vehicles", vehicle), smsb_freeform="Service due")

    settle(sandbox)

    row = stored(sandbox, "smsb_outbox", outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.SKIPPED)
    assert row["smsb_failurereason"] == ("new_vehicle 'KA-01-1234' has not agreed to receive texts: "
                                         "new_vehicle.new_smsconsent is not Yes (Record Type 'new_vehicle')")


def test_a_changed_record_type_makes_the_worker_read_its_table_again(sandbox: Sandbox, vehicle: str) -> None:
    tables = sandbox.app.customer_tables
    text_in(sandbox, OWNER_PHONE, "Is my car ready?")
    held, definition = tables.cached("new_vehicle")
    assert held
    assert definition is not None
    assert definition.entity_set == "new_vehicles"
    (vehicles,) = [row for row in sandbox.rows("smsb_recordtype") if row["smsb_entitylogicalname"] == "new_vehicle"]

    # The admin saves the Record Type again (as the validation message asks after a table's settings changed).
    sandbox.app.dataverse.update("smsb_recordtypes", uuid.UUID(vehicles["smsb_recordtypeid"]),
                                 {"smsb_phonefield": "new_ownerphone"})
    settle(sandbox)

    assert tables.cached("new_vehicle") == (False, None)


def test_a_record_type_on_a_table_without_activities_is_refused_with_the_fix(sandbox: Sandbox) -> None:
    table = create_vehicle_table(sandbox, activities=False, schema_name="new_Trailer")
    checked = record_type(sandbox, table, "new_ownerphone")

    settle(sandbox)

    message = verdict(sandbox, checked) or ""
    assert message.startswith("The new_trailer table does not take activities, so a chat's session cannot be "
                              "Regarding a new_trailer: in Power Apps open Tables, select Vehicle, then Settings")
    assert "'Creating a new activity'" in message
    (logged,) = [row for row in sandbox.rows("smsb_errorlog") if row.get("smsb_relatedid") == str(checked)]
    assert logged["smsb_name"] == "Record Type cannot be used"


# -- a chat started from a Case -------------------------------------------------------------------------------------
def test_a_chat_started_from_a_case_texts_the_cases_contact_and_stays_on_the_case(sandbox: Sandbox) -> None:
    contact_types = [row for row in sandbox.rows("smsb_recordtype") if row["smsb_entitylogicalname"] == "contact"]
    (contacts,) = contact_types
    sandbox.app.dataverse.update("smsb_recordtypes", uuid.UUID(contacts["smsb_recordtypeid"]),
                                 {"smsb_relatedentitylogicalname": "incident"})
    avery = sandbox.demo["contacts"]["Avery Park"]
    case = sandbox.app.dataverse.create("incidents", {
        "title": "Broken screen", "customerid_contact@odata.bind": bind("contacts", avery)})
    settle(sandbox)
    assert verdict(sandbox, uuid.UUID(contacts["smsb_recordtypeid"])) is None

    # The chat control on the Case form: the Outbox is Regarding the Case (a Case cannot be an activity party).
    first = outbox(sandbox, ("incident", "incidents", case), smsb_freeform="We have your phone, Avery.")
    settle(sandbox)
    session = session_of(sandbox, AVERY)
    reply = outbox(sandbox, ("incident", "incidents", case), smsb_freeform="It is ready.",
                   **{"smsb_session@odata.bind": bind("smsb_messagesessions", session["activityid"])})
    settle(sandbox)

    assert [stored(sandbox, "smsb_outbox", o)["smsb_sendstatus"] for o in (first, reply)] == [
        int(OutboxStatus.SENT)] * 2
    assert sent_to(sandbox, AVERY) == ["We have your phone, Avery.", "It is ready."]
    assert session["regardingobjectid"] == Ref("incident", str(case))
    assert session["smsb_customer"] == Ref("contact", str(avery))
    parties = [p for p in sandbox.dataverse.store.rows("activityparty") if p["activityid"].id == session["activityid"]]
    assert [(p["participationtypemask"], p["partyid"]) for p in parties] == [(2, Ref("contact", str(avery)))]
    conversation = conversation_of(sandbox, AVERY)
    assert (conversation["smsb_customerentity"], conversation["smsb_customerid"]) == ("contact", str(avery))


def test_a_case_without_a_contact_says_so(sandbox: Sandbox) -> None:
    (contacts,) = [row for row in sandbox.rows("smsb_recordtype") if row["smsb_entitylogicalname"] == "contact"]
    sandbox.app.dataverse.update("smsb_recordtypes", uuid.UUID(contacts["smsb_recordtypeid"]),
                                 {"smsb_relatedentitylogicalname": "incident"})
    case = sandbox.app.dataverse.create("incidents", {"title": "Walk-in"})
    settle(sandbox)

    outbox_id = outbox(sandbox, ("incident", "incidents", case), smsb_freeform="Hello")
    settle(sandbox)

    row = stored(sandbox, "smsb_outbox", outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.SKIPPED)
    assert row["smsb_failurereason"] == ("The incident 'Walk-in' has no contact to text: customerid, primarycontactid, "
                                         "responsiblecontactid are empty")


# -- lead and salesorder --------------------------------------------------------------------------------------------
def test_lead_and_salesorder_records_are_matched_and_texted_like_any_other(sandbox: Sandbox) -> None:
    lead_phone, order_phone = "+16565550171", "+16565550172"
    lead = sandbox.app.dataverse.create("leads", {"firstname": "Morgan", "lastname": "Lee", "fullname": "Morgan Lee",
                                                  "mobilephone": "656.555.0171"})
    order = sandbox.app.dataverse.create("salesorders", {"name": "Order 1042", "shipto_telephone": "6565550172"})
    leads = record_type(sandbox, "lead", "mobilephone")
    orders = record_type(sandbox, "salesorder", "shipto_telephone")
    settle(sandbox)
    assert (verdict(sandbox, leads), verdict(sandbox, orders)) == (None, None)

    text_in(sandbox, lead_phone, "Interested in a quote")
    outbox(sandbox, ("salesorder", "salesorders", order), **template(sandbox, "salesorder", "{name} has shipped"))
    outbox(sandbox, ("lead", "leads", lead), **template(sandbox, "lead", "Hi {firstname}, here is your quote"))
    settle(sandbox)

    assert session_of(sandbox, lead_phone)["regardingobjectid"] == Ref("lead", str(lead))
    assert "Record Type 'lead' (priority 5): lead.mobilephone '656.555.0171'" in conversation_of(
        sandbox, lead_phone)["smsb_matchreason"]
    assert sent_to(sandbox, lead_phone) == ["Hi Morgan, here is your quote"]
    assert sent_to(sandbox, order_phone) == ["Order 1042 has shipped"]
    assert session_of(sandbox, order_phone)["regardingobjectid"] == Ref("salesorder", str(order))
