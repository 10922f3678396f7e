"""The message row (smsb_message): one text, in or out — as read for a status callback, and every write the product
makes to it (filed on arrival, written before a send, the send's outcome, each delivery status)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dataverse.odata import bind
from dataverse.rows import Row
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_MESSAGE,
    SMSB_MESSAGESESSION,
    SMSB_OUTBOX,
    SYSTEMUSER,
    Direction,
    EncodingChoice,
    StatusChoice,
    bind_key,
    choice_of,
    lookup_value,
)
from messaging.plans import Mode, Write
from messaging.rows.owner import Owner
from messaging.times import parse_datetime
from twilio_bridge.segments import Encoding, segment_info

__all__ = [
    "ID",
    "STATUS_COLUMNS",
    "StoredMessage",
    "callback_applied",
    "inbound",
    "outbound",
    "send_ended",
    "sent",
    "status_choice",
    "twilio_status",
    "unknown",
]

_C = SMSB_MESSAGE.columns
_N = SMSB_MESSAGE.navigation
_NAME_LENGTH = 200
_REASON_LENGTH = 2000
ID = _C.smsb_messageid
STATUS_COLUMNS = (_C.smsb_messageid, _C.smsb_status, _C.smsb_sid, _C.smsb_senton, _C.smsb_deliveredon,
                  lookup_value(_C.smsb_outbox), lookup_value(_C.smsb_conversation),
                  lookup_value(_C.smsb_configuration), _C.createdon)
# Twilio statuses without a choice of their own: partially_delivered is terminal like undelivered, receiving is on
# the way to received.
_ALIASES = {"partially_delivered": StatusChoice.UNDELIVERED, "receiving": StatusChoice.RECEIVED}


def status_choice(twilio: str) -> StatusChoice:
    """The `smsb_status` choice for a Twilio status (Unknown for one Twilio adds later)."""
    key = str(twilio)
    if key in _ALIASES:
        return _ALIASES[key]
    return StatusChoice.__members__.get(key.upper(), StatusChoice.UNKNOWN)


def twilio_status(choice: StatusChoice) -> str:
    return choice.name.lower()


@dataclass(frozen=True)
class StoredMessage:
    """A message as a status callback finds it."""

    id: uuid.UUID
    status: StatusChoice | None
    sid: str | None
    sent_on_set: bool
    delivered_on_set: bool
    outbox_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    configuration_id: uuid.UUID | None
    created_on: datetime | None
    etag: str | None

    @classmethod
    def from_row(cls, row: Row) -> StoredMessage:
        status = row.get(_C.smsb_status)
        return cls(
            id=uuid.UUID(str(row[_C.smsb_messageid])),
            status=choice_of(StatusChoice, int(status)) if status is not None else None,
            sid=row.get(_C.smsb_sid) or None,
            sent_on_set=bool(row.get(_C.smsb_senton)),
            delivered_on_set=bool(row.get(_C.smsb_deliveredon)),
            outbox_id=row.guid(lookup_value(_C.smsb_outbox)),
            conversation_id=row.guid(lookup_value(_C.smsb_conversation)),
            configuration_id=row.guid(lookup_value(_C.smsb_configuration)),
            created_on=parse_datetime(row.get(_C.createdon)),
            etag=row.etag,
        )


def _links(session: uuid.UUID, conversation: uuid.UUID, configuration: uuid.UUID) -> dict[str, str]:
    return {
        bind_key(_N.smsb_session): bind(SMSB_MESSAGESESSION.entity_set, session),
        bind_key(_N.smsb_conversation): bind(SMSB_CONVERSATION.entity_set, conversation),
        bind_key(_N.smsb_configuration): bind(SMSB_CONFIGURATION.entity_set, configuration),
    }


def _encoding(body: str) -> tuple[int, EncodingChoice]:
    info = segment_info(body)
    return info.segments, EncodingChoice.GSM_7 if info.encoding is Encoding.GSM_7 else EncodingChoice.UCS_2


def inbound(message_id: uuid.UUID, *, session: uuid.UUID, conversation: uuid.UUID, configuration: uuid.UUID,
            number: str, sid: str, body: str, from_: str, to: str, num_segments: int | None, num_media: int,
            received_at: datetime, owner: Owner) -> Write:
    """A received text, created once: its id comes from its SID."""
    segments, encoding = _encoding(body)
    text = body.strip()
    return Write(SMSB_MESSAGE, message_id, {
        _C.smsb_name: (f"{number}: {text}" if text else f"{number}: (picture)")[:_NAME_LENGTH],
        **_links(session, conversation, configuration),
        _C.smsb_direction: int(Direction.INCOMING),
        _C.smsb_body: body,
        _C.smsb_from: from_,
        _C.smsb_to: to,
        _C.smsb_status: int(StatusChoice.RECEIVED),
        _C.smsb_sid: sid,
        _C.smsb_numsegments: num_segments or segments,
        _C.smsb_encoding: int(encoding),
        _C.smsb_nummedia: num_media,
        _C.smsb_receivedon: received_at.isoformat(),
        **owner.bind(),
    }, Mode.CREATE_ONLY)


def outbound(message_id: uuid.UUID, *, session: uuid.UUID, conversation: uuid.UUID, configuration: uuid.UUID,
             outbox: uuid.UUID, number: str, body: str, from_: str | None, has_attachment: bool, owner: Owner,
             sent_by: uuid.UUID | None) -> Write:
    """The text an Outbox becomes, written before it is sent, created once: its id comes from the Outbox's."""
    segments, encoding = _encoding(body)
    values: dict[str, Any] = {
        _C.smsb_name: f"To {number}: {body.strip() or '(picture)'}"[:_NAME_LENGTH],
        **_links(session, conversation, configuration),
        bind_key(_N.smsb_outbox): bind(SMSB_OUTBOX.entity_set, outbox),
        _C.smsb_direction: int(Direction.OUTGOING),
        _C.smsb_body: body,
        _C.smsb_from: from_,
        _C.smsb_to: number,
        _C.smsb_status: int(StatusChoice.QUEUED),
        _C.smsb_numsegments: segments,
        _C.smsb_encoding: int(encoding),
        _C.smsb_nummedia: 1 if has_attachment else 0,
        **owner.bind(),
    }
    if sent_by is not None:
        values[bind_key(_N.smsb_sentby)] = bind(SYSTEMUSER.entity_set, sent_by)
    return Write(SMSB_MESSAGE, message_id, values, Mode.CREATE_ONLY)


