"""An inbound text, filed into Dataverse exactly once (DESIGN 6.2).

Every row has a deterministic id, so the work is a plan of create-only writes that one `$batch` carries:

1. *Read* (only when needed, one round trip): the conversation, the customer match over the Record Types
   (first contact), and the team's members (for notifications) — as GETs in one batch.
2. *Write* (one round trip): one atomic changeset — conversation (first contact), session (first text of its
   window), message (create-only), media rows, the conversation's activity and consent fields — followed by
   the in-app notifications, which run only if the changeset committed.

A conversation this worker has seen recently costs only step 2. If the changeset meets a row that another
worker created meanwhile (a race on a new number or window), nothing was written; the worker re-reads what
exists and tries again with a smaller plan. If the message itself already exists, the text was filed before
(Twilio retried, or the queue redelivered): no duplicate, no second notification — only the pictures an earlier
attempt left without their file are finished.

Pictures (MMS media) get their Message Media rows in the changeset, *Awaiting File*; their files are fetched and
stored after the commit (`media_files`), so a text is filed even while Twilio's media is slow, and a failure
while storing a file is finished by the queue's retry or, later, by reconciliation.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dataverse import (
    AlreadyExists,
    Batch,
    BatchResult,
    DataverseClient,
    F,
    NotFound,
    PreconditionFailed,
    Row,
    UpsertMode,
    bind,
)
from messaging.consent import ConsentChange, classify
from messaging.directory import ConfigurationContext, ConfigurationDirectory, TtlCache
from messaging.envelope import InboundEnvelope
from messaging.errorlog import ErrorLog
from messaging.errors import PermanentFailure
from messaging.ids import NAMESPACE, conversation_id, inbound_message_id, session_id
from messaging.matching import choose_customer, match_queries
from messaging.media_files import AwaitingFile, MediaFiles, MediaReport
from messaging.model import (
    Configuration,
    ConversationState,
    Customer,
    Direction,
    MediaFileStatus,
    StatusChoice,
    message_preview,
    parse_datetime,
)
from messaging.notifications import (
    ICON_INFO,
    PRIORITY_HIGH,
    TOAST_TIMED,
    TTL_SECONDS,
    ConversationSnapshot,
    Notification,
    notification_rows,
    recipients,
)
from messaging.phones import normalize
from messaging.tokens import TokenCipher
from messaging.windows import Window, window_for
from solution.schema import Schema, load_schema
from twilio_bridge import (
    Encoding,
    InboundMessage,
    MediaDownloader,
    TwilioCredentials,
    segment_info,
)

__all__ = ["InboundOutcome", "InboundProcessor"]

log = logging.getLogger("smsbridge.inbound")

_NAME_LENGTH = 200
_CONTENT_TYPE_LENGTH = 100
_MAX_ATTEMPTS = 3
_KNOWN_ROWS = 50_000
PARTY_TO = 2
CONVERSATION_COLUMNS = (
    "smsb_conversationid", "smsb_state", "_ownerid_value", "smsb_lastactivityon", "smsb_phonenumber",
    "smsb_customerentity", "smsb_customerid", "smsb_customername", "smsb_name",
)


@dataclass(frozen=True)
class _Known:
    """A conversation as this worker last saw it, plus the customer it is about and why."""

    snapshot: ConversationSnapshot
    customer: Customer | None
    reason: str = ""


@dataclass
class InboundOutcome:
    message_id: uuid.UUID
    stored: bool = False
    duplicate: bool = False
    conversation_created: bool = False
    session_created: bool = False
    notified: int = 0
    media_stored: int = 0
    media_unavailable: int = 0
    round_trips: int = 0
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)
    notified_as: ConversationState | None = None


class _RowSet:
    """Ids of create-once rows (conversations, sessions) known to exist; bounded, oldest forgotten first.
    Forgetting one only costs a retry: the create meets the existing row and the plan shrinks."""

    def __init__(self, limit: int = _KNOWN_ROWS) -> None:
        self._ids: OrderedDict[uuid.UUID, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def __contains__(self, item: uuid.UUID) -> bool:
        with self._lock:
            return item in self._ids

    def add(self, item: uuid.UUID) -> None:
        with self._lock:
            self._ids[item] = None
            self._ids.move_to_end(item)
            while len(self._ids) > self._limit:
                self._ids.popitem(last=False)

    def discard(self, item: uuid.UUID) -> None:
        with self._lock:
            self._ids.pop(item, None)


class InboundProcessor:
    def __init__(
        self,
        client: DataverseClient,
        directory: ConfigurationDirectory,
        cipher: TokenCipher,
        media: MediaDownloader | None,
        errors: ErrorLog,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        conversation_ttl: float = 60.0,
        schema: Schema | None = None,
    ) -> None:
        self._client = client
        self._directory = directory
        self._cipher = cipher
        self._media = media
        self._errors = errors
        self._clock = clock
        self._schema = schema or load_schema()
        self._conversations: TtlCache[uuid.UUID, _Known] = TtlCache(conversation_ttl)
        self._existing = _RowSet()
        self._files = MediaFiles(client, media, errors, clock=clock)

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

    def forget_conversation(self, conversation: uuid.UUID) -> None:
        """Drop what this worker remembers of a conversation (its state and owner decide who is notified), so
        the next text re-reads it; for when the conversation is known to have changed elsewhere."""
        self._conversations.discard(conversation)

    # -- the pipeline ------------------------------------------------------------------------------------------
    def process(self, envelope: InboundEnvelope) -> InboundOutcome:
        context = self._directory.context(envelope.configuration_id)
        configuration = context.configuration
        message = envelope.message
        number = normalize(message.from_).value
        ids = _Ids(
            conversation=conversation_id(configuration.id, number),
            message=inbound_message_id(message.message_sid),
            window=window_for(envelope.received_at, configuration.session_timeout_minutes),
        )
        outcome = InboundOutcome(message_id=ids.message)
        job = _Job(envelope, context, number, ids, outcome)

        known = self._conversations.get(ids.conversation)
        members: tuple[uuid.UUID, ...] = ()
        wants_members = configuration.send_app_notifications and configuration.team_id is not None
        if wants_members and configuration.team_id is not None:
            members = self._directory.cached_team_members(configuration.team_id) or ()
        if known is None or (wants_members and not members):
            known, members = self._read(job, known, wants_members)

        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            plan = _Plan(create_conversation=known.snapshot.id not in self._existing,
                         create_session=ids.session(known) not in self._existing)
            batch, refs = self._write_batch(job, known, plan, members)
            result = self._client.execute_batch(batch)
            outcome.round_trips += result.round_trips
            changeset_error = result.failure(refs.changeset)
            if changeset_error is None:
                self._committed(job, plan, known, result, refs)
                break
            if not isinstance(changeset_error, AlreadyExists | PreconditionFailed):
                raise changeset_error
            exists = self._reread(job, known)
            if exists.message:
                outcome.duplicate = True
                log.info("message %s was filed before; finishing its pictures if any", message.message_sid)
                self._finish_filed_media(job)
                return outcome
            known = exists.known or known
            if exists.session:
                self._existing.add(ids.session(known))
        else:
            raise PermanentFailure(f"message {message.message_sid} could not be filed after {_MAX_ATTEMPTS} attempts")

        self._finish_media(job, [self._awaiting(job, index) for index in range(len(message.media))])
        return outcome

    # -- reading -----------------------------------------------------------------------------------------------
    def _read(self, job: _Job, known: _Known | None, wants_members: bool) -> tuple[_Known, tuple[uuid.UUID, ...]]:
        configuration, number, ids, outcome = job.configuration, job.number, job.ids, job.outcome
        batch = self._client.batch()
        conversation_ref = session_ref = None
        match_refs = []
        session = session_id(ids.conversation, ids.window.start)
        if known is None:
            conversation_ref = batch.retrieve("smsb_conversations", ids.conversation, select=CONVERSATION_COLUMNS,
                                              formatted=True)
            if session not in self._existing:
                # Another worker may have opened this window's session; knowing it saves a failed write.
                session_ref = batch.retrieve("smsb_messagesessions", session, select=["activityid"])
            # Matching is only for a number never seen; a conversation known to exist already has its customer.
            if normalize(number).e164 and ids.conversation not in self._existing:
                for query in match_queries(job.context.record_types, number, self._schema):
                    ref = batch.query(query.table.entity_set, select=query.select, filter=query.filter,
                                      orderby=["modifiedon desc"], top=50)
                    match_refs.append((query, ref))
        members_ref = None
        if wants_members and configuration.team_id is not None:
            members_ref = batch.query("teammemberships", select=["systemuserid"],
                                      filter=F.eq("teamid", configuration.team_id), top=500)
        result = self._client.execute_batch(batch, continue_on_error=True)
        outcome.round_trips += result.round_trips
        for part in result:
            if part.error is not None and not isinstance(part.error, NotFound):
                raise part.error

        members: tuple[uuid.UUID, ...] = ()
        if members_ref is not None and configuration.team_id is not None:
            members = tuple(member for row in result.part(members_ref).rows
                            if (member := row.guid("systemuserid")) is not None)
            self._directory.remember_team_members(configuration.team_id, members)

        if session_ref is not None and result.part(session_ref).row is not None:
            self._existing.add(session)
        if known is not None:
            return known, members
        row = result.part(conversation_ref).row if conversation_ref is not None else None
        if row is None and ids.conversation in self._existing:
            # Known to exist, yet gone (an admin deleted it): forget it and read again, matching this time.
            self._existing.discard(ids.conversation)
            return self._read(job, None, wants_members)
        if row is not None:
            found = self._known_from_row(row, configuration)
            self._conversations.put(ids.conversation, found)
            self._existing.add(ids.conversation)
            return found, members
        answers = [(query, result.part(ref).rows) for query, ref in match_refs]
        customer, reason = choose_customer(number, answers) if normalize(number).e164 else (
            None, f"The sender '{number}' is not a phone number that can be matched")
        snapshot = ConversationSnapshot(
            id=ids.conversation,
            state=ConversationState.PENDING,
            owner_user=None,
            owner_team=configuration.team_id,
            last_activity=None,
            display_name=customer.name if customer else number,
            phone=number,
        )
        return _Known(snapshot, customer, reason), members

    def _known_from_row(self, row: Row, configuration: Configuration) -> _Known:
        owner = row.guid("_ownerid_value")
        owner_table = row.lookup_tables.get("_ownerid_value")
        customer = None
        if row.get("smsb_customerentity") and row.get("smsb_customerid"):
            table = self._schema.table(str(row["smsb_customerentity"])) if self._schema.has_table(
                str(row["smsb_customerentity"])) else None
            if table is not None:
                customer = Customer(entity=table.logical_name, id=uuid.UUID(str(row["smsb_customerid"])),
                                    name=str(row.get("smsb_customername") or ""), entity_set=table.entity_set,
                                    reason="")
        phone = str(row.get("smsb_phonenumber") or "")
        snapshot = ConversationSnapshot(
            id=uuid.UUID(str(row["smsb_conversationid"])),
            state=ConversationState(int(row.get("smsb_state") or 1)),
            owner_user=owner if owner_table == "systemuser" else None,
            owner_team=owner if owner_table == "team" else (configuration.team_id if owner is None else None),
            last_activity=parse_datetime(row.get("smsb_lastactivityon")),
            display_name=str(row.get("smsb_customername") or row.get("smsb_name") or phone),
            phone=phone,
        )
        return _Known(snapshot, customer)

    def _reread(self, job: _Job, known: _Known) -> _Exists:
        ids, outcome = job.ids, job.outcome
        batch = self._client.batch()
        message_ref = batch.retrieve("smsb_messages", ids.message, select=["smsb_messageid"])
        conversation_ref = batch.retrieve("smsb_conversations", ids.conversation, select=CONVERSATION_COLUMNS,
                                          formatted=True)
        session_ref = batch.retrieve("smsb_messagesessions", ids.session(known), select=["activityid"])
        result = self._client.execute_batch(batch, continue_on_error=True)
        outcome.round_trips += result.round_trips
        for part in result:
            if part.error is not None and not isinstance(part.error, NotFound):
                raise part.error
        conversation_row = result.part(conversation_ref).row
        refreshed = None
        if conversation_row is not None:
            refreshed = replace(known, snapshot=self._known_from_row(conversation_row, job.configuration).snapshot)
            self._existing.add(ids.conversation)
        return _Exists(
            message=result.part(message_ref).row is not None,
            session=result.part(session_ref).row is not None,
            known=refreshed,
        )

    # -- writing -----------------------------------------------------------------------------------------------
    def _write_batch(self, job: _Job, known: _Known, plan: _Plan,
                     members: tuple[uuid.UUID, ...]) -> tuple[Batch, _Refs]:
        configuration, message, envelope, number, ids = (job.configuration, job.message, job.envelope, job.number,
                                                         job.ids)
        snapshot = known.snapshot
        owner = _owner_bind(snapshot)
        received = envelope.received_at.isoformat()
        session = ids.session(known)
        batch = self._client.batch()
        changeset = batch.changeset()
        activity: dict[str, Any] = {
            "smsb_lastinboundon": received,
            "smsb_lastactivityon": received,
            "smsb_lastmessagepreview": message_preview(message.body, bool(message.media)),
        }
        activity.update(_consent_fields(message, envelope.received_at))

        refs = _Refs()
        if plan.create_conversation:
            customer = known.customer
            conversation: dict[str, Any] = {
                "smsb_name": (customer.name if customer else number)[:_NAME_LENGTH],
                "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
                "smsb_phonenumber": number,
                "smsb_state": int(ConversationState.PENDING),
                "smsb_matchreason": known.reason or "No customer matched",
                **owner,
                **activity,
            }
            if customer is not None:
                conversation.update({
                    "smsb_customerentity": customer.entity,
                    "smsb_customerid": str(customer.id),
                    "smsb_customername": customer.name[:_NAME_LENGTH],
                })
            refs.changeset.append(changeset.upsert("smsb_conversations", ids.conversation, conversation,
                                                   mode=UpsertMode.CREATE_ONLY))
        if plan.create_session:
            refs.changeset.append(changeset.create_with_id(
                "smsb_messagesessions", "activityid", session,
                self._session_body(job, known, owner),
            ))
        info = segment_info(message.body)
        refs.changeset.append(changeset.upsert("smsb_messages", ids.message, {
            "smsb_name": (f"{number}: {message.body.strip()}" if message.body.strip() else f"{number}: (picture)")[
                :_NAME_LENGTH],
            "smsb_session@odata.bind": bind("smsb_messagesessions", session),
            "smsb_conversation@odata.bind": bind("smsb_conversations", ids.conversation),
            "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
            "smsb_direction": int(Direction.INCOMING),
            "smsb_body": message.body,
            "smsb_from": message.from_,
            "smsb_to": message.to,
            "smsb_status": int(StatusChoice.RECEIVED),
            "smsb_sid": message.message_sid,
            "smsb_numsegments": message.num_segments or info.segments,
            "smsb_encoding": 1 if info.encoding is Encoding.GSM_7 else 2,
            "smsb_nummedia": len(message.media),
            "smsb_receivedon": received,
            **owner,
        }, mode=UpsertMode.CREATE_ONLY))
        for index, ref in enumerate(message.media):
            # Written with the text, so a picture whose file is not stored yet is never out of sight.
            refs.changeset.append(changeset.upsert("smsb_messagemedias", _media_id(ids.message, index), {
                "smsb_name": (ref.media_sid or f"Picture {index + 1}")[:_NAME_LENGTH],
                "smsb_message@odata.bind": bind("smsb_messages", ids.message),
                "smsb_contenttype": ref.content_type[:_CONTENT_TYPE_LENGTH],
                "smsb_twiliomediasid": ref.media_sid,
                "smsb_filestatus": int(MediaFileStatus.AWAITING_FILE),
                **owner,
            }, mode=UpsertMode.CREATE_ONLY))
        # A text older than the conversation's last activity (queues do not keep order) must not roll the
        # preview or consent back to an earlier state; its message row is filed all the same. Dataverse keeps
        # date-times to the second, so two texts within one second are ordered by who writes last.
        newer = snapshot.last_activity is None or envelope.received_at >= snapshot.last_activity
        if not plan.create_conversation and newer:
            refs.changeset.append(changeset.update("smsb_conversations", ids.conversation, activity))

        if configuration.send_app_notifications:
            people = recipients(snapshot, members, now=envelope.received_at,
                                idle_minutes=configuration.idle_timeout_minutes)
            refs.notified = people
            job.outcome.notified_as = snapshot.state
            for note in notification_rows(snapshot, ids.message, message.body, people):
                refs.notifications.append(_post_notification(batch, note))
            # Who should hear about a text depends on the conversation's state and owner, which people change in
            # Dynamics (Accept, Block, Assign) while this worker holds an older view. Reading the row back in the same
            # request costs no round trip; `_correct_notifications` acts on it only when the view was out of date.
            refs.fresh = batch.retrieve("smsb_conversations", ids.conversation, select=CONVERSATION_COLUMNS,
                                        formatted=True)
        return batch, refs

    def _session_body(self, job: _Job, known: _Known, owner: dict[str, str]) -> dict[str, Any]:
        configuration, number, window = job.configuration, job.number, job.ids.window
        customer = known.customer
        name = customer.name if customer else number
        body: dict[str, Any] = {
            "subject": f"SMS with {name} ({window.start:%Y-%m-%d %H:%M} UTC)"[:_NAME_LENGTH],
            "smsb_conversation@odata.bind": bind("smsb_conversations", known.snapshot.id),
            "smsb_configuration@odata.bind": bind("smsb_configurations", configuration.id),
            "smsb_phonenumber": number,
            "actualstart": window.start.isoformat(),
            "scheduledend": window.end.isoformat(),
            **owner,
        }
        # Regarding is the record the chat is about; an unmatched sender's chat is about nobody until a user
        # links or creates the record ("Create Record").
        navigation = self._navigation("regardingobjectid", customer.entity) if customer else None
        if customer is not None and navigation:
            body[f"{navigation}@odata.bind"] = bind(customer.entity_set, customer.id)
        if customer is not None and customer.entity in ("contact", "account"):
            body[f"smsb_customer_{customer.entity}@odata.bind"] = bind(customer.entity_set, customer.id)
            party: dict[str, Any] = {"participationtypemask": PARTY_TO,
                                     f"partyid_{customer.entity}@odata.bind": bind(customer.entity_set, customer.id)}
        else:
            party = {"participationtypemask": PARTY_TO, "addressused": number}
        body["smsb_messagesession_activity_parties"] = [party]
        return body

    def _navigation(self, attribute: str, target: str) -> str | None:
        for relationship in self._schema.relationships_from("smsb_messagesession", attribute):
            if relationship.referenced_table == target:
                return relationship.referencing_navigation
        return None

    def _committed(self, job: _Job, plan: _Plan, known: _Known, result: BatchResult, refs: _Refs) -> None:
        outcome, ids, envelope = job.outcome, job.ids, job.envelope
        outcome.stored = True
        outcome.conversation_created = plan.create_conversation
        outcome.session_created = plan.create_session
        outcome.notified = sum(1 for ref in refs.notifications if result.part(ref).ok)
        failed = [result.part(ref).error for ref in refs.notifications if result.part(ref).error is not None]
        if failed:
            # The text is stored; a notification that could not be posted is worth a warning, not a retry.
            outcome.warnings.append(f"{len(failed)} notification(s) not posted: {type(failed[0]).__name__}")
            log.warning("in-app notifications for %s not posted: %s", envelope.message.message_sid,
                        type(failed[0]).__name__)
        self._existing.add(ids.session(known))
        self._existing.add(ids.conversation)
        previous = known.snapshot.last_activity
        latest = envelope.received_at if previous is None else max(previous, envelope.received_at)
        snapshot = replace(known.snapshot, last_activity=latest)
        fresh_row = result.part(refs.fresh).row if refs.fresh is not None else None
        if fresh_row is not None:
            current = self._known_from_row(fresh_row, job.configuration).snapshot
            snapshot = replace(snapshot, state=current.state, owner_user=current.owner_user,
                               owner_team=current.owner_team)
            self._correct_notifications(job, replace(known.snapshot, state=current.state,
                                                     owner_user=current.owner_user, owner_team=current.owner_team),
                                        refs)
        self._conversations.put(ids.conversation, replace(known, snapshot=snapshot))

    def _correct_notifications(self, job: _Job, current: ConversationSnapshot, refs: _Refs) -> None:
        """Take back notifications sent on an out-of-date view of the conversation and send the right ones. In-app
        notifications are fetched by Dynamics on its own schedule, so one taken back at once is never seen."""
        configuration, ids, envelope = job.configuration, job.ids, job.envelope
        members = self._directory.cached_team_members(configuration.team_id) if configuration.team_id else None
        wanted = recipients(current, members or (), now=envelope.received_at,
                            idle_minutes=configuration.idle_timeout_minutes)
        stale = job.outcome.notified_as
        if set(wanted) == set(refs.notified) and stale is current.state:
            return
        # The wording depends on the state too, so every notification sent on the old view is replaced.
        batch = self._client.batch()
        for note in notification_rows(current, ids.message, envelope.message.body, refs.notified):
            batch.delete("appnotifications", note.id)
        for note in notification_rows(current, ids.message, envelope.message.body, wanted):
            _post_notification(batch, note)
        result = self._client.execute_batch(batch, continue_on_error=True)
        job.outcome.round_trips += result.round_trips
        job.outcome.notified = len(wanted)
        for part in result:
            if part.error is not None and not isinstance(part.error, NotFound | AlreadyExists):
                log.warning("in-app notifications for %s not corrected: %s", envelope.message.message_sid,
                            type(part.error).__name__)

    # -- media -------------------------------------------------------------------------------------------------
    def _awaiting(self, job: _Job, index: int) -> AwaitingFile:
        ref = job.message.media[index]
        return AwaitingFile(_media_id(job.ids.message, index), job.ids.message, job.message.message_sid,
                            ref.media_sid, ref.url)

    def _finish_media(self, job: _Job, awaiting: list[AwaitingFile]) -> None:
        if not awaiting:
            return
        report = self._files.finish(job.configuration, lambda: self.credentials(job.configuration), awaiting,
                                    correlation_id=job.envelope.correlation_id)
        job.outcome.media_stored += report.stored
        job.outcome.media_unavailable += report.unavailable

    def _finish_filed_media(self, job: _Job) -> None:
        """The text was filed before: store the files an earlier attempt did not, delete Twilio's copies of those it
        stored if it could not (deleting twice is no error)."""
        if not job.message.media:
            return
        ids, outcome = job.ids, job.outcome
        outcome.round_trips += 1
        rows = list(self._client.query("smsb_messagemedias", select=["smsb_messagemediaid", "smsb_filestatus"],
                                       filter=F.eq("_smsb_message_value", ids.message)))
        by_id = {_media_id(ids.message, index): index for index in range(len(job.message.media))}
        status = {row.guid("smsb_messagemediaid"): row.get("smsb_filestatus") for row in rows}
        awaiting = [self._awaiting(job, index) for row_id, index in by_id.items()
                    if status.get(row_id) == int(MediaFileStatus.AWAITING_FILE)]
        self._finish_media(job, awaiting)
        stored = [self._awaiting(job, index) for row_id, index in by_id.items()
                  if status.get(row_id) == int(MediaFileStatus.STORED)]
        if stored and job.configuration.delete_twilio_media:
            self._files.delete_at_twilio(job.configuration, lambda: self.credentials(job.configuration), stored,
                                         MediaReport())


# -- small values ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    """One inbound text on its way through the pipeline."""

    envelope: InboundEnvelope
    context: ConfigurationContext
    number: str
    ids: _Ids
    outcome: InboundOutcome

    @property
    def configuration(self) -> Configuration:
        return self.context.configuration

    @property
    def message(self) -> InboundMessage:
        return self.envelope.message


@dataclass(frozen=True)
class _Ids:
    conversation: uuid.UUID
    message: uuid.UUID
    window: Window

    def session(self, known: _Known) -> uuid.UUID:
        return session_id(known.snapshot.id, self.window.start)


@dataclass(frozen=True)
class _Plan:
    create_conversation: bool
    create_session: bool


@dataclass
class _Refs:
    changeset: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)
    notified: tuple[uuid.UUID, ...] = ()
    fresh: Any = None


def _post_notification(batch: Batch, note: Notification) -> Any:
    return batch.create_with_id("appnotifications", "appnotificationid", note.id, {
        "title": note.title,
        "body": note.body,
        "data": note.data,
        "icontype": ICON_INFO,
        "toasttype": TOAST_TIMED,
        "priority": PRIORITY_HIGH,
        "ttlinseconds": TTL_SECONDS,
        "ownerid@odata.bind": bind("systemusers", note.recipient),
    })


@dataclass(frozen=True)
class _Exists:
    message: bool
    session: bool
    known: _Known | None



def _owner_bind(snapshot: ConversationSnapshot) -> dict[str, str]:
    if snapshot.owner_user is not None:
        return {"ownerid@odata.bind": bind("systemusers", snapshot.owner_user)}
    if snapshot.owner_team is not None:
        return {"ownerid@odata.bind": bind("teams", snapshot.owner_team)}
    return {}



def _consent_fields(message: InboundMessage, at: datetime) -> dict[str, Any]:
    change = classify(message.body, message.opt_out_type)
    keyword = (message.body.strip().upper() or (message.opt_out_type or ""))[:50]
    if change is ConsentChange.OPT_OUT:
        return {"smsb_optedout": True, "smsb_optedouton": at.isoformat(), "smsb_optoutkeyword": keyword}
    if change is ConsentChange.OPT_IN:
        return {"smsb_optedout": False, "smsb_optoutkeyword": keyword}
    return {}


def _media_id(message_id: uuid.UUID, index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"media:{message_id}:{index}")
