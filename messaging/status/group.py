"""Several status callbacks applied together: one read `$batch` for every message they name, one write `$batch` with
one change set per message, each callback's result its own.

A message is found by the product's id in the callback URL, else by SID, as one callback alone finds it; a callback
whose message is not found that way is handed back (`Alone`) to apply alone, where the SID fallback and the wait
for a send still recording its SID happen as always. The callbacks of one message are merged
(`status.merging.merge`, in the order they reached the app) into one write conditional on the row's ETag, in one
change set with its follow-ups (the Outbox row failed, the conversation opted out), so they commit with the status or
not at all. The write `$batch` continues past a failed change set: a message whose change set failed (another
callback changed it since the read, or anything else) hands all of its callbacks back to apply alone, re-reading
and deciding again. A group of one is applied as one callback always was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from dataverse import F
from messaging.envelopes import StatusEnvelope
from messaging.errors import MessageNotFiledYet
from messaging.names import SMSB_MESSAGE
from messaging.plans import Changeset
from messaging.rows.message import STATUS_COLUMNS, StoredMessage
from messaging.status.merging import merge
from messaging.status.processor import StatusOutcome, StatusProcessor, settle
from messaging.status.rules import Apply, Decision
from messaging.store import Query, Store, by_id

__all__ = ["Alone", "GroupApplier", "Result"]

log = logging.getLogger("smsbridge.status")

_C = SMSB_MESSAGE.columns


@dataclass(frozen=True)
class Alone:
    """A callback its group could not apply: its invocation applies it alone, as without coalescing."""

    envelope: StatusEnvelope


Result = StatusOutcome | Alone | Exception


def _lookup(envelope: StatusEnvelope) -> tuple[str, uuid.UUID | str]:
    return ("id", envelope.message_id) if envelope.message_id is not None else ("sid", envelope.callback.message_sid)


class GroupApplier:
    def __init__(self, processor: StatusProcessor, store: Store) -> None:
        self._processor = processor
        self._store = store

    def apply(self, envelopes: Sequence[StatusEnvelope]) -> list[Result]:
        """Each callback's result, in the order given."""
        if len(envelopes) == 1:
            try:
                return [self._processor.process(envelopes[0])]
            except Exception as exc:  # noqa: BLE001 - the callback's own failure, raised in its invocation
                return [exc]
        results: list[Result] = [Alone(envelope) for envelope in envelopes]
        rows = self._read(envelopes)
        by_message: dict[uuid.UUID, list[int]] = {}
        stored: dict[uuid.UUID, StoredMessage] = {}
        for index, envelope in enumerate(envelopes):
            row = rows.get(_lookup(envelope))
            if row is not None:
                by_message.setdefault(row.id, []).append(index)
                stored[row.id] = row
        changesets: dict[uuid.UUID, Changeset] = {}
        decided: dict[uuid.UUID, tuple[list[int], tuple[Decision, ...]]] = {}
        for message_id, indices in by_message.items():
            # The order the callbacks reached the app: a sent callback before the delivered one it preceded.
            ordered = sorted(indices, key=lambda i: (envelopes[i].received_at, i))
            merged = merge(stored[message_id], [envelopes[i] for i in ordered])
            decided[message_id] = (ordered, merged.decisions)
            if merged.write is not None:
                changesets[message_id] = Changeset((merged.write, *merged.follow_ups))
        answer = self._store.run(list(changesets.values()), continue_on_error=True) if changesets else None
        for message_id, (ordered, decisions) in decided.items():
            changeset = changesets.get(message_id)
            if changeset is not None and answer is not None and answer.error(changeset) is not None:
                # The row changed since it was read (or the change set failed otherwise): every callback of the
                # message decides again alone, on a fresh read.
                log.info("status change set for message %s failed (%s); its %s callbacks apply alone", message_id,
                         type(answer.error(changeset)).__name__, len(ordered))
                continue
            for index, decision in zip(ordered, decisions, strict=True):
                results[index] = self._outcome(envelopes[index], stored[message_id], decision)
        return results

    def _read(self, envelopes: Sequence[StatusEnvelope]) -> dict[tuple[str, uuid.UUID | str], StoredMessage]:
        """Every message the group names, in one `$batch`, each asked once."""
        queries: dict[tuple[str, uuid.UUID | str], Query] = {}
        for envelope in envelopes:
            lookup = _lookup(envelope)
            if lookup in queries:
                continue
            if envelope.message_id is not None:
                queries[lookup] = by_id(SMSB_MESSAGE.entity_set, _C.smsb_messageid, envelope.message_id,
                                        STATUS_COLUMNS)
            else:
                queries[lookup] = Query(SMSB_MESSAGE.entity_set, STATUS_COLUMNS,
                                        F.eq(_C.smsb_sid, envelope.callback.message_sid), top=1)
        answer = self._store.run(list(queries.values()))
        answer.raise_first_error()
        found: dict[tuple[str, uuid.UUID | str], StoredMessage] = {}
        for lookup, query in queries.items():
            rows = answer.rows(query)
            if rows:
                found[lookup] = StoredMessage.from_row(rows[0])
        return found

    def _outcome(self, envelope: StatusEnvelope, stored: StoredMessage, decision: Decision) -> Result:
        callback = envelope.callback
        outcome = StatusOutcome(status=str(callback.message_status), attempts=1)
        if not isinstance(decision, Apply):
            try:
                return settle(decision, envelope, stored, outcome, self._store)
            except MessageNotFiledYet as early:  # its own invocation raises it, so the queue retries that callback
                return early
        outcome.previous = decision.previous
        outcome.applied = True
        outcome.outbox_updated = decision.outbox_failed
        outcome.opted_out = decision.opted_out
        return outcome
