"""Parsing Twilio's inbound-message and status-callback webhooks."""

from __future__ import annotations

import re

import pytest

from twilio_bridge.errors import MalformedWebhook
from twilio_bridge.statuses import MessageStatus
from twilio_bridge.webhooks import (
    InboundMessage,
    MediaRef,
    StatusCallback,
    parse_inbound_message,
    parse_status_callback,
)

SID = "MM0123456789abcdef0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
SERVICE = "MG0123456789abcdef0123456789abcdef"
MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}/Media/ME0123456789abcdef0123456789abcdef"

# The documented example payload, in the order Twilio sends it.
INBOUND = (
    ("ToCountry", "US"),
    ("ToState", "CA"),
    ("SmsMessageSid", SID),
    ("NumMedia", "1"),
    ("ToCity", "SAN FRANCISCO"),
    ("FromZip", "22036"),
    ("SmsSid", SID),
    ("FromState", "VA"),
    ("SmsStatus", "received"),
    ("FromCity", "CENTREVILLE"),
    ("Body", "Photo of the damage"),
    ("FromCountry", "US"),
    ("To", "+14155550100"),
    ("MessagingServiceSid", SERVICE),
    ("ToZip", "94105"),
    ("NumSegments", "1"),
    ("MessageSid", SID),
    ("AccountSid", ACCOUNT),
    ("From", "+17035550123"),
    ("ApiVersion", "2010-04-01"),
    ("MediaContentType0", "image/jpeg"),
    ("MediaUrl0", MEDIA),
)
STATUS = (
    ("SmsSid", "SM0123456789abcdef0123456789abcdef"),
    ("SmsStatus", "undelivered"),
    ("MessageStatus", "undelivered"),
    ("To", "+15551230000"),
    ("MessagingServiceSid", SERVICE),
    ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
    ("AccountSid", ACCOUNT),
    ("From", "+15005550006"),
    ("ApiVersion", "2010-04-01"),
    ("ErrorCode", "30003"),
    ("RawDlrDoneDate", "2405011230"),
)


def replaced(params: tuple[tuple[str, str], ...], name: str, value: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in params if k != name]
    return kept if value is None else [*kept, (name, value)]


def test_documented_inbound_payload_is_parsed_into_typed_fields() -> None:
    message = parse_inbound_message(INBOUND)
    assert message.message_sid == SID
    assert message.account_sid == ACCOUNT
    assert message.messaging_service_sid == SERVICE
    assert (message.from_, message.to, message.body) == ("+17035550123", "+14155550100", "Photo of the damage")
    assert message.media == (MediaRef(url=MEDIA, content_type="image/jpeg"),)
    assert message.media[0].media_sid == "ME0123456789abcdef0123456789abcdef"
    assert message.num_segments == 1
    assert message.opt_out_type is None
    assert (message.from_city, message.from_state, message.from_zip, message.from_country) == (
        "CENTREVILLE",
        "VA",
        "22036",
        "US",
    )
    assert (message.to_city, message.to_state, message.to_zip, message.to_country) == (
        "SAN FRANCISCO",
        "CA",
        "94105",
        "US",
    )
    assert message.raw == INBOUND


def test_unknown_parameters_survive_in_raw() -> None:
    message = parse_inbound_message([*INBOUND, ("ProfileName", "Ann"), ("AddOns", "{}")])
    assert ("ProfileName", "Ann") in message.raw


def test_inbound_message_round_trips_through_json() -> None:
    message = parse_inbound_message([*INBOUND, ("Body2", "x")])
    assert InboundMessage.from_json(message.to_json()) == message


def test_status_callback_round_trips_through_json() -> None:
    callback = parse_status_callback(STATUS)
    assert StatusCallback.from_json(callback.to_json()) == callback


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("not json", None),
        ('{"kind": "twilio.status_callback", "version": 1, "raw": []}', None),
        ('{"kind": "twilio.inbound_message", "version": 9, "raw": []}', "version"),
        ('{"kind": "twilio.inbound_message", "version": 1, "raw": [["a"]]}', "raw"),
    ],
)
def test_foreign_or_damaged_json_is_malformed(text: str, field: str | None) -> None:
    with pytest.raises(MalformedWebhook) as caught:
        InboundMessage.from_json(text)
    assert caught.value.field == field


def test_sms_without_media_or_messaging_service() -> None:
    params = [(k, v) for k, v in INBOUND if not k.startswith("Media") and k != "MessagingServiceSid"]
    message = parse_inbound_message(replaced(tuple(params), "NumMedia", "0"))
    assert message.media == ()
    assert message.messaging_service_sid is None


def test_empty_body_is_allowed_for_mms() -> None:
    assert parse_inbound_message(replaced(INBOUND, "Body", "")).body == ""


@pytest.mark.parametrize("address", ["whatsapp:+15551230000", "messenger:123456789", "rcs:+15551230000", "12345"])
def test_channel_addresses_and_short_codes_are_accepted(address: str) -> None:
    assert parse_inbound_message(replaced(INBOUND, "From", address)).from_ == address


def test_opt_out_type_is_normalized() -> None:
    assert parse_inbound_message([*INBOUND, ("OptOutType", "stop")]).opt_out_type == "STOP"


