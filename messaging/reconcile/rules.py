"""What reconciliation with Twilio's records finds to do, decided over plain values: the texts Twilio received and
Dataverse lacks, and the pictures to fetch again, grouped by the Configuration whose credentials fetch them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Protocol, TypeVar

from messaging.inbound.pictures import AwaitingFile
from messaging.names import StatusChoice
from twilio_bridge.webhooks import InboundMessage

__all__ = ["SETTLE_AFTER", "UNSETTLED", "by_configuration", "missing"]

# Statuses Twilio will still move on from: a sent text an hour old in one of them is refreshed from Twilio's record.
UNSETTLED = (StatusChoice.ACCEPTED, StatusChoice.SCHEDULED, StatusChoice.QUEUED, StatusChoice.SENDING,
             StatusChoice.SENT, StatusChoice.UNKNOWN)
SETTLE_AFTER = timedelta(hours=1)


class Received(Protocol):
    """A text as Twilio's message log holds it."""

    @property
    def message(self) -> InboundMessage: ...


R = TypeVar("R", bound=Received)


def missing(received: Sequence[R], filed: set[str]) -> list[R]:
    """The texts Twilio received that no message row has (by SID), in Twilio's order."""
    return [item for item in received if item.message.message_sid not in filed]


def by_configuration(rows: Iterable[tuple[uuid.UUID | None, AwaitingFile]]) -> dict[uuid.UUID | None,
                                                                                     list[AwaitingFile]]:
    """Pictures still awaiting their file, by the Configuration of their message (None: it has none any more)."""
    grouped: dict[uuid.UUID | None, list[AwaitingFile]] = {}
    for configuration_id, item in rows:
        grouped.setdefault(configuration_id, []).append(item)
    return grouped
