from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, EmulatorError, Fault, RunningServer, TwilioEmulator

from .conftest import payload, sdk_client

SEND = r"/Messages\.json$"


def _send(sdk: Client) -> Any:
    return sdk.messages.create(to="+15550000001", from_="+15005550006", body="x")


def test_next_request_answers_429_20429_then_the_api_recovers(emulator: TwilioEmulator, sdk: Client) -> None:
    emulator.faults.inject(SEND, method="POST", status=429, retry_after=2)
    with pytest.raises(TwilioRestException) as caught:
        _send(sdk)
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert emulator.messages == []
    assert _send(sdk).status == "queued"


def test_429_carries_retry_after_and_twilios_error_body(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.faults.inject(SEND, status=429, retry_after=3)
    response = http.post(
        f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json",
        auth=auth,
        data={"To": "+15550000001", "From": "+15005550006", "Body": "x"},
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert payload(response) == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }


def test_fault_applies_to_the_next_n_matching_requests_only(emulator: TwilioEmulator, sdk: Client) -> None:
    emulator.faults.inject(SEND, status=503, count=2)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            _send(sdk)
        assert (caught.value.status, caught.value.code) == (503, 20503)
    _send(sdk)
    assert len(emulator.messages) == 1


def test_fault_on_another_path_leaves_sends_alone(emulator: TwilioEmulator, sdk: Client) -> None:
    emulator.faults.inject(r"/IncomingPhoneNumbers", status=500, count=None)
    _send(sdk)
    # list pages raise the SDK's base exception, not TwilioRestException
    with pytest.raises(TwilioException, match="Unable to fetch page"):
        sdk.incoming_phone_numbers.list()


def test_ambiguous_500_the_message_exists_although_the_client_saw_an_error(
    emulator: TwilioEmulator, sdk: Client
) -> None:
    emulator.faults.inject(SEND, status=500, create_anyway=True)
    with pytest.raises(TwilioRestException) as caught:
        _send(sdk)
    assert caught.value.status == 500
    assert len(emulator.messages) == 1
    assert [m.to for m in sdk.messages.list(to="+15550000001")] == ["+15550000001"]


def test_hang_trips_the_client_read_timeout_and_the_message_exists_anyway(
    emulator: TwilioEmulator, server: RunningServer
) -> None:
    emulator.faults.inject(SEND, hang=1.5, create_anyway=True)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        requests.post(
            f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json",
            auth=(DEFAULT_ACCOUNT_SID, emulator.accounts[DEFAULT_ACCOUNT_SID].auth_token),
            data={"To": "+15550000001", "From": "+15005550006", "Body": "x"},
            timeout=(2, 0.3),
        )
    assert time.monotonic() - started < 1.5
    assert len(emulator.messages) == 1


def test_hang_without_create_anyway_answers_late_and_creates_after(
    emulator: TwilioEmulator, server: RunningServer
) -> None:
    emulator.faults.inject(SEND, hang=0.3)
    started = time.monotonic()
    message = _send(sdk_client(server.url))
    assert time.monotonic() - started >= 0.3
    assert message.status == "queued"


def test_share_hits_only_a_fraction_of_matching_requests(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.faults.inject(r"\.json$", method="GET", status=503, count=None, share=0.5)
    codes = [http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}.json", auth=auth).status_code for _ in range(40)]
    assert set(codes) == {200, 503}
    assert 8 <= codes.count(503) <= 32


def test_faults_can_be_managed_over_http(emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]) -> None:
    created = http.post("/_devstack/faults", json={"path": "Messages", "status": 500, "count": 3})
    assert created.status_code == 201
    assert payload(http.get("/_devstack/faults"))["faults"][0]["count"] == 3
    assert http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json", auth=auth).status_code == 500
    assert payload(http.get("/_devstack/faults"))["faults"][0]["count"] == 2
    assert http.delete("/_devstack/faults").status_code == 204
    assert http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json", auth=auth).status_code == 200
    assert http.post("/_devstack/faults", json={"path": "x", "status": 500, "colour": "red"}).status_code == 400


def test_a_fault_needs_something_to_do() -> None:
    with pytest.raises(EmulatorError):
        Fault(path="Messages")


def test_request_log_shows_the_ambiguous_send_and_no_retry(
    emulator: TwilioEmulator, server: RunningServer, http: WsgiClient
) -> None:
    emulator.faults.inject(SEND, status=500, create_anyway=True)
    with pytest.raises(TwilioRestException):
        _send(sdk_client(server.url))
    sends = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/Messages.json")]
    assert [(r.status, r.faulted) for r in sends] == [(500, True)]
    listed = payload(http.get("/_devstack/requests"))["requests"]
    assert [(r["method"], r["status"], r["faulted"]) for r in listed] == [("POST", 500, True)]
