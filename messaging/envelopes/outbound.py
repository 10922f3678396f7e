"""What travels through the `sms-outbound` queue: a reference to a Dataverse row that needs work.

Jobs carry ids only, never row content: the worker reads the row when it runs, so a job queued twice, or queued
by both the webhook and the sweeper, does the same work on the same current data (and the Outbox claim makes
the second one a no-op).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from messaging.envelopes._document import VERSION, Unreadable, correlation_of, load_object
from messaging.errors import PermanentFailure
from messaging.times import parse_datetime

__all__ = ["ConfigurationJob", "Job", "OutboundQueueMessage", "OutboxJob", "OwnershipJob", "RecordTypeJob",
           "read_outbound"]


@dataclass(frozen=True)
class OutboxJob:
    """Send (or skip, with a reason) one Outbox row.

    `unsent_claim`: set only by the worker whose claim sent nothing and could not be taken back (the release write
    failed): the row's `smsb_sendattempts` after that claim. The job may claim the row again while it is still in
    Sending with that count; every other job leaves a Sending row alone."""

    outbox_id: uuid.UUID
    correlation_id: str
    origin: Literal["webhook", "sweep"] = "webhook"
    unsent_claim: int | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {"v": VERSION, "kind": "outbox", "outbox_id": str(self.outbox_id),
                                "correlation_id": self.correlation_id, "origin": self.origin}
        if self.unsent_claim is not None:
            data["unsent_claim"] = self.unsent_claim
        return json.dumps(data)


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


@dataclass(frozen=True)
class OwnershipJob:
    """A conversation or a session changed owner: bring the other rows of the chat in step. What the event said is
    kept (the owner it was given, when, and whether the change restarted the idle clock itself) so the worker can
    tell a change that was overtaken by a later one."""

    table: Literal["conversation", "session"]
    row_id: uuid.UUID
    correlation_id: str
    owner_user: uuid.UUID | None = None
    owner_team: uuid.UUID | None = None
    at: datetime | None = None
    restarts_clock: bool = False

    def to_json(self) -> str:
        return json.dumps({"v": VERSION, "kind": "ownership", "table": self.table, "row_id": str(self.row_id),
                           "correlation_id": self.correlation_id,
                           "owner_user": str(self.owner_user) if self.owner_user else None,
                           "owner_team": str(self.owner_team) if self.owner_team else None,
                           "at": self.at.isoformat() if self.at else None, "restarts_clock": self.restarts_clock})


Job = OutboxJob | ConfigurationJob | RecordTypeJob | OwnershipJob
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
        unsent = data.get("unsent_claim")
        if unsent is not None and (not isinstance(unsent, int) or isinstance(unsent, bool) or unsent < 1):
            raise PermanentFailure(f"an Outbox job's unsent_claim must be a positive count, got {unsent!r}")
        return OutboxJob(uuid.UUID(data["outbox_id"]), correlation_id,
                         "sweep" if data.get("origin") == "sweep" else "webhook", unsent)
    if kind == "configuration":
        return ConfigurationJob(uuid.UUID(data["configuration_id"]), correlation_id, bool(data.get("validate")))
    if kind == "recordtype":
        return RecordTypeJob(uuid.UUID(data["record_type_id"]), correlation_id)
    if kind == "ownership":
        table = data["table"]
        if table not in ("conversation", "session"):
            raise PermanentFailure(f"an ownership job for {table!r}, which has no owner to keep in step")
        return OwnershipJob(table, uuid.UUID(data["row_id"]), correlation_id, _guid(data.get("owner_user")),
                            _guid(data.get("owner_team")), parse_datetime(data.get("at")),
                            data.get("restarts_clock") is True)
    raise PermanentFailure(f"unknown queue message kind {kind!r}")


def _guid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
