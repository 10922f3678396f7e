"""The Outbox row (smsb_outbox, a custom activity): a request to send one text — read once with its To party,
template, Configuration and chat session expanded, and every write the product makes to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dataverse.odata import bind
from dataverse.rows import Row
from messaging.names import (
    ACTIVITYPARTY,
    SMSB_MESSAGE,
    SMSB_MESSAGESESSION,
    SMSB_MESSAGETEMPLATE,
    SMSB_OUTBOX,
    SYSTEMUSER,
    TEAM,
    OutboxStatus,
    Participation,
    PublishState,
    TemplateType,
    bind_key,
    choice_of,
    lookup_value,
)
from messaging.plans import Write
from messaging.rows.configuration import CONFIGURATION_COLUMNS, Configuration
from messaging.rows.owner import OWNER
from messaging.times import parse_datetime

__all__ = [
    "COLUMNS",
    "EXPAND",
    "MessageTemplate",
    "Outbox",
    "Party",
    "claimed",
    "ended",
    "failed_by_callback",
    "given_up",
    "recovered",
    "released",
    "released_by_sweep",
    "sent",
    "settled_unknown",
]

_C = SMSB_OUTBOX.columns
_T = SMSB_MESSAGETEMPLATE.columns
_S = SMSB_MESSAGESESSION.columns
_P = ACTIVITYPARTY.columns
_N = SMSB_OUTBOX.navigation
_REASON_LENGTH = 2000
_PARTIES = SMSB_OUTBOX.collections.smsb_outbox_activity_parties

COLUMNS = (
    _C.activityid, _C.subject, _C.smsb_sendstatus, _C.smsb_sendafter, _C.smsb_mobilenumber, _C.smsb_freeform,
    _C.smsb_attachment, lookup_value(_C.smsb_configuration), lookup_value(_C.smsb_messagetemplate),
    lookup_value(_C.smsb_session), lookup_value(_C.regardingobjectid), OWNER, lookup_value(_C.createdby),
    _C.smsb_sendattempts,
)
_TEMPLATE_COLUMNS = (_T.smsb_messagetemplateid, _T.smsb_name, _T.smsb_body, _T.smsb_publishstate,
                     _T.smsb_templatetype, _T.smsb_entitylogicalname)
_SESSION_COLUMNS = (_S.activityid, _S.smsb_phonenumber, lookup_value(_S.smsb_conversation),
                    lookup_value(_S.smsb_configuration), lookup_value(_S.regardingobjectid))
_TO = int(Participation.TO_RECIPIENT)
EXPAND = (
    f"{_PARTIES}($select={_P.participationtypemask},{lookup_value(_P.partyid)},{_P.addressused};"
    f"$filter={_P.participationtypemask} eq {_TO})",
    f"{_N.smsb_messagetemplate}($select={','.join(_TEMPLATE_COLUMNS)})",
    f"{_N.smsb_configuration}($select={','.join(CONFIGURATION_COLUMNS)})",
    f"{_N.smsb_session}($select={','.join(_SESSION_COLUMNS)})",
)


@dataclass(frozen=True)
class Party:
    table: str | None
    id: uuid.UUID | None
    address: str | None


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    body: str
    published: bool
    global_: bool
    entity: str  # the table an Entity template is for, lower case; empty for none

    @classmethod
    def from_row(cls, row: Row) -> MessageTemplate:
        return cls(
            name=str(row.get(_T.smsb_name) or ""),
            body=str(row.get(_T.smsb_body) or ""),
            published=row.get(_T.smsb_publishstate) == PublishState.PUBLISHED,
            global_=row.get(_T.smsb_templatetype) == TemplateType.GLOBAL,
            entity=str(row.get(_T.smsb_entitylogicalname) or "").strip().lower(),
        )


@dataclass(frozen=True)
class Outbox:
    id: uuid.UUID
    subject: str
    status: OutboxStatus
    etag: str | None
    send_after: datetime | None
    explicit_number: str | None
    freeform: str
    has_attachment: bool
    configuration_id: uuid.UUID | None
    configuration: Configuration | None  # None also when it is named but no longer exists
    template_id: uuid.UUID | None
    template: MessageTemplate | None  # None also when it is named but no longer exists
    to: Party | None
    session_phone: str | None  # the number of the chat session it was sent from
    owner_user: uuid.UUID | None
    owner_team: uuid.UUID | None = None
    created_by: uuid.UUID | None = None
    attempts: int = 0  # claims so far (smsb_sendattempts)
    regarding: Party | None = None  # the record it is about (a workflow's record, the chat's Case)
    session_regarding: Party | None = None  # what its chat session is Regarding

    @classmethod
    def from_row(cls, row: Row) -> Outbox:
        to = None
        for party in row.get(_PARTIES) or ():
            if not isinstance(party, Row) or party.get(_P.participationtypemask) != _TO:
                continue
            party_id = lookup_value(_P.partyid)
            to = Party(party.lookup_tables.get(party_id), party.guid(party_id), party.get(_P.addressused) or None)
            break
        owner_table = row.lookup_tables.get(OWNER)
        configuration, template, session = (_expanded(row, name) for name in (
            _N.smsb_configuration, _N.smsb_messagetemplate, _N.smsb_session))
        number = str(row.get(_C.smsb_mobilenumber) or "").strip()
        return cls(
            id=uuid.UUID(str(row[_C.activityid])),
            subject=str(row.get(_C.subject) or ""),
            status=choice_of(OutboxStatus, int(row.get(_C.smsb_sendstatus) or OutboxStatus.PENDING)),
            etag=row.etag,
            send_after=parse_datetime(row.get(_C.smsb_sendafter)),
            explicit_number=number or None,
            freeform=str(row.get(_C.smsb_freeform) or ""),
            has_attachment=bool(row.get(_C.smsb_attachment)),
            configuration_id=row.guid(lookup_value(_C.smsb_configuration)),
            configuration=Configuration.from_row(configuration) if configuration is not None else None,
            template_id=row.guid(lookup_value(_C.smsb_messagetemplate)),
            template=MessageTemplate.from_row(template) if template is not None else None,
            to=to,
            session_phone=str(session.get(_S.smsb_phonenumber) or "") or None if session is not None else None,
            owner_user=row.guid(OWNER) if owner_table == SYSTEMUSER.logical_name else None,
            owner_team=row.guid(OWNER) if owner_table == TEAM.logical_name else None,
            created_by=row.guid(lookup_value(_C.createdby)),
            attempts=int(row.get(_C.smsb_sendattempts) or 0),
            regarding=_regarding(row),
            session_regarding=_regarding(session) if session is not None else None,
        )


def _regarding(row: Row) -> Party | None:
    """The record an activity is Regarding: its table is the lookup's annotation (asked for with the row)."""
    column = lookup_value(_C.regardingobjectid)
    record = row.guid(column)
    return Party(row.lookup_tables.get(column), record, None) if record is not None else None


