"""The session row (smsb_messagesession, a custom activity): a conversation's window, as the first text of the window
opens it, the sweep closes it, and a change of owner is brought in step with its conversation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from dataverse.odata import bind
from dataverse.rows import Row
from messaging.customers import RecordRef
from messaging.names import (
    ACTIVITYPARTY,
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_MESSAGESESSION,
    ActivityState,
    ActivityStatus,
    Participation,
    bind_key,
    lookup_value,
)
from messaging.plans import Mode, Write
from messaging.rows.owner import OWNER, Owner
from messaging.rows.owner import reassigned as owner_reassigned
from messaging.windows import Window

__all__ = ["CONVERSATION", "ID", "OWNER_COLUMNS", "About", "StoredSession", "closed", "opened", "reassigned"]

_C = SMSB_MESSAGESESSION.columns
_N = SMSB_MESSAGESESSION.navigation
_P = ACTIVITYPARTY.columns
_NAME_LENGTH = 200
ID = _C.activityid
CONVERSATION = lookup_value(_C.smsb_conversation)
OWNER_COLUMNS = (ID, OWNER, _C.statecode, CONVERSATION)


@dataclass(frozen=True)
class About:
    """What a session points at: the customer texted (its To party; its Customer when that is an account or a
    contact) and the record the chat is about (Regarding). They differ when a chat started from a related record
    (a Case) texts that record's customer; without one, the session is Regarding the customer."""

    customer: RecordRef | None
    regarding: RecordRef | None = None

    @property
    def subject(self) -> RecordRef | None:
        """The record the session is Regarding."""
        return self.regarding or self.customer


def opened(session_id: uuid.UUID, *, conversation_id: uuid.UUID, configuration_id: uuid.UUID, number: str,
           window: Window, name: str, owner: Owner, about: About | None) -> Write:
    """A new session, created with its own id (a custom activity takes no upsert). Regarding is the record the chat
    is about, when its table takes activities; an unmatched sender's chat is about nobody until a user links or
    creates the record, and its party is the number itself, as it is for a customer whose table cannot be a party.
    Every navigation property comes from the tables' definitions."""
    values: dict[str, Any] = {
        _C.subject: f"SMS with {name} ({window.start:%Y-%m-%d %H:%M} UTC)"[:_NAME_LENGTH],
        bind_key(_N.smsb_conversation): bind(SMSB_CONVERSATION.entity_set, conversation_id),
        bind_key(_N.smsb_configuration): bind(SMSB_CONFIGURATION.entity_set, configuration_id),
        _C.smsb_phonenumber: number,
        _C.actualstart: window.start.isoformat(),
        _C.scheduledend: window.end.isoformat(),
        **owner.bind(),
    }
    party: dict[str, Any] = {_P.participationtypemask: int(Participation.TO_RECIPIENT), _P.addressused: number}
    subject = about.subject if about is not None else None
    if subject is not None and subject.table.regarding_navigation:
        values[bind_key(subject.table.regarding_navigation)] = bind(subject.table.entity_set, subject.id)
    customer = about.customer if about is not None else None
    if customer is not None:
        record = bind(customer.table.entity_set, customer.id)
        if customer.table.customer_navigation:
            values[bind_key(customer.table.customer_navigation)] = record
        if customer.table.party_navigation:
            party = {_P.participationtypemask: int(Participation.TO_RECIPIENT),
                     bind_key(customer.table.party_navigation): record}
    values[SMSB_MESSAGESESSION.collections.smsb_messagesession_activity_parties] = [party]
    return Write(SMSB_MESSAGESESSION, session_id, values, Mode.CREATE_WITH_ID)


def closed(session_id: uuid.UUID, ended: Any) -> Write:
    """Open → Completed, ended when its window did, whenever the sweep got to it."""
    return Write(SMSB_MESSAGESESSION, session_id, {
        _C.statecode: int(ActivityState.COMPLETED), _C.statuscode: int(ActivityStatus.COMPLETED),
        _C.actualend: ended,
    })


@dataclass(frozen=True)
class StoredSession:
    """A session as an ownership change reads it: whose it is, whether it is still open, and its conversation."""

    id: uuid.UUID
    owner: Owner
    open: bool
    conversation_id: uuid.UUID | None
    etag: str | None

    @classmethod
    def from_row(cls, row: Row) -> StoredSession:
        return cls(id=uuid.UUID(str(row[ID])), owner=Owner.of(row),
                   open=int(row.get(_C.statecode) or 0) == int(ActivityState.OPEN),
                   conversation_id=row.guid(CONVERSATION), etag=row.etag)


def reassigned(session_id: uuid.UUID, owner: Owner, etag: str | None) -> Write:
    """The session given to its conversation's owner, only if it is as it was read (its messages follow it: they
    are its parental children, and Dataverse cascades an Assign to them)."""
    return owner_reassigned(SMSB_MESSAGESESSION, session_id, owner, etag)
