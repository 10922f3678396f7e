"""Webhook steps by execution mode, as Microsoft documents them:

- asynchronous: "the platform serializes the context for any asynchronous extensions and saves it to the database
  as a System Job in the AsyncOperation table" (Asynchronous service,
  https://learn.microsoft.com/power-apps/developer/data-platform/asynchronous-service); a failed job stays with
  Status Reason Failed (31), a successful one is deleted when the step says `asyncautodelete` (Register a WebHook,
  https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook);
- synchronous: no System Job; the call happens inside the operation, which fails — "the entire transaction" —
  unless the endpoint took the payload (same page, Synchronous mode).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, Clock
from .test_webhooks import CREATE, UPDATE, Recorder, register


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def hooked(clock: Clock, recorder: Recorder) -> Iterator[DataverseEmulator]:
    emulator = DataverseEmulator(clock=clock, webhook_sender=recorder)
    yield emulator
    emulator.webhooks.stop()


def jobs(emulator: DataverseEmulator) -> list[dict[str, object]]:
    return emulator.store.rows("asyncoperation")


def test_an_asynchronous_step_persists_its_context_as_a_system_job_deleted_on_success(
        hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    step = register(api, "smsb_outbox", CREATE)
    api.create("smsb_outboxes", {"subject": "x", "smsb_freeform": "persisted until delivered"})
    hooked.webhooks.drain()
    (job,) = hooked.webhooks.system_jobs
    assert "persisted until delivered" in job.data
    assert json.loads(job.data) == json.loads(recorder.calls[0][2])
    assert job.step_id == step["sdkmessageprocessingstepid"]
    assert jobs(hooked) == []  # asyncautodelete


def test_a_failed_asynchronous_delivery_leaves_the_system_job_failed_with_its_data(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock, webhook_sender=Recorder(status=500))
    api = Api(emulator)
    register(api, "smsb_outbox", CREATE)
    api.create("smsb_outboxes", {"subject": "x", "smsb_freeform": "kept after a failure"})
    emulator.webhooks.drain()
    emulator.webhooks.stop()
    (row,) = jobs(emulator)
    assert (row["statecode"], row["statuscode"]) == (3, 31)
    assert "kept after a failure" in str(row["data"])
    filtered = api.get("asyncoperations", query_string={"$filter": "statuscode eq 31",
                                                       "$select": "name,message,statuscode"}).json["value"]
    assert [r["statuscode"] for r in filtered] == [31]


def test_a_synchronous_step_is_called_before_the_write_answers_and_persists_nothing(
        hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    register(api, "smsb_outbox", CREATE, mode=0)
    api.create("smsb_outboxes", {"subject": "x", "smsb_freeform": "never stored as a job"})
    assert len(recorder.calls) == 1  # already delivered: no drain needed
    context = json.loads(recorder.calls[0][2])
    assert (context["Mode"], context["IsInTransaction"]) == (0, True)
    assert hooked.webhooks.system_jobs == []
    assert jobs(hooked) == []


def test_a_failed_synchronous_step_rolls_the_write_back(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock, webhook_sender=Recorder(status=500))
    api = Api(emulator)
    row = api.create("smsb_errorlogs", {"smsb_name": "before"})
    register(api, "smsb_errorlog", UPDATE, mode=0)
    register(api, "smsb_outbox", CREATE, mode=0)
    refused = api.patch(f"smsb_errorlogs({row['smsb_errorlogid']})", json={"smsb_name": "after"})
    created = api.post("smsb_outboxes", json={"subject": "never kept"})
    emulator.webhooks.stop()
    assert refused.status_code >= 400
    assert "webhook" in refused.json["error"]["message"]
    assert created.status_code >= 400
    assert emulator.store.get("smsb_errorlog", row["smsb_errorlogid"])["smsb_name"] == "before"  # type: ignore[index]
    assert [r for r in emulator.store.rows("smsb_outbox") if r.get("subject") == "never kept"] == []
    assert emulator.webhooks.system_jobs == []
