"""Records through the SDK, single and multiple: create, retrieve, update, delete, upsert by alternate key, the bulk
actions (CreateMultiple, UpdateMultiple, UpsertMultiple, BulkDelete); each checked in the emulator's store.

Every write here carries text, so the SDK first reads the table's choice columns
(``.../Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata``) to turn labels into values."""

from __future__ import annotations

from typing import Any

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models import UpsertItem

from devstack.dataverse_emulator import DataverseEmulator, Ref

API = "/api/data/v9.2/"


def _posted(emulator: DataverseEmulator, path: str) -> list[Any]:
    return [r for r in emulator.requests.records if r.method == "POST" and r.path == API + path]


def test_create_retrieve_update_delete_one_record(client: DataverseClient, emulator: DataverseEmulator) -> None:
    account_id = client.records.create("account", {"name": "Contoso Ltd", "telephone1": "555-0100"})

    stored = emulator.store.get("account", account_id)
    assert stored is not None
    assert stored["name"] == "Contoso Ltd"
    record = client.records.retrieve("account", account_id, select=["name"])
    assert record is not None
    assert record["name"] == "Contoso Ltd"

    client.records.update("account", account_id, {"telephone1": "555-0199"})
    assert (emulator.store.get("account", account_id) or {})["telephone1"] == "555-0199"
    patch = next(r for r in emulator.requests.records if r.method == "PATCH")
    assert patch.headers.get("If-Match") == "*"  # an update never creates

    client.records.delete("account", account_id)
    assert emulator.store.get("account", account_id) is None
    assert client.records.retrieve("account", account_id) is None


def test_update_of_a_missing_record_is_404_not_a_create(client: DataverseClient, emulator: DataverseEmulator) -> None:
    missing = "6f0c1b3e-0000-4000-8000-000000000001"

    with pytest.raises(HttpError) as refused:
        client.records.update("account", missing, {"name": "Ghost"})

    assert refused.value.status_code == 404
    assert emulator.store.get("account", missing) is None


def test_choice_labels_are_written_as_their_values(client: DataverseClient, emulator: DataverseEmulator) -> None:
    message_id = client.records.create("smsb_message", {"smsb_direction": "Outgoing", "smsb_body": "Hi"})

    assert (emulator.store.get("smsb_message", message_id) or {})["smsb_direction"] == 2


def test_lookups_bind_with_odata_bind(client: DataverseClient, emulator: DataverseEmulator) -> None:
    account_id = emulator.store.insert("account", {"name": "Fabrikam"})

    contact_id = client.records.create("contact", {
        "lastname": "Lopez", "parentcustomerid_account@odata.bind": f"/accounts({account_id})"})

    assert (emulator.store.get("contact", contact_id) or {})["parentcustomerid"] == Ref("account", account_id)


def test_create_many_uses_create_multiple_and_returns_the_ids(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    ids = client.records.create("account", [{"name": "Company A"}, {"name": "Company B"}, {"name": "Company C"}])

    assert [(emulator.store.get("account", i) or {}).get("name") for i in ids] == ["Company A", "Company B",
                                                                                   "Company C"]
    assert len(_posted(emulator, "accounts/Microsoft.Dynamics.CRM.CreateMultiple")) == 1


def test_create_many_writes_nothing_when_one_record_fails(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    before = len(emulator.store.rows("account"))

    with pytest.raises(HttpError) as refused:
        client.records.create("account", [{"name": "Fine"}, {"name": "Too long" * 100}])

    assert refused.value.status_code == 400
    assert "Targets[1]" in str(refused.value)
    assert len(emulator.store.rows("account")) == before


def test_update_many_uses_update_multiple(client: DataverseClient, emulator: DataverseEmulator) -> None:
    ids = [emulator.store.insert("account", {"name": f"Company {n}"}) for n in range(3)]

    client.records.update("account", ids, {"telephone1": "555-0123"})
    client.records.update("account", ids[:2], [{"name": "First"}, {"name": "Second"}])

    rows = [emulator.store.get("account", i) or {} for i in ids]
    assert [r["telephone1"] for r in rows] == ["555-0123"] * 3
    assert [r["name"] for r in rows] == ["First", "Second", "Company 2"]
    assert len(_posted(emulator, "accounts/Microsoft.Dynamics.CRM.UpdateMultiple")) == 2


def test_delete_many_runs_a_bulk_delete_job_that_completes(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    ids = [emulator.store.insert("account", {"name": f"Old {n}"}) for n in range(3)]
    kept = emulator.store.insert("account", {"name": "Kept"})

    job_id = client.records.delete("account", ids)

    assert job_id is not None
    assert all(emulator.store.get("account", i) is None for i in ids)
    assert emulator.store.get("account", kept) is not None
    job = client.records.retrieve("asyncoperation", job_id, select=["operationtype", "statecode", "statuscode"])
    assert job is not None
    assert (job["operationtype"], job["statecode"], job["statuscode"]) == (13, 3, 30)


def test_delete_many_one_at_a_time_when_asked(client: DataverseClient, emulator: DataverseEmulator) -> None:
    ids = [emulator.store.insert("account", {"name": f"Old {n}"}) for n in range(2)]

    assert client.records.delete("account", ids, use_bulk_delete=False) is None

    assert all(emulator.store.get("account", i) is None for i in ids)
    assert not _posted(emulator, "BulkDelete")


def test_upsert_by_alternate_key_creates_then_updates(client: DataverseClient, emulator: DataverseEmulator) -> None:
    item = UpsertItem(alternate_key={"smsb_sid": "SM0001"}, record={"smsb_body": "first", "smsb_direction": 1})

    client.records.upsert("smsb_message", [item])
    client.records.upsert("smsb_message", [{"alternate_key": {"smsb_sid": "SM0001"},
                                            "record": {"smsb_body": "second"}}])

    rows = [r for r in emulator.store.rows("smsb_message") if r["smsb_sid"] == "SM0001"]
    assert len(rows) == 1
    assert rows[0]["smsb_body"] == "second"


def test_upsert_many_uses_upsert_multiple(client: DataverseClient, emulator: DataverseEmulator) -> None:
    existing = emulator.store.insert("smsb_message", {"smsb_sid": "SM0002", "smsb_body": "old", "smsb_direction": 1})

    client.records.upsert("smsb_message", [
        UpsertItem(alternate_key={"smsb_sid": "SM0002"}, record={"smsb_body": "updated"}),
        UpsertItem(alternate_key={"smsb_sid": "SM0003"}, record={"smsb_body": "created", "smsb_direction": 2}),
    ])

    by_sid = {r["smsb_sid"]: r for r in emulator.store.rows("smsb_message")}
    assert by_sid["SM0002"]["smsb_messageid"] == existing
    assert by_sid["SM0002"]["smsb_body"] == "updated"
    assert by_sid["SM0003"]["smsb_body"] == "created"
    assert len(_posted(emulator, "smsb_messages/Microsoft.Dynamics.CRM.UpsertMultiple")) == 1


def test_list_reads_every_page(client: DataverseClient, emulator: DataverseEmulator) -> None:
    for n in range(7):
        emulator.store.insert("account", {"name": f"Listed {n}"})

    names = [r["name"] for r in client.records.list("account", select=["name"], filter="startswith(name,'Listed')",
                                                     orderby=["name desc"], page_size=3)]

    assert names == [f"Listed {n}" for n in reversed(range(7))]
