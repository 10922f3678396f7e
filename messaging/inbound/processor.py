"""An inbound text, filed into Dataverse exactly once (DESIGN 6.2): read what is not known, decide
(`inbound.rules`), write in one round trip.

1. *Read* (only when needed, one round trip): the conversation, the customer match over the Record Types (first
   contact), and the team's members (for notifications).
2. *Write* (one round trip): one atomic changeset — conversation (first contact), session (first text of its
   window), message (create-only), media rows, the conversation's activity and consent — followed by the in-app
   notifications, which run only if the changeset committed, and a read-back of the conversation.

A conversation this worker has seen recently costs only step 2. If the changeset meets a row that another worker
created meanwhile (a race on a new number or window), nothing was written; the worker re-reads what exists and
tries again with a smaller plan. If the message itself already exists, the text was filed before (Twilio retried,
or the queue redelivered): no duplicate, no second notification — only the pictures an earlier attempt left without
their file are finished. Pictures get their files after the commit (`inbound.media`), so a text is filed even
while Twilio's media is slow: `file` files a text, `finish` stores its pictures' files. Texts filed together
(`inbound.group`) share this worker's caches through the methods below `reader`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from dataverse import AlreadyExists, BatchError, DataverseClient, NotFound, PreconditionFailed
from messaging.caches import KnownRows, TtlCache
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import InboundEnvelope
from messaging.errors import PermanentFailure
from messaging.inbound.matching import choose_customer
from messaging.inbound.media import MediaFiles
from messaging.inbound.notifications import ConversationSnapshot
from messaging.inbound.outcome import Filed, InboundOutcome
from messaging.inbound.pictures import AwaitingFile, MediaReport, awaiting_files, filed_pictures
from messaging.inbound.reader import InboundReader, conversation_get
from messaging.inbound.rules import (
    Filing,
    Known,
    Text,
    correction,
    first_contact,
    known_from,
    owner_correction,
    plan_filing,
)
from messaging.rows.configuration import Configuration
from messaging.rows.conversation import StoredConversation
from messaging.store import Item, Store
from messaging.tables import CustomerTables
from messaging.tokens import TokenCipher
from twilio_bridge import MediaDownloader, TwilioCredentials

__all__ = ["InboundOutcome", "InboundProcessor"]

log = logging.getLogger("smsbridge.inbound")

_MAX_ATTEMPTS = 3


class InboundProcessor:
    def __init__(
        self,
        client: DataverseClient,
        directory: ConfigurationDirectory,
        cipher: TokenCipher,
        media: MediaDownloader | None,
        store: Store,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        conversation_ttl: float = 60.0,
        tables: CustomerTables | None = None,
    ) -> None:
        self._directory = directory
        self._cipher = cipher
        self._store = store
        self._tables = tables or CustomerTables(client)
        self._reader = InboundReader(client, store)
        self._conversations: TtlCache[uuid.UUID, Known] = TtlCache(conversation_ttl)
        self._existing = KnownRows()
        self._files = MediaFiles(store, media, clock=clock)

    # -- what filing texts together (`inbound.group`) shares with filing one ------------------------------------
    @property
    def reader(self) -> InboundReader:
        return self._reader

    @property
    def directory(self) -> ConfigurationDirectory:
        return self._directory

    @property
    def tables(self) -> CustomerTables:
        return self._tables

    @property
    def store(self) -> Store:
        return self._store

    def held(self, conversation_id: uuid.UUID) -> Known | None:
        """The conversation as this worker last saw it, while that view is fresh enough to file on."""
        return self._conversations.get(conversation_id)

    def exists(self, row_id: uuid.UUID) -> bool:
        """Is the conversation or session known to exist?"""
        return row_id in self._existing

    def found(self, row_id: uuid.UUID, known: Known | None = None) -> None:
        """A conversation (with `known`, its view) or session read and found to exist."""
        self._existing.add(row_id)
        if known is not None:
            self._conversations.put(row_id, known)

    @property
    def media_files(self) -> MediaFiles:
        """Where pictures get their files; reconciliation repairs with it too."""
        return self._files

    def credentials(self, configuration: Configuration) -> TwilioCredentials:
        """The Configuration's Twilio credentials (its auth token decrypted)."""
        if not configuration.auth_token_sealed:
            raise PermanentFailure(f"Configuration '{configuration.name}' has no auth token")
        token = self._cipher.decrypt(configuration.auth_token_sealed, configuration.id)
        return TwilioCredentials(configuration.account_sid, token)

    def process(self, envelope: InboundEnvelope) -> InboundOutcome:
        return self.finish(self.file(self.text_of(envelope)))

    def text_of(self, envelope: InboundEnvelope) -> Text:
        """The text with its Configuration and Record Types (one round trip when they are not cached)."""
        context = self._directory.context(envelope.configuration_id)
        return Text.of(envelope, context.configuration, context.record_types)

    def settled(self, text: Text) -> bool:
        """Are the text's conversation and session known to exist (filing it creates neither)?"""
        return text.conversation_id in self._existing and text.session_id(text.conversation_id) in self._existing

    def finish(self, filed: Filed) -> InboundOutcome:
        """Store the pictures' files of a filed text (for one filed before, those an earlier attempt did not)."""
        if filed.filed_before:
            self._finish_filed_media(filed.text, filed.outcome)
        else:
            self._finish_media(filed.text, list(filed.awaiting), filed.outcome)
        return filed.outcome

    def file(self, text: Text) -> Filed:
        """The text filed on its own, but for its pictures' files (`finish`)."""
        configuration = text.configuration
        outcome = InboundOutcome(message_id=text.message_id)

        known = self._conversations.get(text.conversation_id)
        members: tuple[uuid.UUID, ...] = ()
        team = configuration.team_id if configuration.send_app_notifications else None
        if team is not None:
            members = self._directory.cached_team_members(team) or ()
        if known is None or (team is not None and not members):
            known, members = self._read(text, known, team, outcome)

        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            if team is not None:
                members = self.audience(known.snapshot, team, members, outcome)
            session = text.session_id(known.snapshot.id)
            filing = plan_filing(text, known, members, create_conversation=known.snapshot.id not in self._existing,
                                 create_session=session not in self._existing)
            fresh = conversation_get(text.conversation_id) if filing.read_back else None
            items: list[Item] = [filing.changeset, *filing.notifications, *([fresh] if fresh else [])]
            answer = self._store.run(items)
            outcome.round_trips += answer.round_trips
            error = answer.error(filing.changeset)
            # A changeset of the message alone that met it reports no error: the text was filed before.
            if error is None and not answer.found_there(filing.changeset):
                row = answer.row(fresh) if fresh is not None else None
                notified = [answer.error(note) for note in filing.notifications]
                self.committed(text, known, filing, notified=notified, outcome=outcome,
                               fresh=StoredConversation.from_row(row) if row is not None else None)
                break
            if error is not None and not isinstance(error, AlreadyExists | PreconditionFailed):
                raise error
            exists = self._reader.reread(text, session)
            outcome.round_trips += exists.round_trips
            if exists.message:
                outcome.duplicate = True
                log.info("message %s was filed before; finishing its pictures if any", text.message.message_sid)
                return Filed(text, outcome, filed_before=True)
            if exists.conversation is not None:
                known = replace(known, snapshot=known_from(exists.conversation, configuration, None).snapshot)
                self._existing.add(text.conversation_id)
            if exists.session:
                self._existing.add(session)
        else:
            raise PermanentFailure(f"message {text.message.message_sid} could not be filed after {_MAX_ATTEMPTS} "
                                   "attempts")
        return Filed(text, outcome, tuple(awaiting_files(text.message, text.message_id)))

    # -- reading -----------------------------------------------------------------------------------------------
    def _read(self, text: Text, known: Known | None, team: uuid.UUID | None,
              outcome: InboundOutcome) -> tuple[Known, tuple[uuid.UUID, ...]]:
        session = text.session_id(text.conversation_id)
        tables = None
        # Matching is only for a number never seen; a conversation known to exist already has its customer.
        if known is None and text.sender.parsed and text.conversation_id not in self._existing:
            loaded = self._tables.load({rt.entity: rt.version for rt in text.record_types})
            outcome.round_trips += loaded.round_trips
            tables = loaded.tables
        read = self._reader.read(
            text, conversation=known is None, session=known is None and session not in self._existing,
            match=tables, team=team)
        outcome.round_trips += read.round_trips
        members: tuple[uuid.UUID, ...] = ()
        if read.members is not None and team is not None:
            members = read.members
            self._directory.remember_team_members(team, members)
        if read.session_exists:
            self._existing.add(session)
        if known is not None:
            return known, members
        if read.conversation is None and text.conversation_id in self._existing:
            # Known to exist, yet gone (an admin deleted it): forget it and read again, matching this time.
            self._existing.discard(text.conversation_id)
            return self._read(text, None, team, outcome)
        if read.conversation is not None:
            found = self.known(read.conversation, text, outcome)
            self._conversations.put(text.conversation_id, found)
            self._existing.add(text.conversation_id)
            return found, members
        if text.sender.parsed:
            customer, reason = choose_customer(text.number, read.searched)
        else:
            customer, reason = None, f"The sender '{text.number}' is not a phone number that can be matched"
        return first_contact(text, customer, reason), members

    def known(self, stored: StoredConversation, text: Text, outcome: InboundOutcome) -> Known:
        """A conversation read from Dataverse, with the definition of its customer's table (held by this worker
        almost always: it is a Record Type's)."""
        table = None
        entity = stored.customer_entity
        if entity:
            version = next((rt.version for rt in text.record_types if rt.entity == entity), "")
            loaded = self._tables.load({entity: version})
            outcome.round_trips += loaded.round_trips
            table = loaded.get(entity)
        return known_from(stored, text.configuration, table)

    def audience(self, snapshot: ConversationSnapshot, team: uuid.UUID, members: tuple[uuid.UUID, ...],
                  outcome: InboundOutcome) -> tuple[uuid.UUID, ...]:
        """The members of the team that owns the conversation: the Configuration's (`members`, read already)
        unless the chat was handed over to another team, whose members are read once and kept like any team's."""
        owner_team = snapshot.owner_team
        if owner_team is None or owner_team == team:
            return members
        cached = self._directory.cached_team_members(owner_team)
        if cached is not None:
            return cached
        outcome.round_trips += 1
        found = self._reader.members(owner_team)
        self._directory.remember_team_members(owner_team, found)
        return found

    # -- after the commit --------------------------------------------------------------------------------------
    def committed(self, text: Text, known: Known, filing: Filing, *, notified: Sequence[Exception | None],
                   fresh: StoredConversation | None, outcome: InboundOutcome) -> None:
        outcome.stored = True
        outcome.conversation_created = filing.creates_conversation
        outcome.session_created = filing.creates_session
        outcome.notified = sum(1 for error in notified if error is None)
        outcome.notified_as = filing.notified_as
        failed = [error for error in notified if error is not None and not isinstance(error, BatchError)]
        if failed:
            # The text is stored; a notification that could not be posted is worth a warning, not a retry.
            outcome.warnings.append(f"{len(failed)} notification(s) not posted: {type(failed[0]).__name__}")
            log.warning("in-app notifications for %s not posted: %s", text.message.message_sid,
                        type(failed[0]).__name__)
        self._existing.add(text.session_id(known.snapshot.id))
        self._existing.add(text.conversation_id)
        previous = known.snapshot.last_activity
        latest = text.received_at if previous is None else max(previous, text.received_at)
        snapshot = replace(known.snapshot, last_activity=latest)
        if fresh is not None:
            current = known_from(fresh, text.configuration, None).snapshot
            self._correct_owner(text, filing, current, outcome)
            snapshot = replace(snapshot, state=current.state, owner_user=current.owner_user,
                               owner_team=current.owner_team, holder=current.holder)
            self._correct_notifications(text, replace(known.snapshot, state=current.state,
                                                      owner_user=current.owner_user, owner_team=current.owner_team,
                                                      holder=current.holder),
                                        filing, outcome)
        self._conversations.put(text.conversation_id, replace(known, snapshot=snapshot))

    def _correct_owner(self, text: Text, filing: Filing, current: ConversationSnapshot,
                       outcome: InboundOutcome) -> None:
        writes = owner_correction(text, filing, current)
        if not writes:
            return
        answer = self._store.run(writes, continue_on_error=True)
        outcome.round_trips += answer.round_trips
        failed = [error for write in writes if (error := answer.error(write)) is not None]
        if failed:
            # The text is filed; a row left with the old owner is worth a warning, not a second filing.
            outcome.warnings.append(f"{len(failed)} row(s) not given to the chat's owner: {type(failed[0]).__name__}")
            log.warning("rows of %s not given to the chat's owner: %s", text.message.message_sid,
                        type(failed[0]).__name__)

    def _correct_notifications(self, text: Text, current: ConversationSnapshot, filing: Filing,
                               outcome: InboundOutcome) -> None:
        configuration = text.configuration
        members = self._directory.cached_team_members(configuration.team_id) if configuration.team_id else None
        if configuration.team_id is not None:
            members = self.audience(current, configuration.team_id, members or (), outcome)
        fix = correction(text, current, members or (), filing)
        if fix is None:
            return
        answer = self._store.run(fix.writes, continue_on_error=True)
        outcome.round_trips += answer.round_trips
        outcome.notified = len(fix.notified)
        for write in fix.writes:
            error = answer.error(write)
            if error is not None and not isinstance(error, NotFound | AlreadyExists):
                log.warning("in-app notifications for %s not corrected: %s", text.message.message_sid,
                            type(error).__name__)

    # -- media -------------------------------------------------------------------------------------------------
    def _finish_media(self, text: Text, awaiting: list[AwaitingFile], outcome: InboundOutcome) -> None:
        if not awaiting:
            return
        report = self._files.finish(text.configuration, lambda: self.credentials(text.configuration), awaiting,
                                    correlation_id=text.envelope.correlation_id)
        outcome.media_stored += report.stored
        outcome.media_unavailable += report.unavailable

    def _finish_filed_media(self, text: Text, outcome: InboundOutcome) -> None:
        """The text was filed before: store the files an earlier attempt did not, delete Twilio's copies of those it
        stored if it could not (deleting twice is no error)."""
        if not text.message.media:
            return
        outcome.round_trips += 1
        awaiting, stored = filed_pictures(text.message, text.message_id, self._reader.pictures(text.message_id))
        self._finish_media(text, awaiting, outcome)
        if stored and text.configuration.delete_twilio_media:
            self._files.delete_at_twilio(text.configuration, lambda: self.credentials(text.configuration), stored,
                                         MediaReport())
