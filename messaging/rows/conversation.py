"""The conversation row (smsb_conversation): one customer number on one Configuration — as read, and every write
the product makes to it (first contact, first text out, activity, consent, an owner brought in step)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dataverse.odata import bind
from dataverse.rows import Row
from messaging.customers import Customer
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SYSTEMUSER,
    ConversationState,
    bind_key,
    choice_of,
    lookup_value,
)
from messaging.plans import Mode, Write
from messaging.rows.owner import OWNER, Owner
from messaging.times import parse_datetime

__all__ = [
    "ACCEPTED_BY",
    "COLUMNS",
    "Holding",
    "StoredConversation",
    "activity_update",
    "brought_in_step",
    "first_contact",
    "inbound_activity",
    "message_preview",
    "opted_out",
    "outbound_activity",
    "started_by_outbox",
]

_C = SMSB_CONVERSATION.columns
_NAME_LENGTH = 200
_KEYWORD_LENGTH = 50
PREVIEW_LENGTH = 200  # smsb_lastmessagepreview's length

ACCEPTED_BY = lookup_value(_C.smsb_acceptedby)
COLUMNS = (
    _C.smsb_conversationid, _C.smsb_state, OWNER, ACCEPTED_BY, _C.smsb_lastactivityon, _C.smsb_phonenumber,
    _C.smsb_customerentity, _C.smsb_customerid, _C.smsb_customername, _C.smsb_name, _C.smsb_optedout,
    _C.smsb_optedouton,
)


@dataclass(frozen=True)
class StoredConversation:
    id: uuid.UUID
    state: ConversationState
    owner_id: uuid.UUID | None
    owner: Owner  # who owns it, when the answer said which table the owner is of
    last_activity: datetime | None
    phone: str
    name: str
    customer_entity: str | None
    customer_id: uuid.UUID | None
    customer_name: str
    opted_out: bool
    opted_out_on: str | None
    accepted_by: uuid.UUID | None = None  # who has the chat (Accept, Assign to Me, the chat's Assign)
    etag: str | None = None

    @property
    def holder(self) -> uuid.UUID | None:
        """Who has the chat: its Accepted By while it is Accepted; a user who owns the row (the platform's Assign
        gave it to them) when no one accepted it. None for a Pending or Blocked chat, and for one nobody has."""
        if self.state is not ConversationState.ACCEPTED:
            return None
        return self.accepted_by or self.owner.user

    @classmethod
    def from_row(cls, row: Row) -> StoredConversation:
        customer = row.get(_C.smsb_customerid)
        return cls(
            id=uuid.UUID(str(row[_C.smsb_conversationid])),
            state=choice_of(ConversationState, int(row.get(_C.smsb_state) or ConversationState.PENDING)),
            owner_id=row.guid(OWNER),
            owner=Owner.of(row),
            last_activity=parse_datetime(row.get(_C.smsb_lastactivityon)),
            phone=str(row.get(_C.smsb_phonenumber) or ""),
            name=str(row.get(_C.smsb_name) or ""),
            customer_entity=str(row[_C.smsb_customerentity]) if row.get(_C.smsb_customerentity) else None,
            customer_id=uuid.UUID(str(customer)) if customer else None,
            customer_name=str(row.get(_C.smsb_customername) or ""),
            opted_out=row.get(_C.smsb_optedout) is True,
            opted_out_on=row.get(_C.smsb_optedouton) or None,
            accepted_by=row.guid(ACCEPTED_BY),
            etag=row.etag,
        )


def message_preview(body: str, has_media: bool) -> str:
    """A conversation's one-line preview of a text: whitespace folded, long texts cut with an ellipsis."""
    text = " ".join(body.split())
    if not text:
        return "(picture)" if has_media else ""
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def inbound_activity(received_at: datetime, body: str, has_media: bool, *, opted_out: bool | None,
                     keyword: str) -> dict[str, Any]:
    """The conversation's activity columns after an inbound text, and its consent when the text changed it
    (`opted_out` None: it did not)."""
    at = received_at.isoformat()
    activity: dict[str, Any] = {
        _C.smsb_lastinboundon: at,
        _C.smsb_lastactivityon: at,
        _C.smsb_lastmessagepreview: message_preview(body, has_media),
    }
    if opted_out is True:
        activity.update({_C.smsb_optedout: True, _C.smsb_optedouton: at,
                         _C.smsb_optoutkeyword: keyword[:_KEYWORD_LENGTH]})
    elif opted_out is False:
        activity.update({_C.smsb_optedout: False, _C.smsb_optoutkeyword: keyword[:_KEYWORD_LENGTH]})
    return activity


