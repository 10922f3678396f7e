"""What the outbound worker reads: the Outbox (one GET, its To party, Regarding, template, Configuration and chat
session expanded), the sender, the definitions of the tables it names (held per worker, `messaging.tables`), and —
in the claim's own `$batch` — the To and Regarding records, the conversation and the session of the window; the
records with their owner's rights when that is someone else; after a failed write, what exists. Rows become plain
values here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dataverse import DataverseClient, DataverseError, DataverseHttpError, F, NotFound, Row
from messaging.caches import TtlCache
from messaging.directory import ConfigurationDirectory
from messaging.errors import ConfigurationNotFound
from messaging.ids import conversation_id, outbound_message_id, session_id
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_MESSAGE,
    SMSB_MESSAGESESSION,
    SMSB_OUTBOX,
    RowState,
    lookup_value,
)
from messaging.outbound.recipients import RecordGet, needed_tables
from messaging.outbound.render_rights import ReadRefused, refused
from messaging.outbound.rules import ReadPlan, RecordRead, Send, Sender, read_plan
from messaging.plans import Changeset
from messaging.rows import conversation, outbox
from messaging.rows.configuration import CONFIGURATION_COLUMNS, Configuration
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import Outbox, Party
from messaging.store import Answer, Get, Item, Query, Store, by_id
from messaging.tables import CustomerTables
from messaging.windows import window_for

__all__ = ["Claim", "ClaimRequest", "Found", "OutboundReader", "claim_request"]

_CONVERSATION = SMSB_CONVERSATION.columns
_SESSION = SMSB_MESSAGESESSION.columns
_SESSION_COLUMNS = (_SESSION.activityid,)
_NEARBY = 10  # conversations and open sessions about one record: almost always the ones for its number


def _get(read: RecordGet) -> Get:
    return Get(read.table.entity_set, read.id, read.columns, formatted=True, expand=read.expand_options)


def _party(sent: Outbox, plan: ReadPlan, read: RecordGet) -> Party | None:
    return sent.to if read is plan.to_read else plan.target.regarding


def _record_read(error: DataverseError | None, row: Row | None, sent: Outbox, party: Party | None,
                 reader: uuid.UUID | None) -> RecordRead:
    """What a read of a record found: gone, refused to its reader, columns refused (a Record Type or template
    naming a column the table lacks: an admin must fix it, retrying cannot help), or the row."""
    if isinstance(error, NotFound):
        return RecordRead(missing=True)
    if isinstance(error, DataverseHttpError) and error.status == 403 and reader is not None:
        return RecordRead(denied=refused(sent, ReadRefused(error.code, error.message), reader, party))
    if isinstance(error, DataverseHttpError) and error.status == 400:
        return RecordRead(error=error.message or str(error))
    if error is not None:
        raise error
    return RecordRead(row=row)


@dataclass(frozen=True)
class Claim:
    """The claim's `$batch`: the claim itself, then what was read alongside."""

    changeset: Changeset
    answer: Answer
    records: tuple[tuple[RecordGet, Get], ...]
    conversations: Query | None
    sessions: Query | None

    @property
    def error(self) -> Exception | None:
        return self.answer.error(self.changeset)

    def reads(self, sent: Outbox, plan: ReadPlan) -> tuple[RecordRead, RecordRead, tuple[StoredConversation, ...],
                                                           frozenset[uuid.UUID]]:
        """What was read: the To record, the Regarding record, conversations, sessions. A failed read stops the
        batch, so what follows it reads as nothing; a failure that is not a record's absence or refusal is
        raised."""
        to = regarding = RecordRead()
        for read, get in self.records:
            found = _record_read(self.answer.service_error(get), self.answer.row(get), sent,
                                 _party(sent, plan, read), None)
            if read is plan.to_read:
                to = found
            else:
                regarding = found
        conversations: tuple[StoredConversation, ...] = ()
        if self.conversations is not None:
            error = self.answer.service_error(self.conversations)
            if error is not None:
                raise error
            conversations = tuple(StoredConversation.from_row(row) for row in self.answer.rows(self.conversations))
        sessions: frozenset[uuid.UUID] = frozenset()
        if self.sessions is not None:
            error = self.answer.service_error(self.sessions)
            if error is not None:
                raise error
            sessions = frozenset(session for row in self.answer.rows(self.sessions)
                                 if (session := row.guid(_SESSION.activityid)) is not None)
        return to, regarding, conversations, sessions


@dataclass(frozen=True)
class ClaimRequest:
    """The items of one Outbox's claim, to be run alone or beside other Outboxes' in one `$batch`."""

    changeset: Changeset
    items: tuple[Item, ...]
    records: tuple[tuple[RecordGet, Get], ...]
    conversations: Query | None
    sessions: Query | None

    def answered(self, answer: Answer) -> Claim:
        return Claim(self.changeset, answer, self.records, self.conversations, self.sessions)


