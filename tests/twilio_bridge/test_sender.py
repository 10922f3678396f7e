"""Sending messages: against the devstack Twilio emulator over loopback, and `responses` for socket faults."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
import responses
import urllib3.exceptions
from twilio.rest import Client
from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, TwilioEmulator
from devstack.twilio_emulator.server import RunningServer
from tests.twilio_bridge.conftest import RecordingServer, Sleeps
from twilio_bridge.client import Transport, TwilioClients, TwilioConfig, TwilioCredentials
from twilio_bridge.errors import RequestNotSent, SendFailed
from twilio_bridge.sender import MessageSender, OutgoingMessage
from twilio_bridge.signature import WebhookRequest, verify
from twilio_bridge.webhooks import parse_status_callback

CUSTOMER = "+15551230000"
OUR_NUMBER = "+15005550006"
MESSAGES_PATH = r"/Messages\.json$"


def send(clients: TwilioClients, credentials: TwilioCredentials, **fields: object) -> object:
    message = OutgoingMessage(**{"to": CUSTOMER, "from_": OUR_NUMBER, "body": "Hello", **fields})  # type: ignore[arg-type]
    return MessageSender(clients).send(credentials, message)


def test_message_from_a_number_is_sent_and_reported(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    result = MessageSender(clients).send(credentials, OutgoingMessage(to=CUSTOMER, from_=OUR_NUMBER, body="Hi €"))
    assert result.sid.startswith("SM")
    assert result.status == "queued"
    assert result.num_segments == 1
    assert (result.from_, result.to, result.account_sid) == (OUR_NUMBER, CUSTOMER, DEFAULT_ACCOUNT_SID)
    [stored] = emulator.messages
    assert (stored.sid, stored.body) == (result.sid, "Hi €")


def test_status_callback_reaches_us_signed_and_parses(
    clients: TwilioClients,
    credentials: TwilioCredentials,
    emulator: TwilioEmulator,
    recording_server: Callable[[Callable[[Request], Response]], RecordingServer],
) -> None:
    app = recording_server(lambda request: Response(status=204))
    callback = f"{app.url}/api/twilio/status?m=42"
    result = MessageSender(clients).send(
        credentials, OutgoingMessage(to=CUSTOMER, from_=OUR_NUMBER, body="Hi", status_callback=callback)
    )
    assert emulator.wait_idle(5)
    assert app.seen, "the emulator sent no status callback"
    first = app.seen[0]
    verified = verify(
        WebhookRequest.from_request_url(app.url, first.url, form=first.form, headers=dict(first.headers)),
        [credentials.auth_token],
    )
    status = parse_status_callback(verified.params)
    assert status.message_sid == result.sid


def test_message_through_a_messaging_service_with_media(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, [OUR_NUMBER])
    media = ("https://example.com/a.jpg", "https://example.com/b.png")
    result = MessageSender(clients).send(
        credentials,
        OutgoingMessage(to=CUSTOMER, messaging_service_sid=service.sid, body="Look", media_urls=media),
    )
    assert result.sid.startswith("MM")
    assert result.status == "accepted"
    assert result.messaging_service_sid == service.sid
    assert emulator.message(result.sid).media_urls == media


def test_scheduled_message_is_sent_with_fixed_schedule_in_utc(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator
) -> None:
    service = emulator.add_messaging_service(DEFAULT_ACCOUNT_SID, [OUR_NUMBER])
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    in_paris = when.astimezone(timezone(timedelta(hours=1)))
    result = MessageSender(clients).send(
        credentials, OutgoingMessage(to=CUSTOMER, messaging_service_sid=service.sid, body="Later", send_at=in_paris)
    )
    assert result.status == "scheduled"
    assert emulator.message(result.sid).send_at == when


@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [
        ("+15005550001", OUR_NUMBER, 21211),
        ("+15005550002", OUR_NUMBER, 21612),
        ("+15005550003", OUR_NUMBER, 21408),
        ("+15005550004", OUR_NUMBER, 21610),
        ("+15005550009", OUR_NUMBER, 21614),
        (CUSTOMER, "+15005550007", 21606),
        (CUSTOMER, "+15005550008", 21611),
    ],
)
def test_twilio_4xx_carries_its_code_and_message_and_is_final(
    clients: TwilioClients,
    credentials: TwilioCredentials,
    emulator: TwilioEmulator,
    *,
    to: str,
    from_: str,
    code: int,
) -> None:
    with pytest.raises(SendFailed) as caught:
        send(clients, credentials, to=to, from_=from_)
    failure = caught.value
    assert (failure.code, failure.status) == (code, 400)
    assert not failure.is_transient
    assert not failure.ambiguous
    assert failure.message
    assert not failure.message.startswith("Unable to")
    assert emulator.messages == []


def test_wrong_auth_token_is_a_20003_failure(clients: TwilioClients, emulator: TwilioEmulator) -> None:
    with pytest.raises(SendFailed) as caught:
        send(clients, TwilioCredentials(DEFAULT_ACCOUNT_SID, "f" * 32))
    assert (caught.value.code, caught.value.status, caught.value.is_transient) == (20003, 401, False)


def test_429_storm_is_retried_with_growing_backoff_and_sends_one_message(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    emulator.faults.inject(MESSAGES_PATH, method="POST", status=429, count=3)
    result = send(clients, credentials)
    assert len(emulator.messages) == 1
    assert emulator.messages[0].sid == result.sid  # type: ignore[attr-defined]
    assert len(sleeps.delays) == 3
    assert sleeps.delays == sorted(sleeps.delays)
    assert sleeps.delays[0] == pytest.approx(0.1)


def test_retry_after_from_a_429_is_honoured(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    emulator.faults.inject(MESSAGES_PATH, method="POST", status=429, count=1, retry_after=3)
    send(clients, credentials)
    assert sleeps.delays == [pytest.approx(3.0)]


def test_persistent_429_is_transient_and_not_ambiguous(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    emulator.faults.inject(MESSAGES_PATH, method="POST", status=429, count=None)
    with pytest.raises(SendFailed) as caught:
        send(clients, credentials)
    assert (caught.value.code, caught.value.is_transient, caught.value.ambiguous) == (20429, True, False)
    assert len(sleeps.delays) == clients.config.max_attempts - 1
    assert emulator.messages == []


def test_read_timeout_is_ambiguous_and_never_retried(
    emulator_server: RunningServer, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    config = TwilioConfig(api_base_url=emulator_server.url, connect_timeout=2.0, read_timeout=0.3)
    clients = TwilioClients(config, sleep=sleeps)
    emulator.faults.inject(MESSAGES_PATH, method="POST", hang=3.0, create_anyway=True, count=None)
    started = time.monotonic()
    with pytest.raises(SendFailed) as caught:
        send(clients, credentials)
    assert time.monotonic() - started < 2.5
    assert caught.value.ambiguous
    assert sleeps.delays == []
    assert len(emulator.messages) == 1


def test_5xx_after_the_request_left_is_ambiguous_and_never_retried(
    clients: TwilioClients, credentials: TwilioCredentials, emulator: TwilioEmulator, sleeps: Sleeps
) -> None:
    emulator.faults.inject(MESSAGES_PATH, method="POST", status=503, create_anyway=True, count=None)
    with pytest.raises(SendFailed) as caught:
        send(clients, credentials)
    assert (caught.value.ambiguous, caught.value.is_transient, caught.value.status) == (True, True, 503)
    assert sleeps.delays == []
    assert len(emulator.messages) == 1


def test_twilio_edge_and_region_variables_do_not_move_the_configured_base_url(
    monkeypatch: pytest.MonkeyPatch,
    clients: TwilioClients,
    credentials: TwilioCredentials,
    emulator: TwilioEmulator,
    emulator_server: RunningServer,
) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    plain = Client(credentials.account_sid, credentials.auth_token)
    assert "dublin" in plain.get_hostname(f"{emulator_server.url}/x"), "the variables must be effective"
    send(clients, credentials)
    assert len(emulator.messages) == 1


def test_connection_refused_is_retried_then_reported_as_not_sent(
    credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        config = TwilioConfig(api_base_url=f"http://127.0.0.1:{port}", connect_timeout=1.0, max_attempts=3)
        with pytest.raises(SendFailed) as caught:
            send(TwilioClients(config, sleep=sleeps), credentials)
    assert (caught.value.is_transient, caught.value.ambiguous) == (True, False)
    assert len(sleeps.delays) == 2


API = "https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json"
CREATED = {
    "sid": "SM0123456789abcdef0123456789abcdef",
    "status": "queued",
    "num_segments": "2",
    "num_media": "0",
    "account_sid": DEFAULT_ACCOUNT_SID,
    "from": OUR_NUMBER,
    "to": CUSTOMER,
    "messaging_service_sid": None,
    "date_created": "Thu, 26 Nov 2026 10:00:00 +0000",
}


def refused_connection(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    raise requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, request.url or "", reason))  # type: ignore[arg-type]


def reset_after_sending(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    reason = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    raise requests.ConnectionError(reason)


@responses.activate
def test_connect_error_is_retried_and_the_message_sent_once(credentials: TwilioCredentials, sleeps: Sleeps) -> None:
    responses.add_callback(responses.POST, API, callback=refused_connection)
    responses.add(responses.POST, API, json=CREATED, status=201)
    result = send(TwilioClients(TwilioConfig(), sleep=sleeps), credentials)
    assert result.num_segments == 2  # type: ignore[attr-defined]
    assert len(responses.calls) == 2
    assert len(sleeps.delays) == 1


@responses.activate
def test_connection_dropped_after_sending_is_ambiguous_and_not_retried(
    credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    responses.add_callback(responses.POST, API, callback=reset_after_sending)
    responses.add(responses.POST, API, json=CREATED, status=201)
    with pytest.raises(SendFailed) as caught:
        send(TwilioClients(TwilioConfig(), sleep=sleeps), credentials)
    assert caught.value.ambiguous
    assert len(responses.calls) == 1


@responses.activate
def test_unreadable_success_answer_is_ambiguous(credentials: TwilioCredentials) -> None:
    responses.add(responses.POST, API, body="<html>proxy page</html>", status=201)
    with pytest.raises(SendFailed) as caught:
        send(TwilioClients(TwilioConfig()), credentials)
    assert caught.value.ambiguous


@responses.activate
def test_form_sent_to_twilio_has_repeated_media_and_schedule_fields(credentials: TwilioCredentials) -> None:
    responses.add(responses.POST, API, json=CREATED, status=201)
    send_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    send(
        TwilioClients(TwilioConfig()),
        credentials,
        from_=None,
        messaging_service_sid="MG0123456789abcdef0123456789abcdef",
        media_urls=("https://m/1", "https://m/2"),
        status_callback="https://cb/s",
        send_at=send_at,
    )
    body = responses.calls[0].request.body
    assert isinstance(body, str)
    assert body.count("MediaUrl=") == 2
    assert "ScheduleType=fixed" in body
    assert "SendAt=2030-01-02T03%3A04%3A05Z" in body
    assert "StatusCallback=https%3A%2F%2Fcb%2Fs" in body
    assert "From=" not in body


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"from_": None}, "From number or a Messaging Service"),
        ({"body": ""}, "body or at least one media URL"),
        ({"body": "x" * 1601}, "1601 characters"),
        ({"media_urls": tuple(f"https://m/{i}" for i in range(11))}, "11 media URLs"),
        ({"send_at": datetime(2030, 1, 1, tzinfo=UTC)}, "needs a Messaging Service"),
        ({"send_at": datetime(2030, 1, 1), "messaging_service_sid": "MG" + "0" * 32}, "time zone"),
    ],
)
@responses.activate
def test_unsendable_message_is_refused_before_any_request(
    credentials: TwilioCredentials, fields: dict[str, object], reason: str
) -> None:
    with pytest.raises(SendFailed, match=reason) as caught:
        send(TwilioClients(TwilioConfig()), credentials, **fields)
    assert (caught.value.code, caught.value.is_transient, caught.value.ambiguous) == (None, False, False)
    assert len(responses.calls) == 0


def test_transport_maps_every_twilio_host_onto_the_configured_bases() -> None:
    emulated = Transport(TwilioConfig(api_base_url="http://127.0.0.1:9/"))
    assert emulated.resolve("https://api.dublin.ie1.twilio.com/2010-04-01/A.json?x=1") == (
        "http://127.0.0.1:9/2010-04-01/A.json?x=1"
    )
    assert emulated.resolve("https://messaging.twilio.com/v1/Services/MG1") == "http://127.0.0.1:9/v1/Services/MG1"
    real = Transport(TwilioConfig())
    assert real.resolve("https://messaging.twilio.com/v1/Services") == "https://messaging.twilio.com/v1/Services"
    assert real.resolve("https://api.twilio.com/2010-04-01/A.json") == "https://api.twilio.com/2010-04-01/A.json"


def test_messaging_base_follows_a_twilio_edge_and_unknown_products_are_refused() -> None:
    edge = Transport(TwilioConfig(api_base_url="https://api.dublin.ie1.twilio.com"))
    assert edge.resolve("https://messaging.twilio.com/v1/Services") == (
        "https://messaging.dublin.ie1.twilio.com/v1/Services"
    )
    explicit = Transport(TwilioConfig(messaging_base_url="http://127.0.0.1:9"))
    assert explicit.resolve("https://messaging.twilio.com/v1/Services") == "http://127.0.0.1:9/v1/Services"
    with pytest.raises(RequestNotSent, match="conversations"):
        edge.resolve("https://conversations.twilio.com/v1/Conversations")
    with pytest.raises(RequestNotSent, match=r"example\.com"):
        edge.resolve("https://example.com/2010-04-01/Accounts.json")


def test_credentials_repr_hides_the_token() -> None:
    text = repr(TwilioCredentials(DEFAULT_ACCOUNT_SID, "secret-token-value"))
    assert DEFAULT_ACCOUNT_SID in text
    assert "secret-token-value" not in text


def test_clients_are_cached_per_credentials_and_bounded() -> None:
    clients = TwilioClients(TwilioConfig(max_cached_clients=2))
    first = TwilioCredentials(DEFAULT_ACCOUNT_SID, "a" * 32)
    assert clients.client(first) is clients.client(TwilioCredentials(DEFAULT_ACCOUNT_SID, "a" * 32))
    assert clients.client(first) is not clients.client(TwilioCredentials(DEFAULT_ACCOUNT_SID, "b" * 32))
    original = clients.client(first)
    clients.client(TwilioCredentials(DEFAULT_ACCOUNT_SID, "c" * 32))
    clients.client(TwilioCredentials(DEFAULT_ACCOUNT_SID, "d" * 32))
    assert clients.client(first) is not original
