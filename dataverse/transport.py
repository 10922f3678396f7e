"""The one place where requests leave for Dataverse.

Everything the client sends passes through :meth:`Transport.send`, which adds the standard headers and
the bearer token, caps concurrency, retries what is safe to retry, and turns every failure into a
:mod:`dataverse.errors` exception. Clock and sleep are parameters so retry timing can be tested exactly.

Retry rules:

* 429 (service protection) waits exactly the ``Retry-After`` the service sent: the request was rejected
  before it ran, so even a plain create is safe to repeat.
* 502, 503, 504, read timeouts and dropped connections are ambiguous: the write may have happened. They
  are retried with exponential backoff and jitter only when the request is idempotent: reads, PATCH/PUT/
  DELETE by key, and POSTs that carry a client-chosen id (a repeat then meets the duplicate-key check
  instead of creating a second row). A POST without an id is never repeated after an ambiguous failure.
* A connection that was never established is retried for any request.
* Other 4xx and 5xx are final. All retries share one time budget; a wait that would end past the budget
  is not started and the last error is raised instead.

A 429 also paces every other request of the transport (:mod:`dataverse.throttle`): none is sent before its
``Retry-After`` has passed, and fewer are kept in flight until answers come back; a request whose budget ends
before then is not sent and fails as throttled.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import Final
from urllib.parse import urlsplit

import requests
import tenacity
from opentelemetry import metrics, trace
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from dataverse.auth import TokenProvider
from dataverse.config import DataverseConfig
from dataverse.error_mapping import TRANSIENT_STATUSES, http_error, parse_retry_after
from dataverse.errors import (
    AuthError,
    DataverseConnectionError,
    DataverseError,
    DataverseHttpError,
    Throttled,
)
from dataverse.odata import DataverseRequest
from dataverse.scope import OperationScope, current_scope, operation
from dataverse.throttle import Pace, ThrottleGate

# The operation scope and the Retry-After parser are dataverse.scope's and dataverse.error_mapping's; callers that
# know them as parts of the transport find them here too.
__all__ = ["OperationScope", "Transport", "TransportStats", "current_scope", "operation", "parse_retry_after"]

log = logging.getLogger(__name__)
# OpenTelemetry API only: silent until the application installs an SDK.
_tracer = trace.get_tracer("smsbridge.dataverse")
_meter = metrics.get_meter("smsbridge.dataverse")
_throttled = _meter.create_counter("smsb.dataverse.throttled", description="Dataverse 429 answers retried")
_retries = _meter.create_counter("smsb.dataverse.retries", description="Dataverse requests retried")

_BACKOFF_BASE_SECONDS: Final = 0.5
_BACKOFF_CAP_SECONDS: Final = 30.0
_MAX_ATTEMPTS: Final = 12


@dataclass(frozen=True)
class TransportStats:
    """Counters since the transport was built: logical requests, HTTP attempts, retries, 429s seen."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values = {"requests": 0, "attempts": 0, "retries": 0, "throttled": 0}

    def add(self, name: str) -> None:
        with self._lock:
            self.values[name] += 1

    def snapshot(self) -> TransportStats:
        with self._lock:
            return TransportStats(**self.values)