def test_several_media_are_kept_in_order() -> None:
    params = [
        *replaced(INBOUND, "NumMedia", "3"),
        ("MediaUrl1", MEDIA + "1"),
        ("MediaContentType1", "application/PDF"),
        ("MediaUrl2", MEDIA + "2"),
    ]
    media = parse_inbound_message(params).media
    assert [m.url for m in media] == [MEDIA, MEDIA + "1", MEDIA + "2"]
    assert [m.content_type for m in media] == ["image/jpeg", "application/pdf", "application/octet-stream"]


@pytest.mark.parametrize(
    ("name", "value", "field", "reason"),
    [
        ("MessageSid", None, "MessageSid", "missing"),
        ("MessageSid", "", "MessageSid", "missing"),
        ("MessageSid", "XX0123456789abcdef0123456789abcdef", "MessageSid", "not a message"),
        ("MessageSid", "SM0123456789abcdef0123456789abcde", "MessageSid", "not a message"),
        ("MessageSid", "SM0123456789abcdef0123456789abcdeg", "MessageSid", "not a message"),
        ("AccountSid", None, "AccountSid", "missing"),
        ("AccountSid", "AC123", "AccountSid", "not a account"),
        ("MessagingServiceSid", "MGxyz", "MessagingServiceSid", "not a service"),
        ("From", None, "From", "missing"),
        ("From", "555-1234", "From", "neither an E.164"),
        ("From", "+0123", "From", "neither an E.164"),
        ("To", "+1234567890123456", "To", "neither an E.164"),
        ("Body", "x" * 1601, "Body", "1601 characters"),
        ("NumMedia", "eleven", "NumMedia", "not a whole number"),
        ("NumMedia", "11", "NumMedia", "outside 0-10"),
        ("NumMedia", "-1", "NumMedia", "not a whole number"),
        ("NumMedia", "2", "MediaUrl1", "missing"),
        ("NumMedia", "0", "MediaContentType0", "present although NumMedia is 0"),
        ("NumSegments", "1.5", "NumSegments", "not a whole number"),
        ("OptOutType", "UNSUBSCRIBE", "OptOutType", "not one of STOP, START, HELP"),
        ("MediaUrl0", "ftp://example.com/a.jpg", "MediaUrl0", "not an absolute http(s) URL"),
        ("MediaUrl0", "/relative/path", "MediaUrl0", "not an absolute http(s) URL"),
    ],
)
def test_malformed_inbound_field_is_named_with_its_reason(
    name: str, value: str | None, field: str, reason: str
) -> None:
    with pytest.raises(MalformedWebhook, match=re.escape(reason)) as caught:
        parse_inbound_message(replaced(INBOUND, name, value))
    assert caught.value.field == field


def test_1600_character_body_is_accepted() -> None:
    assert len(parse_inbound_message(replaced(INBOUND, "Body", "é" * 1600)).body) == 1600


def test_repeated_typed_field_is_malformed() -> None:
    with pytest.raises(MalformedWebhook, match="given 2 times") as caught:
        parse_inbound_message([*INBOUND, ("Body", "second")])
    assert caught.value.field == "Body"


def test_status_callback_is_parsed() -> None:
    callback = parse_status_callback(STATUS)
    assert callback.message_sid == "SM0123456789abcdef0123456789abcdef"
    assert callback.message_status is MessageStatus.UNDELIVERED
    assert callback.error_code == 30003
    assert callback.error_message is None
    assert callback.raw_dlr_done_date == "2405011230"
    assert (callback.from_, callback.to, callback.messaging_service_sid) == ("+15005550006", "+15551230000", SERVICE)


def test_status_callback_falls_back_to_sms_status_and_accepts_alphanumeric_sender() -> None:
    params = [(k, v) for k, v in STATUS if k not in ("MessageStatus", "ErrorCode")]
    callback = parse_status_callback(replaced(tuple(params), "From", "Contoso"))
    assert callback.message_status is MessageStatus.UNDELIVERED
    assert callback.error_code is None
    assert callback.from_ == "Contoso"


def test_status_callback_with_error_message_keeps_it() -> None:
    assert parse_status_callback([*STATUS, ("ErrorMessage", "Unreachable")]).error_message == "Unreachable"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MessageStatus", "exploded", "not a known message status"),
        ("MessageSid", "CA0123456789abcdef0123456789abcdef", "not a message"),
        ("ErrorCode", "E30003", "not a whole number"),
        ("To", "not a number", "neither an E.164"),
        ("AccountSid", None, "missing"),
    ],
)
def test_malformed_status_callback_field_is_named(name: str, value: str | None, reason: str) -> None:
    with pytest.raises(MalformedWebhook, match=reason) as caught:
        parse_status_callback(replaced(STATUS, name, value))
    assert caught.value.field == name


def test_status_callback_without_any_status_is_malformed() -> None:
    params = [(k, v) for k, v in STATUS if k not in ("MessageStatus", "SmsStatus")]
    with pytest.raises(MalformedWebhook, match="missing") as caught:
        parse_status_callback(params)
    assert caught.value.field == "SmsStatus"