def sent(message_id: uuid.UUID, sid: str, *, scheduled: bool) -> Write:
    """Twilio took the text. The status stays as written: a callback may already have moved it on, and statuses only
    go forward. A scheduled text is the exception; nothing happens to it before its time."""
    values: dict[str, Any] = {_C.smsb_sid: sid}
    if scheduled:
        values[_C.smsb_status] = int(StatusChoice.SCHEDULED)
    return Write(SMSB_MESSAGE, message_id, values)


def send_ended(message_id: uuid.UUID, status: StatusChoice, reason: str, code: int | None) -> Write:
    """A send that ended without Twilio taking the text, or with Twilio's outcome unknown."""
    return Write(SMSB_MESSAGE, message_id, {_C.smsb_status: int(status), _C.smsb_errorcode: code,
                                            _C.smsb_errormessage: reason[:_REASON_LENGTH]})


def unknown(message_id: uuid.UUID, *, reason: str | None = None, etag: str | None = None) -> Write:
    values: dict[str, Any] = {_C.smsb_status: int(StatusChoice.UNKNOWN)}
    if reason is not None:
        values[_C.smsb_errormessage] = reason[:_REASON_LENGTH]
    return Write(SMSB_MESSAGE, message_id, values, etag=etag)


def callback_applied(message: StoredMessage, *, status: StatusChoice, sid: str | None, at: datetime,
                     marks_sent: bool, marks_delivered: bool, error_code: int | None,
                     error_message: str | None) -> Write:
    """A delivery status, written only if the row is as read (its ETag): the SID when the row has none yet, the
    first sent and delivered times, the error when the callback carries one."""
    values: dict[str, Any] = {_C.smsb_status: int(status)}
    if sid is not None and not message.sid:
        values[_C.smsb_sid] = sid
    if marks_sent and not message.sent_on_set:
        values[_C.smsb_senton] = at.isoformat()
    if marks_delivered and not message.delivered_on_set:
        values[_C.smsb_deliveredon] = at.isoformat()
    if error_code is not None:
        values[_C.smsb_errorcode] = error_code
        values[_C.smsb_errormessage] = error_message
    return Write(SMSB_MESSAGE, message.id, values, etag=message.etag)
