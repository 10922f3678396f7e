from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client as WsgiClient
from werkzeug.test import TestResponse

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, TwilioEmulator

from .conftest import eventually, payload

MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"
MESSAGE_FIELDS = {
    "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction",
    "error_code", "error_message", "from", "messaging_service_sid", "num_media", "num_segments", "price",
    "price_unit", "sid", "status", "subresource_uris", "to", "uri",
}  # fmt: skip


def send(http: WsgiClient, auth: tuple[str, str], **form: str | None) -> TestResponse:
    data: dict[str, str | None] = {"To": "+15551230000", "From": "+15005550006", "Body": "hello"}
    data.update(form)
    return http.post(MESSAGES, auth=auth, data={k: v for k, v in data.items() if v is not None})


def test_send_returns_201_with_the_message_resource_shape(http: WsgiClient, auth: tuple[str, str]) -> None:
    response = send(http, auth, Body="Your order has shipped")
    assert response.status_code == 201
    body = payload(response)
    assert set(body) == MESSAGE_FIELDS
    assert re.fullmatch(r"SM[0-9a-f]{32}", body["sid"])
    assert body["status"] == "queued"
    assert body["direction"] == "outbound-api"
    assert body["num_segments"] == "1"
    assert body["num_media"] == "0"
    assert body["uri"] == f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/{body['sid']}.json"
    assert body["subresource_uris"] == {"media": body["uri"].removesuffix(".json") + "/Media.json"}


def test_segment_count_follows_the_encoding_of_the_body(http: WsgiClient, auth: tuple[str, str]) -> None:
    assert payload(send(http, auth, Body="a" * 161))["num_segments"] == "2"
    assert payload(send(http, auth, Body="é" * 160))["num_segments"] == "1"
    assert payload(send(http, auth, Body="😀" * 36))["num_segments"] == "2"


def test_sdk_send_and_fetch_round_trip(sdk: Client) -> None:
    created = sdk.messages.create(to="+15551230000", from_="+15005550006", body="hi")
    fetched = sdk.messages(created.sid).fetch()
    assert fetched.sid == created.sid
    assert fetched.body == "hi"
    assert fetched.date_created.tzinfo is not None


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550001", 21211),
        ("+15005550002", 21612),
        ("+15005550003", 21408),
        ("+15005550004", 21610),
        ("+15005550009", 21614),
    ],
)
def test_magic_to_numbers_answer_their_documented_errors(sdk: Client, to: str, code: int) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sdk.messages.create(to=to, from_="+15005550006", body="hi")
    assert caught.value.status == 400
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("from_", "code"),
    [("+15005550001", 21212), ("+15005550007", 21606), ("+15005550008", 21611), ("+15557654321", 21606)],
)
def test_magic_and_foreign_from_numbers_answer_their_documented_errors(
    http: WsgiClient, auth: tuple[str, str], from_: str, code: int
) -> None:
    response = send(http, auth, From=from_)
    assert response.status_code == 400
    assert payload(response)["code"] == code
    assert payload(response)["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_rejected_sends_create_no_message(emulator: TwilioEmulator, http: WsgiClient, auth: tuple[str, str]) -> None:
    send(http, auth, To="+15005550004")
    assert emulator.messages == []


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"To": None}, 21604),
        ({"From": None}, 21603),
        ({"Body": None}, 21602),
        ({"Body": "x" * 1601}, 21617),
        ({"To": "5551230000"}, 21211),
    ],
)
def test_incomplete_or_invalid_sends_are_refused(
    http: WsgiClient, auth: tuple[str, str], form: dict[str, str | None], code: int
) -> None:
    response = send(http, auth, **form)
    assert response.status_code == 400
    assert payload(response)["code"] == code


def test_unknown_parameter_is_refused_with_a_message_naming_it(http: WsgiClient, auth: tuple[str, str]) -> None:
    response = send(http, auth, Bodyy="typo")
    assert response.status_code == 400
    assert "Bodyy" in payload(response)["message"]
    assert "CreateMessage" in payload(response)["message"]


def test_malformed_sids_in_path_and_form_are_refused(http: WsgiClient, auth: tuple[str, str]) -> None:
    bad_path = http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/XX123.json", auth=auth)
    assert bad_path.status_code == 400
    assert "^(SM|MM)[0-9a-fA-F]{32}$" in payload(bad_path)["message"]
    bad_service = send(http, auth, From=None, MessagingServiceSid="MG123")
    assert bad_service.status_code == 400
    assert "MessagingServiceSid" in payload(bad_service)["message"]


