"""Table definitions: EntityDefinitions and their Attributes, with Dataverse's AttributeType names, from solution/."""

from __future__ import annotations

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.metadata import ATTRIBUTE_TYPES
from solution.schema import ColumnType

from .conftest import Api
from .test_batch import Batch, statuses

CONTACT = "EntityDefinitions(LogicalName='contact')"


def types(attributes: list[dict[str, str]]) -> dict[str, str]:
    return {a["LogicalName"]: a["AttributeType"] for a in attributes}


def test_attributes_of_a_table_carry_their_logical_name_and_attribute_type(api: Api) -> None:
    response = api.get(f"{CONTACT}/Attributes?$select=LogicalName,AttributeType")

    assert response.status_code == 200, response.get_data(as_text=True)
    found = types(response.json["value"])
    assert found["mobilephone"] == "String"
    assert found["donotphone"] == "Boolean"
    assert found["parentcustomerid"] == "Customer"
    assert found["contactid"] == "Uniqueidentifier"
    assert found["statecode"] == "State"
    assert found["ownerid"] == "Owner"
    assert response.json["@odata.context"].endswith("$metadata#EntityDefinitions('contact')/Attributes")


def test_selected_attributes_also_carry_metadata_id_and_their_metadata_class(api: Api) -> None:
    first = api.get(f"{CONTACT}/Attributes?$select=LogicalName,AttributeType").json["value"][0]

    assert set(first) == {"@odata.type", "MetadataId", "LogicalName", "AttributeType"}
    assert first["@odata.type"].startswith("#Microsoft.Dynamics.CRM.")
    assert first["@odata.type"].endswith("Metadata")


def test_custom_columns_map_to_dataverse_attribute_types(api: Api) -> None:
    found = types(api.get("EntityDefinitions(LogicalName='smsb_outbox')/Attributes").json["value"])

    assert found["smsb_freeform"] == "Memo"
    assert found["smsb_sendstatus"] == "Picklist"
    assert found["smsb_sendafter"] == "DateTime"
    assert found["smsb_errorcode"] == "Integer"
    assert found["smsb_configuration"] == "Lookup"
    assert found["smsb_attachment"] == "Virtual"  # file columns, as Dataverse reports them
    assert set(ATTRIBUTE_TYPES) == set(ColumnType)


def test_one_table_with_its_attributes_expanded(api: Api) -> None:
    response = api.get(f"{CONTACT}?$select=LogicalName,EntitySetName"
                       "&$expand=Attributes($select=LogicalName,AttributeType)")

    assert response.status_code == 200
    body = response.json
    assert body["LogicalName"] == "contact"
    assert body["EntitySetName"] == "contacts"
    assert types(body["Attributes"])["telephone1"] == "String"


def test_tables_and_attributes_filtered_by_logical_name(api: Api) -> None:
    tables = api.get("EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'account'").json["value"]
    attributes = api.get(f"{CONTACT}/Attributes?$filter=LogicalName eq 'mobilephone'").json["value"]
    single = api.get(f"{CONTACT}/Attributes(LogicalName='donotphone')?$select=AttributeType").json

    assert [t["LogicalName"] for t in tables] == ["account"]
    assert [a["LogicalName"] for a in attributes] == ["mobilephone"]
    assert single["AttributeType"] == "Boolean"


def test_a_table_can_be_addressed_by_its_metadata_id(api: Api) -> None:
    metadata_id = api.get(f"{CONTACT}?$select=LogicalName").json["MetadataId"]

    assert api.get(f"EntityDefinitions({metadata_id})?$select=LogicalName").json["LogicalName"] == "contact"


def test_an_unknown_table_or_attribute_is_404(api: Api) -> None:
    assert api.get("EntityDefinitions(LogicalName='contacts')/Attributes").status_code == 404
    assert api.get("EntityDefinitions(LogicalName='nosuch')").status_code == 404
    assert api.get(f"{CONTACT}/Attributes(LogicalName='nosuch')").status_code == 404


def test_unknown_selected_properties_and_writes_are_refused(api: Api) -> None:
    assert api.get(f"{CONTACT}/Attributes?$select=LogicalName,Nonsense").status_code == 400
    assert api.post(f"{CONTACT}/Attributes", json={"LogicalName": "x"}).status_code == 405
    assert api.get(f"{CONTACT}/Attributes?$filter=AttributeType eq 'String'").status_code == 501


def test_table_definitions_can_be_read_inside_a_batch(api: Api, emulator: DataverseEmulator) -> None:
    response = Batch().add("GET", f"/api/data/v9.2/{CONTACT}/Attributes?$select=LogicalName").send(api)

    assert statuses(response) == [200]
    assert '"LogicalName":"mobilephone"' in response.get_data(as_text=True)
