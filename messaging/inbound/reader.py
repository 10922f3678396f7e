"""What the inbound worker reads, each time as one `$batch`: the conversation, the session of the window, the
customer match over the Record Types (their tables' definitions come from `messaging.tables`), the team's members;
after a failed write, what exists; for a text filed before, its pictures' rows. Rows become plain values here."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dataverse import DataverseClient, F, NotFound, Row
from messaging.customers import CustomerTable
from messaging.inbound.grouping import GroupRead
from messaging.inbound.matching import CANDIDATE_LIMIT, Candidate, Searched
from messaging.inbound.rules import Text
from messaging.names import (
    SMSB_CONVERSATION,
    SMSB_MESSAGE,
    SMSB_MESSAGEMEDIA,
    SMSB_MESSAGESESSION,
    TEAMMEMBERSHIP,
    RowState,
)
from messaging.phones import narrowing_fragments
from messaging.rows import conversation, media
from messaging.rows.conversation import StoredConversation
from messaging.rows.media import MediaStatus
from messaging.store import Answer, Get, Item, Query, Store

__all__ = ["Exists", "GroupAnswer", "InboundReader", "Read"]

_MODIFIED = "modifiedon"
_STATE = "statecode"
_MEMBERS_LIMIT = 500


@dataclass(frozen=True)
class Read:
    conversation: StoredConversation | None
    session_exists: bool
    searched: tuple[Searched, ...]
    members: tuple[uuid.UUID, ...] | None  # None: not asked
    round_trips: int


@dataclass(frozen=True)
class Exists:
    message: bool
    session: bool
    conversation: StoredConversation | None
    round_trips: int


@dataclass(frozen=True)
class GroupAnswer:
    """What one read of a group found: rows by id, the match by the index of the text it was made for."""

    conversations: Mapping[uuid.UUID, StoredConversation | None]
    sessions: frozenset[uuid.UUID]  # those that exist
    searched: Mapping[int, tuple[Searched, ...]]
    members: Mapping[uuid.UUID, tuple[uuid.UUID, ...]]
    round_trips: int


def conversation_get(conversation_id: uuid.UUID) -> Get:
    return Get(SMSB_CONVERSATION.entity_set, conversation_id, conversation.COLUMNS, formatted=True)


class InboundReader:
    def __init__(self, client: DataverseClient, store: Store) -> None:
        self._client = client
        self._store = store

    def read(self, text: Text, *, conversation: bool, session: bool, match: Mapping[str, CustomerTable | None] | None,
             team: uuid.UUID | None) -> Read:
        """One `$batch` of whatever is asked: the conversation, the window's session (another worker may have
        opened it; knowing saves a failed write), the customer match (only for a number never seen) and the team's
        members (who may be notified). `match`: the Record Types' tables, when the number is to be matched."""
        items: list[Item] = []
        conversation_read = session_read = members_read = None
        matches: list[tuple[Searched, Query]] = []
        if conversation:
            conversation_read = conversation_get(text.conversation_id)
            items.append(conversation_read)
        if session:
            session_read = Get(SMSB_MESSAGESESSION.entity_set, text.session_id(text.conversation_id),
                               (SMSB_MESSAGESESSION.columns.activityid,))
            items.append(session_read)
        if match is not None:
            matches = self._match_queries(text, match)
            items.extend(query for _, query in matches)
        if team is not None:
            members_read = Query(TEAMMEMBERSHIP.entity_set, (TEAMMEMBERSHIP.columns.systemuserid,),
                                 F.eq(TEAMMEMBERSHIP.columns.teamid, team), top=_MEMBERS_LIMIT)
            items.append(members_read)
        answer = self._store.run(items, continue_on_error=True)
        _raise_unless_missing(answer, items)
        members = None
        if members_read is not None:
            members = tuple(member for row in answer.rows(members_read)
                            if (member := row.guid(TEAMMEMBERSHIP.columns.systemuserid)) is not None)
        row = answer.row(conversation_read) if conversation_read is not None else None
        return Read(
            conversation=StoredConversation.from_row(row) if row is not None else None,
            session_exists=session_read is not None and answer.row(session_read) is not None,
            searched=tuple(Searched(searched.record_type, searched.table, _candidates(answer, query, searched))
                           for searched, query in matches),
            members=members,
            round_trips=answer.round_trips,
        )

    def read_group(self, plan: GroupRead, texts: Sequence[Text],
                   tables: Mapping[str, CustomerTable | None]) -> GroupAnswer:
        """Everything a group of texts lacks (`grouping.plan_read`), in one `$batch`; nothing when it lacks
        nothing."""
        if plan.empty:
            return GroupAnswer({}, frozenset(), {}, {}, 0)
        conversation_reads = {row_id: conversation_get(row_id) for row_id in plan.conversations}
        session_reads = {row_id: Get(SMSB_MESSAGESESSION.entity_set, row_id, (SMSB_MESSAGESESSION.columns.activityid,))
                         for row_id in plan.sessions}
        match_reads = {index: self._match_queries(texts[index], tables) for index in plan.matches}
        team_reads = {team: _members_query(team) for team in plan.teams}
        items: list[Item] = [*conversation_reads.values(), *session_reads.values(),
                             *(query for queries in match_reads.values() for _, query in queries), *team_reads.values()]
        answer = self._store.run(items, continue_on_error=True)
        _raise_unless_missing(answer, items)
        conversations = {}
        for row_id, get in conversation_reads.items():
            row = answer.row(get)
            conversations[row_id] = StoredConversation.from_row(row) if row is not None else None
        return GroupAnswer(
            conversations=conversations,
            sessions=frozenset(row_id for row_id, get in session_reads.items() if answer.row(get) is not None),
            searched={index: tuple(Searched(s.record_type, s.table, _candidates(answer, query, s))
                                   for s, query in queries) for index, queries in match_reads.items()},
            members={team: _member_ids(answer.rows(query)) for team, query in team_reads.items()},
            round_trips=answer.round_trips,
        )

    def reread(self, text: Text, session_id: uuid.UUID) -> Exists:
        """After a write met rows it meant to create: which exist now."""
        message_read = Get(SMSB_MESSAGE.entity_set, text.message_id, (SMSB_MESSAGE.columns.smsb_messageid,))
        conversation_read = conversation_get(text.conversation_id)
        session_read = Get(SMSB_MESSAGESESSION.entity_set, session_id, (SMSB_MESSAGESESSION.columns.activityid,))
        items: list[Item] = [message_read, conversation_read, session_read]
        answer = self._store.run(items, continue_on_error=True)
        _raise_unless_missing(answer, items)
        row = answer.row(conversation_read)
        return Exists(message=answer.row(message_read) is not None, session=answer.row(session_read) is not None,
                      conversation=StoredConversation.from_row(row) if row is not None else None,
                      round_trips=answer.round_trips)

    def members(self, team: uuid.UUID) -> tuple[uuid.UUID, ...]:
        """The members of a team other than the Configuration's (a chat handed over to another team; one GET)."""
        rows = self._client.query(TEAMMEMBERSHIP.entity_set, select=(TEAMMEMBERSHIP.columns.systemuserid,),
                                  filter=F.eq(TEAMMEMBERSHIP.columns.teamid, team), top=_MEMBERS_LIMIT)
        return tuple(member for row in rows if (member := row.guid(TEAMMEMBERSHIP.columns.systemuserid)) is not None)

    def pictures(self, message_id: uuid.UUID) -> list[MediaStatus]:
        """The Message Media rows of a text, with their file status (one GET)."""
        return [MediaStatus.from_row(row) for row in self._client.query(
            SMSB_MESSAGEMEDIA.entity_set, select=media.STATUS_COLUMNS, filter=F.eq(media.MESSAGE, message_id))]

    def _match_queries(self, text: Text, tables: Mapping[str, CustomerTable | None]) -> list[tuple[Searched, Query]]:
        """Per usable Record Type, the active rows of its table whose phone column contains the number's last
        digits, newest first."""
        queries = []
        fragments = narrowing_fragments(text.number)
        for record_type in text.record_types:
            table = tables.get(record_type.entity)
            if table is None:
                continue
            column = record_type.phone_field
            narrowing = F.contains(column, fragments[0])
            for fragment in fragments[1:]:
                narrowing = narrowing | F.contains(column, fragment)
            condition = (F.eq(_STATE, int(RowState.ACTIVE)) & narrowing) if table.has_state else narrowing
            select = tuple(dict.fromkeys((table.primary_id, table.primary_name, column, _MODIFIED)))
            queries.append((Searched(record_type, table, ()),
                            Query(table.entity_set, select, condition, orderby=(f"{_MODIFIED} desc",),
                                  top=CANDIDATE_LIMIT)))
        return queries


def _candidates(answer: Answer, query: Query, searched: Searched) -> tuple[Candidate, ...]:
    table, column = searched.table, searched.record_type.phone_field
    found = []
    for row in answer.rows(query):
        phone, name = row.get(column), row.get(table.primary_name)
        found.append(Candidate(uuid.UUID(str(row[table.primary_id])), str(name) if name else None,
                               str(phone) if phone is not None else None, str(row.get(_MODIFIED) or "")))
    return tuple(found)


def _raise_unless_missing(answer: Answer, items: list[Item]) -> None:
    for item in items:
        error = answer.error(item)
        if error is not None and not isinstance(error, NotFound):
            raise error


def _members_query(team: uuid.UUID) -> Query:
    return Query(TEAMMEMBERSHIP.entity_set, (TEAMMEMBERSHIP.columns.systemuserid,),
                 F.eq(TEAMMEMBERSHIP.columns.teamid, team), top=_MEMBERS_LIMIT)


def _member_ids(rows: Sequence[Row]) -> tuple[uuid.UUID, ...]:
    return tuple(member for row in rows if (member := row.guid(TEAMMEMBERSHIP.columns.systemuserid)) is not None)
