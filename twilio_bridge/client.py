"""Configuration, credentials and the HTTP transport under ``twilio.rest.Client``.

``TwilioClients(config, sleep=time.sleep)`` is built once per worker and shared by the sender, the
account functions and the media downloader. It keeps one ``twilio.rest.Client`` per credentials and
plugs ``Transport`` (a ``twilio.http.HttpClient``) into each, so that every Twilio request:

- goes to the configured base URL: the host twilio-python chose (``api.twilio.com``, or
  ``api.<edge>.<region>.twilio.com`` when ``TWILIO_EDGE``/``TWILIO_REGION`` are set) only tells which
  Twilio product is meant, and the request is sent to ``config.api_base_url`` (or
  ``config.messaging_base_url`` for Messaging Services), so an emulator URL is never rewritten;
- has explicit connect and read timeouts (twilio-python's default is to wait forever);
- is retried, with exponential backoff and jitter, when Twilio certainly did not process it: a 429
  (Twilio: "requests that receive 429 responses aren't processed and are safe to retry", honouring
  ``Retry-After``) or a request that provably never left (``failures.fate``: DNS failure, refused connection,
  connect timeout, a TLS handshake that failed before any byte of the request was written — the transport
  watches the wire to know, ``wire.WatchingAdapter``);
- is never retried once it may have reached Twilio: a read timeout, a dropped connection, a TLS error while
  reading the answer or a broken response raises ``ResponseLost``. Retries exhausted raise ``RequestNotSent``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from twilio_bridge.call_failures import call_failure
from twilio_bridge.errors import RequestNotSent, ResponseLost, TwilioApiError, TwilioBridgeError
from twilio_bridge.failures import Fate, fate
from twilio_bridge.wire import WatchingAdapter, watch

__all__ = [
    "DEFAULT_API_BASE_URL",
    "Transport",
    "TwilioClients",
    "TwilioConfig",
    "TwilioCredentials",
    "call_api",
]

DEFAULT_API_BASE_URL = "https://api.twilio.com"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str = field(repr=False)

    def __repr__(self) -> str:
        return f"TwilioCredentials(account_sid={self.account_sid!r}, auth_token=<hidden>)"


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """How to reach Twilio.

    ``messaging_base_url`` None: derived from ``api_base_url``, the matching ``messaging.`` host when
    that is Twilio's (``https://api.twilio.com`` -> ``https://messaging.twilio.com``), else the same
    URL (an emulator serves every product on one origin).
    """

    api_base_url: str = DEFAULT_API_BASE_URL
    messaging_base_url: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 5
    backoff_initial: float = 0.1
    backoff_max: float = 30.0
    max_cached_clients: int = 64

    def base_url_for(self, product: str) -> str | None:
        """Base URL for a Twilio product (``api``, ``messaging``); None for products we do not use."""
        api = self.api_base_url.rstrip("/")
        if product == "api":
            return api
        if product != "messaging":
            return None
        if self.messaging_base_url:
            return self.messaging_base_url.rstrip("/")
        parts = urlsplit(api)
        host = (parts.hostname or "").lower()
        if host.startswith("api.") and host.endswith(".twilio.com"):
            # Twilio's own host, possibly an edge (api.dublin.ie1.twilio.com): same place, other product.
            return urlunsplit(parts._replace(netloc="messaging." + parts.netloc[len("api.") :]))
        return api


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    url: str
    params: Any
    data: Any
    headers: dict[str, str] | None = field(repr=False)
    auth: tuple[str, str] | None = field(repr=False)
    read_timeout: float
    allow_redirects: bool


class Transport(HttpClient):  # type: ignore[misc]  # twilio-python ships no type information
    """twilio-python's HTTP seam: base URL, timeouts and safe retries (see the module docstring)."""

    def __init__(
        self,
        config: TwilioConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(_log, False, config.read_timeout)
        self.config = config
        self._sleep = sleep
        self._jitter = jitter
        self.session = session or requests.Session()
        # No urllib3-level retries: a retry there could repeat a request that already reached Twilio.
        adapter = WatchingAdapter(max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def resolve(self, url: str) -> str:
        """Map the URL twilio-python built onto the configured base URL of that Twilio product."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        product = host.split(".", 1)[0] if host.endswith(".twilio.com") else ""
        base = self.config.base_url_for(product)
        if base is None:
            raise RequestNotSent(f"no base URL configured for Twilio host {host!r}")
        query = f"?{parts.query}" if parts.query else ""
        return f"{base}{parts.path}{query}"

    def request(  # noqa: PLR0917 - the positional signature is twilio-python's HttpClient.request
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        call = _Call(
            method=method.upper(),
            url=self.resolve(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            read_timeout=timeout or self.config.read_timeout,
            allow_redirects=allow_redirects,
        )
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.config.max_attempts)),
            retry=retry_if_exception_type(RequestNotSent),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        result: Response = retrying(self._send_once, call)
        return result

    def _send_once(self, call: _Call) -> Response:
        _log.debug("Twilio %s %s", call.method, call.url)
        with watch() as wire:
            try:
                response = self.session.request(
                    call.method,
                    call.url,
                    params=call.params,
                    data=call.data,
                    headers=call.headers,
                    auth=call.auth,
                    timeout=(self.config.connect_timeout, call.read_timeout),
                    allow_redirects=call.allow_redirects,
                )
            except requests.RequestException as exc:
                raise _classify(exc, wire.request_written) from exc
        if response.status_code == 429:
            code, message = _error_fields(response)
            raise RequestNotSent(
                f"Twilio rate limit: {message}",
                status=429,
                code=code or 20429,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        _log.debug("Twilio answered %s to %s %s", response.status_code, call.method, call.url)
        return Response(response.status_code, response.text, response.headers)

    def _wait(self, state: RetryCallState) -> float:
        exponent = max(0, state.attempt_number - 1)
        delay = min(self.config.backoff_max, self.config.backoff_initial * 2**exponent)
        delay *= 0.9 + 0.2 * self._jitter()  # +-10 % so that many workers do not retry in step
        outcome = state.outcome.exception() if state.outcome is not None else None
        if isinstance(outcome, RequestNotSent) and outcome.retry_after is not None:
            delay = max(delay, min(self.config.backoff_max, outcome.retry_after))
        return float(delay)


def _classify(exc: requests.RequestException, written: bool | None) -> TwilioBridgeError:
    if fate(exc, written) is Fate.NEVER_LEFT:
        return RequestNotSent(f"could not reach Twilio, nothing was sent: {type(exc).__name__}")
    return ResponseLost(f"no usable answer from Twilio: {type(exc).__name__}")


def _error_fields(response: requests.Response) -> tuple[int | None, str]:
    try:
        payload = response.json()
    except ValueError:
        return None, response.reason or f"HTTP {response.status_code}"
    if not isinstance(payload, dict):
        return None, f"HTTP {response.status_code}"
    code = payload.get("code")
    message = payload.get("message") or payload.get("detail") or f"HTTP {response.status_code}"
    return (code if isinstance(code, int) else None), str(message)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class TwilioClients:
    """One ``twilio.rest.Client`` per credentials, sharing one transport; safe across threads."""

    def __init__(
        self,
        config: TwilioConfig | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config or TwilioConfig()
        self.transport = Transport(self.config, sleep=sleep, jitter=jitter)
        self._clients: OrderedDict[tuple[str, str], Client] = OrderedDict()
        self._lock = threading.Lock()

    def client(self, credentials: TwilioCredentials) -> Client:
        key = (credentials.account_sid, credentials.auth_token)
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None:
                self._clients.move_to_end(key)
                return cached
            # A non-empty environment mapping keeps twilio-python away from os.environ
            # (TWILIO_EDGE, TWILIO_REGION, TWILIO_ACCOUNT_SID…); an empty one would fall back to it.
            client = Client(
                credentials.account_sid,
                credentials.auth_token,
                http_client=self.transport,
                environment={"SMSB_ISOLATED": "1"},
            )
            client.edge = None
            client.region = None
            self._clients[key] = client
            while len(self._clients) > self.config.max_cached_clients:
                self._clients.popitem(last=False)
            return client


_T = TypeVar("_T")


def call_api(operation: Callable[[], _T]) -> _T:
    """Run one SDK call, turning every transport and API failure into ``TwilioApiError`` (``call_failures``)."""
    try:
        return operation()
    except Exception as exc:
        failure = call_failure(exc)
        if failure is None:
            raise
        message = f"Twilio answered {failure.status}: {failure.detail}" if failure.answered else failure.detail
        raise TwilioApiError(message, status=failure.status, code=failure.code,
                             is_transient=failure.is_transient) from exc
