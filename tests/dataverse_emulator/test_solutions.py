"""Solution import, publishing, alternate key index status, roles and their many-to-many associations."""

from __future__ import annotations

import base64

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from tests.admin.packages import package_zip

from .conftest import Api, Clock

IMPORT_BODY = {"OverwriteUnmanagedCustomizations": True, "PublishWorkflows": True}


@pytest.fixture
def new_org(clock: Clock) -> Api:
    return Api(DataverseEmulator(preinstalled=False, clock=clock))


def import_async(api: Api, data: bytes) -> dict[str, str]:
    response = api.post("ImportSolutionAsync", json={**IMPORT_BODY,
                                                     "CustomizationFile": base64.b64encode(data).decode()})
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.json)


def poll(api: Api, job_id: str) -> list[tuple[int, int]]:
    states = []
    for _ in range(10):
        row = api.get(f"asyncoperations({job_id})?$select=statecode,statuscode,message").json
        states.append((row["statecode"], row["statuscode"]))
        if row["statecode"] == 3:
            break
    return states


def test_a_new_environment_has_no_product_tables_until_the_solution_is_imported(new_org: Api) -> None:
    assert new_org.get("smsb_configurations").status_code == 404
    assert new_org.get("EntityDefinitions(LogicalName='smsb_message')").status_code == 404
    assert new_org.get("sdkmessagefilters?$filter=primaryobjecttypecode eq 'smsb_outbox'").json["value"] == []
    assert new_org.get("solutions?$filter=uniquename eq 'SmsBridge'").json["value"] == []

    ids = import_async(new_org, package_zip(version="2.3.0.0"))

    states = poll(new_org, ids["AsyncOperationId"])
    assert states[0] == (2, 20)  # locked, in progress
    assert states[-1] == (3, 30)  # completed, succeeded
    assert new_org.get(f"importjobs({ids['ImportJobKey']})?$select=progress").json["progress"] == 100.0
    assert new_org.get("smsb_configurations").status_code == 200
    solution = new_org.get("solutions?$filter=uniquename eq 'SmsBridge'&$select=version,ismanaged").json["value"][0]
    assert (solution["version"], solution["ismanaged"]) == ("2.3.0.0", False)
    roles = {r["name"] for r in new_org.get("roles?$select=name").json["value"]}
    assert {"SMS Bridge Administrator", "SMS Bridge User", "SMS Bridge Integration", "System Administrator"} <= roles
    filters = new_org.get("sdkmessagefilters?$filter=primaryobjecttypecode eq 'smsb_outbox'").json["value"]
    assert len(filters) == 3


def test_the_import_does_nothing_until_it_completes(new_org: Api) -> None:
    ids = import_async(new_org, package_zip())

    assert new_org.get("smsb_outboxes").status_code == 404
    poll(new_org, ids["AsyncOperationId"])
    assert new_org.get("smsb_outboxes").status_code == 200


def test_a_failed_import_reports_why_and_changes_nothing(new_org: Api) -> None:
    poll(new_org, import_async(new_org, package_zip(version="1.0.0.0"))["AsyncOperationId"])

    ids = import_async(new_org, package_zip(version="1.1.0.0", managed=True))
    states = poll(new_org, ids["AsyncOperationId"])

    assert states[-1] == (3, 31)
    job = new_org.get(f"asyncoperations({ids['AsyncOperationId']})?$select=message,friendlymessage").json
    assert "already installed on this system as an unmanaged solution" in job["friendlymessage"]
    solution = new_org.get("solutions?$select=version,ismanaged").json["value"][0]
    assert (solution["version"], solution["ismanaged"]) == ("1.0.0.0", False)


def test_a_package_that_is_not_a_solution_fails_its_job(new_org: Api) -> None:
    ids = import_async(new_org, b"not a zip")

    assert poll(new_org, ids["AsyncOperationId"])[-1] == (3, 31)
    message = new_org.get(f"asyncoperations({ids['AsyncOperationId']})?$select=message").json["message"]
    assert "not a solution zip" in message


