"""Reading table definitions: EntityDefinitions, Attributes with their derived types, relationships, keys.

Expectations come from Microsoft's "Query table definitions using the Web API" page and from ``solution/``
(the definitions the emulator serves), never from the emulator's own answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.attribute_metadata import BASE_PROPERTIES, class_properties
from devstack.dataverse_emulator.entity_keys import KEY_PROPERTIES
from devstack.dataverse_emulator.entity_metadata import ENTITY_PROPERTIES
from devstack.dataverse_emulator.metadata import ATTRIBUTE_TYPES
from devstack.dataverse_emulator.relationship_metadata import MANY_TO_MANY_PROPERTIES, ONE_TO_MANY_PROPERTIES
from solution.schema import ColumnType, Ownership, load_schema

from .conftest import Api
from .test_batch import Batch, statuses

CONTACT = "EntityDefinitions(LogicalName='contact')"
MESSAGE = "EntityDefinitions(LogicalName='smsb_message')"
OUTBOX = "EntityDefinitions(LogicalName='smsb_outbox')"


def types(attributes: list[dict[str, str]]) -> dict[str, str]:
    return {a["LogicalName"]: a["AttributeType"] for a in attributes}


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def refused(response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    message = response.json["error"]["message"]
    for word in words:
        assert word in message


# --- attributes (the existing contract) ---


def test_attributes_of_a_table_carry_their_logical_name_and_attribute_type(api: Api) -> None:
    response = api.get(f"{CONTACT}/Attributes?$select=LogicalName,AttributeType")

    found = types(ok(response)["value"])
    assert found["mobilephone"] == "String"
    assert found["donotphone"] == "Boolean"
    assert found["parentcustomerid"] == "Customer"
    assert found["contactid"] == "Uniqueidentifier"
    assert found["statecode"] == "State"
    assert found["ownerid"] == "Owner"
    assert response.json["@odata.context"].endswith("$metadata#EntityDefinitions('contact')/Attributes")


def test_selected_attributes_also_carry_metadata_id_and_their_metadata_class(api: Api) -> None:
    first = ok(api.get(f"{CONTACT}/Attributes?$select=LogicalName,AttributeType"))["value"][0]

    assert set(first) == {"@odata.type", "MetadataId", "LogicalName", "AttributeType"}
    assert first["@odata.type"].startswith("#Microsoft.Dynamics.CRM.")
    assert first["@odata.type"].endswith("Metadata")


def test_custom_columns_map_to_dataverse_attribute_types(api: Api) -> None:
    found = types(ok(api.get(f"{OUTBOX}/Attributes"))["value"])

    assert found["smsb_freeform"] == "Memo"
    assert found["smsb_sendstatus"] == "Picklist"
    assert found["smsb_sendafter"] == "DateTime"
    assert found["smsb_errorcode"] == "Integer"
    assert found["smsb_configuration"] == "Lookup"
    assert found["smsb_attachment"] == "Virtual"  # file columns, as Dataverse reports them
    assert set(ATTRIBUTE_TYPES) == set(ColumnType)


def test_an_attribute_without_select_has_every_property_of_its_derived_type_and_no_other(api: Api) -> None:
    for item in ok(api.get(f"{OUTBOX}/Attributes"))["value"]:
        metadata_class = item["@odata.type"].removeprefix("#Microsoft.Dynamics.CRM.")
        assert set(item) - {"@odata.type"} == class_properties(metadata_class), item["LogicalName"]
        assert set(item) >= BASE_PROPERTIES


def test_one_table_with_its_attributes_expanded(api: Api) -> None:
    body = ok(api.get(f"{CONTACT}?$select=LogicalName,EntitySetName"
                      "&$expand=Attributes($select=LogicalName,AttributeType)"))

    assert body["LogicalName"] == "contact"
    assert body["EntitySetName"] == "contacts"
    assert types(body["Attributes"])["telephone1"] == "String"


def test_tables_and_attributes_filtered_by_logical_name(api: Api) -> None:
    tables = ok(api.get("EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'account'"))["value"]
    attributes = ok(api.get(f"{CONTACT}/Attributes?$filter=LogicalName eq 'mobilephone'"))["value"]
    single = ok(api.get(f"{CONTACT}/Attributes(LogicalName='donotphone')?$select=AttributeType"))

    assert [t["LogicalName"] for t in tables] == ["account"]
    assert [a["LogicalName"] for a in attributes] == ["mobilephone"]
    assert single["AttributeType"] == "Boolean"


def test_a_table_and_an_attribute_can_be_addressed_by_their_metadata_id(api: Api) -> None:
    metadata_id = ok(api.get(f"{CONTACT}?$select=LogicalName"))["MetadataId"]
    attribute_id = ok(api.get(f"{CONTACT}/Attributes(LogicalName='mobilephone')?$select=LogicalName"))["MetadataId"]

    assert ok(api.get(f"EntityDefinitions({metadata_id})?$select=LogicalName"))["LogicalName"] == "contact"
    by_id = ok(api.get(f"EntityDefinitions({metadata_id})/Attributes({attribute_id})?$select=LogicalName"))
    assert by_id["LogicalName"] == "mobilephone"


def test_an_unknown_table_or_attribute_is_404(api: Api) -> None:
    assert api.get("EntityDefinitions(LogicalName='contacts')/Attributes").status_code == 404
    assert api.get("EntityDefinitions(LogicalName='nosuch')").status_code == 404
    assert api.get(f"{CONTACT}/Attributes(LogicalName='nosuch')").status_code == 404


def test_unknown_selected_properties_and_untyped_writes_are_refused(api: Api) -> None:
    refused(api.get(f"{CONTACT}/Attributes?$select=LogicalName,Nonsense"), 400, "Nonsense")
    refused(api.post(f"{CONTACT}/Attributes", json={"LogicalName": "x"}), 400, "@odata.type")
    refused(api.patch(f"{CONTACT}/Attributes(LogicalName='mobilephone')", json={}), 405)


def test_table_definitions_can_be_read_inside_a_batch(api: Api, emulator: DataverseEmulator) -> None:
    response = Batch().add("GET", f"/api/data/v9.2/{CONTACT}/Attributes?$select=LogicalName").send(api)

    assert statuses(response) == [200]
    assert '"LogicalName":"mobilephone"' in response.get_data(as_text=True)


# --- EntityMetadata ---


def test_a_table_definition_carries_its_names_labels_and_kind(api: Api) -> None:
    schema = load_schema()
    outbox = schema.table("smsb_outbox")
    body = ok(api.get(OUTBOX))

    assert body["LogicalName"] == body["SchemaName"] == "smsb_outbox"
    assert body["EntitySetName"] == body["LogicalCollectionName"] == outbox.entity_set
    assert body["PrimaryIdAttribute"] == outbox.primary_id
    assert body["PrimaryNameAttribute"] == outbox.primary_name
    assert body["DisplayName"]["LocalizedLabels"] == [body["DisplayName"]["UserLocalizedLabel"]]
    assert body["DisplayName"]["UserLocalizedLabel"]["Label"] == outbox.display_name
    assert body["DisplayName"]["UserLocalizedLabel"]["LanguageCode"] == 1033
    assert body["DisplayCollectionName"]["UserLocalizedLabel"]["Label"] == outbox.display_plural
    assert body["Description"]["UserLocalizedLabel"]["Label"] == outbox.description
    assert (body["IsActivity"], body["IsCustomEntity"], body["IsPrivate"]) == (True, True, False)
    assert body["OwnershipType"] == "UserOwned"
    assert body["TableType"] == "Standard"
    assert body["ObjectTypeCode"] >= 10000  # custom tables, as Dataverse numbers them
    assert body["IsValidForAdvancedFind"] is True


def test_a_table_definition_without_select_has_every_entity_property(api: Api) -> None:
    body = ok(api.get(CONTACT))

    assert set(body) - {"@odata.context"} == ENTITY_PROPERTIES
    assert body["ObjectTypeCode"] == 2


def test_standard_tables_have_their_dataverse_object_type_codes(api: Api) -> None:
    # Microsoft's table reference (importmap.md, TargetEntity choices)
    codes = {t["LogicalName"]: t["ObjectTypeCode"] for t in ok(api.get(
        "EntityDefinitions?$select=LogicalName,ObjectTypeCode&$filter=IsCustomEntity eq false"))["value"]}

    assert (codes["account"], codes["contact"], codes["systemuser"], codes["team"]) == (1, 2, 8, 9)
    assert codes["activitypointer"] == 4200


def test_a_single_definition_selects_only_what_is_asked_and_its_metadata_id(api: Api) -> None:
    body = ok(api.get(f"{CONTACT}?$select=DisplayName,EntitySetName"))

    assert set(body) == {"@odata.context", "MetadataId", "DisplayName", "EntitySetName"}
    assert body["@odata.context"].endswith("$metadata#EntityDefinitions/$entity")


def test_tables_filtered_by_enum_and_boolean_values(api: Api) -> None:
    schema = load_schema()
    organization_owned = ok(api.get(
        "EntityDefinitions?$select=LogicalName"
        "&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'OrganizationOwned'"))["value"]
    activities = ok(api.get("EntityDefinitions?$select=LogicalName&$filter=IsActivity eq true and IsCustomEntity eq "
                            "true"))["value"]
    public = ok(api.get("EntityDefinitions?$select=LogicalName&$filter=IsPrivate eq false"))["value"]
    either = ok(api.get("EntityDefinitions?$select=LogicalName"
                        "&$filter=(LogicalName eq 'contact' or LogicalName eq 'account') and not IsActivity eq true"))

    expected = {t.logical_name for t in schema.tables if t.ownership is Ownership.ORGANIZATION}
    assert {t["LogicalName"] for t in organization_owned} == expected
    assert {t["LogicalName"] for t in activities} == {t.logical_name for t in schema.tables
                                                      if t.is_activity and t.is_custom}
    assert {t["LogicalName"] for t in public} >= {t.logical_name for t in schema.tables}
    assert sorted(t["LogicalName"] for t in either["value"]) == ["account", "contact"]


def test_a_complex_property_is_filtered_through_its_value(api: Api) -> None:
    everything = ok(api.get("EntityDefinitions?$select=LogicalName"))["value"]
    can_create = ok(api.get("EntityDefinitions?$select=LogicalName&$filter=CanCreateAttributes/Value eq true"))

    assert len(can_create["value"]) == len(everything)
    refused(api.get("EntityDefinitions?$filter=CanCreateAttributes eq true"), 400, "CanCreateAttributes/Value")


def test_metadata_filters_the_service_does_not_take_answer_501_naming_them(api: Api) -> None:
    refused(api.get("EntityDefinitions?$filter=startswith(SchemaName,'smsb_')"), 501,
            "The 'startswith' function isn't supported for Metadata Entities.")
    refused(api.get("EntityDefinitions?$filter=DisplayName/UserLocalizedLabel/Label eq 'Contact'"), 501, "Label")
    refused(api.get("EntityDefinitions?$top=2"), 501, "$top")
    refused(api.get("EntityDefinitions?$filter=Nonsense eq 1"), 400, "Nonsense")


# --- derived attribute types ---


def test_choice_options_come_through_the_picklist_cast_as_the_sdk_reads_them(api: Api) -> None:
    direction = load_schema().table("smsb_message").column("smsb_direction")
    body = ok(api.get(f"{MESSAGE}/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
                      "?$select=LogicalName&$expand=OptionSet($select=Options)"))

    found = {item["LogicalName"]: item for item in body["value"]}
    options = found["smsb_direction"]["OptionSet"]["Options"]
    assert [(o["Value"], o["Label"]["LocalizedLabels"][0]["Label"]) for o in options] == [
        (c.value, c.label) for c in direction.choices]
    assert set(found["smsb_direction"]) == {"MetadataId", "LogicalName", "OptionSet"}  # no @odata.type on a cast
    assert all(item["LogicalName"] in {"smsb_direction", "smsb_status", "smsb_encoding"} for item in body["value"])


def test_an_option_set_is_named_for_its_table_and_column_and_has_no_global_option_set(api: Api) -> None:
    path = f"{MESSAGE}/Attributes(LogicalName='smsb_direction')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    body = ok(api.get(f"{path}?$select=LogicalName&$expand=OptionSet,GlobalOptionSet"))
    attribute_id = body["MetadataId"]
    options_only = ok(api.get(f"{MESSAGE}/Attributes({attribute_id})/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
                              "/OptionSet?$select=Options"))

    assert body["OptionSet"]["Name"] == "smsb_message_smsb_direction"
    assert body["OptionSet"]["IsGlobal"] is False
    assert body["OptionSet"]["OptionSetType"] == "Picklist"
    assert body["GlobalOptionSet"] is None
    assert set(options_only) == {"@odata.context", "MetadataId", "Options"}
    assert options_only["MetadataId"] == body["OptionSet"]["MetadataId"]


def test_option_sets_are_expanded_only_on_a_cast(api: Api) -> None:
    refused(api.get(f"{MESSAGE}/Attributes?$expand=OptionSet"), 400, "OptionSet")
    refused(api.get(f"{MESSAGE}/Attributes/Microsoft.Dynamics.CRM.EnumAttributeMetadata"), 400)


def test_text_columns_carry_max_length_and_format(api: Api) -> None:
    schema = load_schema()
    body = ok(api.get(f"{MESSAGE}/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata"
                      "?$select=LogicalName,MaxLength,FormatName"))
    by_name = {item["LogicalName"]: item for item in body["value"]}
    phone = ok(api.get(f"{CONTACT}/Attributes(LogicalName='telephone1')/Microsoft.Dynamics.CRM.StringAttributeMetadata"
                       "?$select=FormatName"))

    assert by_name["smsb_sid"]["MaxLength"] == schema.table("smsb_message").column("smsb_sid").max_length
    assert by_name["smsb_sid"]["FormatName"] == {"Value": "Text"}
    assert phone["FormatName"] == {"Value": "Phone"}
    refused(api.get(f"{MESSAGE}/Attributes?$select=MaxLength"), 400, "MaxLength")


def test_lookups_name_their_targets_and_customer_lookups_both(api: Api) -> None:
    lookups = ok(api.get(f"{CONTACT}/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata"
                         "?$select=LogicalName,Targets,AttributeType"))["value"]
    outbox = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='smsb_configuration')"
                        "/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=Targets"))

    by_name = {item["LogicalName"]: item for item in lookups}
    assert sorted(by_name["parentcustomerid"]["Targets"]) == ["account", "contact"]
    assert by_name["parentcustomerid"]["AttributeType"] == "Customer"
    assert sorted(by_name["ownerid"]["Targets"]) == ["systemuser", "team"]
    assert outbox["Targets"] == ["smsb_configuration"]


def test_yes_no_state_and_status_columns_have_their_options(api: Api) -> None:
    boolean = ok(api.get(f"{CONTACT}/Attributes(LogicalName='donotphone')"
                         "/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet"))
    status = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='statuscode')"
                        "/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet"))
    state = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='statecode')"
                       "/Microsoft.Dynamics.CRM.StateAttributeMetadata?$expand=OptionSet"))
    schema_status = load_schema().table("smsb_outbox").column("statuscode")

    assert boolean["OptionSet"]["TrueOption"]["Value"] == 1
    assert boolean["OptionSet"]["FalseOption"]["Value"] == 0
    assert boolean["DefaultValue"] is False
    assert [(o["Value"], o["State"]) for o in status["OptionSet"]["Options"]] == [
        (c.value, c.state) for c in schema_status.choices]
    assert {o["Value"]: o["DefaultStatus"] for o in state["OptionSet"]["Options"]} == {0: 1, 1: 2, 2: 3, 3: 4}


def test_numbers_dates_and_files_carry_their_type_properties(api: Api) -> None:
    schema = load_schema()
    integer = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='smsb_errorcode')"
                         "/Microsoft.Dynamics.CRM.IntegerAttributeMetadata?$select=MinValue,MaxValue,Format"))
    date = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='smsb_sendafter')"
                      "/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=Format,DateTimeBehavior"))
    file = ok(api.get(f"{OUTBOX}/Attributes(LogicalName='smsb_attachment')"
                      "/Microsoft.Dynamics.CRM.FileAttributeMetadata?$select=MaxSizeInKB,AttributeTypeName"))

    assert (integer["MinValue"], integer["MaxValue"], integer["Format"]) == (-2147483648, 2147483647, "None")
    assert (date["Format"], date["DateTimeBehavior"]) == ("DateAndTime", {"Value": "UserLocal"})
    assert file["MaxSizeInKB"] == schema.table("smsb_outbox").column("smsb_attachment").max_size_kb
    assert file["AttributeTypeName"] == {"Value": "FileType"}


def test_every_attribute_says_what_it_is_and_what_a_client_may_write(api: Api) -> None:
    body = ok(api.get(f"{OUTBOX}/Attributes?$select=LogicalName,RequiredLevel,IsPrimaryId,IsPrimaryName,"
                      "IsCustomAttribute,IsValidForCreate,IsValidForUpdate,IsValidForRead,AttributeOf,DisplayName"))
    found = {item["LogicalName"]: item for item in body["value"]}

    assert found["subject"]["RequiredLevel"]["Value"] == "ApplicationRequired"
    assert found["subject"]["IsPrimaryName"] is True
    assert found["activityid"]["IsPrimaryId"] is True
    assert (found["activityid"]["IsValidForCreate"], found["activityid"]["IsValidForUpdate"]) == (True, False)
    assert (found["createdon"]["IsValidForCreate"], found["createdon"]["IsValidForUpdate"]) == (False, False)
    assert (found["smsb_sid"]["IsValidForCreate"], found["smsb_sid"]["IsValidForUpdate"]) == (True, True)
    assert found["smsb_sid"]["IsCustomAttribute"] is True
    assert found["createdon"]["IsCustomAttribute"] is False
    assert all(item["IsValidForRead"] and item["AttributeOf"] is None for item in found.values())
    assert found["smsb_sid"]["DisplayName"]["UserLocalizedLabel"]["Label"] == "Twilio SID"
    fullname = ok(api.get(f"{CONTACT}/Attributes(LogicalName='fullname')?$select=IsValidForCreate,IsValidForUpdate"))
    assert (fullname["IsValidForCreate"], fullname["IsValidForUpdate"]) == (False, False)  # Dataverse computes it


def test_attributes_filtered_by_type_and_by_required_level(api: Api) -> None:
    schema = load_schema()
    strings = ok(api.get(f"{MESSAGE}/Attributes?$select=LogicalName"
                         "&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'String'"))["value"]
    as_sdk_writes_it = ok(api.get(f"{MESSAGE}/Attributes?$select=LogicalName&$filter=AttributeType eq 'String'"))
    required = ok(api.get(f"{MESSAGE}/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq "
                          "Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'"))["value"]

    message = schema.table("smsb_message")
    assert {a["LogicalName"] for a in strings} == {c.name for c in message.columns if c.type is ColumnType.STRING}
    assert as_sdk_writes_it["value"] == strings
    assert {a["LogicalName"] for a in required} == {c.name for c in message.columns if c.required.value == "required"}


# --- relationships and keys ---


def test_the_relationships_of_a_table_from_both_sides(api: Api) -> None:
    one_to_many = ok(api.get("EntityDefinitions(LogicalName='smsb_configuration')/OneToManyRelationships"))["value"]
    many_to_one = ok(api.get(f"{OUTBOX}/ManyToOneRelationships?$select=SchemaName,ReferencedEntity,"
                             "ReferencingEntityNavigationPropertyName"))["value"]

    to_outbox = next(r for r in one_to_many if r["ReferencingEntity"] == "smsb_outbox")
    assert to_outbox["ReferencedEntity"] == "smsb_configuration"
    assert to_outbox["ReferencedAttribute"] == "smsb_configurationid"
    assert to_outbox["ReferencingAttribute"] == "smsb_configuration"
    assert to_outbox["ReferencingEntityNavigationPropertyName"] == "smsb_configuration"
    assert to_outbox["ReferencedEntityNavigationPropertyName"] == to_outbox["SchemaName"]
    assert to_outbox["CascadeConfiguration"]["Delete"] == "RemoveLink"
    assert to_outbox["RelationshipType"] == "OneToManyRelationship"
    assert set(to_outbox) == ONE_TO_MANY_PROPERTIES
    regarding = {r["ReferencedEntity"]: r["ReferencingEntityNavigationPropertyName"] for r in many_to_one
                 if r["SchemaName"].endswith("_regardingobjectid")}
    assert regarding["contact"] == "regardingobjectid_contact_smsb_outbox"


def test_parental_relationships_cascade_everything(api: Api) -> None:
    parties = ok(api.get(f"{OUTBOX}/OneToManyRelationships(SchemaName='smsb_outbox_activity_parties')"))

    assert parties["ReferencingEntity"] == "activityparty"
    assert parties["CascadeConfiguration"]["Delete"] == "Cascade"
    assert parties["CascadeConfiguration"]["Assign"] == "Cascade"


def test_many_to_many_relationships_of_a_table(api: Api) -> None:
    body = ok(api.get("EntityDefinitions(LogicalName='team')/ManyToManyRelationships"))

    membership = next(r for r in body["value"] if r["SchemaName"] == "teammembership_association")
    assert (membership["Entity1LogicalName"], membership["Entity2LogicalName"]) == ("team", "systemuser")
    assert membership["IntersectEntityName"] == "teammembership"
    assert set(membership) == MANY_TO_MANY_PROPERTIES


def test_relationship_definitions_limit_select_to_the_base_type_unless_cast(api: Api) -> None:
    everything = ok(api.get("RelationshipDefinitions?$select=SchemaName"))["value"]
    one_to_many = ok(api.get("RelationshipDefinitions/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata"
                             "?$select=SchemaName,ReferencingEntity&$filter=ReferencedEntity eq 'smsb_configuration'"))
    one = ok(api.get("RelationshipDefinitions(SchemaName='teammembership_association')"))

    assert {"teammembership_association", "smsb_outbox_activity_parties"} <= {r["SchemaName"] for r in everything}
    assert all(r["@odata.type"].endswith("RelationshipMetadata") for r in everything)
    assert {r["ReferencingEntity"] for r in one_to_many["value"]} >= {"smsb_outbox"}
    assert one["@odata.type"] == "#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata"
    refused(api.get("RelationshipDefinitions?$select=ReferencedEntity"), 400, "ReferencedEntity")


def test_a_table_expands_its_keys_and_relationships(api: Api) -> None:
    body = ok(api.get(f"{MESSAGE}?$select=LogicalName&$expand=Keys($select=KeyAttributes,EntityKeyIndexStatus),"
                      "ManyToOneRelationships($select=SchemaName;$filter=ReferencedEntity eq 'smsb_messagesession')"))

    assert [(k["KeyAttributes"], k["EntityKeyIndexStatus"]) for k in body["Keys"]] == [(["smsb_sid"], "Active")]
    assert [r["SchemaName"] for r in body["ManyToOneRelationships"]] == ["smsb_messagesession_smsb_message"]
    full_key = ok(api.get(f"{MESSAGE}/Keys(LogicalName='smsb_message_sid')"))
    assert set(full_key) - {"@odata.context"} == KEY_PROPERTIES


@pytest.mark.parametrize("path", ["GlobalOptionSetDefinitions(Name='smsb_message_smsb_direction')"])
def test_global_option_sets_are_none_in_this_org_and_take_no_filter(api: Api, path: str) -> None:
    assert ok(api.get("GlobalOptionSetDefinitions"))["value"] == []
    assert api.get(path).status_code == 404
    refused(api.get("GlobalOptionSetDefinitions?$filter=Name eq 'x'"), 501, "$filter")


def test_metadata_operations_the_emulator_does_not_implement_answer_501_naming_them(api: Api) -> None:
    refused(api.get("RetrieveAllEntities(EntityFilters=Microsoft.Dynamics.CRM.EntityFilters'Entity',"
                    "RetrieveAsIfPublished=false)"), 501, "RetrieveAllEntities")
    refused(api.post("CreateCustomerRelationships", json={}), 501, "CreateCustomerRelationships")
    refused(api.request("PUT", CONTACT, json={}), 501, "PUT EntityDefinitions")
    refused(api.patch(CONTACT, json={}), 405)
