from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, TwilioEmulator
from devstack.twilio_emulator.optout import opt_out_type

from .conftest import Receiver

NUMBER = "+15005550006"
CUSTOMER = "+14155550123"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", "STOP"),
        (" stop ", "STOP"),
        ("Unsubscribe", "STOP"),
        ("start", "START"),
        ("UNSTOP", "START"),
        ("help", "HELP"),
        ("INFO", "HELP"),
        ("STOP PLEASE", None),
        ("stopping", None),
    ],
)
def test_only_a_whole_message_keyword_counts(body: str, expected: str | None) -> None:
    assert opt_out_type(body) == expected


def test_stop_blocks_sends_to_that_customer_until_start(emulator: TwilioEmulator, sdk: Client) -> None:
    emulator.send_inbound(CUSTOMER, NUMBER, "STOP")
    with pytest.raises(TwilioRestException) as caught:
        sdk.messages.create(to=CUSTOMER, from_=NUMBER, body="still there?")
    assert caught.value.code == 21610
    sdk.messages.create(to="+14155550999", from_=NUMBER, body="others still get texts")
    emulator.send_inbound(CUSTOMER, NUMBER, "start")
    assert sdk.messages.create(to=CUSTOMER, from_=NUMBER, body="welcome back").status == "queued"


def test_stop_is_forwarded_without_opt_out_type_when_the_number_has_no_service(
    emulator: TwilioEmulator, receiver: Receiver
) -> None:
    emulator.numbers[0].sms_url = receiver.url
    result = emulator.send_inbound(CUSTOMER, NUMBER, "STOP")
    assert receiver.received[0].form["Body"] == "STOP"
    assert "OptOutType" not in receiver.received[0].form
    assert result.opt_out_type == "STOP"


def test_service_numbers_forward_opt_out_type_and_block_the_whole_pool(
    emulator: TwilioEmulator, receiver: Receiver, sdk: Client
) -> None:
    service = emulator.add_messaging_service(
        DEFAULT_ACCOUNT_SID, [NUMBER, "+15005550010"], inbound_request_url=receiver.url
    )
    emulator.send_inbound(CUSTOMER, NUMBER, "stop")
    emulator.send_inbound(CUSTOMER, NUMBER, "help")
    assert [r.form.get("OptOutType") for r in receiver.received] == ["STOP", "HELP"]
    for sender in ({"messaging_service_sid": service.sid}, {"from_": "+15005550010"}):
        with pytest.raises(TwilioRestException) as caught:
            sdk.messages.create(to=CUSTOMER, body="x", **sender)
        assert caught.value.code == 21610
    emulator.send_inbound(CUSTOMER, NUMBER, "YES")
    assert receiver.received[-1].form["OptOutType"] == "START"
    assert not emulator.is_opted_out(NUMBER, CUSTOMER)


def test_help_does_not_opt_out(emulator: TwilioEmulator) -> None:
    emulator.send_inbound(CUSTOMER, NUMBER, "HELP")
    assert not emulator.is_opted_out(NUMBER, CUSTOMER)