def test_import_solution_runs_at_once_and_records_the_import_job(new_org: Api) -> None:
    job_id = "4d9c2f1a-0000-4000-8000-00000000abcd"
    data = base64.b64encode(package_zip()).decode()

    response = new_org.post("ImportSolution", json={**IMPORT_BODY, "CustomizationFile": data, "ImportJobId": job_id})

    assert response.status_code == 204
    assert new_org.get(f"importjobs({job_id})?$select=progress").json["progress"] == 100.0
    assert new_org.get("smsb_messages").status_code == 200
    bad = new_org.post("ImportSolution", json={**IMPORT_BODY, "CustomizationFile": base64.b64encode(b"x").decode()})
    assert bad.status_code == 400
    missing = new_org.post("ImportSolution", json={"CustomizationFile": data})
    assert missing.status_code == 400
    assert "OverwriteUnmanagedCustomizations" in missing.json["error"]["message"]


def test_publish_all_xml_answers_204(new_org: Api) -> None:
    assert new_org.post("PublishAllXml", json={}).status_code == 204
    assert new_org.get("PublishAllXml").status_code == 405


def test_alternate_key_indexes_build_after_the_import(new_org: Api, clock: Clock) -> None:
    new_org.emulator.solutions.key_index_seconds = 60
    poll(new_org, import_async(new_org, package_zip())["AsyncOperationId"])
    keys_path = ("EntityDefinitions(LogicalName='smsb_message')/Keys"
                 "?$select=LogicalName,KeyAttributes,EntityKeyIndexStatus")

    pending = new_org.get(keys_path).json["value"]
    clock.advance(seconds=61)
    active = new_org.get(keys_path).json["value"]

    assert [(k["KeyAttributes"], k["EntityKeyIndexStatus"]) for k in pending] == [(["smsb_sid"], "Pending")]
    assert [k["EntityKeyIndexStatus"] for k in active] == ["Active"]
    new_org.emulator.solutions.set_key_status("smsb_message", active[0]["LogicalName"], "Failed")
    assert new_org.get(keys_path).json["value"][0]["EntityKeyIndexStatus"] == "Failed"
    assert new_org.get("EntityDefinitions(LogicalName='nope')/Keys").status_code == 404
    assert new_org.get("EntityDefinitions(LogicalName='smsb_message')/Keys?$filter=x").status_code == 400


def test_a_preinstalled_emulator_already_has_the_solution_roles_and_active_keys() -> None:
    api = Api(DataverseEmulator())
    assert api.get("solutions?$filter=uniquename eq 'SmsBridge'").json["value"]
    keys = api.get("EntityDefinitions(LogicalName='smsb_recordtype')/Keys").json["value"]
    assert [k["EntityKeyIndexStatus"] for k in keys] == ["Active"]
    assert len(api.get("roles?$filter=startswith(name,'SMS Bridge')").json["value"]) == 3


def test_roles_are_associated_with_teams_and_users_through_ref(new_org: Api) -> None:
    poll(new_org, import_async(new_org, package_zip())["AsyncOperationId"])
    emulator = new_org.emulator
    team_id = emulator.store.insert("team", {"name": "T", "businessunitid": emulator.business_unit_id})
    role_id = new_org.get("roles?$filter=name eq 'SMS Bridge User'").json["value"][0]["roleid"]
    ref = {"@odata.id": f"http://localhost/api/data/v9.2/roles({role_id})"}

    assert new_org.post(f"teams({team_id})/teamroles_association/$ref", json=ref).status_code == 204
    assert new_org.post(f"teams({team_id})/teamroles_association/$ref", json=ref).status_code == 400  # duplicate
    names = [r["name"] for r in new_org.get(f"teams({team_id})/teamroles_association?$select=name").json["value"]]
    assert names == ["SMS Bridge User"]
    assert new_org.get(f"teamrolescollection?$filter=teamid eq {team_id}").json["value"][0]["roleid"] == role_id

    user_roles = new_org.get(f"systemusers({emulator.user_id})/systemuserroles_association?$select=name").json
    assert [r["name"] for r in user_roles["value"]] == ["System Administrator"]
    assert new_org.delete(f"teams({team_id})/teamroles_association({role_id})/$ref").status_code == 204
    assert new_org.get(f"teams({team_id})/teamroles_association").json["value"] == []
    wrong = {"@odata.id": f"http://localhost/api/data/v9.2/teams({team_id})"}
    assert new_org.post(f"teams({team_id})/teamroles_association/$ref", json=wrong).status_code == 400
    assert new_org.post(f"teams({team_id})/smsb_nothing/$ref", json=ref).status_code in (400, 501)


def test_reset_returns_to_a_new_environment(new_org: Api) -> None:
    poll(new_org, import_async(new_org, package_zip())["AsyncOperationId"])
    new_org.emulator.reset()
    assert new_org.get("smsb_configurations").status_code == 404
