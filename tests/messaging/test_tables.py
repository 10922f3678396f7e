"""Customer tables as Dataverse's table definitions describe them (`messaging.customers`), read and kept per worker
(`messaging.tables`): the Dataverse emulator answers in-process, as it answers `EntityDefinitions` requests over HTTP.

Nothing the product knows of contact, incident or a table created at run time is written in its code: every value
below comes from the definitions."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

import pytest
import responses

from dataverse import DataverseClient, DataverseConfig, Row, StaticTokenProvider
from dataverse.odata import DataverseRequest
from devstack.dataverse_emulator import DataverseEmulator, mount_responses
from messaging.customers import CustomerTable, Lookup, table_from_definition
from messaging.tables import CustomerTables

ORG = "https://contoso.crm.dynamics.com"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def emulator() -> DataverseEmulator:
    return DataverseEmulator()


@pytest.fixture
def client(emulator: DataverseEmulator) -> Iterator[DataverseClient]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount_responses(emulator, mock, ORG)
        with DataverseClient.from_config(DataverseConfig(url=ORG), tokens=StaticTokenProvider("token")) as built:
            yield built


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tables(client: DataverseClient, clock: Clock) -> CustomerTables:
    return CustomerTables(client, ttl=3600.0, clock=clock)


def requests_made(emulator: DataverseEmulator) -> list[str]:
    return [record.path.removeprefix("/api/data/v9.2/") for record in emulator.requests.records]


def label(text: str) -> dict[str, object]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


def test_a_tables_definition_says_how_to_address_name_and_bind_its_records(tables: CustomerTables) -> None:
    contact = tables.load(["contact"]).get("contact")

    assert contact is not None
    assert (contact.entity_set, contact.primary_id, contact.primary_name, contact.label) == (
        "contacts", "contactid", "fullname", "Contact")
    assert (contact.columns["mobilephone"], contact.columns["parentcustomerid"]) == ("String", "Customer")
    assert (contact.value_name("mobilephone"), contact.value_name("parentcustomerid")) == (
        "mobilephone", "_parentcustomerid_value")
    assert contact.has_state
    assert contact.takes_activities
    assert (contact.regarding_navigation, contact.customer_navigation, contact.party_navigation) == (
        "regardingobjectid_contact_smsb_messagesession", "smsb_customer_contact", "partyid_contact")


def test_a_case_reaches_its_contact_through_its_customer_column_first(tables: CustomerTables) -> None:
    incident = tables.load(["incident"]).get("incident")

    assert incident is not None
    assert [(lookup.column, lookup.navigation) for lookup in incident.lookups_to("contact")] == [
        ("customerid", "customerid_contact"), ("primarycontactid", "primarycontactid"),
        ("responsiblecontactid", "responsiblecontactid")]
    assert incident.customer_navigation is None  # a session's Customer is an account or a contact only
    assert incident.regarding_navigation == "regardingobjectid_incident_smsb_messagesession"


def test_a_table_created_at_run_time_is_learned_with_its_columns(client: DataverseClient,
                                                                 tables: CustomerTables) -> None:
    client.send(DataverseRequest("POST", "EntityDefinitions", idempotent=False, json={
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "SchemaName": "new_Vehicle",
        "DisplayName": label("Vehicle"), "DisplayCollectionName": label("Vehicles"), "OwnershipType": "UserOwned",
        "HasActivities": True, "IsActivity": False,
        "Attributes": [{"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "AttributeType": "String",
                        "SchemaName": "new_Registration", "IsPrimaryName": True, "MaxLength": 20,
                        "DisplayName": label("Registration")}]}))
    client.send(DataverseRequest("POST", "EntityDefinitions(LogicalName='new_vehicle')/Attributes", idempotent=False,
                                 json={"@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata",
                                       "SchemaName": "new_SmsConsent", "DisplayName": label("SMS Consent"),
                                       "OptionSet": {"TrueOption": {"Value": 1, "Label": label("Yes")},
                                                     "FalseOption": {"Value": 0, "Label": label("No")}}}))

    vehicle = tables.load(["new_vehicle"]).get("new_vehicle")

    assert vehicle is not None
    assert (vehicle.entity_set, vehicle.primary_id, vehicle.primary_name) == (
        "new_vehicles", "new_vehicleid", "new_registration")
    assert vehicle.columns["new_smsconsent"] == "Boolean"
    assert vehicle.regarding_navigation == "regardingobjectid_new_vehicle_smsb_messagesession"
    assert (vehicle.customer_navigation, vehicle.party_navigation) == (None, None)


def test_definitions_a_worker_lacks_are_read_in_one_request_and_kept(emulator: DataverseEmulator,
                                                                     tables: CustomerTables) -> None:
    first = tables.load(["contact", "account", "new_nothing"])
    again = tables.load(["contact", "account", "new_nothing"])

    assert first.round_trips == 1
    assert requests_made(emulator) == ["$batch"]
    assert first.get("new_nothing") is None  # no such table, and that is remembered too
    assert (again.round_trips, again.fresh) == (0, frozenset())
    assert again.tables == first.tables


def test_one_missing_table_is_one_get_of_its_definition(emulator: DataverseEmulator, tables: CustomerTables) -> None:
    tables.load(["lead"])

    assert requests_made(emulator) == ["EntityDefinitions(LogicalName='lead')"]


def test_a_changed_record_type_makes_the_worker_read_its_table_again(tables: CustomerTables) -> None:
    assert tables.load({"contact": "2026-12-01T10:00:00Z"}).round_trips == 1
    assert tables.load({"contact": "2026-12-01T10:00:00Z"}).round_trips == 0
    assert tables.load(["contact"]).round_trips == 0  # a table asked for without a Record Type takes what is held

    assert tables.load({"contact": "2026-12-01T10:05:00Z"}).round_trips == 1


def test_definitions_are_read_again_after_an_hour_or_once_forgotten(tables: CustomerTables, clock: Clock) -> None:
    tables.load(["contact", "account"])
    clock.now += 3601

    assert tables.load(["contact", "account"]).fresh == frozenset({"contact", "account"})
    tables.forget("contact")
    assert tables.load(["contact", "account"]).fresh == frozenset({"contact"})


def test_a_definition_read_as_plain_values() -> None:
    definition = Row.from_json({
        "LogicalName": "new_visit", "EntitySetName": "new_visits", "PrimaryIdAttribute": "new_visitid",
        "PrimaryNameAttribute": None, "DisplayName": {"UserLocalizedLabel": {"Label": "Visit"}},
        "Attributes": [{"LogicalName": "new_patient", "AttributeType": "Lookup"},
                       {"LogicalName": "new_visitid", "AttributeType": "Uniqueidentifier"}],
        "ManyToOneRelationships": [{"ReferencingAttribute": "new_patient", "ReferencedEntity": "cr8a1_patient",
                                    "ReferencingEntityNavigationPropertyName": "new_Patient"}],
        "OneToManyRelationships": [],
    })

    visit = table_from_definition(definition)

    assert visit == CustomerTable("new_visit", "new_visits", "new_visitid", "new_visitid", MappingProxyType(
        {"new_patient": "Lookup", "new_visitid": "Uniqueidentifier"}),
        lookups=(Lookup("new_patient", "cr8a1_patient", "new_Patient"),), display_name="Visit")
    assert not visit.takes_activities
    assert not visit.has_state