def claim_request(sent: Outbox, sender: Sender | None, plan: ReadPlan | None, now: datetime, *,
              record_in_batch: bool) -> ClaimRequest:
    """The claim (Pending → Sending with the ETag read) in a changeset, then the To and Regarding records (unless
    they must be read with their owner's rights), the conversation and the session."""
    changeset = Changeset((outbox.claimed(sent),))
    items: list[Item] = [changeset]
    records: list[tuple[RecordGet, Get]] = []
    conversations = sessions = None
    if sender is not None and plan is not None:
        if record_in_batch:
            records = [(read, _get(read)) for read in plan.reads]
            items.extend(get for _, get in records)
        configuration = sender.configuration
        if plan.known_number is not None:
            number_conversation = conversation_id(configuration.id, plan.known_number)
            window = window_for(now, configuration.session_timeout_minutes)
            conversations = by_id(SMSB_CONVERSATION.entity_set, _CONVERSATION.smsb_conversationid,
                                  number_conversation, conversation.COLUMNS)
            sessions = by_id(SMSB_MESSAGESESSION.entity_set, _SESSION.activityid,
                             session_id(number_conversation, window.start), _SESSION_COLUMNS)
        else:
            # The number is in the record read alongside; the conversations and open sessions about that
            # record almost always include the ones for its number, which saves a round trip.
            if plan.recipient_id is not None:
                conversations = Query(SMSB_CONVERSATION.entity_set, conversation.COLUMNS,
                                      F.eq(lookup_value(_CONVERSATION.smsb_configuration), configuration.id)
                                      & F.eq(_CONVERSATION.smsb_customerid, str(plan.recipient_id)), top=_NEARBY)
            if plan.about_id is not None:
                sessions = Query(SMSB_MESSAGESESSION.entity_set, _SESSION_COLUMNS,
                                 F.eq(lookup_value(_SESSION.smsb_configuration), configuration.id)
                                 & F.eq(lookup_value(_SESSION.regardingobjectid), plan.about_id)
                                 & F.gt(_SESSION.scheduledend, now), top=_NEARBY)
        items.extend(item for item in (conversations, sessions) if item is not None)
    return ClaimRequest(changeset, tuple(items), tuple(records), conversations, sessions)


@dataclass(frozen=True)
class Found:
    """After a write met rows it meant to create: which exist now."""

    conversation: StoredConversation | None
    session: bool
    message: bool
    round_trips: int


