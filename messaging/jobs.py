"""What travels through the `sms-outbound` queue: a reference to a Dataverse row that needs work.

Jobs carry ids only, never row content: the worker reads the row when it runs, so a job queued twice, or queued
by both the webhook and the sweeper, does the same work on the same current data (and the Outbox claim makes
the second one a no-op).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Literal

from messaging.errors import PermanentFailure
from messaging.queue_message import load_object

__all__ = ["ConfigurationJob", "OutboxJob", "RecordTypeJob", "parse_job"]

VERSION = 1


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


def parse_job(body: bytes | str) -> Job:
    """Read a queue message; anything unreadable is a permanent failure (retrying cannot fix it)."""
    data = load_object(body)
    try:
        if data.get("v") != VERSION:
            raise PermanentFailure(f"queue message version {data.get('v')!r} is not {VERSION}")
        correlation_id = str(data.get("correlation_id") or uuid.uuid4())
        kind = data.get("kind")
        if kind == "outbox":
            return OutboxJob(uuid.UUID(data["outbox_id"]), correlation_id,
                             "sweep" if data.get("origin") == "sweep" else "webhook")
        if kind == "configuration":
            return ConfigurationJob(uuid.UUID(data["configuration_id"]), correlation_id, bool(data.get("validate")))
        if kind == "recordtype":
            return RecordTypeJob(uuid.UUID(data["record_type_id"]), correlation_id)
    except PermanentFailure:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise PermanentFailure(f"unreadable queue message: {type(exc).__name__}: {exc}") from exc
    raise PermanentFailure(f"unknown queue message kind {data.get('kind')!r}")
