"""``client.batch`` against the emulator: reads and writes in one ``$batch``, change sets with ``$n`` references that
commit or roll back together, and ``continue_on_error``; each checked in the emulator's store."""

from __future__ import annotations

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from devstack.dataverse_emulator import DataverseEmulator, Ref

MISSING = "6f0c1b3e-0000-4000-8000-0000000000ff"


def test_reads_in_a_batch_come_back_in_order(client: DataverseClient, emulator: DataverseEmulator) -> None:
    first = emulator.store.insert("account", {"name": "Alpha", "statecode": 0})
    emulator.store.insert("account", {"name": "Beta", "statecode": 1, "statuscode": 2})
    batch = client.batch.new()
    batch.records.retrieve("account", first, select=["name"],
                           include_annotations="OData.Community.Display.V1.FormattedValue")
    batch.records.list("account", select=["name"], filter="statecode eq 1 and startswith(name,'B')",
                       orderby=["name"], top=5)

    result = batch.execute()

    assert not result.has_errors
    one, many = result.responses
    assert one.status_code == 200
    assert one.data is not None
    assert one.data["name"] == "Alpha"
    assert many.data is not None
    assert [r["name"] for r in many.data["value"]] == ["Beta"]
    assert emulator.requests.count("POST", r"/api/data/v9\.2/\$batch$") == 1


def test_writes_in_a_batch(client: DataverseClient, emulator: DataverseEmulator) -> None:
    doomed = emulator.store.insert("account", {"name": "Doomed"})
    renamed = emulator.store.insert("account", {"name": "Old name"})
    batch = client.batch.new()
    batch.records.create("account", {"name": "Created in a batch"})
    batch.records.update("account", renamed, {"name": "New name"})
    batch.records.delete("account", doomed)

    result = batch.execute()

    assert [r.status_code for r in result.responses] == [204, 204, 204]
    created = result.responses[0].entity_id
    assert created is not None
    assert (emulator.store.get("account", created) or {})["name"] == "Created in a batch"
    assert (emulator.store.get("account", renamed) or {})["name"] == "New name"
    assert emulator.store.get("account", doomed) is None


def test_a_change_set_binds_by_content_id_and_commits_together(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    batch = client.batch.new()
    with batch.changeset() as changes:
        contact = changes.records.create("contact", {"lastname": "Lopez"})
        account = changes.records.create("account", {"name": "Contoso", "primarycontactid@odata.bind": contact})
        changes.records.update("contact", contact, {"firstname": "Maria"})
        assert account == "$2"

    result = batch.execute()

    assert not result.has_errors
    contact_id, account_id = result.entity_ids[:2]
    assert (emulator.store.get("account", account_id) or {})["primarycontactid"] == Ref("contact", contact_id)
    assert (emulator.store.get("contact", contact_id) or {})["firstname"] == "Maria"


def test_a_failing_change_set_writes_nothing_and_stops_the_batch(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    batch = client.batch.new()
    with batch.changeset() as changes:
        changes.records.create("account", {"name": "Rolled back"})
        changes.records.update("account", MISSING, {"name": "No such record"})
    batch.records.create("account", {"name": "Never sent"})

    # without continue-on-error Dataverse stops at the failure and answers with its status (see batch.py)
    with pytest.raises(HttpError) as stopped:
        batch.execute()

    assert stopped.value.status_code == 404
    names = {r["name"] for r in emulator.store.rows("account")}
    assert "Rolled back" not in names
    assert "Never sent" not in names


def test_continue_on_error_runs_the_rest(client: DataverseClient, emulator: DataverseEmulator) -> None:
    batch = client.batch.new()
    batch.records.update("account", MISSING, {"name": "No such record"})
    batch.records.create("account", {"name": "Still created"})

    result = batch.execute(continue_on_error=True)

    assert [r.status_code for r in result.responses] == [404, 204]
    assert len(result.failed) == 1
    assert "Still created" in {r["name"] for r in emulator.store.rows("account")}
    batch_request = next(r for r in emulator.requests.records if r.path.endswith("$batch"))
    assert batch_request.headers.get("Prefer") == "odata.continue-on-error"


def test_bulk_operations_inside_a_batch(client: DataverseClient, emulator: DataverseEmulator) -> None:
    ids = [emulator.store.insert("account", {"name": f"Bulk {n}"}) for n in range(2)]
    batch = client.batch.new()
    batch.records.create("account", [{"name": "Many 1"}, {"name": "Many 2"}])
    batch.records.update("account", ids, {"telephone1": "555-0000"})
    batch.records.delete("account", ids)

    result = batch.execute()

    assert [r.status_code for r in result.responses] == [200, 204, 200]
    created = (result.responses[0].data or {})["Ids"]
    assert {(emulator.store.get("account", i) or {}).get("name") for i in created} == {"Many 1", "Many 2"}
    assert all(emulator.store.get("account", i) is None for i in ids)


def test_a_batch_query_the_emulator_lacks_is_refused_by_name(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    batch = client.batch.new()
    batch.query.sql("SELECT name FROM account")

    with pytest.raises(HttpError) as refused:
        batch.execute()

    assert refused.value.status_code == 501
