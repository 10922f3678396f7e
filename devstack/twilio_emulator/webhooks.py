"""Outgoing webhooks: signed like Twilio signs them, sent by a replaceable sender, recorded.

Signatures come from the official SDK's ``RequestValidator.compute_signature``, an implementation
independent of the product's validator, so tests of that validator stay honest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import requests
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.resources import utcnow

__all__ = [
    "ConnectionOverrides",
    "Delivery",
    "DeliveryLog",
    "HttpWebhookSender",
    "WebhookRequest",
    "WebhookResponse",
    "WebhookSender",
    "build_request",
    "sign",
]

SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True, slots=True)
class ConnectionOverrides:
    """Twilio's webhook connection overrides, read from the URL fragment (``#ct=3000&rt=12000&rc=2&rp=5xx``).

    ``ct``/``rt`` are the connect and read timeouts in ms, ``rc`` the retry count and ``rp`` the retry
    policy (``ct``, ``rt``, ``4xx``, ``5xx``, ``all``). Defaults: 5 s, 15 s, one retry on connect failure.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    retries: int = 1
    policy: frozenset[str] = frozenset({"ct"})

    @classmethod
    def from_fragment(cls, fragment: str) -> ConnectionOverrides:
        values = dict(parse_qsl(fragment))
        policy = frozenset(filter(None, values.get("rp", "ct").split(",")))
        return cls(
            connect_timeout=_clamp_ms(values.get("ct"), 100, 10000, 5000),
            read_timeout=_clamp_ms(values.get("rt"), 100, 15000, 15000),
            retries=_clamp(values.get("rc"), 0, 5, 1),
            policy=policy,
        )

    def retry_after(self, status: int | None, error: BaseException | None) -> bool:
        """Whether an attempt that ended so is retried under this policy."""
        if "all" in self.policy:
            return status is None or status >= 400
        if error is not None:
            timed_out = isinstance(error, requests.Timeout) and not isinstance(error, requests.ConnectTimeout)
            return ("rt" if timed_out else "ct") in self.policy
        if status is None:
            return False
        return ("5xx" in self.policy and status >= 500) or ("4xx" in self.policy and 400 <= status < 500)


def _clamp(value: str | None, low: int, high: int, default: int) -> int:
    number = int(value) if value is not None and value.isdigit() else default
    return min(max(number, low), high)


def _clamp_ms(value: str | None, low: int, high: int, default: int) -> float:
    return _clamp(value, low, high, default) / 1000


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One request as Twilio would send it: ``url`` already carries the query of a GET.

    The URL fragment (connection overrides) is neither sent nor signed; it is kept in ``overrides``.
    """

    method: str
    url: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    overrides: ConnectionOverrides = ConnectionOverrides()

    def form(self) -> MultiDict[str, str]:
        return MultiDict(list(self.params))

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status: int
    body: str = ""
    content_type: str = ""


WebhookSender = Callable[[WebhookRequest], WebhookResponse]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A webhook the emulator sent and what came back (``error`` when no response arrived)."""

    kind: str  # "inbound", "inbound-fallback" or "status"
    message_sid: str
    request: WebhookRequest
    status: int | None
    body: str
    error: str | None
    attempt: int = 1
    sent_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def params(self) -> dict[str, str]:
        return dict(self.request.params)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message_sid": self.message_sid,
            "method": self.request.method,
            "url": self.request.url,
            "params": self.params(),
            "status": self.status,
            "body": self.body,
            "error": self.error,
            "attempt": self.attempt,
            "sent_at": self.sent_at.isoformat(),
        }


def sign(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, MultiDict(list(params))))


def build_request(
    method: str, url: str, params: Sequence[tuple[str, str]], auth_token: str, idempotency_token: str
) -> WebhookRequest:
    """Sign ``params`` for ``url``; a GET carries them in the query and signs the URL alone."""
    method = method.upper()
    url, _, fragment = url.partition("#")
    overrides = ConnectionOverrides.from_fragment(fragment)
    if method == "GET":
        url = url + ("&" if "?" in url else "?") + urlencode(list(params))
        signature = sign(auth_token, url, ())
    else:
        signature = sign(auth_token, url, params)
    headers = (
        (SIGNATURE_HEADER, signature),
        ("I-Twilio-Idempotency-Token", idempotency_token),
        ("User-Agent", "TwilioProxy/1.1"),
    )
    body_params = () if method == "GET" else tuple(params)
    return WebhookRequest(method=method, url=url, params=body_params, headers=headers, overrides=overrides)


class HttpWebhookSender:
    """Sends webhooks over HTTP with the request's connect and read timeouts (Twilio's: 5 s and 15 s)."""

    def __init__(self) -> None:
        # Inbound webhooks go out on request threads and callbacks on the scheduler's thread;
        # a requests.Session is not meant to be shared between threads.
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def __call__(self, request: WebhookRequest) -> WebhookResponse:
        data = list(request.params) if request.method != "GET" else None
        response = self._session().request(
            request.method,
            request.url,
            data=data,
            headers=dict(request.headers),
            timeout=(request.overrides.connect_timeout, request.overrides.read_timeout),
            allow_redirects=False,
        )
        return WebhookResponse(
            status=response.status_code,
            body=response.text,
            content_type=response.headers.get("Content-Type", ""),
        )


class DeliveryLog:
    """Thread-safe record of every webhook sent, in sending order."""

    def __init__(self) -> None:
        self._items: list[Delivery] = []
        self._changed = threading.Condition()

    def add(self, delivery: Delivery) -> None:
        with self._changed:
            self._items.append(delivery)
            self._changed.notify_all()

    def all(self) -> list[Delivery]:
        with self._changed:
            return list(self._items)

    def for_message(self, message_sid: str) -> list[Delivery]:
        return [d for d in self.all() if d.message_sid == message_sid]

    def clear(self) -> None:
        with self._changed:
            self._items.clear()

    def wait_for(self, predicate: Callable[[list[Delivery]], bool], timeout: float = 5.0) -> list[Delivery]:
        """Block until ``predicate(deliveries)`` holds; raises TimeoutError with what did arrive."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._items), timeout=timeout):
                seen = [(d.kind, d.message_sid, d.params().get("MessageStatus")) for d in self._items]
                raise TimeoutError(f"webhooks did not arrive within {timeout}s; seen: {seen}")
            return list(self._items)

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
