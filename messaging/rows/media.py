"""The Message Media row (smsb_messagemedia): an MMS picture of an inbound text, written with the text as Awaiting
File and marked Stored once its file is in, or Unavailable when it will never come."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dataverse.odata import bind
from dataverse.rows import Row
from messaging.names import SMSB_MESSAGE, SMSB_MESSAGEMEDIA, MediaFileStatus, bind_key, lookup_value
from messaging.plans import Mode, Write
from messaging.rows.owner import Owner
from messaging.times import parse_datetime

__all__ = [
    "FILE",
    "MESSAGE",
    "REPAIR_COLUMNS",
    "STATUS_COLUMNS",
    "MediaStatus",
    "awaiting",
    "file_target",
    "stored",
    "unavailable",
]

_C = SMSB_MESSAGEMEDIA.columns
_NAME_LENGTH = 200
_CONTENT_TYPE_LENGTH = 100
FILE = _C.smsb_file
MESSAGE = lookup_value(_C.smsb_message)
STATUS_COLUMNS = (_C.smsb_messagemediaid, _C.smsb_filestatus)
REPAIR_COLUMNS = (_C.smsb_messagemediaid, _C.smsb_twiliomediasid, _C.createdon)


@dataclass(frozen=True)
class MediaStatus:
    id: uuid.UUID | None
    status: int | None
    media_sid: str | None = None
    created_on: datetime | None = None

    @classmethod
    def from_row(cls, row: Row) -> MediaStatus:
        return cls(row.guid(_C.smsb_messagemediaid), row.get(_C.smsb_filestatus),
                   row.get(_C.smsb_twiliomediasid) or None, parse_datetime(row.get(_C.createdon)))


def awaiting(media_id: uuid.UUID, message_id: uuid.UUID, *, index: int, media_sid: str | None, content_type: str,
             owner: Owner) -> Write:
    """Written with the text, so a picture whose file is not stored yet is never out of sight."""
    return Write(SMSB_MESSAGEMEDIA, media_id, {
        _C.smsb_name: (media_sid or f"Picture {index + 1}")[:_NAME_LENGTH],
        bind_key(SMSB_MESSAGEMEDIA.navigation.smsb_message): bind(SMSB_MESSAGE.entity_set, message_id),
        _C.smsb_contenttype: content_type[:_CONTENT_TYPE_LENGTH],
        _C.smsb_twiliomediasid: media_sid,
        _C.smsb_filestatus: int(MediaFileStatus.AWAITING_FILE),
        **owner.bind(),
    }, Mode.CREATE_ONLY)


def file_target(media_id: uuid.UUID) -> Write:
    """The row whose file column receives the picture."""
    return Write(SMSB_MESSAGEMEDIA, media_id)


def stored(media_id: uuid.UUID, *, file_name: str, content_type: str, size: int) -> Write:
    return Write(SMSB_MESSAGEMEDIA, media_id, {
        _C.smsb_name: file_name[:_NAME_LENGTH], _C.smsb_contenttype: content_type, _C.smsb_size: size,
        _C.smsb_filestatus: int(MediaFileStatus.STORED),
    })


def unavailable(media_id: uuid.UUID) -> Write:
    return Write(SMSB_MESSAGEMEDIA, media_id, {_C.smsb_filestatus: int(MediaFileStatus.UNAVAILABLE)})
