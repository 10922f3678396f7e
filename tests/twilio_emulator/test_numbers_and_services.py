from __future__ import annotations

from twilio.rest import Client
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, TwilioEmulator

from .conftest import Receiver, payload


def test_number_is_found_by_phone_number_and_has_the_resource_shape(
    emulator: TwilioEmulator, sdk: Client, http: WsgiClient, auth: tuple[str, str]
) -> None:
    emulator.add_number(DEFAULT_ACCOUNT_SID, "+15005550010")
    found = sdk.incoming_phone_numbers.list(phone_number="+15005550006")
    assert [n.phone_number for n in found] == ["+15005550006"]
    assert found[0].capabilities["sms"] is True
    assert len(sdk.incoming_phone_numbers.list()) == 2
    body = payload(http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/IncomingPhoneNumbers.json", auth=auth))
    assert body["incoming_phone_numbers"][0]["sid"].startswith("PN")
    assert {"sms_url", "sms_method", "sms_fallback_url", "status_callback", "uri"} <= set(
        body["incoming_phone_numbers"][0]
    )


def test_pointing_the_number_at_the_app_routes_inbound_texts_there(
    emulator: TwilioEmulator, sdk: Client, receiver: Receiver
) -> None:
    number = sdk.incoming_phone_numbers.list(phone_number="+15005550006")[0]
    updated = sdk.incoming_phone_numbers(number.sid).update(
        sms_url=receiver.url + "/api/twilio/messages", sms_method="POST"
    )
    assert updated.sms_url == receiver.url + "/api/twilio/messages"
    emulator.send_inbound("+14155550123", "+15005550006", "routed")
    assert receiver.received[0].url == receiver.url + "/api/twilio/messages"


def test_number_update_refuses_parameters_the_spec_does_not_have(
    emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]
) -> None:
    sid = emulator.numbers[0].sid
    path = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/IncomingPhoneNumbers/{sid}.json"
    response = http.post(path, auth=auth, data={"SmsUrll": "https://x.example.test"})
    assert response.status_code == 400
    assert "SmsUrll" in payload(response)["message"]


def test_numbers_of_other_accounts_are_invisible(emulator: TwilioEmulator, http: WsgiClient) -> None:
    other = "AC" + "7" * 32
    emulator.add_account(other, "8" * 32)
    emulator.add_number(other, "+15005550011")
    body = payload(http.get(f"/2010-04-01/Accounts/{other}/IncomingPhoneNumbers.json", auth=(other, "8" * 32)))
    assert [n["phone_number"] for n in body["incoming_phone_numbers"]] == ["+15005550011"]


def test_messaging_service_is_read_and_updated_through_the_sdk(emulator: TwilioEmulator, sdk: Client) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"], friendly_name="Support")
    fetched = sdk.messaging.v1.services(service.sid).fetch()
    assert fetched.friendly_name == "Support"
    updated = sdk.messaging.v1.services(service.sid).update(
        inbound_request_url="https://bridge.example.test/api/twilio/messages",
        status_callback="https://bridge.example.test/api/twilio/status",
    )
    assert updated.inbound_request_url == "https://bridge.example.test/api/twilio/messages"
    assert emulator.services[0].status_callback == "https://bridge.example.test/api/twilio/status"
    numbers = sdk.messaging.v1.services(service.sid).phone_numbers.list()
    assert [n.phone_number for n in numbers] == ["+15005550006"]
    assert [s.sid for s in sdk.messaging.v1.services.list()] == [service.sid]


def test_unknown_messaging_service_is_404(http: WsgiClient, auth: tuple[str, str]) -> None:
    response = http.get("/v1/Services/MG" + "0" * 32, auth=auth)
    assert response.status_code == 404
    assert payload(response)["code"] == 20404
