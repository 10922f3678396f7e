"""What the sweep does with the rows its queries found (DESIGN 6.7), decided over plain values.

Each action is one write (or one changeset) that also takes its row out of the query that found it, so a second run
finds nothing; writes that could race a worker carry the row's ETag.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from messaging.configuration.sealing import SealResult, seal
from messaging.envelopes import OutboxJob
from messaging.names import SMSB_OUTBOX, Severity
from messaging.plans import Changeset, Write
from messaging.rows import message, outbox, session
from messaging.rows.errorlog import ErrorSource, LoggedError, error_row
from messaging.tokens import TokenCipher

__all__ = [
    "REQUEUE_AFTER",
    "UNKNOWN_AFTER",
    "Action",
    "DueSession",
    "PendingOutbox",
    "SentMessage",
    "StaleSend",
    "StoredToken",
    "close_sessions",
    "release_outbox",
    "reseal_tokens",
    "settle_stale_sends",
]

REQUEUE_AFTER = timedelta(minutes=2)
UNKNOWN_AFTER = timedelta(minutes=10)
UNKNOWN_REASON = (
    "The send did not finish: no Twilio SID was recorded within ten minutes of starting it, so the text may or may "
    "not have been sent. Check the Twilio console's messaging logs for this number before sending it again; SMS "
    "Bridge never re-sends an unknown send by itself."
)


@dataclass(frozen=True)
class Action:
    """One planned write, what to count if it succeeds, and the job to enqueue then."""

    item: Write | Changeset
    counts_as: str
    job: OutboxJob | None = None


@dataclass(frozen=True)
class DueSession:
    id: uuid.UUID
    scheduled_end: Any  # as Dataverse wrote it


@dataclass(frozen=True)
class PendingOutbox:
    id: uuid.UUID
    scheduled: bool  # it has a Send After
    etag: str | None


@dataclass(frozen=True)
class SentMessage:
    id: uuid.UUID
    sid: str | None
    etag: str | None


@dataclass(frozen=True)
class StaleSend:
    id: uuid.UUID
    subject: str
    modified_on: Any
    etag: str | None


@dataclass(frozen=True)
class StoredToken:
    configuration_id: uuid.UUID
    stored: str | None
    etag: str | None


def close_sessions(due: Iterable[DueSession], now: datetime) -> list[Action]:
    """Open → Completed; the session ended when its window did, whenever the sweep got to it."""
    return [Action(session.closed(row.id, row.scheduled_end or now.isoformat()), "sessions_closed") for row in due]


def release_outbox(pending: Iterable[PendingOutbox], now: datetime, correlation_id: str) -> list[Action]:
    """Queue the send of each row; `actualstart` marks the release, so the next runs leave it alone for two minutes
    — long enough for the queued job to claim it — and release it again only if that job was lost."""
    return [Action(outbox.released_by_sweep(row.id, now, row.etag),
                   "outbox_released" if row.scheduled else "outbox_requeued",
                   OutboxJob(row.id, correlation_id, "sweep"))
            for row in pending]


def settle_stale_sends(stale: Iterable[StaleSend], messages: Mapping[uuid.UUID, SentMessage], now: datetime,
                       correlation_id: str) -> list[Action]:
    """A send whose message got its SID from a status callback is completed as Sent; any other send without a SID
    for ten minutes becomes Unknown, with its message and an Error Log row: it may or may not have reached Twilio,
    and an unknown send is never repeated automatically."""
    actions = []
    for row in stale:
        sent = messages.get(row.id)
        if sent is not None and sent.sid:
            actions.append(Action(outbox.recovered(row.id, sent.sid, row.etag), "outbox_recovered"))
            continue
        writes = [outbox.settled_unknown(row.id, UNKNOWN_REASON, row.etag)]
        if sent is not None:
            writes.append(message.unknown(sent.id, etag=sent.etag))
        writes.append(error_row(LoggedError(
            source=ErrorSource.SWEEP, name="Outbox send outcome unknown",
            details=(f"Outbox {row.id} ('{row.subject}') was Sending without a Twilio SID since "
                     f"{row.modified_on}; marked Unknown for a person to review, not re-sent."),
            severity=Severity.ERROR, correlation_id=correlation_id, related_entity=SMSB_OUTBOX.logical_name,
            related_id=str(row.id),
        ), now))
        actions.append(Action(Changeset(tuple(writes)), "outbox_unknown"))
    return actions


def reseal_tokens(tokens: Iterable[StoredToken], cipher: TokenCipher) -> tuple[list[Action], list[str]]:
    """Seal plaintext tokens and tokens under the previous key under the current key; the problems of the tokens
    that cannot be (damaged, or copied from another row: Validate reports them)."""
    actions, problems = [], []
    for row in tokens:
        decision = seal(row.configuration_id, row.stored, row.etag, cipher)
        if decision.result is SealResult.UNREADABLE:
            problems.append(f"auth token of Configuration {row.configuration_id} cannot be resealed: "
                            f"{decision.problem}")
        elif decision.write is not None:
            actions.append(Action(decision.write, "tokens_resealed"))
    return actions, problems
