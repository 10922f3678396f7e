"""Create, read, upsert, conditional writes, delete and errors, as the Web API answers them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, ApiResponse, Clock, stored


def entity_id(response: ApiResponse) -> str:
    return str(response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"))


def test_create_answers_204_with_the_entity_url(api: Api) -> None:
    response = api.post("smsb_errorlogs", json={"smsb_name": "boom", "smsb_severity": 3})
    assert response.status_code == 204
    assert response.get_data() == b""
    url = response.headers["OData-EntityId"]
    assert url.startswith("http://localhost/api/data/v9.2/smsb_errorlogs(")
    row = stored(api.emulator, "smsb_errorlog", entity_id(response))
    assert row["smsb_name"] == "boom"
    assert row["smsb_severity"] == 3


def test_create_with_return_representation_answers_201_with_the_row(api: Api) -> None:
    response = api.post(
        "smsb_errorlogs?$select=smsb_name", json={"smsb_name": "x"}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "return=representation"
    body = response.json
    assert body["smsb_name"] == "x"
    assert set(body) == {"@odata.context", "@odata.etag", "smsb_name", "smsb_errorlogid"}
    assert body["@odata.context"] == "http://localhost/api/data/v9.2/$metadata#smsb_errorlogs(smsb_name)/$entity"


def test_create_honours_a_client_supplied_primary_id(api: Api) -> None:
    chosen = str(uuid.uuid4())
    response = api.post("smsb_errorlogs", json={"smsb_errorlogid": chosen, "smsb_name": "x"})
    assert entity_id(response) == chosen


def test_create_with_an_existing_id_is_the_duplicate_key_error(api: Api) -> None:
    chosen = str(uuid.uuid4())
    api.post("smsb_errorlogs", json={"smsb_errorlogid": chosen, "smsb_name": "first"})
    response = api.post("smsb_errorlogs", json={"smsb_errorlogid": chosen, "smsb_name": "second"})
    assert response.status_code == 412
    assert response.json["error"] == {
        "code": "0x80040237",
        "message": "A record with matching key values already exists.",
    }
    assert stored(api.emulator, "smsb_errorlog", chosen)["smsb_name"] == "first"


def test_server_sets_created_and_modified_on_from_its_clock(api: Api, clock: Clock) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "x"})
    assert row["createdon"] == "2026-03-01T09:30:00Z"
    clock.advance(minutes=5)
    api.patch(f"smsb_errorlogs({row['smsb_errorlogid']})", json={"smsb_name": "y"}, headers={"If-Match": "*"})
    again = api.get(f"smsb_errorlogs({row['smsb_errorlogid']})?$select=createdon,modifiedon").json
    assert (again["createdon"], again["modifiedon"]) == ("2026-03-01T09:30:00Z", "2026-03-01T09:35:00Z")


def test_patch_to_a_missing_id_creates_the_row(api: Api) -> None:
    chosen = str(uuid.uuid4())
    response = api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "upserted"})
    assert response.status_code == 204
    assert response.headers["OData-EntityId"].endswith(f"smsb_errorlogs({chosen})")
    assert stored(api.emulator, "smsb_errorlog", chosen)["smsb_name"] == "upserted"


def test_upsert_with_representation_tells_create_201_from_update_200(api: Api) -> None:
    chosen = str(uuid.uuid4())
    prefer = {"Prefer": "return=representation"}
    assert api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "a"}, headers=prefer).status_code == 201
    assert api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "b"}, headers=prefer).status_code == 200


def test_if_none_match_star_refuses_to_update_an_existing_row(api: Api) -> None:
    chosen = str(uuid.uuid4())
    first = api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "a"}, headers={"If-None-Match": "*"})
    second = api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "b"}, headers={"If-None-Match": "*"})
    assert first.status_code == 204
    assert second.status_code == 412
    assert second.json["error"]["code"] == "0x80040237"
    assert stored(api.emulator, "smsb_errorlog", chosen)["smsb_name"] == "a"


def test_if_match_star_refuses_to_create(api: Api) -> None:
    chosen = str(uuid.uuid4())
    response = api.patch(f"smsb_errorlogs({chosen})", json={"smsb_name": "a"}, headers={"If-Match": "*"})
    assert response.status_code == 404
    assert response.json["error"] == {
        "code": "0x80040217",
        "message": f"smsb_errorlog With Id = {chosen} Does Not Exist",
    }
    assert api.emulator.store.get("smsb_errorlog", chosen) is None


def test_etag_changes_on_every_write_and_a_stale_one_is_refused(api: Api) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "a"})
    url = f"smsb_errorlogs({row['smsb_errorlogid']})"
    first = row["@odata.etag"]
    assert api.patch(url, json={"smsb_name": "b"}, headers={"If-Match": first}).status_code == 204
    second = api.get(url).json["@odata.etag"]
    assert second != first
    assert second.startswith('W/"')
    stale = api.patch(url, json={"smsb_name": "c"}, headers={"If-Match": first})
    assert stale.status_code == 412
    assert (
        stale.json["error"]["message"]
        == "The version of the existing record doesn't match the RowVersion property provided."
    )
    assert stored(api.emulator, "smsb_errorlog", row["smsb_errorlogid"])["smsb_name"] == "b"


def test_get_with_current_etag_in_if_none_match_is_not_modified(api: Api) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "a"})
    url = f"smsb_errorlogs({row['smsb_errorlogid']})"
    assert api.get(url, headers={"If-None-Match": row["@odata.etag"]}).status_code == 304
    api.patch(url, json={"smsb_name": "b"})
    assert api.get(url, headers={"If-None-Match": row["@odata.etag"]}).status_code == 200


def test_delete_removes_the_row_and_a_second_delete_is_not_found(api: Api) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "a"})
    url = f"smsb_errorlogs({row['smsb_errorlogid']})"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404


def test_delete_with_a_stale_etag_is_refused(api: Api) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "a"})
    url = f"smsb_errorlogs({row['smsb_errorlogid']})"
    api.patch(url, json={"smsb_name": "b"})
    assert api.delete(url, headers={"If-Match": row["@odata.etag"]}).status_code == 412


def test_deleting_a_session_deletes_its_messages_and_their_media_parentally(api: Api) -> None:
    session = api.create("smsb_messagesessions", {"subject": "chat"})
    message = api.create(
        "smsb_messages",
        {
            "smsb_name": "hi",
            "smsb_direction": 1,
            "smsb_session@odata.bind": f"/smsb_messagesessions({session['activityid']})",
        },
    )
    media = api.create(
        "smsb_messagemedias",
        {
            "smsb_name": "a.png",
            "smsb_message@odata.bind": f"/smsb_messages({message['smsb_messageid']})",
        },
    )
    assert api.delete(f"smsb_messagesessions({session['activityid']})").status_code == 204
    assert api.emulator.store.get("smsb_message", message["smsb_messageid"]) is None
    assert api.emulator.store.get("smsb_messagemedia", media["smsb_messagemediaid"]) is None


def test_deleting_a_configuration_clears_lookups_that_point_at_it(api: Api, configuration: dict[str, Any]) -> None:
    template = api.create(
        "smsb_messagetemplates",
        {
            "smsb_name": "t",
            "smsb_body": "Hi",
            "smsb_configuration@odata.bind": f"/smsb_configurations({configuration['smsb_configurationid']})",
        },
    )
    api.delete(f"smsb_configurations({configuration['smsb_configurationid']})")
    row = api.get(f"smsb_messagetemplates({template['smsb_messagetemplateid']})").json
    assert row["_smsb_configuration_value"] is None


def test_unknown_column_is_a_400_in_dataverse_error_shape(api: Api) -> None:
    response = api.post("smsb_errorlogs", json={"smsb_name": "a", "smsb_colour": "red"})
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "0x80060888"
    assert (
        "The property 'smsb_colour' does not exist on type 'Microsoft.Dynamics.CRM.smsb_errorlog'" in error["message"]
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"smsb_severity": "high"}, "Edm.Int32"),
        ({"smsb_occurredon": "yesterday"}, "Edm.DateTimeOffset"),
        ({"smsb_name": 5}, "Edm.String"),
    ],
)
def test_wrong_value_types_are_rejected(api: Api, body: dict[str, Any], fragment: str) -> None:
    response = api.post("smsb_errorlogs", json=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "0x80048d19"
    assert fragment in response.json["error"]["message"]


def test_choice_value_outside_the_choices_is_a_validation_error(api: Api) -> None:
    response = api.post("smsb_errorlogs", json={"smsb_severity": 7})
    assert response.status_code == 400
    assert "outside the valid range" in response.json["error"]["message"]


def test_text_longer_than_the_column_allows_is_rejected(api: Api) -> None:
    response = api.post("smsb_errorlogs", json={"smsb_name": "x" * 201})
    assert response.status_code == 400
    assert "exceeded the maximum allowed length of '200'" in response.json["error"]["message"]


def test_bind_with_an_undeclared_navigation_property_gives_dataverses_message(
    api: Api, configuration: dict[str, Any]
) -> None:
    response = api.post(
        "smsb_recordtypes",
        json={
            "smsb_name": "c",
            "smsb_ConfigurationId@odata.bind": f"/smsb_configurations({configuration['smsb_configurationid']})",
        },
    )
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith(
        "An undeclared property 'smsb_ConfigurationId' which only has property annotations in the payload"
    )


def test_bind_to_a_record_that_does_not_exist_is_not_found(api: Api) -> None:
    missing = str(uuid.uuid4())
    response = api.post(
        "smsb_recordtypes", json={"smsb_name": "c", "smsb_configuration@odata.bind": f"/smsb_configurations({missing})"}
    )
    assert response.status_code == 404
    assert missing in response.json["error"]["message"]


def test_bind_to_the_wrong_table_is_rejected(api: Api) -> None:
    team = api.create("teams", {"name": "T"})
    response = api.post(
        "smsb_recordtypes", json={"smsb_name": "c", "smsb_configuration@odata.bind": f"/teams({team['teamid']})"}
    )
    assert response.status_code == 400
    assert "cannot be bound to the navigation property 'smsb_configuration'" in response.json["error"]["message"]


def test_writing_a_lookup_column_directly_is_rejected(api: Api, configuration: dict[str, Any]) -> None:
    response = api.post(
        "smsb_recordtypes", json={"smsb_name": "c", "smsb_configuration": configuration["smsb_configurationid"]}
    )
    assert response.status_code == 400
    assert "smsb_configuration@odata.bind" in response.json["error"]["message"]


def test_owner_binds_to_a_team_and_defaults_to_the_caller(api: Api, emulator: DataverseEmulator) -> None:
    team = api.create("teams", {"name": "SMS Bridge - SMS"})
    owned = api.create(
        "smsb_conversations", {"smsb_phonenumber": "+16562185892", "ownerid@odata.bind": f"/teams({team['teamid']})"}
    )
    mine = api.create("smsb_conversations", {"smsb_phonenumber": "+16562185893"})
    assert owned["_ownerid_value"] == team["teamid"]
    assert owned["_owningteam_value"] == team["teamid"]
    assert mine["_ownerid_value"] == emulator.user_id


def test_annotations_describe_lookups_choices_booleans_and_dates(api: Api, configuration: dict[str, Any]) -> None:
    rt = api.create(
        "smsb_recordtypes",
        {
            "smsb_name": "contacts",
            "smsb_entitylogicalname": "contact",
            "smsb_configuration@odata.bind": f"/smsb_configurations({configuration['smsb_configurationid']})",
        },
    )
    response = api.get(
        f"smsb_recordtypes({rt['smsb_recordtypeid']})?$select=_smsb_configuration_value,createdon",
        headers={"Prefer": 'odata.include-annotations="*"'},
    )
    body = response.json
    assert body["_smsb_configuration_value"] == configuration["smsb_configurationid"]
    assert body["_smsb_configuration_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "smsb_configuration"
    assert body["_smsb_configuration_value@OData.Community.Display.V1.FormattedValue"] == "Main"
    assert body["_smsb_configuration_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] == "smsb_configuration"
    assert body["createdon@OData.Community.Display.V1.FormattedValue"] == "3/1/2026 9:30 AM"
    assert response.headers["Preference-Applied"] == 'odata.include-annotations="*"'
    cfg = api.get(
        f"smsb_configurations({configuration['smsb_configurationid']})?$select=smsb_validationstatus,smsb_enterissend",
        headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'},
    ).json
    assert cfg["smsb_validationstatus@OData.Community.Display.V1.FormattedValue"] == "Draft"
    assert cfg["smsb_enterissend@OData.Community.Display.V1.FormattedValue"] == "Yes"


def test_no_annotations_without_the_prefer_header(api: Api, configuration: dict[str, Any]) -> None:
    body = api.get(f"smsb_configurations({configuration['smsb_configurationid']})").json
    assert not [k for k in body if "@" in k and not k.startswith("@odata")]


def test_status_reason_sets_the_matching_state(api: Api) -> None:
    session = api.create("smsb_messagesessions", {"subject": "chat"})
    api.patch(f"smsb_messagesessions({session['activityid']})", json={"statuscode": 2})
    row = api.get(f"smsb_messagesessions({session['activityid']})?$select=statecode,statuscode").json
    assert (row["statecode"], row["statuscode"]) == (1, 2)
    bad = api.patch(f"smsb_messagesessions({session['activityid']})", json={"statecode": 0, "statuscode": 2})
    assert bad.status_code == 400


def test_a_request_without_a_bearer_token_is_unauthorized(api: Api) -> None:
    response = api.get("WhoAmI", token=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_fixed_token_rejects_any_other(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock, token="right")
    api = Api(emulator)
    assert api.get("WhoAmI", token="wrong").status_code == 401
    assert api.get("WhoAmI", token="right").status_code == 200


def test_who_am_i_names_the_caller_its_business_unit_and_organization(api: Api, emulator: DataverseEmulator) -> None:
    body = api.get("WhoAmI").json
    assert (body["UserId"], body["BusinessUnitId"], body["OrganizationId"]) == (
        emulator.user_id,
        emulator.business_unit_id,
        emulator.organization_id,
    )
    user = api.get(f"systemusers({emulator.user_id})?$select=fullname").json
    assert user["fullname"] == "SMS Bridge Integration"


def test_service_root_lists_every_entity_set(api: Api) -> None:
    names = {item["name"] for item in api.get("").json["value"]}
    assert {"smsb_messages", "smsb_outboxes", "contacts", "serviceendpoints"} <= names


def test_unknown_entity_set_is_not_found(api: Api) -> None:
    response = api.get("smsb_widgets")
    assert response.status_code == 404
    assert "smsb_widgets" in response.json["error"]["message"]


def test_store_seeding_and_inspection_round_trip(emulator: DataverseEmulator, api: Api) -> None:
    row_id = emulator.store.insert("contact", {"firstname": "Ada", "mobilephone": "+447700900123"})
    assert api.get(f"contacts({row_id})?$select=firstname").json["firstname"] == "Ada"
    assert [r["firstname"] for r in emulator.store.rows("contact")] == ["Ada"]


def test_a_table_that_takes_no_upsert_answers_patch_to_a_missing_row_with_not_found(
    tmp_path: Path, clock: Clock
) -> None:
    from solution.schema import parse_schema

    (tmp_path / "new_log.toml").write_text(
        '[table]\nlogical_name = "new_log"\nentity_set = "new_logs"\ndisplay_name = "Log"\ndisplay_plural = "Logs"\n'
        'ownership = "organization"\nprimary_id = "new_logid"\nprimary_name = "new_name"\nsupports_upsert = false\n\n'
        '[[columns]]\nname = "new_name"\ntype = "string"\n'
    )
    api = Api(DataverseEmulator(parse_schema(tmp_path), clock=clock))
    chosen = str(uuid.uuid4())
    missing = api.patch(f"new_logs({chosen})", json={"new_name": "a"})
    assert missing.status_code == 404
    assert api.emulator.store.get("new_log", chosen) is None
    created = api.post("new_logs", json={"new_logid": chosen, "new_name": "a"})
    assert created.status_code == 204
    assert api.patch(f"new_logs({chosen})", json={"new_name": "b"}).status_code == 204
    assert api.post("new_logs", json={"new_logid": chosen, "new_name": "c"}).json["error"]["code"] == "0x80040237"


def test_a_single_property_is_read_set_and_cleared_through_its_own_url(api: Api) -> None:
    row = api.create("smsb_errorlogs", {"smsb_name": "a", "smsb_details": "long text"})
    url = f"smsb_errorlogs({row['smsb_errorlogid']})"
    assert api.get(f"{url}/smsb_name").json["value"] == "a"
    assert api.request("PUT", f"{url}/smsb_name", json={"value": "b"}).status_code == 204
    assert api.get(f"{url}/smsb_name/$value").get_data() == b"b"
    assert api.delete(f"{url}/smsb_details").status_code == 204
    assert api.get(f"{url}?$select=smsb_details").json["smsb_details"] is None
    assert api.request("PUT", f"{url}/smsb_severity", json={"value": 99}).status_code == 400


def test_navigating_through_a_lookup_in_the_url_names_the_unsupported_feature(
    api: Api, configuration: dict[str, Any]
) -> None:
    response = api.get(
        f"smsb_configurations({configuration['smsb_configurationid']})/smsb_configuration_smsb_recordtype"
    )
    assert response.status_code == 501
    assert "$expand=smsb_configuration_smsb_recordtype" in response.json["error"]["message"]


def test_every_answer_carries_a_service_request_id(api: Api) -> None:
    ids = {api.get("WhoAmI").headers["x-ms-service-request-id"], api.get("nothing").headers["x-ms-service-request-id"]}
    assert len(ids) == 2
    assert all(uuid.UUID(i) for i in ids)
