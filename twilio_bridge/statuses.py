"""Message statuses and the order they move in.

Twilio does not promise that status callbacks arrive in order, and retries can repeat one, so a
stored status is only replaced by one that is further along:

    outbound: accepted = scheduled < queued < sending < sent
              < delivered = undelivered = failed = partially_delivered = canceled < read
    inbound:  receiving < received

Statuses of equal rank never replace each other (the first outcome reported wins), and the two
chains never mix. ``is_final`` is true once Twilio will report no further delivery outcome; only a
WhatsApp/RCS read receipt can still follow ``delivered``. Functions accept a ``MessageStatus`` or its
string value and raise ``ValueError`` for anything else.
"""

from __future__ import annotations

import enum

__all__ = ["MessageStatus", "is_final", "is_forward", "rank"]


class MessageStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    PARTIALLY_DELIVERED = "partially_delivered"
    CANCELED = "canceled"
    READ = "read"
    RECEIVING = "receiving"
    RECEIVED = "received"


_OUTBOUND_RANK: dict[MessageStatus, int] = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.SCHEDULED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.PARTIALLY_DELIVERED: 4,
    MessageStatus.CANCELED: 4,
    MessageStatus.READ: 5,
}
_INBOUND_RANK: dict[MessageStatus, int] = {MessageStatus.RECEIVING: 0, MessageStatus.RECEIVED: 1}
_FINAL = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.PARTIALLY_DELIVERED,
        MessageStatus.CANCELED,
        MessageStatus.READ,
        MessageStatus.RECEIVED,
    }
)


def rank(status: MessageStatus | str) -> int:
    """Position of ``status`` within its own chain (outbound or inbound)."""
    known = MessageStatus(status)
    return _OUTBOUND_RANK.get(known, _INBOUND_RANK.get(known, 0))


def is_forward(old: MessageStatus | str | None, new: MessageStatus | str) -> bool:
    """True when a message stored as ``old`` should now be recorded as ``new``."""
    new_status = MessageStatus(new)
    if old is None:
        return True
    old_status = MessageStatus(old)
    if (old_status in _INBOUND_RANK) != (new_status in _INBOUND_RANK):
        return False
    return rank(new_status) > rank(old_status)


def is_final(status: MessageStatus | str) -> bool:
    """True when Twilio will report no further delivery outcome for ``status``."""
    return MessageStatus(status) in _FINAL
