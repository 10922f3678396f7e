from __future__ import annotations

import base64
import io

import pytest
import requests
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.test import Client as WsgiClient

from devstack.twilio_emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    EmulatorError,
    InboundMedia,
    RunningServer,
    TwilioEmulator,
)

from .conftest import Receiver, payload

NUMBER = "+15005550006"
CUSTOMER = "+14155550123"
BASE_KEYS = {
    "ToCountry", "ToState", "SmsMessageSid", "NumMedia", "ToCity", "FromZip", "SmsSid", "FromState",
    "SmsStatus", "FromCity", "Body", "FromCountry", "To", "ToZip", "NumSegments", "MessageSid",
    "AccountSid", "From", "ApiVersion",
}  # fmt: skip


def _point_number_at(emulator: TwilioEmulator, url: str) -> None:
    emulator.configure_number(NUMBER, sms_url=url)


def test_inbound_text_posts_twilios_parameter_set_signed_to_the_sms_url(
    emulator: TwilioEmulator, receiver: Receiver
) -> None:
    url = receiver.url + "/api/twilio/messages"
    _point_number_at(emulator, url)
    result = emulator.send_inbound(CUSTOMER, NUMBER, "Hello there")
    request = receiver.received[0]
    assert set(request.form) == BASE_KEYS
    assert request.form["Body"] == "Hello there"
    assert request.form["From"] == CUSTOMER
    assert request.form["To"] == NUMBER
    assert request.form["MessageSid"] == request.form["SmsSid"] == request.form["SmsMessageSid"] == result.message_sid
    assert result.message_sid.startswith("SM")
    assert request.form["SmsStatus"] == "received"
    assert request.form["NumMedia"] == "0"
    assert request.form["NumSegments"] == "1"
    assert request.form["AccountSid"] == DEFAULT_ACCOUNT_SID
    assert request.form["FromCountry"] == request.form["ToCountry"] == "US"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["I-Twilio-Idempotency-Token"]
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, request.form, request.headers["X-Twilio-Signature"])
    assert result.delivery is not None
    assert result.delivery.status == 200
    assert "<Response" in result.delivery.body


def test_inbound_message_is_stored_and_listed_as_received(emulator: TwilioEmulator, sdk: Client) -> None:
    result = emulator.send_inbound(CUSTOMER, NUMBER, "stored")
    fetched = sdk.messages(result.message_sid).fetch()
    assert fetched.direction == "inbound"
    assert fetched.status == "received"
    assert [m.sid for m in sdk.messages.list(to=NUMBER)] == [result.message_sid]


def test_inbound_without_sms_url_stores_the_message_and_delivers_nothing(emulator: TwilioEmulator) -> None:
    result = emulator.send_inbound(CUSTOMER, NUMBER, "nobody listens")
    assert result.delivery is None
    assert emulator.message(result.message_sid).body == "nobody listens"


def test_inbound_to_a_number_nobody_owns_is_an_emulator_error(emulator: TwilioEmulator) -> None:
    with pytest.raises(EmulatorError):
        emulator.send_inbound(CUSTOMER, "+15559999999", "hi")


def test_inbound_mms_lists_media_urls_that_serve_the_bytes_behind_basic_auth(
    emulator: TwilioEmulator, server: RunningServer, receiver: Receiver
) -> None:
    _point_number_at(emulator, receiver.url + "/in")
    picture = InboundMedia(b"\x89PNG fake picture", "image/png")
    result = emulator.send_inbound(CUSTOMER, NUMBER, "", media=[picture, InboundMedia(b"%PDF", "application/pdf")])
    form = receiver.received[0].form
    assert result.message_sid.startswith("MM")
    assert form["NumMedia"] == "2"
    assert form["MediaContentType0"] == "image/png"
    assert form["MediaContentType1"] == "application/pdf"
    assert form["MediaUrl0"].startswith(f"{server.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/MM")
    assert "/Media/ME" in form["MediaUrl0"]
    assert requests.get(form["MediaUrl0"], timeout=5).status_code == 401
    download = requests.get(form["MediaUrl0"], auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN), timeout=5)
    assert download.status_code == 200
    assert download.content == picture.content
    assert download.headers["Content-Type"] == "image/png"


