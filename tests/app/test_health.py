from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

import function_app
from app import runtime
from app.runtime import Runtime
from app.settings import Settings, from_process_env
from devstack.azurite import free_port
from devstack.config import HostConfig, azurite_connection_string
from devstack.dataverse_emulator import DataverseEmulator, serve
from devstack.host import FunctionHost, HostOptions

KEY = base64.b64encode(bytes(32)).decode()
FUNCTION_KEY = "health-test-function-key"


@pytest.fixture(scope="module")
def emulator() -> DataverseEmulator:
    return DataverseEmulator()


@pytest.fixture(scope="module")
def dataverse(emulator: DataverseEmulator) -> Iterator[str]:
    with serve(emulator) as server:
        yield server.url


def settings_for(storage: str, dataverse_url: str = "http://127.0.0.1:9", **extra: str) -> Settings:
    return Settings.from_env({
        "DATAVERSE_URL": dataverse_url,
        "DATAVERSE_TOKEN": "devstack-token",
        "SMSB_PUBLIC_URL": "http://127.0.0.1:7071",
        "SMSB_ENCRYPTION_KEY": KEY,
        "AzureWebJobsStorage": storage,
        **extra,
    })


@pytest.fixture
def client() -> Client:
    host = FunctionHost(function_app.app, HostConfig(),
                        HostOptions(port=0, run_timers=False, run_queues=False, function_key=FUNCTION_KEY), env={})
    return Client(host.http)


def get_health(client: Client, path: str = "/api/health", **params: str) -> tuple[int, dict]:
    response = client.get(path, query_string=params)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.data)


@pytest.mark.azurite
def test_healthy_when_settings_are_valid_and_dependencies_answer(client: Client, azurite, dataverse: str) -> None:
    with runtime.use(lambda: Runtime.from_settings(settings_for(azurite.connection_string, dataverse))):
        status, body = get_health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["version"] == Path("VERSION").read_text().strip()
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "settings": "ok", "queues": "ok", "dataverse": "ok"}


@pytest.mark.azurite
def test_unreachable_dataverse_is_named(client: Client, azurite) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with runtime.use(lambda: Runtime.from_settings(settings_for(azurite.connection_string, dead))):
        status, body = get_health(client)
    assert status == 503
    assert body["failing"] == ["dataverse"]
    assert "devstack-token" not in json.dumps(body)


def test_unreachable_queue_storage_is_named(client: Client, dataverse: str) -> None:
    dead = azurite_connection_string("127.0.0.1", free_port())
    with runtime.use(lambda: Runtime.from_settings(settings_for(dead, dataverse))):
        status, body = get_health(client)
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["failing"] == ["queues"]
    assert body["checks"]["queues"]["status"] == "failing"
    assert "AccountKey" not in json.dumps(body)


def test_invalid_settings_are_reported_without_values(client: Client, monkeypatch) -> None:
    for name in ("DATAVERSE_URL", "SMSB_PUBLIC_URL", "AzureWebJobsStorage"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMSB_ENCRYPTION_KEY", "c2hvcnQ=")
    monkeypatch.setenv("DATAVERSE_CLIENT_SECRET", "do-not-print-this-secret")
    with runtime.use(lambda: Runtime.from_settings(from_process_env())):
        status, body = get_health(client, "/api/health/details", code=FUNCTION_KEY)
        anonymous_status, anonymous = get_health(client)
    assert (status, anonymous_status) == (503, 503)
    assert anonymous["checks"]["settings"] == {"status": "failing"}
    assert body["failing"] == ["settings"]
    detail = body["checks"]["settings"]["detail"]
    assert "DATAVERSE_URL is required" in detail
    assert "SMSB_ENCRYPTION_KEY must decode to 32 bytes" in detail
    assert body["checks"]["queues"]["status"] == "skipped"
    assert "do-not-print-this-secret" not in json.dumps(body)


def test_health_is_anonymous_and_get_only(client: Client) -> None:
    assert client.post("/api/health").status_code == 405


@pytest.mark.azurite
def test_anonymous_callers_get_a_status_per_check_and_no_detail(client: Client, azurite) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with runtime.use(lambda: Runtime.from_settings(settings_for(azurite.connection_string, dead))):
        status, body = get_health(client)
    assert status == 503
    assert body["checks"]["dataverse"] == {"status": "failing"}
    assert body["checks"]["queues"] == {"status": "ok"}
    assert dead.split("//")[1] not in json.dumps(body)
    assert "127.0.0.1" not in json.dumps(body)


@pytest.mark.azurite
def test_details_need_the_function_key_and_go_to_the_log(client: Client, azurite,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    assert client.get("/api/health/details").status_code == 401
    assert client.get("/api/health/details", query_string={"code": "wrong"}).status_code == 401
    with caplog.at_level(logging.WARNING, logger="smsbridge.health"), \
            runtime.use(lambda: Runtime.from_settings(settings_for(azurite.connection_string, dead))):
        status, body = get_health(client, "/api/health/details", code=FUNCTION_KEY)
    assert status == 503
    assert body["checks"]["dataverse"]["status"] == "failing"
    assert body["checks"]["dataverse"]["detail"]
    logged = [r.getMessage() for r in caplog.records if r.name == "smsbridge.health"]
    assert any("dataverse" in line and "failing" in line for line in logged), logged
    assert "devstack-token" not in json.dumps(body) + " ".join(logged)


@pytest.mark.azurite
def test_results_are_kept_briefly_so_probes_do_not_each_reach_dataverse(
        client: Client, azurite, dataverse: str, emulator: DataverseEmulator) -> None:
    emulator.requests.clear()
    with runtime.use(lambda: Runtime.from_settings(settings_for(azurite.connection_string, dataverse))):
        for _ in range(20):
            assert get_health(client)[0] == 200
        get_health(client, "/api/health/details", code=FUNCTION_KEY)
    assert emulator.requests.count(path="WhoAmI") == 1, emulator.requests.describe()
