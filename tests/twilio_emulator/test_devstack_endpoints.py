from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
import requests
from twilio.rest import Client
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, EmulatorError, TwilioEmulator
from devstack.twilio_emulator.api import EmulatorApp
from devstack.twilio_emulator.cli import main
from devstack.twilio_emulator.openapi import SUBSET_PATH, load_spec
from devstack.twilio_emulator.spec.extract import OPERATIONS, extract

from .conftest import payload


def test_devstack_lists_sent_and_received_messages(emulator: TwilioEmulator, sdk: Client, http: WsgiClient) -> None:
    sdk.messages.create(to="+15550000001", from_="+15005550006", body="out")
    emulator.send_inbound("+15550000001", "+15005550006", "in")
    listed = payload(http.get("/_devstack/messages"))["messages"]
    assert sorted((m["direction"], m["body"]) for m in listed) == [("inbound", "in"), ("outbound-api", "out")]


def test_reset_forgets_everything_but_the_default_account(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.add_account("AC" + "9" * 32, "1" * 32)
    emulator.send_inbound("+15550000001", "+15005550006", "in")
    emulator.faults.inject("Messages", status=500)
    assert http.post("/_devstack/reset").status_code == 204
    assert list(emulator.accounts) == [DEFAULT_ACCOUNT_SID]
    assert emulator.messages == []
    assert emulator.faults.active() == []
    assert [n.phone_number for n in emulator.numbers] == ["+15005550006"]
    assert http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}.json", auth=auth).status_code == 200


def test_outcomes_numbers_and_accounts_can_be_configured_over_http(emulator: TwilioEmulator, http: WsgiClient) -> None:
    assert (
        http.post(
            "/_devstack/outcomes", json={"to": "+15550000001", "status": "failed", "error_code": 30007}
        ).status_code
        == 204
    )
    assert (
        http.post(
            "/_devstack/numbers", json={"phone_number": "+15005550012", "sms_url": "http://127.0.0.1/x"}
        ).status_code
        == 201
    )
    assert emulator.numbers[-1].sms_url == "http://127.0.0.1/x"
    created = http.post(
        "/_devstack/accounts", json={"sid": "AC" + "a" * 32, "auth_token": "b" * 32, "status": "suspended"}
    )
    assert payload(created)["status"] == "suspended"
    assert http.post("/_devstack/outcomes", json={"to": "+1", "status": "lost"}).status_code == 400


def test_unknown_path_answers_twilios_404_body(http: WsgiClient) -> None:
    response = http.get("/2010-04-01/Nothing.json")
    assert response.status_code == 404
    assert payload(response)["code"] == 20404


def test_committed_subset_describes_every_served_operation() -> None:
    data = json.loads(SUBSET_PATH.read_text(encoding="utf-8"))
    assert set(data["operations"]) == {f"{m.upper()} {p}" for m, p in OPERATIONS}
    assert (SUBSET_PATH.parent / "LICENSE.twilio-oai").read_text(encoding="utf-8").startswith("MIT License")
    create = load_spec().operation("POST", "/2010-04-01/Accounts/{AccountSid}/Messages.json")
    assert create.form_params["MediaUrl"].array
    assert create.form_params["MessagingServiceSid"].pattern == "^MG[0-9a-fA-F]{32}$"
    assert "DateSent>" in load_spec().operation("GET", "/2010-04-01/Accounts/{AccountSid}/Messages.json").query_params


def test_every_spec_backed_route_names_an_operation_of_the_subset(emulator: TwilioEmulator) -> None:
    app = emulator.wsgi_app
    assert isinstance(app, EmulatorApp)
    paths = {(r.method, r.spec_path) for r in app._routes if r.spec_path}
    assert len(paths) == len(OPERATIONS)
    for method, path in paths:
        assert load_spec().operation(method, path).operation


def test_extract_resolves_refs_enums_and_marks_form_arrays() -> None:
    spec = {
        "components": {
            "schemas": {
                "thing": {
                    "properties": {
                        "sid": {"type": "string", "pattern": "^TH[0-9a-f]{32}$"},
                        "state": {"$ref": "#/components/schemas/thing_enum"},
                    }
                },
                "thing_enum": {"type": "string", "enum": ["on", "off"]},
            }
        },
        "paths": {
            "/Things.json": {
                "post": {
                    "operationId": "CreateThing",
                    "parameters": [{"name": "Owner", "in": "path", "schema": {"type": "string", "pattern": "^AC.*$"}}],
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": {"type": "string"},
                                        "Url": {"type": "array", "items": {"type": "string", "format": "uri"}},
                                        "State": {"$ref": "#/components/schemas/thing_enum"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}}
                    },
                }
            }
        },
    }
    subset = extract(spec, (("post", "/Things.json"),))
    op = subset["operations"]["POST /Things.json"]
    assert op["operation"] == "CreateThing"
    assert op["required_form"] == ["Name"]
    assert op["form_params"]["Url"] == {"type": "string", "format": "uri", "array": True}
    assert op["form_params"]["State"]["enum"] == ["on", "off"]
    assert op["path_params"]["Owner"]["pattern"] == "^AC.*$"
    assert subset["resources"]["thing"]["fields"]["state"]["enum"] == ["on", "off"]


def test_cli_serves_the_default_account_from_environment_settings(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    env = {"DEVSTACK_TWILIO_ACCOUNT_SID": "AC" + "c" * 32, "DEVSTACK_TWILIO_AUTH_TOKEN": "d" * 32}
    thread = threading.Thread(target=main, args=(["--port", "0"], env, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    url = None
    while url is None and time.monotonic() < deadline:
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", capsys.readouterr().out)
        url = match.group(1) if match else None
        time.sleep(0.02)
    try:
        assert url is not None
        response = requests.get(
            f"{url}/2010-04-01/Accounts/{'AC' + 'c' * 32}.json", auth=("AC" + "c" * 32, "d" * 32), timeout=5
        )
        assert response.json()["sid"] == "AC" + "c" * 32
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_subset_file_is_committed_beside_the_script() -> None:
    assert SUBSET_PATH.parent == Path(__file__).resolve().parents[2] / "devstack" / "twilio_emulator" / "spec"


def test_posting_an_existing_number_reconfigures_it(emulator: TwilioEmulator, http: WsgiClient) -> None:
    response = http.post("/_devstack/numbers", json={"phone_number": "+15005550006", "sms_url": "http://127.0.0.1/api"})
    assert response.status_code == 200
    assert payload(response)["sms_url"] == "http://127.0.0.1/api"
    assert len(emulator.numbers) == 1
    assert http.post("/_devstack/numbers", json={"phone_number": "+15005550006", "sid": "PNx"}).status_code == 400


def test_accounts_need_a_well_formed_sid(emulator: TwilioEmulator) -> None:
    with pytest.raises(EmulatorError):
        emulator.add_account("AC123", "x" * 32)
