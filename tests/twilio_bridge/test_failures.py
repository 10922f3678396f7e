"""`failures.fate`, case by case: the exception chains requests 2.34 and urllib3 2.8 build for each way a request
can fail (as `requests/adapters.py` `HTTPAdapter.send` and urllib3's `connectionpool.py` / `connection.py` wrap
them), with and without what the transport saw on the wire. A few are provoked for real on loopback as well."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable

import pytest
import requests
import urllib3.exceptions as u3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.util.retry import Retry
from urllib3.util.ssl_match_hostname import CertificateError

from twilio_bridge.failures import Fate, fate
from twilio_bridge.wire import WatchingAdapter, watch

URL = "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json"
POOL = HTTPSConnectionPool("api.twilio.com", 443)
CONNECTION = HTTPSConnection("api.twilio.com", 443)


def retried_out(reason: Exception) -> u3.MaxRetryError:
    # Retry(total=0).increment: every error becomes MaxRetryError(reason=<the error>).
    return u3.MaxRetryError(POOL, URL, reason)


def dns_failure() -> BaseException:
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return requests.ConnectionError(retried_out(u3.NameResolutionError("api.twilio.com", CONNECTION, gai)))


def refused() -> BaseException:
    return requests.ConnectionError(retried_out(u3.NewConnectionError(
        CONNECTION, "Failed to establish a new connection: [Errno 111] Connection refused")))


def connect_timeout() -> BaseException:
    return requests.ConnectTimeout(retried_out(u3.ConnectTimeoutError(
        CONNECTION, "Connection to api.twilio.com timed out. (connect timeout=5.0)")))


def tls(inner: Exception) -> BaseException:
    # A handshake error (raised in _validate_conn) and one raised by getresponse are wrapped alike.
    return requests.exceptions.SSLError(retried_out(u3.SSLError(inner)))


def certificate_refused() -> BaseException:
    return tls(ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))


def hostname_mismatch() -> BaseException:
    return tls(CertificateError("hostname 'api.twilio.com' doesn't match 'example.org'"))


def bad_record_mac() -> BaseException:
    return tls(ssl.SSLError(1, "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac"))


def unexpected_eof() -> BaseException:
    return tls(ssl.SSLEOFError(8, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"))


def tls_error_in_the_body() -> BaseException:
    # requests' iter_content: `except SSLError as e: raise RequestsSSLError(e)`, no MaxRetryError around it.
    return requests.exceptions.SSLError(u3.SSLError(ssl.SSLError(1, "[SSL: BAD_RECORD_MAC] bad record mac")))


def reset_before_the_answer() -> BaseException:
    # A POST is not retryable, so Retry re-raises the ProtocolError itself; requests wraps it.
    return requests.ConnectionError(u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


def closed_before_the_answer() -> BaseException:
    return requests.ConnectionError(u3.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response")))


def read_timeout() -> BaseException:
    return requests.ReadTimeout(u3.ReadTimeoutError(POOL, URL, "Read timed out. (read timeout=20.0)"))


def read_timeout_retried_out() -> BaseException:
    return requests.ConnectionError(retried_out(u3.ReadTimeoutError(POOL, URL, "Read timed out.")))


def broken_chunked_body() -> BaseException:
    return requests.exceptions.ChunkedEncodingError(u3.ProtocolError("Response ended prematurely"))


def proxy_unreachable() -> BaseException:
    return requests.exceptions.ProxyError(retried_out(u3.ProxyError(
        "Unable to connect to proxy", u3.NewConnectionError(CONNECTION, "Connection refused"))))


CASES: list[tuple[Callable[[], BaseException], Fate]] = [
    (dns_failure, Fate.NEVER_LEFT),
    (refused, Fate.NEVER_LEFT),
    (connect_timeout, Fate.NEVER_LEFT),
    (certificate_refused, Fate.NEVER_LEFT),
    (hostname_mismatch, Fate.NEVER_LEFT),
    (proxy_unreachable, Fate.NEVER_LEFT),
    (bad_record_mac, Fate.UNKNOWN),
    (unexpected_eof, Fate.UNKNOWN),
    (tls_error_in_the_body, Fate.UNKNOWN),
    (reset_before_the_answer, Fate.UNKNOWN),
    (closed_before_the_answer, Fate.UNKNOWN),
    (read_timeout, Fate.UNKNOWN),
    (read_timeout_retried_out, Fate.UNKNOWN),
    (broken_chunked_body, Fate.UNKNOWN),
]


@pytest.mark.parametrize(("build", "expected"), CASES, ids=[build.__name__ for build, _ in CASES])
def test_without_a_view_of_the_wire_the_exception_alone_decides(
    build: Callable[[], BaseException], expected: Fate
) -> None:
    assert fate(build(), None) is expected


@pytest.mark.parametrize(("build", "expected"), CASES, ids=[build.__name__ for build, _ in CASES])
def test_once_a_byte_of_the_request_was_written_nothing_is_certain(
    build: Callable[[], BaseException], expected: Fate
) -> None:
    assert fate(build(), True) is Fate.UNKNOWN


@pytest.mark.parametrize("build", [bad_record_mac, unexpected_eof, reset_before_the_answer, read_timeout],
                         ids=lambda build: build.__name__)
def test_a_failure_before_any_byte_of_the_request_was_written_never_left(build: Callable[[], BaseException]) -> None:
    # The same TLS EOF is a handshake cut short when the watch saw no request byte written.
    assert fate(build(), False) is Fate.NEVER_LEFT


def test_an_unrelated_error_raised_while_handling_a_connect_failure_proves_nothing() -> None:
    # Only what an error wraps on purpose counts, not the error being handled when it was raised.
    error = requests.ConnectionError(u3.ProtocolError("Connection aborted."))
    error.__context__ = refused()  # as Python sets it for an error raised in an `except` block
    assert fate(error, None) is Fate.UNKNOWN


# -- for real, on loopback ---------------------------------------------------------------------------------------
def session() -> requests.Session:
    s = requests.Session()
    s.mount("http://", WatchingAdapter(max_retries=0))
    return s


def test_a_real_refused_connection_is_watched_as_unwritten_and_never_left() -> None:
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        with watch() as wire, pytest.raises(requests.ConnectionError) as caught:
            session().post(f"http://127.0.0.1:{port}{URL}", data={"Body": "hi"}, timeout=(5, 5))
    assert (wire.used, wire.request_written) == (True, False)
    assert fate(caught.value, wire.request_written) is Fate.NEVER_LEFT
    assert fate(caught.value, None) is Fate.NEVER_LEFT


def test_a_real_read_timeout_is_watched_as_written_and_unknown() -> None:
    # A listening socket nobody accepts from: the kernel completes the connection, no answer ever comes.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with watch() as wire, pytest.raises(requests.RequestException) as caught:
            session().post(f"http://127.0.0.1:{port}{URL}", data={"Body": "hi"}, timeout=(5, 0.2))
    assert wire.request_written is True
    assert fate(caught.value, wire.request_written) is Fate.UNKNOWN
    assert fate(caught.value, None) is Fate.UNKNOWN


def test_a_plain_adapter_is_not_watched() -> None:
    plain = requests.Session()
    plain.mount("http://", HTTPAdapter(max_retries=0))
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        with watch() as wire, pytest.raises(requests.ConnectionError):
            plain.post(f"http://127.0.0.1:{port}{URL}", timeout=(5, 5))
    assert wire.request_written is None


def test_urllib3_itself_takes_only_connect_errors_as_proof_the_server_did_not_receive_the_request() -> None:
    # urllib3 2.8, util/retry.py, Retry._is_connection_error: "Errors when we're fairly sure that the server did not
    # receive the request, so it should be safe to retry" (MIT licence). TLS errors are not among them.
    retry = Retry()
    assert retry._is_connection_error(u3.NewConnectionError(CONNECTION, "refused"))
    assert retry._is_connection_error(u3.ConnectTimeoutError(CONNECTION, "timed out"))
    assert not retry._is_connection_error(u3.SSLError(ssl.SSLError(1, "bad record mac")))
    assert not retry._is_connection_error(u3.ReadTimeoutError(POOL, URL, "Read timed out."))