def test_long_unicode_inbound_reports_its_segments(emulator: TwilioEmulator, receiver: Receiver) -> None:
    _point_number_at(emulator, receiver.url)
    emulator.send_inbound(CUSTOMER, NUMBER, "ą" * 71)
    assert receiver.received[0].form["NumSegments"] == "2"


def test_service_number_uses_the_service_inbound_url_and_reports_the_service(
    emulator: TwilioEmulator, receiver: Receiver
) -> None:
    _point_number_at(emulator, receiver.url + "/number")
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, [NUMBER], inbound_request_url=receiver.url + "/svc")
    emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    request = receiver.received[0]
    assert request.url == receiver.url + "/svc"
    assert request.form["MessagingServiceSid"] == service.sid
    assert set(request.form) == BASE_KEYS | {"MessagingServiceSid"}


def test_service_can_defer_to_the_numbers_own_webhook(emulator: TwilioEmulator, receiver: Receiver) -> None:
    _point_number_at(emulator, receiver.url + "/number")
    emulator.add_messaging_service(
        DEFAULT_ACCOUNT_SID, [NUMBER], inbound_request_url=receiver.url + "/svc", use_inbound_webhook_on_number=True
    )
    emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert receiver.received[0].url == receiver.url + "/number"


def test_get_webhook_carries_parameters_in_the_signed_url(emulator: TwilioEmulator, receiver: Receiver) -> None:
    emulator.numbers[0].sms_url = receiver.url + "/in?x=1"
    emulator.numbers[0].sms_method = "GET"
    emulator.send_inbound(CUSTOMER, NUMBER, "by get")
    request = receiver.received[0]
    assert request.method == "GET"
    assert "Body=by+get" in request.url
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(request.url, {}, request.headers["X-Twilio-Signature"])


def test_failing_app_gets_the_fallback_url_called_with_error_code(emulator: TwilioEmulator, receiver: Receiver) -> None:
    receiver.status = 500
    emulator.numbers[0].sms_url = receiver.url + "/primary"
    emulator.numbers[0].sms_fallback_url = receiver.url + "/fallback"
    result = emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert result.delivery is not None
    assert result.delivery.status == 500
    assert [r.url for r in receiver.received] == [receiver.url + "/primary", receiver.url + "/fallback"]
    fallback = receiver.received[1]
    assert fallback.form["ErrorCode"] == "11200"
    assert fallback.form["ErrorUrl"] == receiver.url + "/primary"
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(
        fallback.url, fallback.form, fallback.headers["X-Twilio-Signature"]
    )


def test_customer_phone_over_http_accepts_json_with_base64_media(
    emulator: TwilioEmulator, receiver: Receiver, http: WsgiClient
) -> None:
    _point_number_at(emulator, receiver.url)
    response = http.post(
        "/_devstack/inbound",
        json={
            "From": CUSTOMER,
            "To": NUMBER,
            "Body": "see photo",
            "Media": [{"content_base64": base64.b64encode(b"jpegbytes").decode(), "content_type": "image/jpeg"}],
        },
    )
    assert response.status_code == 200
    body = payload(response)
    assert body["delivery"]["status"] == 200
    assert body["delivery"]["params"]["NumMedia"] == "1"
    assert body["message"]["num_media"] == "1"
    assert emulator.message(body["message_sid"]).media[0].content == b"jpegbytes"


def test_customer_phone_over_http_accepts_a_form(
    emulator: TwilioEmulator, receiver: Receiver, http: WsgiClient
) -> None:
    _point_number_at(emulator, receiver.url)
    response = http.post("/_devstack/inbound", data={"From": CUSTOMER, "To": NUMBER, "Body": "form text"})
    assert response.status_code == 200
    assert receiver.received[0].form["Body"] == "form text"
    listed = payload(http.get("/_devstack/webhooks"))["deliveries"]
    assert [(d["kind"], d["status"]) for d in listed] == [("inbound", 200)]
    assert http.post("/_devstack/inbound", data={"Body": "no numbers"}).status_code == 400