class Transport:
    def __init__(
        self,
        config: DataverseConfig,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._config = config
        self._tokens = tokens
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._jitter = jitter
        self._gate = ThrottleGate(config.max_concurrency, clock=clock, sleep=sleep)
        self._counters = _Counters()
        self._session = session if session is not None else requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=config.max_concurrency, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        if not config.server_affinity:
            self._session.cookies.set_policy(_NoServerAffinity())
        self._session.headers.update({
            "OData-Version": "4.0",
            "OData-MaxVersion": "4.0",
            "Accept": "application/json",
        })

    @property
    def config(self) -> DataverseConfig:
        return self._config

    @property
    def stats(self) -> TransportStats:
        return self._counters.snapshot()

    @property
    def pace(self) -> Pace:
        """How many requests may be in flight now, and until when a 429 holds every request back."""
        return self._gate.pace

    def close(self) -> None:
        self._session.close()

    def url_for(self, path: str) -> str:
        if path.startswith(("https://", "http://")):
            return path
        return self._config.api_root + path.lstrip("/")

    def send(self, request: DataverseRequest, scope: OperationScope | None = None) -> requests.Response:
        """Send with retries; a 2xx response, or a typed error.

        ``scope`` defaults to the enclosing :func:`operation` (or a fresh correlation id); generators pass
        it explicitly because a context variable set inside one would leak into its consumer.
        """
        scope = scope or current_scope() or OperationScope(correlation_id=str(uuid.uuid4()))
        self._counters.add("requests")
        started = self._clock()
        if not request.retry:
            return self._attempt(request, scope, started)
        budget = self._config.retry_budget_seconds

        def out_of_budget(state: tenacity.RetryCallState) -> bool:
            return (state.attempt_number >= _MAX_ATTEMPTS
                    or self._clock() - started + state.upcoming_sleep > budget)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda exc: self._may_retry(exc, request)),
            wait=self._wait,
            stop=out_of_budget,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        response: requests.Response = retrying(self._attempt, request, scope, started + budget)
        return response

    # -- one attempt -------------------------------------------------------------------------------

    def _attempt(self, request: DataverseRequest, scope: OperationScope, deadline: float) -> requests.Response:
        response = self._exchange(request, scope, self._tokens.get_token(), deadline)
        if response.status_code == 401:
            # Tokens can be revoked or rotated before their stated expiry; one fresh token is worth a try.
            response = self._exchange(request, scope, self._tokens.get_token(force_refresh=True), deadline)
            if response.status_code == 401:
                raise AuthError(
                    f"Dataverse refused the access token (401) [correlation {scope.correlation_id}]; "
                    "check that the application user exists in the environment"
                )
        if response.status_code >= 400 and not _is_batch_answer(response):
            raise self._error_for(response, scope)
        return response

    def _exchange(self, request: DataverseRequest, scope: OperationScope, token: str,
                  deadline: float) -> requests.Response:
        held = self._gate.enter(deadline)
        if held is not None:
            raise Throttled(429, None, f"not sent: Dataverse asked for no request in the next {held:.1f} s,"
                            " longer than this request's retry budget", is_transient=True, retry_after=held,
                            correlation_id=scope.correlation_id)
        retry_after: float | None = None
        try:
            response = self._send_now(request, scope, token)
            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._wall_clock()) or 0.0
            return response
        finally:
            self._gate.leave(retry_after=retry_after)

    def _send_now(self, request: DataverseRequest, scope: OperationScope, token: str) -> requests.Response:
        headers = {**scope.headers(), **request.headers, "Authorization": f"Bearer {token}"}
        timeout = request.timeout or (self._config.connect_timeout, self._config.read_timeout)
        url = self.url_for(request.path)
        self._counters.add("attempts")
        with _tracer.start_as_current_span("dataverse.request", kind=trace.SpanKind.CLIENT) as span:
            span.set_attribute("http.request.method", request.method)
            span.set_attribute("url.path", urlsplit(url).path)
            span.set_attribute("smsb.correlation_id", scope.correlation_id)
            started = self._clock()
            try:
                response = self._session.request(
                    request.method, url, params=list(request.params) or None, headers=headers,
                    json=request.json if request.data is None else None, data=request.data, timeout=timeout,
                )
            except requests.ConnectTimeout as exc:
                raise self._connection_error(exc, request, scope, sent=False) from exc
            except requests.ReadTimeout as exc:
                raise self._connection_error(exc, request, scope, sent=True) from exc
            except requests.ConnectionError as exc:
                raise self._connection_error(exc, request, scope, sent=not _never_connected(exc)) from exc
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                    requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader) as exc:
                # A malformed request fails the same way every time: not worth a retry.
                raise DataverseError(f"{request.method} request could not be built: {exc}") from exc
            except requests.RequestException as exc:
                raise self._connection_error(exc, request, scope, sent=True) from exc
            span.set_attribute("http.response.status_code", response.status_code)
            request_id = response.headers.get("x-ms-service-request-id")
            if request_id:
                span.set_attribute("dataverse.request_id", request_id)
        log.debug(
            "%s %s -> %s in %.3f s [correlation %s, request %s]",
            request.method, _loggable(url), response.status_code, self._clock() - started,
            scope.correlation_id, response.headers.get("x-ms-service-request-id"),
        )
        return response

    def _connection_error(
        self, exc: requests.RequestException, request: DataverseRequest, scope: OperationScope, *, sent: bool
    ) -> DataverseConnectionError:
        return DataverseConnectionError(
            f"{request.method} {_loggable(self.url_for(request.path))} failed: {type(exc).__name__} "
            f"[correlation {scope.correlation_id}]",
            sent=sent, correlation_id=scope.correlation_id,
        )

    # -- error mapping -----------------------------------------------------------------------------

    def _error_for(self, response: requests.Response, scope: OperationScope) -> DataverseHttpError:
        return self.error_from(response.status_code, response.headers, response.content, response.reason or "",
                               scope)

    def error_from(self, status: int, headers: Mapping[str, str], body: bytes, reason: str,
                   scope: OperationScope) -> DataverseHttpError:
        """The typed error for an error response (alone, or one part of a ``$batch``)."""
        return http_error(status, headers, body, reason, correlation_id=scope.correlation_id, now=self._wall_clock())

    # -- retry policy ------------------------------------------------------------------------------

    @staticmethod
    def _may_retry(exc: BaseException, request: DataverseRequest) -> bool:
        if isinstance(exc, Throttled):
            return True
        if isinstance(exc, DataverseHttpError):
            return exc.status in TRANSIENT_STATUSES and request.idempotent
        if isinstance(exc, DataverseConnectionError):
            return request.idempotent or not exc.sent
        return False

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, Throttled) and exc.retry_after is not None:
            return exc.retry_after
        ceiling = min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2.0 ** (state.attempt_number - 1))
        # "Equal jitter": at least half the backoff, so that a storm still spreads out but never
        # hammers the service with near-zero waits.
        return ceiling / 2 + self._jitter() * ceiling / 2

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        self._counters.add("retries")
        _retries.add(1)
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, Throttled):
            self._counters.add("throttled")
            _throttled.add(1)
        # Throttling is the service working as designed; only other failures deserve a warning.
        log.log(
            logging.INFO if isinstance(exc, Throttled) else logging.WARNING,
            "Dataverse call failed (%s), retrying in %.2f s (attempt %d) [correlation %s]",
            _short(exc), state.upcoming_sleep, state.attempt_number + 1,
            getattr(exc, "correlation_id", None),
        )



class _NoServerAffinity(DefaultCookiePolicy):
    """Refuses the cookies that pin a client to one web server (`ARRAffinity`, `ARRAffinitySameSite`), as Microsoft
    advises for throughput (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits#remove-the-affinity-cookie)."""

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        if cookie.name.lower().startswith("arraffinity"):
            return False
        return bool(super().set_ok(cookie, request))


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def _loggable(url: str) -> str:
    # Query strings can carry upload session tokens; paths identify the call well enough.
    return url.split("?", 1)[0]


def _short(exc: BaseException | None) -> str:
    if isinstance(exc, DataverseHttpError):
        return f"{exc.status} {exc.code or ''}".strip()
    return type(exc).__name__


def _is_batch_answer(response: requests.Response) -> bool:
    """A ``$batch`` whose changeset failed may answer with the failing part's status on the whole response; the
    multipart body still says which operation failed and why, so it is read like any batch answer."""
    return response.headers.get("Content-Type", "").lower().startswith("multipart/mixed")