def test_enum_and_repeated_single_parameters_are_refused(http: WsgiClient, auth: tuple[str, str]) -> None:
    assert send(http, auth, ScheduleType="later").status_code == 400
    repeated = http.post(
        MESSAGES,
        auth=auth,
        data=MultiDict([("To", "+15551230000"), ("To", "+15551230001"), ("From", "+15005550006"), ("Body", "x")]),
    )
    assert repeated.status_code == 400
    assert "only once" in payload(repeated)["message"]


def test_unknown_message_is_404_20404(http: WsgiClient, auth: tuple[str, str]) -> None:
    response = http.get(f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages/SM{'0' * 32}.json", auth=auth)
    assert response.status_code == 404
    assert payload(response)["code"] == 20404


def test_wrong_method_is_405(http: WsgiClient, auth: tuple[str, str]) -> None:
    response = http.put(MESSAGES, auth=auth)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_list_filters_by_to_and_from(sdk: Client, emulator: TwilioEmulator) -> None:
    emulator.add_number(DEFAULT_ACCOUNT_SID, "+15005550010")
    for to, from_ in [
        ("+15550000001", "+15005550006"),
        ("+15550000002", "+15005550006"),
        ("+15550000001", "+15005550010"),
    ]:
        sdk.messages.create(to=to, from_=from_, body="x")
    assert len(sdk.messages.list(to="+15550000001")) == 2
    assert len(sdk.messages.list(from_="+15005550010")) == 1
    assert len(sdk.messages.list(to="+15550000001", from_="+15005550006")) == 1


def test_list_filters_by_date_sent(emulator: TwilioEmulator, sdk: Client) -> None:
    old = sdk.messages.create(to="+15550000001", from_="+15005550006", body="old")
    new = sdk.messages.create(to="+15550000001", from_="+15005550006", body="new")
    assert emulator.wait_idle()
    emulator.message(old.sid).date_created = datetime(2024, 1, 2, 9, 59, tzinfo=UTC)
    emulator.message(old.sid).date_sent = datetime(2024, 1, 2, 10, 0, tzinfo=UTC)
    assert [m.sid for m in sdk.messages.list(date_sent_after=datetime(2025, 1, 1, tzinfo=UTC))] == [new.sid]
    assert [m.sid for m in sdk.messages.list(date_sent_before=datetime(2025, 1, 1, tzinfo=UTC))] == [old.sid]
    assert [m.sid for m in sdk.messages.list(date_sent=datetime(2024, 1, 2, tzinfo=UTC))] == [old.sid]


def test_list_pages_with_next_page_uri_until_every_message_is_seen_once(
    sdk: Client, http: WsgiClient, auth: tuple[str, str]
) -> None:
    sids = {sdk.messages.create(to="+15550000001", from_="+15005550006", body=str(i)).sid for i in range(7)}
    first = payload(http.get(MESSAGES + "?PageSize=3", auth=auth))
    assert len(first["messages"]) == 3
    assert first["page"] == 0
    assert first["next_page_uri"].startswith(MESSAGES + "?")
    assert "PageToken=PA" in first["next_page_uri"]
    listed = [m.sid for m in sdk.messages.list(page_size=3)]
    assert sorted(listed) == sorted(sids)
    last = payload(http.get(MESSAGES + "?PageSize=3&Page=2", auth=auth))
    assert len(last["messages"]) == 1
    assert last["next_page_uri"] is None


def test_list_is_newest_first(sdk: Client, emulator: TwilioEmulator) -> None:
    first = sdk.messages.create(to="+15550000001", from_="+15005550006", body="1")
    emulator.message(first.sid).date_created -= timedelta(seconds=5)
    second = sdk.messages.create(to="+15550000001", from_="+15005550006", body="2")
    assert [m.sid for m in sdk.messages.list()] == [second.sid, first.sid]


def test_scheduled_message_needs_a_service_and_can_be_canceled(emulator: TwilioEmulator, sdk: Client) -> None:
    send_at = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(TwilioRestException) as caught:
        sdk.messages.create(to="+15550000001", from_="+15005550006", body="x", schedule_type="fixed", send_at=send_at)
    assert caught.value.code == 35118
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    message = sdk.messages.create(
        to="+15550000001", messaging_service_sid=service.sid, body="x", schedule_type="fixed", send_at=send_at
    )
    assert message.status == "scheduled"
    assert sdk.messages(message.sid).update(status="canceled").status == "canceled"
    with pytest.raises(TwilioRestException):
        sdk.messages(message.sid).update(status="canceled")


def test_schedule_outside_the_allowed_window_is_refused(emulator: TwilioEmulator, sdk: Client) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    with pytest.raises(TwilioRestException) as caught:
        sdk.messages.create(
            to="+15550000001", messaging_service_sid=service.sid, body="x", schedule_type="fixed",
            send_at=datetime.now(UTC) + timedelta(days=40),
        )  # fmt: skip
    assert caught.value.code == 35114


def test_send_through_a_messaging_service_starts_accepted_without_sender(emulator: TwilioEmulator, sdk: Client) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    message = sdk.messages.create(to="+15550000001", messaging_service_sid=service.sid, body="x")
    assert message.status == "accepted"
    assert message.from_ is None
    assert message.num_segments == "0"
    assert message.messaging_service_sid == service.sid
    assert emulator.wait_idle()
    fetched = sdk.messages(message.sid).fetch()
    assert fetched.from_ == "+15005550006"
    assert fetched.status == "delivered"


def test_redacting_a_delivered_message_clears_its_body(emulator: TwilioEmulator, sdk: Client) -> None:
    message = sdk.messages.create(to="+15550000001", from_="+15005550006", body="secret")
    assert emulator.wait_idle()
    assert sdk.messages(message.sid).update(body="").body == ""
    assert emulator.message(message.sid).body == ""


def test_deleting_a_message_removes_it_but_not_while_it_is_in_flight(emulator: TwilioEmulator, sdk: Client) -> None:
    emulator.callback_delay = 5.0
    slow = sdk.messages.create(to="+15550000001", from_="+15005550006", body="x")
    with pytest.raises(TwilioRestException):
        sdk.messages(slow.sid).delete()
    emulator.callback_delay = 0.0
    done = sdk.messages.create(to="+15550000002", from_="+15005550006", body="y")
    eventually(lambda: emulator.message(done.sid).status == "delivered")
    assert sdk.messages(done.sid).delete() is True
    assert [m.sid for m in emulator.messages] == [slow.sid]


@pytest.mark.parametrize(
    "callback",
    ["not a url", "ftp://bridge.example.test/status", "https://my_host.example.test/status", "https:///status"],
)
def test_invalid_status_callback_url_is_refused_with_21609(
    http: WsgiClient, auth: tuple[str, str], callback: str
) -> None:
    response = send(http, auth, StatusCallback=callback)
    assert response.status_code == 400
    assert payload(response)["code"] == 21609


def test_date_only_bounds_cover_the_whole_day(
    emulator: TwilioEmulator, sdk: Client, http: WsgiClient, auth: tuple[str, str]
) -> None:
    message = sdk.messages.create(to="+15550000001", from_="+15005550006", body="x")
    assert emulator.wait_idle()
    emulator.message(message.sid).date_sent = datetime(2024, 3, 5, 23, 59, tzinfo=UTC)
    for query, expected in [
        ("DateSent=2024-03-05", 1),
        ("DateSent%3C=2024-03-05", 1),
        ("DateSent%3E=2024-03-05", 1),
        ("DateSent%3E=2024-03-06", 0),
        ("DateSent%3C=2024-03-04", 0),
    ]:
        assert len(payload(http.get(f"{MESSAGES}?{query}", auth=auth))["messages"]) == expected, query
    assert payload(http.get(f"{MESSAGES}?DateSent=yesterday", auth=auth))["code"] == 20001


def test_released_scheduled_message_goes_through_its_lifecycle(emulator: TwilioEmulator, sdk: Client) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    message = sdk.messages.create(
        to="+15550000001",
        messaging_service_sid=service.sid,
        body="later",
        schedule_type="fixed",
        send_at=datetime.now(UTC) + timedelta(hours=1),
    )
    assert emulator.release_scheduled() == [message.sid]
    assert emulator.wait_idle()
    assert sdk.messages(message.sid).fetch().status == "delivered"


def test_concurrent_sends_each_get_their_own_message(emulator: TwilioEmulator, sdk: Client) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        sids = list(pool.map(lambda i: _send_numbered(sdk, i), range(40)))
    assert len(set(sids)) == 40
    assert {m.sid for m in emulator.messages} == set(sids)
    assert emulator.wait_idle()
    assert {m.status for m in emulator.messages} == {"delivered"}


def _send_numbered(sdk: Client, index: int) -> str:
    return str(sdk.messages.create(to=f"+1555000{index:04d}", from_="+15005550006", body=str(index)).sid)