def test_customer_phone_over_http_takes_uploaded_files_and_media_urls(
    emulator: TwilioEmulator, receiver: Receiver, http: WsgiClient
) -> None:
    _point_number_at(emulator, receiver.url + "/in")
    response = http.post(
        "/_devstack/inbound",
        data={
            "From": CUSTOMER,
            "To": NUMBER,
            "Body": "two pictures",
            "MediaUrl": receiver.url + "/picture.xml",
            "photo": (io.BytesIO(b"\xff\xd8jpeg"), "photo.jpg", "image/jpeg"),
        },
    )
    assert response.status_code == 200
    media = emulator.message(payload(response)["message_sid"]).media
    assert [(m.content_type, m.content[:4]) for m in media] == [
        ("image/jpeg", b"\xff\xd8jp"),
        ("text/xml", b"<?xm"),
    ]
    assert receiver.received[-1].form["NumMedia"] == "2"


def test_webhook_listing_filters_by_kind_and_message(
    emulator: TwilioEmulator, receiver: Receiver, http: WsgiClient
) -> None:
    _point_number_at(emulator, receiver.url)
    first = emulator.send_inbound(CUSTOMER, NUMBER, "one")
    emulator.send_inbound(CUSTOMER, NUMBER, "two")
    listed = payload(http.get(f"/_devstack/webhooks?kind=inbound&message_sid={first.message_sid}"))["deliveries"]
    assert [d["params"]["Body"] for d in listed] == ["one"]
    assert payload(http.get("/_devstack/webhooks?kind=status"))["deliveries"] == []


def test_twiml_message_in_the_apps_answer_is_sent_back_to_the_customer(
    emulator: TwilioEmulator, receiver: Receiver
) -> None:
    receiver.body = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks &amp; bye</Message></Response>'
    _point_number_at(emulator, receiver.url)
    result = emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert len(result.replies) == 1
    reply = emulator.message(result.replies[0])
    assert (reply.direction, reply.from_, reply.to, reply.body) == ("outbound-reply", NUMBER, CUSTOMER, "Thanks & bye")


def test_empty_twiml_answer_sends_nothing_back(emulator: TwilioEmulator, receiver: Receiver) -> None:
    _point_number_at(emulator, receiver.url)
    result = emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert result.replies == ()
    assert [m.direction for m in emulator.messages] == ["inbound"]


def test_connection_override_fragment_is_neither_sent_nor_signed(emulator: TwilioEmulator, receiver: Receiver) -> None:
    _point_number_at(emulator, receiver.url + "/in?a=1#ct=1000&rt=3000")
    emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    request = receiver.received[0]
    assert request.url == receiver.url + "/in?a=1"
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(
        request.url, request.form, request.headers["X-Twilio-Signature"]
    )


def test_retry_policy_in_the_fragment_retries_5xx_with_the_same_idempotency_token(
    emulator: TwilioEmulator, receiver: Receiver
) -> None:
    receiver.status = 503
    _point_number_at(emulator, receiver.url + "/in#rc=2&rp=5xx")
    result = emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert len(receiver.received) == 3
    assert len({r.headers["I-Twilio-Idempotency-Token"] for r in receiver.received}) == 1
    assert result.delivery is not None
    assert result.delivery.attempt == 3


def test_without_a_retry_policy_a_5xx_is_not_retried(emulator: TwilioEmulator, receiver: Receiver) -> None:
    receiver.status = 500
    _point_number_at(emulator, receiver.url + "/in")
    emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert len(receiver.received) == 1


def test_read_timeout_from_the_fragment_limits_a_slow_app(emulator: TwilioEmulator, receiver: Receiver) -> None:
    receiver.delay = 0.5
    _point_number_at(emulator, receiver.url + "/in#rt=100&rc=0")
    result = emulator.send_inbound(CUSTOMER, NUMBER, "hi")
    assert result.delivery is not None
    assert result.delivery.status is None
    assert result.delivery.error is not None
    assert "Timeout" in result.delivery.error
