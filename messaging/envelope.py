"""What travels through the `sms-inbound` queue: a verified webhook, parsed, with when and where it arrived.

The HTTP trigger has already checked the signature, so workers trust the envelope; the version field lets a
newer worker read messages queued by an older one during a deployment.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messaging.errors import PermanentFailure
from messaging.model import parse_datetime
from twilio_bridge import InboundMessage, StatusCallback, TwilioBridgeError

__all__ = ["InboundEnvelope", "StatusEnvelope", "parse_envelope"]

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


def parse_envelope(body: bytes | str) -> InboundEnvelope | StatusEnvelope:
    """Read a queue message; anything unreadable is a permanent failure (retrying cannot fix it)."""
    try:
        data: dict[str, Any] = json.loads(body)
        if data.get("v") != VERSION:
            raise PermanentFailure(f"queue message version {data.get('v')!r} is not {VERSION}")
        received_at = parse_datetime(data["received_at"])
        if received_at is None:
            raise PermanentFailure("queue message has no received_at")
        configuration_id = uuid.UUID(data["configuration_id"])
        correlation_id = str(data.get("correlation_id") or uuid.uuid4())
        if data["kind"] == "inbound":
            return InboundEnvelope(configuration_id, received_at, correlation_id,
                                   InboundMessage.from_json(json.dumps(data["message"])))
        if data["kind"] == "status":
            message_id = uuid.UUID(data["message_id"]) if data.get("message_id") else None
            return StatusEnvelope(configuration_id, received_at, correlation_id,
                                  StatusCallback.from_json(json.dumps(data["callback"])), message_id)
    except PermanentFailure:
        raise
    except (ValueError, KeyError, TypeError, TwilioBridgeError) as exc:
        raise PermanentFailure(f"unreadable queue message: {type(exc).__name__}: {exc}") from exc
    raise PermanentFailure(f"unknown queue message kind {data.get('kind')!r}")
