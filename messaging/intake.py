"""Twilio webhooks at the door: which Configuration they are for, proof that Twilio sent them, and the parsed
envelope to queue. Nothing here writes to Dataverse; the only read is the (cached) Configuration lookup.

Order matters: the Configuration is found from the unverified `AccountSid` and number only to learn which
auth token to check the signature with; nothing else of the request is trusted before the signature matched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from messaging.directory import ConfigurationDirectory
from messaging.envelope import InboundEnvelope, StatusEnvelope
from messaging.model import Configuration
from messaging.telemetry import Counters
from messaging.tokens import TokenCipher
from twilio_bridge import (
    FormInput,
    MalformedWebhook,
    WebhookRequest,
    form_pairs,
    parse_inbound_message,
    parse_status_callback,
    verify,
)

__all__ = ["IncomingRequest", "WebhookIntake"]


@dataclass(frozen=True)
class IncomingRequest:
    """The HTTP request as the function host saw it."""

    url: str
    form: FormInput | None
    body: bytes
    content_type: str
    headers: Mapping[str, str]


class WebhookIntake:
    def __init__(self, directory: ConfigurationDirectory, cipher: TokenCipher, public_url: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._directory = directory
        self._cipher = cipher
        self._public_url = public_url
        self._clock = clock

    def inbound(self, request: IncomingRequest, correlation_id: str) -> InboundEnvelope:
        """A verified incoming text; raises ConfigurationNotFound, InvalidSignature or MalformedWebhook."""
        configuration = self._configuration(request, number_field="To")
        verified = self._verify(request, configuration)
        message = parse_inbound_message(verified)
        Counters.texts_received.add(1, {"kind": "text"})
        return InboundEnvelope(configuration.id, self._clock(), correlation_id, message)

    def status(self, request: IncomingRequest, correlation_id: str) -> StatusEnvelope:
        """A verified status callback; our own callback URLs carry `m=<message id>`."""
        configuration = self._configuration(request, number_field="From")
        verified = self._verify(request, configuration)
        callback = parse_status_callback(verified)
        Counters.texts_received.add(1, {"kind": "status"})
        return StatusEnvelope(configuration.id, self._clock(), correlation_id, callback,
                              _message_id(request.url))

    def _configuration(self, request: IncomingRequest, number_field: str) -> Configuration:
        params = dict(form_pairs(request.form))
        account_sid = params.get("AccountSid", "").strip()
        number = params.get(number_field, "").strip()
        if not account_sid:
            raise MalformedWebhook("AccountSid is missing", "AccountSid")
        if not number:
            raise MalformedWebhook(f"{number_field} is missing", number_field)
        return self._directory.find_by_number(account_sid, number, params.get("MessagingServiceSid"))

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