class OutboundReader:
    def __init__(self, client: DataverseClient, store: Store, directory: ConfigurationDirectory,
                 tables: CustomerTables, *, configuration_ttl: float = 60.0) -> None:
        self._client = client
        self._store = store
        self._directory = directory
        self._tables = tables
        self._only_configuration: TtlCache[str, Configuration] = TtlCache(configuration_ttl)

    @property
    def client(self) -> DataverseClient:
        return self._client

    def outbox(self, outbox_id: uuid.UUID) -> Outbox | None:
        row = self._client.find(SMSB_OUTBOX.entity_set, outbox_id, select=outbox.COLUMNS, expand=outbox.EXPAND,
                                formatted=True)
        return None if row is None else Outbox.from_row(row)

    def outboxes(self, ids: Sequence[uuid.UUID]) -> tuple[dict[uuid.UUID, Outbox], int]:
        """Several Outbox rows in one request (one query, the same columns and expansions as `outbox`); a row that
        is gone is absent from the answer. And the round trips it took."""
        if not ids:
            return {}, 0
        rows = self._client.query(SMSB_OUTBOX.entity_set, select=outbox.COLUMNS, expand=outbox.EXPAND,
                                  filter=F.any_of(SMSB_OUTBOX.columns.activityid, list(ids)), formatted=True)
        found = {sent.id: sent for sent in (Outbox.from_row(row) for row in rows)}
        return found, 1

    def read_as_many(self, wanted: Sequence[tuple[Outbox, ReadPlan]],
                     user: uuid.UUID) -> list[tuple[RecordRead, RecordRead]]:
        """The To and Regarding records of several Outboxes owned by `user`, read while impersonating them: one
        `$batch` (Dataverse applies impersonation to a whole `$batch`, never to a part)."""
        gets = [[(read, _get(read)) for read in plan.reads] for _, plan in wanted]
        with self._client.operation(caller_id=user):
            answer = self._store.run([get for row in gets for _, get in row], continue_on_error=True)
        found: list[tuple[RecordRead, RecordRead]] = []
        for (sent, plan), row in zip(wanted, gets, strict=True):
            to = regarding = RecordRead()
            for read, get in row:
                result = _record_read(answer.service_error(get), answer.row(get), sent, _party(sent, plan, read),
                                      user)
                if read is plan.to_read:
                    to = result
                else:
                    regarding = result
            found.append((to, regarding))
        return found

    def sender(self, sent: Outbox) -> tuple[Sender | None, str | None, int]:
        """The Configuration (named, else the only active one) and its Record Types, or why there is none; and the
        round trips it took."""
        round_trips = 0
        configuration = sent.configuration
        if sent.configuration_id is not None and configuration is None:
            return None, "The Configuration (From) of this Outbox no longer exists", round_trips
        if configuration is None:
            configuration = self._only_configuration.get("")
            if configuration is None:
                round_trips += 1
                rows = list(self._client.query(SMSB_CONFIGURATION.entity_set, select=CONFIGURATION_COLUMNS,
                                               filter=F.eq(SMSB_CONFIGURATION.columns.statecode,
                                                           int(RowState.ACTIVE)), top=2))
                if len(rows) != 1:
                    return None, ("No Configuration (From) is set on this Outbox and there is "
                                  + ("no active Configuration" if not rows else "more than one active Configuration")
                                  + " to choose from; set From"), round_trips
                configuration = Configuration.from_row(rows[0])
                self._only_configuration.put("", configuration)
        if not configuration.active:
            return None, f"The Configuration '{configuration.name}' is inactive", round_trips
        try:
            context = self._directory.context(configuration.id)
        except ConfigurationNotFound:
            return None, f"The Configuration '{configuration.name}' is inactive", round_trips
        return Sender(configuration, context.record_types), None, round_trips

    def plan(self, sent: Outbox, sender: Sender) -> tuple[ReadPlan, int]:
        """What the claim reads, from the definitions of the tables the Outbox and the Record Types name (read in
        one request when this worker does not hold them); and the round trips that took."""
        wanted = needed_tables(sent, sender.record_types)
        loaded = self._tables.load(wanted)
        plan = read_plan(sent, sender, loaded.tables)
        round_trips = loaded.round_trips
        table = plan.fill_in.table
        if plan.fill_in.unknown_column is not None and table is not None and table.logical_name not in loaded.fresh:
            # A column added since this worker read the table: read it again before calling the template wrong.
            self._tables.forget(table.logical_name)
            loaded = self._tables.load(wanted)
            round_trips += loaded.round_trips
            plan = read_plan(sent, sender, loaded.tables)
        return plan, round_trips

    def claim(self, sent: Outbox, sender: Sender | None, plan: ReadPlan | None, now: datetime, *,
              record_in_batch: bool) -> tuple[Claim, int]:
        """One `$batch`: the claim (Pending → Sending with the ETag read) in a changeset, then the To and Regarding
        records (unless they must be read with their owner's rights), the conversation and the session. A failed
        claim stops it."""
        request = claim_request(sent, sender, plan, now, record_in_batch=record_in_batch)
        answer = self._store.run(request.items)
        return request.answered(answer), answer.round_trips

    def read_as(self, sent: Outbox, plan: ReadPlan, user: uuid.UUID) -> tuple[RecordRead, RecordRead]:
        """The To and Regarding records, read while impersonating `user` (one request: Dataverse applies it to a
        whole `$batch`): only what they may read fills the text."""
        to = regarding = RecordRead()
        reads = plan.reads
        if not reads:
            return to, regarding
        gets = [(read, _get(read)) for read in reads]
        with self._client.operation(caller_id=user):
            if len(gets) == 1:
                (read, get), = gets
                try:
                    found = _record_read(None, self._client.retrieve(
                        get.entity_set, get.key, select=get.select, expand=get.expand or None, formatted=True),
                        sent, _party(sent, plan, read), user)
                except DataverseError as exc:
                    found = _record_read(exc, None, sent, _party(sent, plan, read), user)
                results = [(read, found)]
            else:
                answer = self._store.run([get for _, get in gets], continue_on_error=True)
                results = [(read, _record_read(answer.service_error(get), answer.row(get), sent,
                                               _party(sent, plan, read), user)) for read, get in gets]
        for read, found in results:
            if read is plan.to_read:
                to = found
            else:
                regarding = found
        return to, regarding

    def by_number(self, send: Send) -> tuple[tuple[StoredConversation, ...], frozenset[uuid.UUID], int]:
        """The conversation with the number decided on and the session of its window (one `$batch`)."""
        conversation_read = by_id(SMSB_CONVERSATION.entity_set, _CONVERSATION.smsb_conversationid,
                                  send.conversation, conversation.COLUMNS)
        session_read = by_id(SMSB_MESSAGESESSION.entity_set, _SESSION.activityid, send.session, _SESSION_COLUMNS)
        answer = self._store.run([conversation_read, session_read], continue_on_error=True)
        answer.raise_first_error()
        return (tuple(StoredConversation.from_row(row) for row in answer.rows(conversation_read)),
                frozenset({send.session}) if answer.rows(session_read) else frozenset(), answer.round_trips)

    def found(self, send: Send, sent: Outbox) -> Found:
        conversation_read = by_id(SMSB_CONVERSATION.entity_set, _CONVERSATION.smsb_conversationid,
                                  send.conversation, conversation.COLUMNS)
        session_read = by_id(SMSB_MESSAGESESSION.entity_set, _SESSION.activityid, send.session, _SESSION_COLUMNS)
        message_read = by_id(SMSB_MESSAGE.entity_set, SMSB_MESSAGE.columns.smsb_messageid,
                             outbound_message_id(sent.id), (SMSB_MESSAGE.columns.smsb_messageid,))
        answer = self._store.run([conversation_read, session_read, message_read], continue_on_error=True)
        answer.raise_first_error()
        rows = answer.rows(conversation_read)
        return Found(StoredConversation.from_row(rows[0]) if rows else None, bool(answer.rows(session_read)),
                     bool(answer.rows(message_read)), answer.round_trips)
