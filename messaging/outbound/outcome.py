"""What became of one Outbox job."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

__all__ = ["OutboundOutcome", "OutboundResult"]


class OutboundResult(enum.StrEnum):
    SENT = "sent"
    SCHEDULED = "scheduled"  # handed to Twilio with send_at
    HELD = "held"  # Send After still ahead: left Pending for the sweeper
    SKIPPED = "skipped"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_PENDING = "not-pending"  # sent, failed or claimed before: a duplicate job
    CLAIMED_ELSEWHERE = "claimed-elsewhere"  # another worker claimed it between our read and our claim
    MISSING = "missing"  # the Outbox row was deleted


@dataclass
class OutboundOutcome:
    """What became of one job. `round_trips` counts this processor's Dataverse requests (a cold Configuration
    cache adds the directory's one); `twilio_calls` counts sends asked of Twilio (the sender's 429 retries are
    inside one)."""

    outbox_id: uuid.UUID
    result: OutboundResult | None = None
    reason: str = ""
    message_id: uuid.UUID | None = None
    sid: str | None = None
    error_code: int | None = None
    round_trips: int = 0
    twilio_calls: int = 0
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)

    def done(self, result: OutboundResult, reason: str = "") -> OutboundOutcome:
        self.result = result
        self.reason = reason
        return self
