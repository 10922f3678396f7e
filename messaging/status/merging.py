"""Several status callbacks for one message, merged into one write: decisions over plain values.

The callbacks are decided in turn (`rules.decide`, in the order given) against the message as the earlier ones
leave it, so the merged write is what applying them one by one would leave on the row: the highest status wins (a
status of equal rank never replaces the first), the sent and delivered times are those of the first callback that
set them, the SID is filled once, and the error code is the last applied callback's that carried one. The writes
are folded into one, conditional on the ETag of the row as read, and the follow-ups (the Outbox row failed, the
conversation opted out) are kept in order. A callback refused by the binding check, ignored as not newer, or told
to wait for its sender gets its own decision, as it would alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from messaging.envelopes import StatusEnvelope
from messaging.names import SMSB_MESSAGE, StatusChoice, choice_of
from messaging.plans import Write
from messaging.rows.message import StoredMessage
from messaging.status.rules import Apply, Decision, decide

__all__ = ["Merged", "after", "merge"]

_C = SMSB_MESSAGE.columns


@dataclass(frozen=True)
class Merged:
    """What the callbacks of one message do together: each callback's own decision, in the order given, and the
    one write (with its follow-ups) that stands for all the applied ones; no write when none applied."""

    decisions: tuple[Decision, ...]
    write: Write | None
    follow_ups: tuple[Write, ...]
    row: StoredMessage  # the message as the applied callbacks leave it

    @property
    def applied(self) -> tuple[int, ...]:
        return tuple(index for index, decision in enumerate(self.decisions) if isinstance(decision, Apply))


def after(stored: StoredMessage, write: Write) -> StoredMessage:
    """The message as a callback's write leaves it (what a re-read would find, but the ETag)."""
    values = write.values
    status = values.get(_C.smsb_status)
    return replace(
        stored,
        status=choice_of(StatusChoice, int(status)) if status is not None else stored.status,
        sid=values.get(_C.smsb_sid) or stored.sid,
        sent_on_set=stored.sent_on_set or bool(values.get(_C.smsb_senton)),
        delivered_on_set=stored.delivered_on_set or bool(values.get(_C.smsb_deliveredon)),
    )


def merge(stored: StoredMessage, envelopes: Sequence[StatusEnvelope]) -> Merged:
    """The callbacks of one message, decided in turn and folded into one write conditional on `stored`'s ETag."""
    current = stored
    values: dict[str, object] = {}
    follow_ups: list[Write] = []
    decisions: list[Decision] = []
    for envelope in envelopes:
        decision = decide(current, envelope)
        decisions.append(decision)
        if isinstance(decision, Apply):
            values.update(decision.message.values)
            follow_ups.extend(decision.follow_ups)
            current = after(current, decision.message)
    write = Write(SMSB_MESSAGE, stored.id, values, etag=stored.etag) if values else None
    return Merged(tuple(decisions), write, tuple(follow_ups), current)
