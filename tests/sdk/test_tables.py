"""Microsoft's SDK (``client.tables``) defines and evolves tables against the emulator, as its README shows.

Every operation is checked through a second path: the emulator's schema and store, or the Web API read in-process
(``Raw``). The README's examples are used as they are written (``new_Project``, ``new_Task``, ``new_Feedback``).
"""

from __future__ import annotations

import re
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.labels import Label, LocalizedLabel
from PowerPlatform.Dataverse.models.relationship import (
    CascadeConfiguration,
    LookupAttributeMetadata,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
)
from PowerPlatform.Dataverse.models.upsert import UpsertItem
from werkzeug.test import Client

from devstack.dataverse_emulator import DataverseEmulator, Ref
from devstack.dataverse_emulator.catalog import Component
from solution.schema import ColumnType, Ownership

from .conftest import TOKEN

API = "/api/data/v9.2/"


class Raw:
    """The Web API in-process, beside the SDK's https connection: the second path of each check."""

    def __init__(self, emulator: DataverseEmulator) -> None:
        self.client = Client(emulator.wsgi_app)

    def get(self, path: str) -> Any:
        response = self.client.get(API + path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def status(self, method: str, path: str, **kwargs: Any) -> int:
        response = self.client.open(API + path, method=method, headers={"Authorization": f"Bearer {TOKEN}"}, **kwargs)
        return response.status_code


@pytest.fixture
def raw(emulator: DataverseEmulator) -> Raw:
    return Raw(emulator)


class Stage(IntEnum):
    PLANNED = 100000000
    ACTIVE = 100000001
    DONE = 100000002


def project(client: DataverseClient) -> None:
    """The README's first table, with the README's column types and a choice column from an IntEnum."""
    client.tables.create("new_Project", {
        "new_Budget": "money",
        "new_StartDate": "datetime",
        "new_Stage": Stage,
        "new_Rating": {"type": "int", "min_value": 1, "max_value": 5},
        "new_Comment": {"type": "memo", "max_length": 2000, "display_name": "Comment"},
        "new_Approved": "bool",
        "new_Code": "string",
        "new_Weight": "float",
    }, display_name="Project")


def test_get_reads_a_table_definition_and_none_for_a_missing_table(client: DataverseClient, raw: Raw) -> None:
    info = client.tables.get("contact")

    assert info is not None
    assert (info.logical_name, info.entity_set_name, info.primary_id_attribute) == ("contact", "contacts", "contactid")
    assert info.metadata_id == raw.get("EntityDefinitions(LogicalName='contact')?$select=LogicalName")["MetadataId"]
    assert client.tables.get("new_Nothing") is None


def test_list_returns_the_public_tables_and_takes_a_filter_and_select(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    everything = client.tables.list()
    organization_owned = client.tables.list(
        filter="OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'OrganizationOwned'", select=["LogicalName"])

    visible = emulator.solutions.visible_schema().tables
    assert {t["LogicalName"] for t in everything} == {t.logical_name for t in visible}
    assert {t["LogicalName"] for t in organization_owned} == {t.logical_name for t in visible
                                                             if t.ownership is Ownership.ORGANIZATION}
    assert all(set(t) == {"MetadataId", "LogicalName"} for t in organization_owned)


def test_create_makes_a_table_with_typed_columns(client: DataverseClient, emulator: DataverseEmulator,
                                                 raw: Raw) -> None:
    project(client)

    table = emulator.schema.table("new_project")
    info = client.tables.get("new_Project")
    assert info is not None
    assert (info.schema_name, info.entity_set_name, info.primary_name_attribute) == ("new_Project", "new_projects",
                                                                                      "new_name")
    kinds = {c.name: c.type for c in table.columns}
    assert kinds["new_budget"] is ColumnType.DECIMAL  # the SDK sends money as a DecimalAttributeMetadata
    assert (kinds["new_startdate"], kinds["new_stage"], kinds["new_approved"], kinds["new_weight"]) == (
        ColumnType.DATETIME, ColumnType.CHOICE, ColumnType.BOOLEAN, ColumnType.DOUBLE)
    assert [(c.value, c.label) for c in table.column("new_stage").choices] == [
        (100000000, "PLANNED"), (100000001, "ACTIVE"), (100000002, "DONE")]
    rating = raw.get("EntityDefinitions(LogicalName='new_project')/Attributes(LogicalName='new_rating')"
                     "/Microsoft.Dynamics.CRM.IntegerAttributeMetadata?$select=MinValue,MaxValue")
    assert (rating["MinValue"], rating["MaxValue"]) == (1, 5)
    comment = table.column("new_comment")
    assert (comment.max_length, comment.display_name) == (2000, "Comment")
    with pytest.raises(Exception, match="already exists"):
        project(client)


def test_records_of_a_created_table_take_choice_labels(client: DataverseClient, emulator: DataverseEmulator) -> None:
    project(client)

    record_id = client.records.create("new_project", {"new_Name": "Apollo", "new_Stage": "Active", "new_Rating": 4})

    stored = emulator.store.get("new_project", record_id)
    assert stored is not None
    assert (stored["new_name"], stored["new_stage"], stored["new_rating"]) == ("Apollo", Stage.ACTIVE, 4)
    read = client.records.retrieve("new_project", record_id, select=["new_stage"])
    assert read is not None
    assert read["new_stage"] == Stage.ACTIVE


def test_a_contact_created_with_a_choice_label_stores_the_choice_value(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    class Tier(IntEnum):
        SILVER = 100000000
        GOLD = 100000001

    client.tables.add_columns("contact", {"new_Tier": Tier})

    contact_id = client.records.create("contact", {"lastname": "Lopez", "preferredcontactmethodcode": "Email",
                                                   "new_tier": "Gold"})
    message_id = client.records.create("smsb_message", {"smsb_name": "Hi", "smsb_direction": "Outgoing"})

    contact = emulator.store.get("contact", contact_id)
    message = emulator.store.get("smsb_message", message_id)
    assert contact is not None
    assert message is not None
    assert contact["preferredcontactmethodcode"] == 2  # "Email" in Microsoft's contact table reference
    assert contact["new_tier"] == Tier.GOLD
    read = client.records.retrieve("contact", contact_id, select=["preferredcontactmethodcode", "new_tier"])
    assert read is not None
    assert (read["preferredcontactmethodcode"], read["new_tier"]) == (2, Tier.GOLD)
    assert message["smsb_direction"] == 2  # "Outgoing" in solution/tables/smsb_message.toml
    picklists = re.escape("EntityDefinitions(LogicalName='smsb_message')/Attributes/"
                          "Microsoft.Dynamics.CRM.PicklistAttributeMetadata")
    assert emulator.requests.count("GET", picklists, 200) == 1, emulator.requests.describe()


def test_add_and_remove_columns(client: DataverseClient, emulator: DataverseEmulator, raw: Raw) -> None:
    project(client)

    added = client.tables.add_columns("new_Project", {"new_Status": "string", "new_Notes": "memo",
                                                      "new_Report": "file"})
    removed = client.tables.remove_columns("new_Project", ["new_Status", "new_Notes"])

    table = emulator.schema.table("new_project")
    assert added == ["new_Status", "new_Notes", "new_Report"]
    assert removed == ["new_Status", "new_Notes"]
    assert not table.has_column("new_status")
    assert not table.has_column("new_notes")
    assert table.column("new_report").type is ColumnType.FILE
    assert raw.status("GET", "EntityDefinitions(LogicalName='new_project')/Attributes(LogicalName='new_status')") == 404


def test_update_column_changes_its_constraints(client: DataverseClient, emulator: DataverseEmulator, raw: Raw) -> None:
    client.tables.create("new_Feedback", {
        "new_Rating": {"type": "int", "min_value": 1, "max_value": 5},
        "new_Comment": {"type": "memo", "max_length": 2000, "display_name": "Comment"},
    })

    client.tables.update_column("new_Feedback", "new_Comment", {"max_length": 4000})
    client.tables.update_columns("new_Feedback", {"new_Rating": {"max_value": 10},
                                                  "new_Comment": {"display_name": "Customer Comment"}})

    column = client.tables.get_column("new_Feedback", "new_Comment", typed=True)
    assert column is not None
    assert column["MaxLength"] == 4000
    table = emulator.schema.table("new_feedback")
    assert table.column("new_rating").max_value == 10
    label = raw.get("EntityDefinitions(LogicalName='new_feedback')/Attributes(LogicalName='new_comment')"
                    "?$select=DisplayName")["DisplayName"]["UserLocalizedLabel"]["Label"]
    assert label == "Customer Comment"


def test_list_columns_and_get_column_plain_filtered_and_typed(client: DataverseClient,
                                                              emulator: DataverseEmulator) -> None:
    message = emulator.schema.table("smsb_message")

    plain = client.tables.list_columns("smsb_message", select=["LogicalName", "AttributeType"])
    strings = client.tables.list_columns("smsb_message", filter="AttributeType eq 'String'")
    typed = client.tables.list_columns("smsb_message", typed=True)
    sid = client.tables.get_column("smsb_message", "smsb_sid", typed=True)

    assert [c["LogicalName"] for c in plain] == [c.name for c in message.columns]
    assert {c["LogicalName"] for c in strings} == {c.name for c in message.columns if c.type is ColumnType.STRING}
    assert {c["LogicalName"]: c.get("MaxLength") for c in typed}["smsb_body"] == message.column("smsb_body").max_length
    assert sid is not None
    assert sid["MaxLength"] == message.column("smsb_sid").max_length
    assert client.tables.get_column("smsb_message", "nosuch") is None


def test_a_lookup_field_relates_two_created_tables(client: DataverseClient, emulator: DataverseEmulator) -> None:
    project(client)
    client.tables.create("new_Task", {"new_DueDate": "datetime"}, display_name="Task")

    created = client.tables.create_lookup_field(referencing_table="new_task", lookup_field_name="new_ProjectId",
                                                referenced_table="new_project", display_name="Project")
    project_id = client.records.create("new_project", {"new_name": "Apollo"})
    task_id = client.records.create("new_task", {"new_name": "Launch",
                                                 "new_ProjectId@odata.bind": f"/new_projects({project_id})"})

    task = emulator.store.get("new_task", task_id)
    assert task is not None
    assert task["new_projectid"] == Ref("new_project", project_id)
    found = client.tables.get_relationship(created.relationship_schema_name)
    assert found is not None
    assert (found.referenced_entity, found.referencing_entity) == ("new_project", "new_task")
    names = {r["SchemaName"] for r in client.tables.list_table_relationships("new_task")}
    assert created.relationship_schema_name in names
    assert emulator.schema.single_navigation("new_task", "new_ProjectId") is not None


def test_a_one_to_many_relationship_with_cascading_delete(client: DataverseClient,
                                                          emulator: DataverseEmulator) -> None:
    project(client)
    client.tables.create("new_Milestone", {})
    lookup = LookupAttributeMetadata(schema_name="new_ProjectRef",
                                     display_name=Label(localized_labels=[LocalizedLabel("Project", 1033)]))
    relationship = OneToManyRelationshipMetadata(
        schema_name="new_project_milestones", referenced_entity="new_project", referencing_entity="new_milestone",
        referenced_attribute="new_projectid", cascade_configuration=CascadeConfiguration(delete="Cascade"))

    info = client.tables.create_one_to_many_relationship(lookup, relationship)
    project_id = client.records.create("new_project", {"new_name": "Apollo"})
    client.records.create("new_milestone", {"new_name": "M1",
                                            "new_ProjectRef@odata.bind": f"/new_projects({project_id})"})
    client.records.delete("new_project", project_id)

    assert info.relationship_id is not None
    assert emulator.store.rows("new_milestone") == []


def test_a_many_to_many_relationship_is_created_and_deleted(client: DataverseClient, emulator: DataverseEmulator,
                                                            raw: Raw) -> None:
    project(client)
    client.tables.create("new_Employee", {})

    info = client.tables.create_many_to_many_relationship(ManyToManyRelationshipMetadata(
        schema_name="new_employee_project", entity1_logical_name="new_employee", entity2_logical_name="new_project"))
    employee = client.records.create("new_employee", {"new_name": "Ada"})
    project_id = client.records.create("new_project", {"new_name": "Apollo"})
    associated = raw.status("POST", f"new_employees({employee})/new_employee_project/$ref",
                            json={"@odata.id": f"new_projects({project_id})"})

    assert associated == 204
    assert len(emulator.store.rows("new_employee_project")) == 1
    found = client.tables.get_relationship("new_employee_project")
    assert found is not None
    assert (found.relationship_type, found.entity1_logical_name) == ("many_to_many", "new_employee")
    assert info.relationship_id is not None
    client.tables.delete_relationship(info.relationship_id)
    assert client.tables.get_relationship("new_employee_project") is None
    assert not emulator.schema.has_table("new_employee_project")


def test_an_alternate_key_becomes_active_and_upserts_by_it(client: DataverseClient,
                                                           emulator: DataverseEmulator) -> None:
    project(client)

    key = client.tables.create_alternate_key("new_Project", "new_project_code_key", ["new_code"],
                                             display_name="Project Code")
    keys = client.tables.get_alternate_keys("new_Project")
    client.records.upsert("new_project", [UpsertItem(alternate_key={"new_code": "APL-1"},
                                                     record={"new_name": "Apollo"})])
    client.records.upsert("new_project", [UpsertItem(alternate_key={"new_code": "APL-1"},
                                                     record={"new_name": "Apollo 11"})])

    assert key.status == "Pending"
    assert [(k.schema_name, k.key_attributes, k.status) for k in keys] == [
        ("new_project_code_key", ["new_code"], "Active")]
    assert [(r["new_code"], r["new_name"]) for r in emulator.store.rows("new_project")] == [("APL-1", "Apollo 11")]
    client.tables.delete_alternate_key("new_Project", key.metadata_id)
    assert client.tables.get_alternate_keys("new_Project") == []
    assert emulator.schema.table("new_project").keys == ()


def test_delete_removes_a_table_and_its_rows(client: DataverseClient, emulator: DataverseEmulator, raw: Raw) -> None:
    client.tables.create("new_Scratch", {"new_Note": "string"})
    client.records.create("new_scratch", {"new_name": "x"})

    client.tables.delete("new_Scratch")

    assert client.tables.get("new_Scratch") is None
    assert not emulator.schema.has_table("new_scratch")
    assert raw.status("GET", "new_scratches") == 404


def test_a_solution_takes_only_names_with_its_publishers_prefix(client: DataverseClient,
                                                                emulator: DataverseEmulator) -> None:
    client.tables.create("smsb_Note", {"smsb_Text": "memo"}, solution="SmsBridge")

    with pytest.raises(HttpError) as refused:
        client.tables.create("new_Note", {}, solution="SmsBridge")

    assert emulator.catalog.components_of("SmsBridge") == (Component("Entity", "smsb_note"),)
    assert refused.value.status_code == 400
    assert "customization prefix" in str(refused.value)
    assert not emulator.schema.has_table("new_note")


def test_a_batch_creates_a_table_and_its_lookup_in_order(client: DataverseClient, emulator: DataverseEmulator,
                                                         raw: Raw) -> None:
    batch = client.batch.new()
    batch.tables.create("new_Alpha", {"new_Size": "int"})
    batch.tables.get("new_Alpha")
    batch.tables.create_lookup_field(referencing_table="new_alpha", lookup_field_name="new_ContactId",
                                     referenced_table="contact")

    result = batch.execute()

    assert [r.status_code for r in result.responses] == [204, 200, 204]
    read = result.responses[1].data
    assert read is not None
    assert [t["EntitySetName"] for t in read["value"]] == ["new_alphas"]
    assert emulator.schema.table("new_alpha").column("new_contactid").targets == ("contact",)
    relationship = raw.get(f"RelationshipDefinitions({result.responses[2].entity_id})")
    assert (relationship["ReferencingEntity"], relationship["ReferencedEntity"]) == ("new_alpha", "contact")


def test_an_upload_to_a_missing_file_column_creates_it_first(client: DataverseClient, emulator: DataverseEmulator,
                                                            tmp_path: Path) -> None:
    client.tables.create("new_Report", {})
    report_id = client.records.create("new_report", {"new_name": "Q1"})
    document = tmp_path / "q1.pdf"
    document.write_bytes(b"%PDF-1.4 quarterly figures")

    client.files.upload("new_report", report_id, "new_Document", str(document))

    column = emulator.schema.table("new_report").column("new_document")
    assert column.type is ColumnType.FILE
    stored = emulator.store.file("new_report", report_id, "new_document")
    assert stored is not None
    assert (stored.name, stored.content) == ("q1.pdf", b"%PDF-1.4 quarterly figures")
