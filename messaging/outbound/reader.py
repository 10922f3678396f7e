"""What the outbound worker reads: the Outbox (one GET, its To party, template, Configuration and chat session
expanded), the sender, and — in the claim's own `$batch` — the To record, the conversation and the session of the
window; the To record with its owner's rights when that is someone else; after a failed write, what exists. Rows
become plain values here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dataverse import DataverseClient, DataverseHttpError, F, NotFound
from messaging.caches import TtlCache
from messaging.customers import customer_table
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
from messaging.outbound.render_rights import ReadRefused, refused
from messaging.outbound.rules import ReadPlan, RecordRead, Send, Sender, read_plan
from messaging.plans import Changeset
from messaging.rows import conversation, outbox
from messaging.rows.configuration import CONFIGURATION_COLUMNS, Configuration
from messaging.rows.conversation import StoredConversation
from messaging.rows.outbox import Outbox
from messaging.store import Answer, Get, Item, Query, Store, by_id
from messaging.windows import window_for
from solution.schema import Schema

__all__ = ["Claim", "Found", "OutboundReader"]

_CONVERSATION = SMSB_CONVERSATION.columns
_SESSION = SMSB_MESSAGESESSION.columns
_SESSION_COLUMNS = (_SESSION.activityid,)
_NEARBY = 10  # conversations and open sessions about one record: almost always the ones for its number


@dataclass(frozen=True)
class Claim:
    """The claim's `$batch`: the claim itself, then what was read alongside."""

    changeset: Changeset
    answer: Answer
    record: Get | None
    conversations: Query | None
    sessions: Query | None

    @property
    def error(self) -> Exception | None:
        return self.answer.error(self.changeset)

    def reads(self) -> tuple[RecordRead, tuple[StoredConversation, ...], frozenset[uuid.UUID]]:
        """What was read. A failed read stops the batch, so what follows it reads as nothing; a failure that is not
        the record's absence or refusal is raised."""
        record = RecordRead()
        if self.record is not None:
            error = self.answer.service_error(self.record)
            if isinstance(error, NotFound):
                record = RecordRead(missing=True)
            elif isinstance(error, DataverseHttpError) and error.status == 400:
                # The service refused the columns asked for (a Record Type naming a column the table lacks):
                # retrying cannot help, an admin must fix the Record Type or the template.
                record = RecordRead(error=error.message or str(error))
            elif error is not None:
                raise error
            else:
                record = RecordRead(row=self.answer.row(self.record))
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
            sessions = frozenset(found for row in self.answer.rows(self.sessions)
                                 if (found := row.guid(_SESSION.activityid)) is not None)
        return record, conversations, sessions


@dataclass(frozen=True)
class Found:
    """After a write met rows it meant to create: which exist now."""

    conversation: StoredConversation | None
    session: bool
    message: bool
    round_trips: int


class OutboundReader:
    def __init__(self, client: DataverseClient, store: Store, directory: ConfigurationDirectory, schema: Schema, *,
                 configuration_ttl: float = 60.0) -> None:
        self._client = client
        self._store = store
        self._directory = directory
        self._schema = schema
        self._only_configuration: TtlCache[str, Configuration] = TtlCache(configuration_ttl)

    def outbox(self, outbox_id: uuid.UUID) -> Outbox | None:
        row = self._client.find(SMSB_OUTBOX.entity_set, outbox_id, select=outbox.COLUMNS, expand=outbox.EXPAND,
                                formatted=True)
        return None if row is None else Outbox.from_row(row)

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

    def plan(self, sent: Outbox, sender: Sender) -> ReadPlan:
        to = sent.to
        table = customer_table(to.table, self._schema) if to is not None and to.table else None
        definition = self._schema.table(to.table) if table is not None and to is not None and to.table else None
        return read_plan(sent, sender, table, definition)

    def claim(self, sent: Outbox, sender: Sender | None, plan: ReadPlan | None, now: datetime, *,
              record_in_batch: bool) -> tuple[Claim, int]:
        """One `$batch`: the claim (Pending → Sending with the ETag read) in a changeset, then the To record (unless
        it must be read with its owner's rights), the conversation and the session. A failed claim stops it."""
        changeset = Changeset((outbox.claimed(sent),))
        items: list[Item] = [changeset]
        record = conversations = sessions = None
        to = sent.to
        if sender is not None and plan is not None:
            table = plan.table
            if record_in_batch and table is not None and to is not None and to.id is not None:
                record = Get(table.entity_set, to.id, plan.record_columns, formatted=True)
                items.append(record)
            configuration = sender.configuration
            if plan.known_number is not None:
                number_conversation = conversation_id(configuration.id, plan.known_number)
                window = window_for(now, configuration.session_timeout_minutes)
                conversations = by_id(SMSB_CONVERSATION.entity_set, _CONVERSATION.smsb_conversationid,
                                      number_conversation, conversation.COLUMNS)
                sessions = by_id(SMSB_MESSAGESESSION.entity_set, _SESSION.activityid,
                                 session_id(number_conversation, window.start), _SESSION_COLUMNS)
            elif table is not None and to is not None and to.id is not None:
                # The number is in the record read alongside; the conversations and open sessions about that
                # record almost always include the ones for its number, which saves a round trip.
                conversations = Query(SMSB_CONVERSATION.entity_set, conversation.COLUMNS,
                                      F.eq(lookup_value(_CONVERSATION.smsb_configuration), configuration.id)
                                      & F.eq(_CONVERSATION.smsb_customerid, str(to.id)), top=_NEARBY)
                sessions = Query(SMSB_MESSAGESESSION.entity_set, _SESSION_COLUMNS,
                                 F.eq(lookup_value(_SESSION.smsb_configuration), configuration.id)
                                 & F.eq(lookup_value(_SESSION.regardingobjectid), to.id)
                                 & F.gt(_SESSION.scheduledend, now), top=_NEARBY)
            items.extend(item for item in (conversations, sessions) if item is not None)
        answer = self._store.run(items)
        return Claim(changeset, answer, record, conversations, sessions), answer.round_trips

    def read_as(self, sent: Outbox, plan: ReadPlan, user: uuid.UUID) -> RecordRead:
        """The To record, read while impersonating `user`: only what they may read fills the text."""
        to, table = sent.to, plan.table
        if to is None or to.id is None or table is None:
            return RecordRead()
        try:
            with self._client.operation(caller_id=user):
                return RecordRead(row=self._client.retrieve(table.entity_set, to.id, select=plan.record_columns,
                                                            formatted=True))
        except NotFound:
            return RecordRead(missing=True)
        except DataverseHttpError as exc:
            if exc.status == 403:
                return RecordRead(denied=refused(sent, ReadRefused(exc.code, exc.message), user))
            if exc.status == 400:
                return RecordRead(error=exc.message or str(exc))
            raise

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