def first_contact(conversation_id: uuid.UUID, *, configuration_id: uuid.UUID, number: str,
                  customer: Customer | None, reason: str, owner: Owner, activity: Mapping[str, Any]) -> Write:
    """The conversation a first inbound text creates: Pending, owned by the team, about the matched customer."""
    values: dict[str, Any] = {
        _C.smsb_name: (customer.name if customer else number)[:_NAME_LENGTH],
        bind_key(SMSB_CONVERSATION.navigation.smsb_configuration): bind(SMSB_CONFIGURATION.entity_set,
                                                                         configuration_id),
        _C.smsb_phonenumber: number,
        _C.smsb_state: int(ConversationState.PENDING),
        _C.smsb_matchreason: reason or "No customer matched",
        **owner.bind(),
        **activity,
    }
    if customer is not None:
        values.update(_customer(customer.entity, customer.id, customer.name))
    return Write(SMSB_CONVERSATION, conversation_id, values, Mode.CREATE_ONLY)


def started_by_outbox(conversation_id: uuid.UUID, configuration_id: uuid.UUID, number: str, *, name: str,
                      subject: str, team: uuid.UUID | None, about: tuple[str, uuid.UUID] | None) -> Write:
    """The conversation a first outgoing text creates: Pending, owned by the team, about the To record."""
    values: dict[str, Any] = {
        _C.smsb_name: name[:_NAME_LENGTH],
        bind_key(SMSB_CONVERSATION.navigation.smsb_configuration): bind(SMSB_CONFIGURATION.entity_set,
                                                                         configuration_id),
        _C.smsb_phonenumber: number,
        _C.smsb_state: int(ConversationState.PENDING),
        _C.smsb_matchreason: f"Started by the outgoing text '{subject}'"[:_NAME_LENGTH],
        **Owner.team_of(team).bind(),
    }
    if about is not None:
        values.update(_customer(about[0], about[1], name))
    return Write(SMSB_CONVERSATION, conversation_id, values, Mode.CREATE_ONLY)


def _customer(entity: str, record: uuid.UUID, name: str) -> dict[str, Any]:
    return {_C.smsb_name: name[:_NAME_LENGTH], _C.smsb_customerentity: entity, _C.smsb_customerid: str(record),
            _C.smsb_customername: name[:_NAME_LENGTH]}


def activity_update(conversation_id: uuid.UUID, activity: Mapping[str, Any]) -> Write:
    return Write(SMSB_CONVERSATION, conversation_id, activity)


def outbound_activity(conversation_id: uuid.UUID, at: datetime, preview: str) -> Write:
    moment = at.isoformat()
    return Write(SMSB_CONVERSATION, conversation_id, {
        _C.smsb_lastoutboundon: moment, _C.smsb_lastactivityon: moment, _C.smsb_lastmessagepreview: preview})


def opted_out(conversation_id: uuid.UUID, at: datetime, keyword: str) -> Write:
    return Write(SMSB_CONVERSATION, conversation_id, {
        _C.smsb_optedout: True, _C.smsb_optedouton: at.isoformat(), _C.smsb_optoutkeyword: keyword})


@dataclass(frozen=True)
class Holding:
    """Who has the chat after its owner changed: `user` has it now (Accepted), or nobody does (Pending again, for the
    team that owns it to Accept)."""

    user: uuid.UUID | None


def brought_in_step(conversation_id: uuid.UUID, *, etag: str | None, at: datetime, owner: Owner | None = None,
                    holding: Holding | None = None, activity: datetime | None = None) -> Write:
    """The conversation given the owner of its open session (`owner`), who has the chat (`holding`, taken at `at`)
    and its last activity (`activity`: a change of owner is activity, DESIGN 6.6), only if it is as it was read."""
    values: dict[str, Any] = dict(owner.bind()) if owner is not None else {}
    accepted_by = bind_key(SMSB_CONVERSATION.navigation.smsb_acceptedby)
    if holding is not None and holding.user is not None:
        values.update({_C.smsb_state: int(ConversationState.ACCEPTED),
                       accepted_by: bind(SYSTEMUSER.entity_set, holding.user), _C.smsb_acceptedon: at.isoformat()})
    elif holding is not None:
        values.update({_C.smsb_state: int(ConversationState.PENDING), accepted_by: None, _C.smsb_acceptedon: None})
    if activity is not None:
        values[_C.smsb_lastactivityon] = activity.isoformat()
    return Write(SMSB_CONVERSATION, conversation_id, values, etag=etag)
