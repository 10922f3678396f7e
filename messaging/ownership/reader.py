"""What an ownership change needs to know, read as plain values: the session the event is about (when it is about
one), the conversation with its open sessions (one `$batch`), and — only when it matters — whether who has the chat
belongs to the team it is going to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dataverse import F, NotFound
from messaging.names import SMSB_CONVERSATION, SMSB_MESSAGESESSION, TEAMMEMBERSHIP, ActivityState
from messaging.ownership.rules import Facts, Reassigned
from messaging.rows import conversation, session
from messaging.rows.conversation import StoredConversation
from messaging.rows.session import StoredSession
from messaging.store import Get, Item, Query, Store

__all__ = ["OwnershipReader", "Read"]

# A conversation has one open session per window until the sweep closes the ended ones: a handful at most.
_OPEN_SESSIONS_LIMIT = 50
_S = SMSB_MESSAGESESSION.columns


@dataclass(frozen=True)
class Read:
    facts: Facts
    round_trips: int


class OwnershipReader:
    def __init__(self, store: Store) -> None:
        self._store = store

    def read(self, event: Reassigned) -> Read:
        round_trips = 0
        leader: StoredSession | None = None
        conversation_id: uuid.UUID | None = event.row_id
        if event.table == "session":
            leader_read = Get(SMSB_MESSAGESESSION.entity_set, event.row_id, session.OWNER_COLUMNS, formatted=True)
            answer = self._store.run([leader_read], continue_on_error=True)
            round_trips += answer.round_trips
            _raise_unless_missing(answer.error(leader_read))
            row = answer.row(leader_read)
            leader = StoredSession.from_row(row) if row is not None else None
            conversation_id = leader.conversation_id if leader is not None and leader.open else None
        if conversation_id is None:
            return Read(Facts(event, None, (), leader), round_trips)
        stored, sessions, trips = self._chat(conversation_id)
        return Read(Facts(event, stored, sessions, leader), round_trips + trips)

    def is_member(self, team: uuid.UUID, user: uuid.UUID) -> bool:
        membership = Query(TEAMMEMBERSHIP.entity_set, (TEAMMEMBERSHIP.columns.teammembershipid,),
                           F.eq(TEAMMEMBERSHIP.columns.teamid, team) & F.eq(TEAMMEMBERSHIP.columns.systemuserid, user),
                           top=1)
        answer = self._store.run([membership])
        answer.raise_first_error()
        return bool(answer.rows(membership))

    def _chat(self, conversation_id: uuid.UUID) -> tuple[StoredConversation | None, tuple[StoredSession, ...], int]:
        conversation_read = Get(SMSB_CONVERSATION.entity_set, conversation_id, conversation.COLUMNS, formatted=True)
        open_sessions = Query(SMSB_MESSAGESESSION.entity_set, session.OWNER_COLUMNS,
                              F.eq(session.CONVERSATION, conversation_id) & F.eq(_S.statecode, int(ActivityState.OPEN)),
                              top=_OPEN_SESSIONS_LIMIT, formatted=True)
        items: list[Item] = [conversation_read, open_sessions]
        answer = self._store.run(items, continue_on_error=True)
        _raise_unless_missing(answer.error(conversation_read))
        if (error := answer.error(open_sessions)) is not None:
            raise error
        row = answer.row(conversation_read)
        return (StoredConversation.from_row(row) if row is not None else None,
                tuple(StoredSession.from_row(found) for found in answer.rows(open_sessions)), answer.round_trips)


def _raise_unless_missing(error: Exception | None) -> None:
    if error is not None and not isinstance(error, NotFound):
        raise error
