"""What travels through the `sms-inbound` queue: a verified webhook, parsed, with when and where it arrived.

The HTTP trigger has normally checked the signature already, so workers trust the envelope. The exception is a
`DeferredWebhook`: an instance that had no Configuration map yet (just started, Dataverse slow) queues the request
as it came, flagged, and the worker checks it exactly as the HTTP trigger would have before trusting any of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from messaging.envelopes._document import VERSION, Unreadable, correlation_of, load_object, received_at
from messaging.errors import PermanentFailure
from twilio_bridge.errors import TwilioBridgeError
from twilio_bridge.signature import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER
from twilio_bridge.webhooks import InboundMessage, StatusCallback

__all__ = ["DeferredWebhook", "InboundEnvelope", "InboundQueueMessage", "StatusEnvelope", "read_inbound"]


@dataclass(frozen=True)
class InboundEnvelope:
    configuration_id: uuid.UUID
    received_at: datetime
    correlation_id: str
    message: InboundMessage

    def to_json(self) -> str:
        return json.dumps({
            "v": VERSION, "kind": "inbound", "configuration_id": str(self.configuration_id),
            "received_at": self.received_at.isoformat(), "correlation_id": self.correlation_id,
            "message": self.message.to_document(),
        })


@dataclass(frozen=True)
class StatusEnvelope:
    """A verified status callback. `configuration_id` is the Configuration whose auth token verified the signature:
    the callback may touch that Configuration's messages only (`messaging.status`)."""

    configuration_id: uuid.UUID
    received_at: datetime
    correlation_id: str
    callback: StatusCallback
    message_id: uuid.UUID | None = None

    def to_json(self) -> str:
        return json.dumps({
            "v": VERSION, "kind": "status", "configuration_id": str(self.configuration_id),
            "received_at": self.received_at.isoformat(), "correlation_id": self.correlation_id,
            "message_id": str(self.message_id) if self.message_id else None,
            "callback": self.callback.to_document(),
        })


@dataclass(frozen=True)
class DeferredWebhook:
    """A Twilio webhook queued before its signature could be checked: the request as the host saw it (URL, content
    type, every form pair, the raw body when it is not a form, the signature headers), nothing of it trusted yet."""

    webhook: Literal["inbound", "status"]
    received_at: datetime
    correlation_id: str
    url: str
    content_type: str
    form: tuple[tuple[str, str], ...] | None
    body: bytes = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)

    # Only these headers take part in the check; nothing else of the request is kept.
    KEPT_HEADERS = (SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER)

    def to_json(self) -> str:
        return json.dumps({
            "v": VERSION, "kind": "deferred", "webhook": self.webhook, "received_at": self.received_at.isoformat(),
            "correlation_id": self.correlation_id, "url": self.url, "content_type": self.content_type,
            "form": None if self.form is None else [list(pair) for pair in self.form],
            "body": None if self.form is not None else base64.b64encode(self.body).decode("ascii"),
            "headers": dict(self.headers),
        })

    @classmethod
    def _from(cls, data: dict[str, Any], at: datetime, correlation_id: str) -> DeferredWebhook:
        webhook = data["webhook"]
        if webhook not in ("inbound", "status"):
            raise PermanentFailure(f"unknown deferred webhook {webhook!r}")
        form = data.get("form")
        if form is not None and not (isinstance(form, list) and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in form)):
            raise PermanentFailure("a deferred webhook's form is not a list of [name, value] pairs")
        headers = data.get("headers") or {}
        if not isinstance(headers, dict):
            raise PermanentFailure("a deferred webhook's headers are not an object")
        raw = data.get("body")
        return cls(
            webhook=webhook, received_at=at, correlation_id=correlation_id, url=str(data["url"]),
            content_type=str(data.get("content_type") or ""),
            form=None if form is None else tuple((p[0], p[1]) for p in form),
            body=base64.b64decode(raw, validate=True) if isinstance(raw, str) else b"",
            headers={str(k): str(v) for k, v in headers.items() if str(k) in cls.KEPT_HEADERS},
        )


InboundQueueMessage = InboundEnvelope | StatusEnvelope | DeferredWebhook | Unreadable


def read_inbound(body: bytes | str) -> InboundQueueMessage:
    """An `sms-inbound` message, parsed once; what cannot be read says why (`Unreadable`)."""
    correlation_id: str | None = None
    try:
        data = load_object(body)
        correlation_id = correlation_of(data)
        return _envelope(data, correlation_id or str(uuid.uuid4()))
    except PermanentFailure as exc:
        return Unreadable(str(exc), correlation_id)
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError, TwilioBridgeError) as exc:
        return Unreadable(f"unreadable queue message: {type(exc).__name__}: {exc}", correlation_id)


def _envelope(data: dict[str, Any], correlation_id: str) -> InboundEnvelope | StatusEnvelope | DeferredWebhook:
    at = received_at(data)
    kind = data["kind"]
    if kind == "deferred":
        return DeferredWebhook._from(data, at, correlation_id)
    if kind == "inbound":
        return InboundEnvelope(uuid.UUID(data["configuration_id"]), at, correlation_id,
                               InboundMessage.from_document(data["message"]))
    if kind == "status":
        message_id = uuid.UUID(data["message_id"]) if data.get("message_id") else None
        return StatusEnvelope(uuid.UUID(data["configuration_id"]), at, correlation_id,
                              StatusCallback.from_document(data["callback"]), message_id)
    raise PermanentFailure(f"unknown queue message kind {kind!r}")
