"""The files of inbound MMS pictures (DESIGN 6.2): none is lost, none is deleted from Twilio before it is stored.

Every picture of a text gets its Message Media row in the changeset that files the text, marked *Awaiting File*
(`smsb_filestatus`). After the commit its file is fetched from Twilio, stored in the row's file column and the row
marked *Stored*; only then, when the Configuration says so (`smsb_deletetwiliomedia`), is Twilio's copy deleted.
A picture that cannot be had — Twilio refuses it (type, size) or no longer has it — is marked *Unavailable* with one
Error Log row. Anything else that goes wrong leaves the row Awaiting File, where it is picked up again:

- by the queue's retry of the text (the inbound worker finishes the rows of a text it finds already filed), and
- by reconciliation (hourly), which fetches the media again by MessageSid and MediaSid while Twilio still has it,
  for rows older than `REPAIR_AFTER` (the queue had its chance), and gives a row up as Unavailable once it has been
  waiting longer than `GIVE_UP_AFTER`.

This module holds the rules, over plain values; `inbound.media.MediaFiles` does the I/O.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from messaging.ids import media_id
from messaging.names import MediaFileStatus
from messaging.rows.media import MediaStatus
from twilio_bridge.errors import MediaDownloadFailed
from twilio_bridge.webhooks import InboundMessage

__all__ = [
    "GIVE_UP_AFTER",
    "REPAIR_AFTER",
    "AwaitingFile",
    "MediaReport",
    "Verdict",
    "awaiting_files",
    "filed_pictures",
    "hopeless",
    "verdict",
]

REPAIR_AFTER = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=7)
_CREDENTIAL_STATUSES = frozenset({401, 403})


class Verdict(enum.Enum):
    RETRY = "retry"  # leave the row Awaiting File; the queue (now) or reconciliation (later) tries again
    UNAVAILABLE = "unavailable"  # the file will never come: mark the row, tell an admin


def verdict(*, lasting: bool, waited: timedelta | None) -> Verdict:
    """What to do about a picture whose file could not be stored. `lasting`: the failure says Twilio will never
    hand this file over (it refused the type or size, or no longer has it); `waited`: how long the row has been
    waiting, when known."""
    if lasting:
        return Verdict.UNAVAILABLE
    if waited is not None and waited > GIVE_UP_AFTER:
        return Verdict.UNAVAILABLE
    return Verdict.RETRY


def hopeless(failure: MediaDownloadFailed) -> bool:
    """A download failure no retry can cure. Rejected credentials are not one: an admin can fix the token."""
    return not failure.is_transient and failure.status not in _CREDENTIAL_STATUSES


@dataclass(frozen=True)
class AwaitingFile:
    """A Message Media row whose file is not stored yet, and how to fetch it."""

    row_id: uuid.UUID
    message_id: uuid.UUID
    message_sid: str
    media_sid: str | None
    url: str | None = None  # the webhook's MediaUrl; else built from the SIDs
    created_on: datetime | None = None


@dataclass
class MediaReport:
    stored: int = 0
    unavailable: int = 0
    waiting: int = 0
    deleted_at_twilio: int = 0
    problems: list[str] = field(default_factory=list)


def awaiting_files(message: InboundMessage, message_id: uuid.UUID,
                   indexes: Iterable[int] | None = None) -> list[AwaitingFile]:
    """The pictures of a text (all, or those at `indexes`), as rows to fetch files for."""
    wanted = range(len(message.media)) if indexes is None else indexes
    return [AwaitingFile(media_id(message_id, index), message_id, message.message_sid, message.media[index].media_sid,
                         message.media[index].url) for index in wanted]


def filed_pictures(message: InboundMessage, message_id: uuid.UUID,
                   rows: Iterable[MediaStatus]) -> tuple[list[AwaitingFile], list[AwaitingFile]]:
    """For a text filed before: its pictures still awaiting their file, and those stored (whose copy at Twilio an
    earlier attempt may not have deleted)."""
    status = {row.id: row.status for row in rows}
    indexes = {media_id(message_id, index): index for index in range(len(message.media))}
    awaiting = [index for row_id, index in indexes.items() if status.get(row_id) == MediaFileStatus.AWAITING_FILE]
    stored = [index for row_id, index in indexes.items() if status.get(row_id) == MediaFileStatus.STORED]
    return awaiting_files(message, message_id, awaiting), awaiting_files(message, message_id, stored)
