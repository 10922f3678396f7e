"""The emulator on a loopback port, behind `responses`, and from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.dataverse_emulator import DataverseEmulator, mount_responses, serve

from .conftest import Clock
from .test_webhooks import CREATE, register


class Receiver:
    """A webhook endpoint on an ephemeral loopback port."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived = threading.Event()
        self.server = make_server("127.0.0.1", 0, self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/dataverse/webhook"

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        self.received.append((request.url, dict(request.headers), request.get_data()))
        self.arrived.set()
        return Response(status=202)(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HttpApi:
    """The helpers of test_webhooks.register, over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer loopback"

    def create(self, entity_set: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(self.base + entity_set, json=body, headers={"Prefer": "return=representation"})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.session.get(self.base + path, params=kwargs.get("query_string"))
        # the same shape as the in-process client's response: the parsed body under .json
        return SimpleNamespace(json=response.json())


@pytest.mark.loopback
def test_served_emulator_answers_http_and_delivers_webhooks_over_the_network(clock: Clock) -> None:
    receiver = Receiver()
    emulator = DataverseEmulator(clock=clock)
    try:
        with serve(emulator) as server:
            assert server.url.startswith("http://127.0.0.1:")
            assert server.port != 0
            api = HttpApi(server.api_url)
            assert api.session.get(server.api_url + "WhoAmI").json()["UserId"] == emulator.user_id
            endpoint_step = register(api, "smsb_outbox", CREATE)
            api.session.patch(
                server.api_url
                + "serviceendpoints("
                + api.get(
                    f"sdkmessageprocessingsteps({endpoint_step['sdkmessageprocessingstepid']})"
                    "?$select=_eventhandler_value"
                ).json["_eventhandler_value"]
                + ")",
                json={"url": receiver.url},
            )
            created = api.session.post(server.api_url + "smsb_outboxes", json={"subject": "over the wire"})
            assert created.status_code == 204
            assert created.headers["OData-EntityId"].startswith(server.api_url + "smsb_outboxes(")
            assert receiver.arrived.wait(5)
            url, headers, body = receiver.received[0]
            assert url.endswith("/api/dataverse/webhook?code=function-key")
            assert headers["X-Ms-Dynamics-Entity-Name"] == "smsb_outbox"
            assert json.loads(body)["InputParameters"][0]["value"]["LogicalName"] == "smsb_outbox"
            assert requests.get(server.api_url + "WhoAmI", timeout=5).status_code == 401
    finally:
        receiver.stop()


def test_mount_responses_routes_an_https_org_url_through_the_emulator(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock)
    org = "https://contoso.crm.dynamics.com"
    with responses.RequestsMock() as mock:
        mount_responses(emulator, mock, org)
        session = requests.Session()
        session.headers["Authorization"] = "Bearer t"
        created = session.post(f"{org}/api/data/v9.2/smsb_errorlogs", json={"smsb_name": "via responses"})
        assert created.status_code == 204
        assert created.headers["OData-EntityId"].startswith(f"{org}/api/data/v9.2/smsb_errorlogs(")
        listed = session.get(
            f"{org}/api/data/v9.2/smsb_errorlogs",
            params={"$select": "smsb_name", "$filter": "smsb_name eq 'via responses'"},
        )
        assert [r["smsb_name"] for r in listed.json()["value"]] == ["via responses"]
        file_owner = session.post(
            f"{org}/api/data/v9.2/smsb_messages",
            json={"smsb_direction": 1},
            headers={"Prefer": "return=representation"},
        ).json()
        media = session.post(
            f"{org}/api/data/v9.2/smsb_messagemedias",
            headers={"Prefer": "return=representation"},
            json={"smsb_message@odata.bind": f"/smsb_messages({file_owner['smsb_messageid']})"},
        ).json()
        upload = session.patch(
            f"{org}/api/data/v9.2/smsb_messagemedias({media['smsb_messagemediaid']})/smsb_file",
            data=b"\x89PNG",
            headers={"x-ms-file-name": "a.png", "Content-Type": "application/octet-stream"},
        )
        assert upload.status_code == 204
    assert emulator.requests.count(method="POST") == 3


@pytest.mark.loopback
def test_cli_serves_on_the_requested_port_with_demo_seed() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from devstack.dataverse_emulator.cli import main; main(['--port', '0', '--seed', 'demo'])",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("Dataverse emulator: http://127.0.0.1:")
        api_url = line.split(": ", 1)[1]
        teams = requests.get(api_url + "teams?$select=name", headers={"Authorization": "Bearer t"}, timeout=5).json()
        assert "SMS Bridge - SMS" in [t["name"] for t in teams["value"]]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
