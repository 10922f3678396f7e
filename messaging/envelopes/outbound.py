"""What travels through the `sms-outbound` queue: a reference to a Dataverse row that needs work.

Jobs carry ids only, never row content: the worker reads the row when it runs, so a job queued twice, or queued
by both the webhook and the sweeper, does the same work on the same current data (and the Outbox claim makes
the second one a no-op).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from messaging.envelopes._document import VERSION, Unreadable, correlation_of, load_object
from messaging.errors import PermanentFailure

__all__ = ["ConfigurationJob", "Job", "OutboundQueueMessage", "OutboxJob", "RecordTypeJob", "read_outbound"]


@dataclass(frozen=True)
class OutboxJob:
    """Send (or skip, with a reason) one Outbox row."""

    outbox_id: uuid.UUID
    correlation_id: str
    origin: Literal["webhook", "sweep"] = "webhook"

    def to_json(self) -> str:
        return json.dumps({"v": VERSION, "kind": "outbox", "outbox_id": str(self.outbox_id),
                           "correlation_id": self.correlation_id, "origin": self.origin})


@dataclass(frozen=True)
class ConfigurationJob:
    """Seal a plaintext auth token; validate against Twilio (and wire the number) when asked."""

    configuration_id: uuid.UUID
    correlation_id: str
    validate: bool = False

    def to_json(self) -> str:
        return json.dumps({"v": VERSION, "kind": "configuration", "configuration_id": str(self.configuration_id),
                           "correlation_id": self.correlation_id, "validate": self.validate})


@dataclass(frozen=True)
class RecordTypeJob:
    """Check that a Record Type's phone and compliance columns exist with suitable types."""

    record_type_id: uuid.UUID
    correlation_id: str

    def to_json(self) -> str:
        return json.dumps({"v": VERSION, "kind": "recordtype", "record_type_id": str(self.record_type_id),
                           "correlation_id": self.correlation_id})


Job = OutboxJob | ConfigurationJob | RecordTypeJob
OutboundQueueMessage = Job | Unreadable


def read_outbound(body: bytes | str) -> OutboundQueueMessage:
    """An `sms-outbound` message, parsed once; what cannot be read says why (`Unreadable`)."""
    correlation_id: str | None = None
    try:
        data = load_object(body)
        correlation_id = correlation_of(data)
        return _job(data, correlation_id or str(uuid.uuid4()))
    except PermanentFailure as exc:
        return Unreadable(str(exc), correlation_id)
    except (ValueError, KeyError, TypeError) as exc:
        return Unreadable(f"unreadable queue message: {type(exc).__name__}: {exc}", correlation_id)


def _job(data: dict[str, Any], correlation_id: str) -> Job:
    kind = data.get("kind")
    if kind == "outbox":
        return OutboxJob(uuid.UUID(data["outbox_id"]), correlation_id,
                         "sweep" if data.get("origin") == "sweep" else "webhook")
    if kind == "configuration":
        return ConfigurationJob(uuid.UUID(data["configuration_id"]), correlation_id, bool(data.get("validate")))
    if kind == "recordtype":
        return RecordTypeJob(uuid.UUID(data["record_type_id"]), correlation_id)
    raise PermanentFailure(f"unknown queue message kind {kind!r}")
