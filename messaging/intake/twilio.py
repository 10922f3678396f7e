"""Twilio webhooks at the door: which Configuration they are for, proof that Twilio sent them, and the parsed
envelope to queue. Nothing here writes to Dataverse, and nothing here waits for it.

Order matters: the `AccountSid`, our number and the Messaging Service SID are checked for shape first (a request
that cannot be Twilio's costs nothing more), then looked up in the in-memory map of every active Configuration
only to learn which auth token checks the signature; nothing else of the request is trusted before it matched.
An unknown account is a 404 from memory. An instance with no map yet (just started, Dataverse slow or down)
queues the request as a `DeferredWebhook` for the worker to check, and answers at once.

Why queue rather than answer 503: Twilio retries a messaging webhook, by default, only when the connection
failed; a 5xx or a timeout is logged as error 11200 and the text goes to the fallback URL, if any, or nowhere
(https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides). A 503 would lose the text until the
hourly reconciliation; a deferred request loses nothing. So that a flood on a cold instance cannot fill the
queue without bound, deferrals are rationed; past the ration the answer is 503 with `Retry-After`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from messaging.directory import ConfigurationDirectory
from messaging.envelopes import DeferredWebhook, InboundEnvelope, StatusEnvelope
from messaging.errors import ConfigurationNotFound, LookupUnavailable
from messaging.rows.configuration import Configuration
from messaging.telemetry import Counters
from messaging.tokens import TokenCipher
from twilio_bridge import (
    FormInput,
    WebhookRequest,
    WebhookRoute,
    form_pairs,
    parse_inbound_message,
    parse_route,
    parse_status_callback,
    verify,
)

__all__ = ["DeferralRation", "IncomingRequest", "WebhookIntake"]

Webhook = Literal["inbound", "status"]
# Our number is `To` on a text and `From` on a status callback, where it may be an alphanumeric sender ID.
_OUR_NUMBER: Mapping[Webhook, tuple[str, bool]] = {"inbound": ("To", False), "status": ("From", True)}


@dataclass(frozen=True)
class IncomingRequest:
    """The HTTP request as the function host saw it."""

    url: str
    form: FormInput | None
    body: bytes
    content_type: str
    headers: Mapping[str, str]


class DeferralRation:
    """A token bucket: `burst` deferrals at once, then `per_second`. Only a cold instance defers at all."""

    def __init__(self, per_second: float = 20.0, burst: float = 500.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_second
        self._burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class WebhookIntake:
    def __init__(self, directory: ConfigurationDirectory, cipher: TokenCipher, public_url: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 ration: DeferralRation | None = None) -> None:
        self._directory = directory
        self._cipher = cipher
        self._public_url = public_url
        self._clock = clock
        self._ration = ration or DeferralRation()

    def inbound(self, request: IncomingRequest, correlation_id: str) -> InboundEnvelope | DeferredWebhook:
        """A verified incoming text, or the request deferred to the worker while no Configuration map is loaded;
        raises ConfigurationNotFound, InvalidSignature, MalformedWebhook or LookupUnavailable."""
        configuration = self._configuration(request, "inbound")
        if configuration is None:
            return self._defer("inbound", request, correlation_id)
        return self._inbound(request, configuration, correlation_id)

    def status(self, request: IncomingRequest, correlation_id: str) -> StatusEnvelope | DeferredWebhook:
        """A verified status callback (our own callback URLs carry `m=<message id>`), or the request deferred."""
        configuration = self._configuration(request, "status")
        if configuration is None:
            return self._defer("status", request, correlation_id)
        return self._status(request, configuration, correlation_id)

    def verify_deferred(self, deferred: DeferredWebhook) -> InboundEnvelope | StatusEnvelope:
        """For the worker: check a deferred request exactly as the HTTP trigger would have. It may wait for the
        Configuration map; it raises what the HTTP trigger would have answered with."""
        request = IncomingRequest(url=deferred.url, form=deferred.form, body=deferred.body,
                                  content_type=deferred.content_type, headers=deferred.headers)
        route = self._route(request, deferred.webhook)
        configuration = self._directory.find_by_number(route.account_sid, route.number, route.messaging_service_sid)
        if deferred.webhook == "inbound":
            return self._inbound(request, configuration, deferred.correlation_id, deferred.received_at)
        return self._status(request, configuration, deferred.correlation_id, deferred.received_at)

    def _inbound(self, request: IncomingRequest, configuration: Configuration, correlation_id: str,
                 received_at: datetime | None = None) -> InboundEnvelope:
        message = parse_inbound_message(self._verify(request, configuration))
        Counters.texts_received.add(1, {"kind": "text"})
        return InboundEnvelope(configuration.id, received_at or self._clock(), correlation_id, message)

    def _status(self, request: IncomingRequest, configuration: Configuration, correlation_id: str,
                received_at: datetime | None = None) -> StatusEnvelope:
        callback = parse_status_callback(self._verify(request, configuration))
        Counters.texts_received.add(1, {"kind": "status"})
        return StatusEnvelope(configuration.id, received_at or self._clock(), correlation_id, callback,
                              _message_id(request.url))

    @staticmethod
    def _route(request: IncomingRequest, webhook: Webhook) -> WebhookRoute:
        field, alphanumeric = _OUR_NUMBER[webhook]
        return parse_route(form_pairs(request.form), field, alphanumeric=alphanumeric)

    def _configuration(self, request: IncomingRequest, webhook: Webhook) -> Configuration | None:
        """From memory only: the Configuration, None while there is no map yet, or ConfigurationNotFound."""
        route = self._route(request, webhook)
        snapshot = self._directory.cached()
        if snapshot is None:
            return None
        found = snapshot.find(route.account_sid, route.number, route.messaging_service_sid)
        if found is None:
            self._directory.note_miss(route.account_sid)
            raise ConfigurationNotFound.for_number(route.account_sid, route.number)
        return found

    def _defer(self, webhook: Webhook, request: IncomingRequest, correlation_id: str) -> DeferredWebhook:
        if not self._ration.take():
            raise LookupUnavailable("no Configuration map yet and too many requests are already waiting for one")
        kept = {name.lower(): name for name in DeferredWebhook.KEPT_HEADERS}
        headers = {kept[key.lower()]: value for key, value in request.headers.items() if key.lower() in kept}
        return DeferredWebhook(
            webhook=webhook, received_at=self._clock(), correlation_id=correlation_id, url=request.url,
            content_type=request.content_type,
            # A form travels as its pairs; the raw body only when there is no form (what the check reads).
            form=None if request.form is None else form_pairs(request.form),
            body=request.body if request.form is None else b"", headers=headers,
        )

    def _verify(self, request: IncomingRequest, configuration: Configuration) -> tuple[tuple[str, str], ...]:
        tokens = []
        if configuration.auth_token_sealed:
            tokens.append(self._cipher.decrypt(configuration.auth_token_sealed, configuration.id))
        webhook = WebhookRequest.from_request_url(
            self._public_url, request.url, form=request.form, raw_body=request.body,
            content_type=request.content_type, headers=request.headers,
        )
        return verify(webhook, tokens).params


def _message_id(url: str) -> uuid.UUID | None:
    values = parse_qs(urlsplit(url).query).get("m")
    if not values:
        return None
    try:
        return uuid.UUID(values[0])
    except ValueError:
        return None
