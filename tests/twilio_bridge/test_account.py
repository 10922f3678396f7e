"""Credential checks and webhook wiring against the devstack Twilio emulator."""

from __future__ import annotations

import pytest

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioEmulator
from tests.twilio_bridge.conftest import Sleeps
from twilio_bridge.account import TwilioAccounts
from twilio_bridge.client import TwilioClients, TwilioCredentials
from twilio_bridge.errors import CredentialsInvalid, NumberNotFound, TwilioApiError

OTHER_SID = "AC" + "3" * 32
OTHER_TOKEN = "4" * 32


def test_valid_credentials_return_the_account(clients: TwilioClients, credentials: TwilioCredentials) -> None:
    info = TwilioAccounts(clients).validate_credentials(credentials)
    assert (info.sid, info.status, info.friendly_name) == (DEFAULT_ACCOUNT_SID, "active", "SMS Bridge devstack")


def test_wrong_token_is_invalid_with_20003_reason(clients: TwilioClients) -> None:
    with pytest.raises(CredentialsInvalid, match="20003"):
        TwilioAccounts(clients).validate_credentials(TwilioCredentials(DEFAULT_ACCOUNT_SID, "f" * 32))


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_inactive_account_is_invalid_and_says_so(clients: TwilioClients, emulator: TwilioEmulator, status: str) -> None:
    emulator.add_account(OTHER_SID, OTHER_TOKEN, status=status)
    with pytest.raises(CredentialsInvalid, match=status):
        TwilioAccounts(clients).validate_credentials(TwilioCredentials(OTHER_SID, OTHER_TOKEN))


@pytest.mark.parametrize(
    ("sid", "token", "reason"),
    [
        ("AC123", DEFAULT_AUTH_TOKEN, "Account SID"),
        ("SK" + "1" * 32, DEFAULT_AUTH_TOKEN, "Account SID"),
        (DEFAULT_ACCOUNT_SID, "short", "Auth Token"),
        (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN + " ", "Auth Token"),
    ],
)
def test_badly_shaped_credentials_are_refused_without_asking_twilio(
    clients: TwilioClients, emulator: TwilioEmulator, sid: str, token: str, reason: str
) -> None:
    with pytest.raises(CredentialsInvalid, match=reason):
        TwilioAccounts(clients).validate_credentials(TwilioCredentials(sid, token))


def test_twilio_outage_is_not_reported_as_bad_credentials(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    emulator.faults.inject(r"/Accounts/AC\w+\.json$", status=503, count=None)
    with pytest.raises(TwilioApiError) as caught:
        TwilioAccounts(clients).validate_credentials(credentials)
    assert (caught.value.status, caught.value.is_transient) == (503, True)


def test_number_of_the_account_is_found(clients: TwilioClients, credentials: TwilioCredentials) -> None:
    number = TwilioAccounts(clients).find_number(credentials, "+15005550006")
    assert number.sid.startswith("PN")
    assert number.phone_number == "+15005550006"


def test_number_of_another_account_is_not_found(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    emulator.add_account(OTHER_SID, OTHER_TOKEN)
    emulator.add_number(OTHER_SID, "+15557654321")
    with pytest.raises(NumberNotFound, match=r"\+15557654321"):
        TwilioAccounts(clients).find_number(credentials, "+15557654321")


def test_number_is_wired_to_our_webhook_with_post_and_fallback(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    accounts = TwilioAccounts(clients)
    number = accounts.find_number(credentials, "+15005550006")
    wired = accounts.wire_number(
        credentials,
        number.sid,
        sms_url="https://bridge.example.com/api/twilio/messages",
        sms_fallback_url="https://backup.example.com/api/twilio/messages",
    )
    assert (wired.sms_url, wired.sms_method) == ("https://bridge.example.com/api/twilio/messages", "POST")
    assert wired.sms_fallback_url == "https://backup.example.com/api/twilio/messages"
    [stored] = [n for n in emulator.numbers if n.sid == number.sid]
    assert stored.sms_url == "https://bridge.example.com/api/twilio/messages"
    assert accounts.find_number(credentials, "+15005550006").sms_method == "POST"


def test_wiring_an_unknown_number_sid_is_number_not_found(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    with pytest.raises(NumberNotFound, match="not in the account"):
        TwilioAccounts(clients).wire_number(credentials, "PN" + "0" * 32, sms_url="https://x.example.com/a")


def test_messaging_service_is_wired_to_inbound_and_status_urls(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    wired = TwilioAccounts(clients).wire_messaging_service(
        credentials,
        service.sid,
        inbound_request_url="https://bridge.example.com/api/twilio/messages",
        status_callback="https://bridge.example.com/api/twilio/status",
    )
    assert wired.inbound_request_url == "https://bridge.example.com/api/twilio/messages"
    assert wired.inbound_method == "POST"
    assert wired.status_callback == "https://bridge.example.com/api/twilio/status"
    assert emulator.services[0].status_callback == "https://bridge.example.com/api/twilio/status"


def test_unknown_messaging_service_is_number_not_found(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    with pytest.raises(NumberNotFound, match="Messaging Service"):
        TwilioAccounts(clients).wire_messaging_service(
            credentials,
            "MG" + "0" * 32,
            inbound_request_url="https://a.example.com/x",
            status_callback="https://a.example.com/y",
        )