def _expanded(row: Row, navigation: str) -> Row | None:
    value = row.get(navigation)
    return value if isinstance(value, Row) else None


def _linked(message_id: uuid.UUID) -> dict[str, str]:
    return {bind_key(_N.smsb_message): bind(SMSB_MESSAGE.entity_set, message_id)}


def claimed(outbox: Outbox) -> Write:
    """Pending → Sending, only if the row is as read: the lock that lets one worker send it."""
    return Write(SMSB_OUTBOX, outbox.id, {_C.smsb_sendstatus: int(OutboxStatus.SENDING),
                                          _C.smsb_sendattempts: outbox.attempts + 1}, etag=outbox.etag)


def released(outbox_id: uuid.UUID) -> Write:
    """Back to Pending after a failure that certainly sent nothing."""
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.PENDING)})


def sent(outbox_id: uuid.UUID, sid: str, message_id: uuid.UUID) -> Write:
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.SENT), _C.smsb_sid: sid,
                                          **_linked(message_id)})


def ended(outbox_id: uuid.UUID, status: OutboxStatus, reason: str, code: int | None, *,
          message_id: uuid.UUID | None = None) -> Write:
    """Not sent (Skipped, Failed) or outcome unknown, with the reason an admin reads; linked to its message row when
    one was written."""
    values: dict[str, Any] = {_C.smsb_sendstatus: int(status), _C.smsb_errorcode: code,
                              _C.smsb_failurereason: reason[:_REASON_LENGTH]}
    if message_id is not None:
        values.update(_linked(message_id))
    return Write(SMSB_OUTBOX, outbox_id, values)


def given_up(outbox_id: uuid.UUID, reason: str) -> Write:
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.UNKNOWN),
                                          _C.smsb_failurereason: reason[:_REASON_LENGTH]})


def failed_by_callback(outbox_id: uuid.UUID, code: int | None, reason: str) -> Write:
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.FAILED), _C.smsb_errorcode: code,
                                          _C.smsb_failurereason: reason})


def released_by_sweep(outbox_id: uuid.UUID, at: datetime, etag: str | None) -> Write:
    """Handed to the send queue at `at` (`actualstart`), so the next sweeps leave it alone while its job runs."""
    return Write(SMSB_OUTBOX, outbox_id, {_C.actualstart: at.isoformat()}, etag=etag)


def recovered(outbox_id: uuid.UUID, sid: str, etag: str | None) -> Write:
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.SENT), _C.smsb_sid: sid}, etag=etag)


def settled_unknown(outbox_id: uuid.UUID, reason: str, etag: str | None) -> Write:
    return Write(SMSB_OUTBOX, outbox_id, {_C.smsb_sendstatus: int(OutboxStatus.UNKNOWN),
                                          _C.smsb_failurereason: reason[:_REASON_LENGTH]}, etag=etag)
