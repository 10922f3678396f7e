"""Delivery statuses into Dataverse: find the message, decide (`status.rules`), write with the row's ETag.

Two callbacks racing for one message cannot overwrite each other: the write carries the ETag of the row as read,
and the loser reads again and decides again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dataverse import DataverseClient, Key, PreconditionFailed
from messaging.envelopes import StatusEnvelope
from messaging.errors import MessageNotFiledYet, PermanentFailure
from messaging.names import SMSB_MESSAGE
from messaging.rows.message import STATUS_COLUMNS, StoredMessage
from messaging.status.rules import Apply, Ignore, Refuse, WaitForSender, decide
from messaging.store import Store

__all__ = ["StatusOutcome", "StatusProcessor", "settle"]

log = logging.getLogger("smsbridge.status")

_MAX_ATTEMPTS = 5


@dataclass
class StatusOutcome:
    applied: bool = False
    previous: str | None = None
    status: str | None = None
    outbox_updated: bool = False
    opted_out: bool = False
    attempts: int = 0
    dropped: str | None = None  # why the callback was not applied to the message it named


def settle(decision: Refuse | WaitForSender | Ignore, envelope: StatusEnvelope, stored: StoredMessage,
           outcome: StatusOutcome, store: Store) -> StatusOutcome:
    """A callback that writes nothing to its message: refused (logged, its Error Log row recorded), not newer than the
    message (logged), or early for a message whose sender has not recorded it yet (raised, so the queue retries)."""
    callback = envelope.callback
    if isinstance(decision, WaitForSender):
        raise MessageNotFiledYet(decision.reason)
    if isinstance(decision, Refuse):
        outcome.dropped = decision.refusal.reason
        log.warning("status callback %s (%s) for message %s not applied: %s", callback.message_sid,
                    callback.message_status, stored.id, decision.refusal.reason)
        if decision.error is not None:
            store.record(decision.error)
        return outcome
    outcome.previous = decision.previous
    log.info("status %s for %s is not newer than %s; ignored", callback.message_status, callback.message_sid,
             decision.previous)
    return outcome


class StatusProcessor:
    def __init__(self, client: DataverseClient, store: Store | None = None) -> None:
        self._client = client
        self._store = store or Store(client)

    def process(self, envelope: StatusEnvelope) -> StatusOutcome:
        callback = envelope.callback
        outcome = StatusOutcome(status=str(callback.message_status))
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            stored = self._find(envelope)
            decision = decide(stored, envelope)
            if not isinstance(decision, Apply):
                return settle(decision, envelope, stored, outcome, self._store)
            outcome.previous = decision.previous
            try:
                self._store.apply(decision.message)
            except PreconditionFailed:
                continue  # another callback changed the row since we read it: decide again on fresh data
            self._follow_up(decision, outcome)
            return outcome
        raise PermanentFailure(f"status of {callback.message_sid} kept changing under {_MAX_ATTEMPTS} attempts")

    def _find(self, envelope: StatusEnvelope) -> StoredMessage:
        """By the id in our callback URL (`m`), else by SID."""
        keys: list[Key] = []
        if envelope.message_id is not None:
            keys.append(envelope.message_id)
        keys.append({SMSB_MESSAGE.columns.smsb_sid: envelope.callback.message_sid})
        for key in keys:
            row = self._client.find(SMSB_MESSAGE.entity_set, key, select=STATUS_COLUMNS)
            if row is not None:
                return StoredMessage.from_row(row)
        raise MessageNotFiledYet(f"no message has SID {envelope.callback.message_sid} yet")

    def _follow_up(self, decision: Apply, outcome: StatusOutcome) -> None:
        outcome.applied = True
        for write in decision.follow_ups:
            self._store.apply(write)
        outcome.outbox_updated = decision.outbox_failed
        outcome.opted_out = decision.opted_out
