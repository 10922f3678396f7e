"""What travels through the `sms-inbound` queue: a verified webhook, parsed, with when and where it arrived.

The HTTP trigger has normally checked the signature already, so workers trust the envelope. The exception is a
`DeferredWebhook`: an instance that had no Configuration map yet (just started, Dataverse slow) queues the request
as it came, flagged, and the worker checks it exactly as the HTTP trigger would have before trusting any of it.
The version field lets a newer worker read messages queued by an older one during a deployment.
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

from messaging.errors import PermanentFailure
from messaging.model import parse_datetime
from messaging.queue_message import load_object
from twilio_bridge import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    InboundMessage,
    StatusCallback,
    TwilioBridgeError,
)

__all__ = ["DeferredWebhook", "InboundEnvelope", "StatusEnvelope", "parse_envelope"]

VERSION = 1


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
            "message": json.loads(self.message.to_json()),
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
            "callback": json.loads(self.callback.to_json()),
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
    def _from(cls, data: dict[str, Any], received_at: datetime, correlation_id: str) -> DeferredWebhook:
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
            webhook=webhook, received_at=received_at, correlation_id=correlation_id, url=str(data["url"]),
            content_type=str(data.get("content_type") or ""),
            form=None if form is None else tuple((p[0], p[1]) for p in form),
            body=base64.b64decode(raw, validate=True) if isinstance(raw, str) else b"",
            headers={str(k): str(v) for k, v in headers.items() if str(k) in cls.KEPT_HEADERS},
        )


def parse_envelope(body: bytes | str) -> InboundEnvelope | StatusEnvelope | DeferredWebhook:
    """Read a queue message; anything unreadable is a permanent failure (retrying cannot fix it)."""
    data = load_object(body)
    try:
        if data.get("v") != VERSION:
            raise PermanentFailure(f"queue message version {data.get('v')!r} is not {VERSION}")
        received_at = parse_datetime(data["received_at"])
        if received_at is None:
            raise PermanentFailure("queue message has no received_at")
        correlation_id = str(data.get("correlation_id") or uuid.uuid4())
        if data["kind"] == "deferred":
            return DeferredWebhook._from(data, received_at, correlation_id)
        configuration_id = uuid.UUID(data["configuration_id"])
        if data["kind"] == "inbound":
            return InboundEnvelope(configuration_id, received_at, correlation_id,
                                   InboundMessage.from_json(json.dumps(data["message"])))
        if data["kind"] == "status":
            message_id = uuid.UUID(data["message_id"]) if data.get("message_id") else None
            return StatusEnvelope(configuration_id, received_at, correlation_id,
                                  StatusCallback.from_json(json.dumps(data["callback"])), message_id)
    except PermanentFailure:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError, TwilioBridgeError) as exc:
        raise PermanentFailure(f"unreadable queue message: {type(exc).__name__}: {exc}") from exc
    raise PermanentFailure(f"unknown queue message kind {data.get('kind')!r}")
