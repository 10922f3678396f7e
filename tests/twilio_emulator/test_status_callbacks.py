from __future__ import annotations

import re

from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    TwilioEmulator,
    WebhookRequest,
    WebhookResponse,
)

from .conftest import Receiver

CALLBACK_KEYS = {"AccountSid", "From", "To", "MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "ApiVersion"}


def test_status_callbacks_are_signed_and_report_sent_then_delivered(
    sdk: Client, receiver: Receiver, emulator: TwilioEmulator
) -> None:
    url = receiver.url + "/api/twilio/status?m=abc%20def"
    message = sdk.messages.create(to="+15550000001", from_="+15005550006", body="x", status_callback=url)
    received = receiver.wait_for(2)
    assert [r.form["MessageStatus"] for r in received] == ["sent", "delivered"]
    validator = RequestValidator(DEFAULT_AUTH_TOKEN)
    for request in received:
        assert request.method == "POST"
        assert request.url == url
        assert validator.validate(request.url, request.form, request.headers["X-Twilio-Signature"])
        assert request.form["MessageSid"] == request.form["SmsSid"] == message.sid
        assert request.form["SmsStatus"] == request.form["MessageStatus"]
        assert request.form["AccountSid"] == DEFAULT_ACCOUNT_SID
        assert request.form["ApiVersion"] == "2010-04-01"
        assert "ErrorCode" not in request.form
        assert "MessagingServiceSid" not in request.form
    assert set(received[0].form) == CALLBACK_KEYS
    assert set(received[1].form) == CALLBACK_KEYS | {"RawDlrDoneDate"}
    assert re.fullmatch(r"\d{10}", received[1].form["RawDlrDoneDate"])
    assert emulator.wait_idle()
    assert emulator.message(message.sid).status == "delivered"


def test_signature_does_not_validate_with_another_token(sdk: Client, receiver: Receiver) -> None:
    sdk.messages.create(to="+15550000001", from_="+15005550006", body="x", status_callback=receiver.url + "/s")
    request = receiver.wait_for(1)[0]
    assert not RequestValidator("9" * 32).validate(request.url, request.form, request.headers["X-Twilio-Signature"])


def test_service_messages_report_queued_and_carry_the_service_sid(
    sdk: Client, receiver: Receiver, emulator: TwilioEmulator
) -> None:
    service = emulator.add_messaging_service(
        DEFAULT_ACCOUNT_SID, ["+15005550006"], status_callback=receiver.url + "/svc"
    )
    sdk.messages.create(to="+15550000001", messaging_service_sid=service.sid, body="x")
    received = receiver.wait_for(3)
    assert [r.form["MessageStatus"] for r in received] == ["queued", "sent", "delivered"]
    assert {r.form["MessagingServiceSid"] for r in received} == {service.sid}
    assert {r.url for r in received} == {receiver.url + "/svc"}


def test_per_message_callback_overrides_the_service_callback(
    sdk: Client, receiver: Receiver, emulator: TwilioEmulator
) -> None:
    service = emulator.add_messaging_service(
        DEFAULT_ACCOUNT_SID, ["+15005550006"], status_callback=receiver.url + "/svc"
    )
    sdk.messages.create(
        to="+15550000001", messaging_service_sid=service.sid, body="x", status_callback=receiver.url + "/mine"
    )
    assert {r.url for r in receiver.wait_for(3)} == {receiver.url + "/mine"}


def test_configured_number_ends_undelivered_with_error_code(
    sdk: Client, receiver: Receiver, emulator: TwilioEmulator
) -> None:
    emulator.set_outcome("+15550000009", "undelivered", 30003)
    message = sdk.messages.create(to="+15550000009", from_="+15005550006", body="x", status_callback=receiver.url)
    received = receiver.wait_for(2)
    assert [(r.form["MessageStatus"], r.form.get("ErrorCode")) for r in received] == [
        ("sent", None),
        ("undelivered", "30003"),
    ]
    assert emulator.wait_idle()
    fetched = sdk.messages(message.sid).fetch()
    assert fetched.status == "undelivered"
    assert fetched.error_code == 30003
    assert fetched.error_message


def test_configured_number_fails_without_being_sent(sdk: Client, receiver: Receiver, emulator: TwilioEmulator) -> None:
    emulator.set_outcome("+15550000009", "failed", 30006)
    sdk.messages.create(to="+15550000009", from_="+15005550006", body="x", status_callback=receiver.url)
    received = receiver.wait_for(1)
    assert emulator.wait_idle()
    assert [(r.form["MessageStatus"], r.form["ErrorCode"]) for r in receiver.received] == [("failed", "30006")]
    assert "RawDlrDoneDate" not in received[0].form


def test_duplicate_callbacks_send_every_status_twice(receiver: Receiver) -> None:
    emulator = TwilioEmulator(callback_delay=0.01, duplicate_callbacks=True)
    try:
        emulator.create_message(DEFAULT_ACCOUNT_SID, _form(receiver.url))
        assert emulator.wait_idle()
        statuses = sorted(r.form["MessageStatus"] for r in receiver.received)
        assert statuses == ["delivered", "delivered", "sent", "sent"]
        assert len(emulator.deliveries) == 4
    finally:
        emulator.close()


def test_shuffled_callbacks_arrive_out_of_order_but_the_message_ends_delivered() -> None:
    orders: set[tuple[str, ...]] = set()
    seen: list[WebhookRequest] = []

    def record(request: WebhookRequest) -> WebhookResponse:
        seen.append(request)
        return WebhookResponse(204)

    emulator = TwilioEmulator(callback_delay=0.005, shuffle_callbacks=True, webhook_sender=record, seed=3)
    try:
        sids = [
            emulator.create_message(DEFAULT_ACCOUNT_SID, _form("https://bridge.example.test/cb")).sid for _ in range(12)
        ]
        assert emulator.wait_idle()
        for sid in sids:
            orders.add(tuple(dict(r.params)["MessageStatus"] for r in seen if dict(r.params)["MessageSid"] == sid))
            assert emulator.message(sid).status == "delivered"
    finally:
        emulator.close()
    assert orders == {("sent", "delivered"), ("delivered", "sent")}


def test_injected_sender_receives_signed_requests_without_any_socket() -> None:
    captured: list[WebhookRequest] = []

    def record(request: WebhookRequest) -> WebhookResponse:
        captured.append(request)
        return WebhookResponse(200)

    emulator = TwilioEmulator(callback_delay=0.0, webhook_sender=record)
    try:
        emulator.create_message(DEFAULT_ACCOUNT_SID, _form("https://bridge.example.test/api/twilio/status"))
        assert emulator.wait_idle()
    finally:
        emulator.close()
    assert len(captured) == 2
    for request in captured:
        signature = request.header("X-Twilio-Signature")
        assert signature is not None
        assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(request.url, request.form(), signature)
    assert all(d.ok for d in emulator.deliveries.all())


def test_unreachable_callback_url_is_recorded_as_a_failed_delivery(emulator: TwilioEmulator, dead_url: str) -> None:
    emulator.create_message(DEFAULT_ACCOUNT_SID, _form(dead_url + "/unreachable"))
    assert emulator.wait_idle()
    deliveries = emulator.deliveries.all()
    # Twilio's default connection policy retries a failed connection once.
    assert sorted((d.params()["MessageStatus"], d.attempt) for d in deliveries) == [
        ("delivered", 1),
        ("delivered", 2),
        ("sent", 1),
        ("sent", 2),
    ]
    assert all(d.status is None and d.error for d in deliveries)


def _form(callback: str) -> MultiDict[str, str]:
    return MultiDict({"To": "+15550000001", "From": "+15005550006", "Body": "x", "StatusCallback": callback})
