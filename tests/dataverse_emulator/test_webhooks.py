"""Webhooks: registered steps POST a RemoteExecutionContext after commit, with the endpoint's authentication."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

import pytest

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, Clock
from .test_batch import Batch, statuses

CREATE = "9ebdbb1b-ea3e-db11-86a7-000a3a5473e8"
UPDATE = "20bebb1b-ea3e-db11-86a7-000a3a5473e8"


class Recorder:
    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.status = status

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.calls.append((url, headers, body))
        return self.status


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def hooked(clock: Clock, recorder: Recorder) -> Iterator[DataverseEmulator]:
    emulator = DataverseEmulator(clock=clock, webhook_sender=recorder)
    yield emulator
    emulator.webhooks.stop()


class RowApi(Protocol):
    """What registering a step needs: the in-process Api or the loopback test's HTTP client."""

    def create(self, entity_set: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def get(self, path: str, **kwargs: Any) -> Any: ...


def register(
    api: RowApi,
    table: str,
    message_id: str,
    *,
    authtype: int = 4,
    authvalue: str = "function-key",
    filtering: str | None = None,
    mode: int = 1,
) -> dict[str, Any]:
    endpoint = api.create(
        "serviceendpoints",
        {
            "name": "sms-bridge",
            "url": "https://func.example/api/dataverse/webhook",
            "contract": 8,
            "authtype": authtype,
            "authvalue": authvalue,
            "messageformat": 2,
        },
    )
    filters = api.get(
        "sdkmessagefilters",
        query_string={
            "$filter": f"primaryobjecttypecode eq '{table}' and _sdkmessageid_value eq {message_id}",
            "$select": "sdkmessagefilterid",
        },
    ).json["value"]
    assert len(filters) == 1
    step = {
        "name": f"sms-bridge: {table}",
        "mode": mode,
        "stage": 40,
        "rank": 1,
        "supporteddeployment": 0,
        "asyncautodelete": True,
        "eventhandler_serviceendpoint@odata.bind": f"/serviceendpoints({endpoint['serviceendpointid']})",
        "sdkmessageid@odata.bind": f"/sdkmessages({message_id})",
        "sdkmessagefilterid@odata.bind": f"/sdkmessagefilters({filters[0]['sdkmessagefilterid']})",
    }
    if filtering:
        step["filteringattributes"] = filtering
    return api.create("sdkmessageprocessingsteps", step)


def test_create_of_a_registered_table_posts_the_execution_context_with_the_function_key(
    hooked: DataverseEmulator, recorder: Recorder
) -> None:
    api = Api(hooked)
    step = register(api, "smsb_outbox", CREATE)
    outbox = api.create("smsb_outboxes", {"subject": "Hello", "smsb_freeform": "Hi there", "smsb_sendstatus": 1})
    (delivery,) = hooked.webhooks.drain()
    url, headers, body = recorder.calls[0]
    assert url == "https://func.example/api/dataverse/webhook?code=function-key"
    assert headers["x-ms-dynamics-entity-name"] == "smsb_outbox"
    assert headers["x-ms-dynamics-request-name"] == "Create"
    assert headers["x-ms-correlation-request-id"]
    assert delivery.status == 200
    assert b'"\\/Date(' in body  # DataContract dates
    context = json.loads(body)
    assert context["MessageName"] == "Create"
    assert context["PrimaryEntityName"] == "smsb_outbox"
    assert context["PrimaryEntityId"] == outbox["activityid"]
    assert (context["Mode"], context["Stage"], context["Depth"]) == (1, 40, 1)
    assert context["OwningExtension"]["Id"] == step["sdkmessageprocessingstepid"]
    assert re.fullmatch(r"/Date\(\d+\)/", context["OperationCreatedOn"])
    (target,) = [p["value"] for p in context["InputParameters"] if p["key"] == "Target"]
    assert target["__type"] == "Entity:http://schemas.microsoft.com/xrm/2011/Contracts"
    assert target["LogicalName"] == "smsb_outbox"
    attributes = {a["key"]: a["value"] for a in target["Attributes"]}
    assert attributes["smsb_freeform"] == "Hi there"
    assert attributes["smsb_sendstatus"] == {
        "__type": "OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts",
        "Value": 1,
    }
    assert attributes["ownerid"]["__type"].startswith("EntityReference:")
    assert attributes["ownerid"]["LogicalName"] == "systemuser"
    assert attributes["createdon"] == "/Date(1772357400000)/"
    assert {"key": "smsb_sendstatus", "value": "Pending"} in target["FormattedValues"]
    names = [i["key"] for i in context["PostEntityImages"]]
    assert "AsynchronousStepPrimaryName" in names
    assert context["OutputParameters"] == [{"key": "id", "value": outbox["activityid"]}]


def test_other_tables_and_messages_do_not_trigger_the_step(hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    register(api, "smsb_outbox", CREATE)
    api.create("smsb_errorlogs", {"smsb_name": "x"})
    outbox = api.create("smsb_outboxes", {"subject": "x"})
    api.patch(f"smsb_outboxes({outbox['activityid']})", json={"subject": "y"})
    hooked.webhooks.drain()
    assert [json.loads(b)["MessageName"] for _, _, b in recorder.calls] == ["Create"]


def test_update_steps_fire_only_for_their_filtering_attributes_and_carry_images(
    hooked: DataverseEmulator, recorder: Recorder
) -> None:
    api = Api(hooked)
    step = register(api, "smsb_configuration", UPDATE, filtering="smsb_validaterequestedon,smsb_authtoken")
    step_url = f"/sdkmessageprocessingsteps({step['sdkmessageprocessingstepid']})"
    api.create(
        "sdkmessageprocessingstepimages",
        {
            "name": "post",
            "entityalias": "PostImage",
            "imagetype": 2,
            "messagepropertyname": "Target",
            "attributes": "smsb_name,smsb_validaterequestedon",
            "sdkmessageprocessingstepid@odata.bind": step_url,
        },
    )
    cfg = api.create("smsb_configurations", {"smsb_name": "Main"})
    api.patch(f"smsb_configurations({cfg['smsb_configurationid']})", json={"smsb_description": "not watched"})
    api.patch(
        f"smsb_configurations({cfg['smsb_configurationid']})", json={"smsb_validaterequestedon": "2026-03-01T10:00:00Z"}
    )
    hooked.webhooks.drain()
    assert len(recorder.calls) == 1
    context = json.loads(recorder.calls[0][2])
    target = context["InputParameters"][0]["value"]
    assert {a["key"] for a in target["Attributes"]} >= {"smsb_validaterequestedon", "smsb_configurationid"}
    assert "smsb_name" not in {a["key"] for a in target["Attributes"]}  # Target holds what was submitted
    post = {i["key"]: i["value"] for i in context["PostEntityImages"]}["PostImage"]
    assert {a["key"]: a["value"] for a in post["Attributes"]} == {
        "smsb_name": "Main",
        "smsb_validaterequestedon": "/Date(1772359200000)/",
    }
    pre = {i["key"]: i["value"] for i in context["PreEntityImages"]}["PostImage"]
    assert {a["key"]: a["value"] for a in pre["Attributes"]} == {"smsb_name": "Main", "smsb_validaterequestedon": None}


def test_http_header_auth_sends_the_configured_headers(hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    register(
        api,
        "smsb_outbox",
        CREATE,
        authtype=5,
        authvalue='<settings><setting name="x-functions-key" value="abc123"/></settings>',
    )
    api.create("smsb_outboxes", {"subject": "x"})
    hooked.webhooks.drain()
    url, headers, _ = recorder.calls[0]
    assert url == "https://func.example/api/dataverse/webhook"
    assert headers["x-functions-key"] == "abc123"


def test_a_rolled_back_changeset_sends_no_webhook(hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    register(api, "smsb_outbox", CREATE)
    response = (
        Batch()
        .changeset(
            ("POST", "smsb_outboxes", {"subject": "x"}, "1"),
            ("POST", "smsb_outboxes", {"subject": "y", "smsb_bad": 1}, "2"),
        )
        .send(api)
    )
    assert statuses(response) == [400]
    hooked.webhooks.drain()
    assert recorder.calls == []


def test_a_committed_changeset_sends_one_webhook_per_create(hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    register(api, "smsb_outbox", CREATE)
    Batch().changeset(
        ("POST", "smsb_outboxes", {"subject": "x"}, "1"), ("POST", "smsb_outboxes", {"subject": "y"}, "2")
    ).send(api)
    hooked.webhooks.drain()
    delivered = sorted(json.loads(body)["PrimaryEntityId"] for _, _, body in recorder.calls)
    assert delivered == sorted(r["activityid"] for r in hooked.store.rows("smsb_outbox"))
    assert len(delivered) == 2


def test_a_503_from_the_endpoint_is_retried_once(clock: Clock) -> None:
    recorder = Recorder(status=503)
    emulator = DataverseEmulator(clock=clock, webhook_sender=recorder)
    api = Api(emulator)
    register(api, "smsb_outbox", CREATE)
    api.create("smsb_outboxes", {"subject": "x"})
    (delivery,) = emulator.webhooks.drain()
    emulator.webhooks.stop()
    assert len(recorder.calls) == 2
    assert (delivery.status, delivery.attempts) == (503, 2)


def test_a_disabled_step_does_not_fire(hooked: DataverseEmulator, recorder: Recorder) -> None:
    api = Api(hooked)
    step = register(api, "smsb_outbox", CREATE)
    api.patch(
        f"sdkmessageprocessingsteps({step['sdkmessageprocessingstepid']})", json={"statecode": 1, "statuscode": 2}
    )
    api.create("smsb_outboxes", {"subject": "x"})
    hooked.webhooks.drain()
    assert recorder.calls == []


def test_an_oversized_context_drops_its_parameters_and_images_and_says_so(
    hooked: DataverseEmulator, recorder: Recorder
) -> None:
    api = Api(hooked)
    register(api, "smsb_errorlog", CREATE)
    row = api.create("smsb_errorlogs", {"smsb_name": "big", "smsb_details": "x" * 1000})
    register(api, "smsb_errorlog", UPDATE)
    # 100,000 two-byte characters, carried in Target and again in the parent context: over 256 KB
    api.patch(f"smsb_errorlogs({row['smsb_errorlogid']})", json={"smsb_details": "é" * 100_000})
    hooked.webhooks.drain()
    small = json.loads(recorder.calls[0][2])
    assert "x-ms-dynamics-msg-size-exceeded" not in recorder.calls[0][1]
    assert small["InputParameters"]
    large_headers, large_body = recorder.calls[-1][1], recorder.calls[-1][2]
    assert len(large_body) < 256 * 1024
    context = json.loads(large_body)
    assert large_headers["x-ms-dynamics-msg-size-exceeded"] == "true"
    assert context["InputParameters"] == []
    assert context["PostEntityImages"] == []
    assert context["PrimaryEntityId"] == row["smsb_errorlogid"]
