"""TLS failures for real: a loopback TLS front (tests/tls_front.py) before the Twilio emulator breaks connections
before the request is written, or after Twilio has it. Only the first kind may be retried."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import requests
import urllib3.exceptions

from devstack.tls import LocalCertificates, local_certificates
from devstack.twilio_emulator import TwilioEmulator
from devstack.twilio_emulator.server import RunningServer
from tests.tls_front import tls_front
from tests.twilio_bridge.conftest import Sleeps
from twilio_bridge.client import TwilioClients, TwilioConfig, TwilioCredentials
from twilio_bridge.errors import SendFailed
from twilio_bridge.failures import Fate, fate
from twilio_bridge.sender import MessageSender, OutgoingMessage
from twilio_bridge.wire import WatchingAdapter, watch


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> LocalCertificates:
    return local_certificates(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, certificates: LocalCertificates) -> LocalCertificates:
    """The local certificates, trusted by requests as a client of the devstack trusts them (devstack/tls.py)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))
    return certificates


def posts(emulator: TwilioEmulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path.endswith("/Messages.json"))


def send_through(url: str, credentials: TwilioCredentials, sleeps: Sleeps) -> object:
    clients = TwilioClients(TwilioConfig(api_base_url=url, connect_timeout=5.0, read_timeout=10.0), sleep=sleeps)
    return MessageSender(clients).send(credentials, OutgoingMessage(to="+15551230000", from_="+15005550006",
                                                                    body="Hello"))


def test_the_front_forwards_a_send_when_nothing_breaks(
    trusted: LocalCertificates, emulator_server: RunningServer, credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    emulator = emulator_server.emulator
    with tls_front(trusted, emulator_server.url, mode="forward") as front:
        result = send_through(front.url, credentials, sleeps)
    assert result.sid.startswith("SM")  # type: ignore[attr-defined]
    assert posts(emulator) == 1


def test_a_tls_failure_while_reading_twilios_answer_is_ambiguous_and_posted_exactly_once(
    trusted: LocalCertificates, emulator_server: RunningServer, credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    emulator = emulator_server.emulator
    with tls_front(trusted, emulator_server.url, mode="break-answer") as front, \
            pytest.raises(SendFailed) as caught:
        send_through(front.url, credentials, sleeps)
    assert caught.value.ambiguous, "Twilio has the request: the outcome is unknown"
    assert (len(front.forwarded), posts(emulator), len(emulator.messages)) == (1, 1, 1)
    assert sleeps.delays == []


def test_an_untrusted_certificate_proves_nothing_was_sent_and_is_retried(
    certificates: LocalCertificates, emulator_server: RunningServer, credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    emulator = emulator_server.emulator
    # No REQUESTS_CA_BUNDLE: the client refuses the front's certificate during the handshake.
    with tls_front(certificates, emulator_server.url, mode="forward") as front, pytest.raises(SendFailed) as caught:
        send_through(front.url, credentials, sleeps)
    assert (caught.value.ambiguous, caught.value.is_transient) == (False, True)
    assert front.forwarded == []
    assert front.connections == TwilioConfig().max_attempts
    assert len(sleeps.delays) == TwilioConfig().max_attempts - 1
    assert posts(emulator) == 0


def test_a_connection_cut_during_the_handshake_proves_nothing_was_sent_and_is_retried(
    trusted: LocalCertificates, emulator_server: RunningServer, credentials: TwilioCredentials, sleeps: Sleeps
) -> None:
    emulator = emulator_server.emulator
    with tls_front(trusted, emulator_server.url, mode="abort-handshake") as front, \
            pytest.raises(SendFailed) as caught:
        send_through(front.url, credentials, sleeps)
    assert (caught.value.ambiguous, caught.value.is_transient) == (False, True)
    assert front.connections == TwilioConfig().max_attempts
    assert posts(emulator) == 0


def raised_by(url: str) -> tuple[BaseException, bool | None]:
    """What requests raises for one POST through the front, and what the wire watch saw."""
    session = requests.Session()
    session.mount("https://", WatchingAdapter(max_retries=0))
    with watch() as wire, pytest.raises(requests.RequestException) as caught:
        session.post(url + "/2010-04-01/Accounts/AC1/Messages.json", data={"Body": "hi"}, timeout=(5, 10))
    return caught.value, wire.request_written


def test_a_cut_handshake_and_a_broken_answer_raise_the_same_exception_and_only_the_wire_tells_them_apart(
    trusted: LocalCertificates, emulator_server: RunningServer
) -> None:
    # The fact `failures.fate` is built on, pinned against requests 2.34 / urllib3 2.8 as installed.
    with tls_front(trusted, emulator_server.url, mode="abort-handshake") as front:
        handshake, handshake_written = raised_by(front.url)
    with tls_front(trusted, emulator_server.url, mode="break-answer") as front:
        answer, answer_written = raised_by(front.url)
    for error in (handshake, answer):
        assert type(error) is requests.exceptions.SSLError
        (retried_out,) = error.args
        assert isinstance(retried_out, urllib3.exceptions.MaxRetryError)
        assert type(retried_out.reason) is urllib3.exceptions.SSLError
        assert isinstance(retried_out.reason.args[0], ssl.SSLError)
    assert (handshake_written, answer_written) == (False, True)
    assert (fate(handshake, handshake_written), fate(answer, answer_written)) == (Fate.NEVER_LEFT, Fate.UNKNOWN)
    assert fate(answer, None) is Fate.UNKNOWN  # without the watch, a TLS error is never taken as "not sent"
