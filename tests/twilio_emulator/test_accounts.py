from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, RunningServer, TwilioEmulator

from .conftest import payload, sdk_client

ACCOUNT_PATH = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}.json"


def test_account_fetch_with_the_right_credentials_returns_the_active_account(sdk: Client) -> None:
    account = sdk.api.v2010.accounts(DEFAULT_ACCOUNT_SID).fetch()
    assert account.sid == DEFAULT_ACCOUNT_SID
    assert account.status == "active"
    assert account.type == "Full"


def test_account_response_has_every_field_of_the_resource_and_rfc2822_dates(
    http: WsgiClient, auth: tuple[str, str]
) -> None:
    body = payload(http.get(ACCOUNT_PATH, auth=auth))
    assert set(body) == {
        "auth_token", "date_created", "date_updated", "friendly_name", "owner_account_sid",
        "sid", "status", "subresource_uris", "type", "uri",
    }  # fmt: skip
    assert body["uri"] == ACCOUNT_PATH
    assert body["date_created"].endswith("+0000")
    assert body["date_created"][3:5] == ", "


def test_wrong_auth_token_answers_401_with_twilio_error_20003(server: RunningServer) -> None:
    client = sdk_client(server.url, token="0" * 32)
    with pytest.raises(TwilioRestException) as caught:
        client.api.v2010.accounts(DEFAULT_ACCOUNT_SID).fetch()
    assert caught.value.status == 401
    assert caught.value.code == 20003


def test_missing_credentials_answer_401_with_the_documented_error_body(http: WsgiClient) -> None:
    response = http.get(ACCOUNT_PATH)
    assert response.status_code == 401
    assert payload(response) == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert "Basic" in response.headers["WWW-Authenticate"]


def test_suspended_account_is_reported_by_fetch_and_cannot_send(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.set_account_status(DEFAULT_ACCOUNT_SID, "suspended")
    assert payload(http.get(ACCOUNT_PATH, auth=auth))["status"] == "suspended"
    send = http.post(
        f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json",
        auth=auth,
        data={"To": "+15551230000", "From": "+15005550006", "Body": "hi"},
    )
    assert send.status_code == 403
    assert payload(send)["code"] == 20403


def test_closed_account_credentials_no_longer_authenticate(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.set_account_status(DEFAULT_ACCOUNT_SID, "closed")
    assert http.get(ACCOUNT_PATH, auth=auth).status_code == 401


def test_one_account_cannot_read_another_accounts_resources(emulator: TwilioEmulator, http: WsgiClient) -> None:
    other = "AC" + "3" * 32
    emulator.add_account(other, "4" * 32)
    response = http.get(ACCOUNT_PATH, auth=(other, "4" * 32))
    assert response.status_code == 404
    assert payload(response)["code"] == 20404


def test_a_parent_account_may_act_for_its_subaccount(emulator: TwilioEmulator, http: WsgiClient) -> None:
    sub = "AC" + "5" * 32
    emulator.add_account(sub, "6" * 32, owner_account_sid=DEFAULT_ACCOUNT_SID)
    response = http.get(
        f"/2010-04-01/Accounts/{sub}.json",
        auth=(DEFAULT_ACCOUNT_SID, emulator.accounts[DEFAULT_ACCOUNT_SID].auth_token),
    )
    assert response.status_code == 200
    assert payload(response)["owner_account_sid"] == DEFAULT_ACCOUNT_SID
