"""CreateMultiple, UpdateMultiple, UpsertMultiple and BulkDelete over raw HTTP, as the Web API documents them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, Clock, stored

ACCOUNT = "Microsoft.Dynamics.CRM.account"


def _targets(*records: dict[str, Any], kind: str = ACCOUNT) -> dict[str, Any]:
    return {"Targets": [{"@odata.type": kind, **r} for r in records]}


def test_create_multiple_answers_the_ids_in_order(api: Api, emulator: DataverseEmulator) -> None:
    response = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                        json=_targets({"name": "A"}, {"name": "B", "telephone1": "555"}))

    assert response.status_code == 200
    body = response.json
    assert body["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse")
    assert [stored(emulator, "account", i)["name"] for i in body["Ids"]] == ["A", "B"]


def test_every_target_must_name_its_type(api: Api, emulator: DataverseEmulator) -> None:
    missing = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                       json={"Targets": [{"@odata.type": ACCOUNT, "name": "A"}, {"name": "B"}]})
    other = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                     json=_targets({"lastname": "Lopez"}, kind="Microsoft.Dynamics.CRM.contact"))

    assert missing.status_code == 400
    assert "Targets[1]" in missing.json["error"]["message"]
    assert other.status_code == 400
    assert "contact" in other.json["error"]["message"]
    assert emulator.store.rows("account") == []


def test_one_failing_target_writes_nothing(api: Api, emulator: DataverseEmulator) -> None:
    existing = api.create("accounts", {"name": "Existing"})["accountid"]

    response = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                        json=_targets({"name": "New"}, {"accountid": existing, "name": "Duplicate id"}))

    assert response.status_code == 412
    assert response.json["error"]["code"] == "0x80040237"
    assert "Targets[1]" in response.json["error"]["message"]
    assert [r["name"] for r in emulator.store.rows("account")] == ["Existing"]


def test_update_multiple_updates_by_primary_id_and_never_creates(api: Api, emulator: DataverseEmulator) -> None:
    a = api.create("accounts", {"name": "A"})["accountid"]
    b = api.create("accounts", {"name": "B"})["accountid"]

    updated = api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple",
                       json=_targets({"accountid": a, "telephone1": "1"}, {"accountid": b, "telephone1": "2"}))
    missing = api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple",
                       json=_targets({"accountid": a, "name": "A2"},
                                     {"accountid": "6f0c1b3e-0000-4000-8000-000000000001", "name": "Ghost"}))
    no_id = api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json=_targets({"name": "No id"}))

    assert updated.status_code == 204
    assert (stored(emulator, "account", a)["telephone1"], stored(emulator, "account", b)["telephone1"]) == ("1", "2")
    assert missing.status_code == 404
    assert stored(emulator, "account", a)["name"] == "A"  # rolled back with the failing target
    assert no_id.status_code == 400
    assert len(emulator.store.rows("account")) == 2


def test_upsert_multiple_by_alternate_key_and_by_id(api: Api, emulator: DataverseEmulator) -> None:
    existing = api.create("smsb_messages", {"smsb_sid": "SM1", "smsb_direction": 1, "smsb_body": "old"})
    new_id = "6f0c1b3e-0000-4000-8000-0000000000aa"
    kind = "Microsoft.Dynamics.CRM.smsb_message"

    response = api.post("smsb_messages/Microsoft.Dynamics.CRM.UpsertMultiple", json=_targets(
        {"@odata.id": "smsb_messages(smsb_sid='SM1')", "smsb_body": "new"},
        {"@odata.id": "smsb_messages(smsb_sid='SM2')", "smsb_body": "created", "smsb_direction": 2},
        {"smsb_messageid": new_id, "smsb_body": "by id", "smsb_direction": 1},
        kind=kind))

    assert response.status_code == 204
    assert response.get_data() == b""
    by_sid = {r["smsb_sid"]: r for r in emulator.store.rows("smsb_message")}
    assert by_sid["SM1"]["smsb_messageid"] == existing["smsb_messageid"]
    assert by_sid["SM1"]["smsb_body"] == "new"
    assert by_sid["SM2"]["smsb_body"] == "created"
    assert stored(emulator, "smsb_message", new_id)["smsb_body"] == "by id"


def test_an_action_the_emulator_lacks_is_refused_by_name(api: Api) -> None:
    response = api.post("accounts/Microsoft.Dynamics.CRM.DeleteMultiple", json={"Targets": []})

    assert response.status_code == 501
    assert "Microsoft.Dynamics.CRM.DeleteMultiple" in response.json["error"]["message"]


def _bulk_delete(entity: str, conditions: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return {
        "JobName": "Clean up", "SendEmailNotification": False, "ToRecipients": [], "CCRecipients": [],
        "RecurrencePattern": "", "StartDateTime": "2026-03-01T09:00:00Z",
        "QuerySet": [{"@odata.type": "Microsoft.Dynamics.CRM.QueryExpression", "EntityName": entity,
                      "ColumnSet": {"AllColumns": False, "Columns": []},
                      "Criteria": {"FilterOperator": "And", "Conditions": conditions}}],
        **overrides,
    }


def test_bulk_delete_deletes_what_the_query_matches_in_a_completed_job(
    api: Api, emulator: DataverseEmulator, clock: Clock
) -> None:
    old = [api.create("accounts", {"name": f"Old {n}"})["accountid"] for n in range(2)]
    clock.advance(days=40)
    recent = api.create("accounts", {"name": "Old but recent"})["accountid"]
    other = api.create("accounts", {"name": "Other"})["accountid"]

    response = api.post("BulkDelete", json=_bulk_delete("account", [
        {"AttributeName": "name", "Operator": "BeginsWith", "Values": [{"Value": "Old", "Type": "System.String"}]},
        {"AttributeName": "createdon", "Operator": "OlderThanXDays",
         "Values": [{"Value": "30", "Type": "System.Int32"}]},
    ], StartDateTime=(clock.now - timedelta(seconds=1)).isoformat()))

    assert response.status_code == 200
    job = api.get(f"asyncoperations({response.json['JobId']})").json
    assert (job["operationtype"], job["statecode"], job["statuscode"]) == (13, 3, 30)
    assert all(emulator.store.get("account", i) is None for i in old)
    assert emulator.store.get("account", recent) is not None
    assert emulator.store.get("account", other) is not None


def test_bulk_delete_by_ids_as_the_sdk_sends_it(api: Api, emulator: DataverseEmulator) -> None:
    ids = [api.create("contacts", {"lastname": f"L{n}"})["contactid"] for n in range(3)]

    response = api.post("BulkDelete", json=_bulk_delete("contact", [
        {"@odata.type": "Microsoft.Dynamics.CRM.ConditionExpression", "AttributeName": "contactid",
         "Operator": "In", "Values": [{"Value": i, "Type": "System.Guid"} for i in ids[:2]]}]))

    assert response.status_code == 200
    assert [r["contactid"] for r in emulator.store.rows("contact")] == [ids[2]]


def test_bulk_delete_refuses_what_it_cannot_do_by_name(api: Api) -> None:
    cases = [
        (_bulk_delete("account", [], RecurrencePattern="FREQ=DAILY;INTERVAL=1"), "RecurrencePattern"),
        (_bulk_delete("account", [], SendEmailNotification=True), "SendEmailNotification"),
        (_bulk_delete("account", [], StartDateTime="2027-01-01T00:00:00Z"), "scheduled for later"),
        (_bulk_delete("account", [{"AttributeName": "name", "Operator": "Under", "Values": []}]), "'Under'"),
    ]
    for body, fragment in cases:
        response = api.post("BulkDelete", json=body)
        assert response.status_code == 501, body
        assert fragment in response.json["error"]["message"]
    missing = api.post("BulkDelete", json={"QuerySet": []})
    assert missing.status_code == 400
    assert "JobName" in missing.json["error"]["message"]
