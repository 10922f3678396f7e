"""An Outbox row, sent at most once (DESIGN 6.4).

The webhook on Create and the sweeper both queue the Outbox id, and queues redeliver, so the same row may be
worked on twice at once. The row's `smsb_sendstatus` is the lock: a worker *claims* it (Pending → Sending with
the ETag it read) and only the worker whose claim succeeded goes on; every other copy of the job is a no-op.

A successful send costs four Dataverse round trips and one Twilio call:

1. *Read*: the Outbox with its To party, template, Configuration and chat session expanded (one GET).
2. *Claim*: one `$batch` — the claim in a changeset, then the To record (exactly the columns the Record Type and
   the template need), the conversation and the session of the current window. A failed claim stops the batch.
3. *Write*: one changeset — conversation (first text to the number), session (first of its window), and the
   outgoing message row (create-only, id from the Outbox id) that the status callback will find by `?m=`.
4. *Send* through Twilio, then *record*: SID on the message, Sent on the Outbox, activity on the conversation.

Nothing is ever sent twice. A send whose outcome Twilio did not confirm (timeout, 5xx or a broken answer after
the request left) is Unknown for a person to review; a worker that dies after Twilio accepted leaves the Outbox in
Sending, which no worker claims again (the sweeper turns it Unknown). Only when Twilio certainly did not take the
text (429s, or failures that provably happened before the request left, `twilio_bridge.failures`), or when
something failed before the send, is the claim released, for the queue (and later the sweeper) to retry.
Each claim counts in `smsb_sendattempts`; the claim that reaches `MAX_SEND_ATTEMPTS` is not released but ends
Unknown with an Error Log row, so no Outbox is retried forever, whatever the failure. Every Outbox that is not
sent says why in `smsb_failurereason`, in words an admin understands.

The Configuration's Record Types come from the `ConfigurationDirectory` (cached; a cold cache costs one more
round trip, as for inbound texts).

The Outbox row is parsed in `outbox_rows`, the gates that keep it from being sent are in `send_gates`, and the
rows written before the send in `message_rows`; this module runs the steps in order.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers

from dataverse import (
    AlreadyExists,
    BatchResult,
    DataverseClient,
    DataverseHttpError,
    F,
    NotFound,
    PreconditionFailed,
    Reference,
    Row,
    UpsertMode,
    bind,
)
from messaging.directory import ConfigurationDirectory, TtlCache
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import ConfigurationNotFound, PermanentFailure, TemplateError, TokenDecryptionFailed
from messaging.ids import conversation_id, outbound_message_id, session_id
from messaging.jobs import OutboxJob
from messaging.matching import TableInfo, table_info
from messaging.media_links import MediaLinks
from messaging.message_rows import Send, Sender, conversation_body, message_body, session_body
from messaging.model import (
    CONFIGURATION_COLUMNS,
    Configuration,
    OutboxStatus,
    RecordType,
    Severity,
    StatusChoice,
    message_preview,
    parse_datetime,
)
from messaging.outbox_rows import OUTBOX_COLUMNS, OUTBOX_EXPAND, Outbox
from messaging.phones import normalize
from messaging.send_gates import (
    Stop,
    check_body,
    check_compliance,
    check_configuration,
    check_consent,
    check_template,
    check_to_record,
)
from messaging.templates import Template, parse, render, select_for, values_from
from messaging.tokens import TokenCipher
from messaging.twilio_errors import describe
from messaging.windows import window_for
from solution.schema import Schema, load_schema
from twilio_bridge import (
    MessageSender,
    OutgoingMessage,
    SendFailed,
    SendResult,
    TwilioCredentials,
)

__all__ = ["MAX_SEND_ATTEMPTS", "OutboundOutcome", "OutboundProcessor", "OutboundResult"]

log = logging.getLogger("smsbridge.outbound")

# Twilio schedules 5 minutes to 35 days ahead; the margin keeps a queue delay from pushing a send under 5.
SCHEDULE_MIN = timedelta(minutes=15)
SCHEDULE_MAX = timedelta(days=35)
OPTED_OUT_CODE = 21610
_REASON_LENGTH = 2000
_MAX_ATTEMPTS = 3
# Claims of one Outbox before it is given up as Unknown (the queue delivers a job five times, the sweeper re-queues
# a released row every two minutes): enough to ride out a short outage, never a loop.
MAX_SEND_ATTEMPTS = 10

CONVERSATION_COLUMNS = ("smsb_conversationid", "smsb_state", "smsb_optedout", "smsb_optedouton", "_ownerid_value",
                        "smsb_lastactivityon", "smsb_phonenumber")


class OutboundResult(enum.StrEnum):
    SENT = "sent"
    SCHEDULED = "scheduled"  # handed to Twilio with send_at
    HELD = "held"  # Send After still ahead: left Pending for the sweeper
    SKIPPED = "skipped"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_PENDING = "not-pending"  # sent, failed or claimed before: a duplicate job
    CLAIMED_ELSEWHERE = "claimed-elsewhere"  # another worker claimed it between our read and our claim
    MISSING = "missing"  # the Outbox row was deleted


@dataclass
class OutboundOutcome:
    """What became of one job. `round_trips` counts this processor's Dataverse requests (a cold Configuration
    cache adds the directory's one); `twilio_calls` counts sends asked of Twilio (the sender's 429 retries are
    inside one)."""

    outbox_id: uuid.UUID
    result: OutboundResult | None = None
    reason: str = ""
    message_id: uuid.UUID | None = None
    sid: str | None = None
    error_code: int | None = None
    round_trips: int = 0
    twilio_calls: int = 0
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Work:
    """What the claim batch is asked to read, and what it found."""

    outbox: Outbox
    sender: Sender | None
    problem: str | None
    now: datetime
    outcome: OutboundOutcome
    schedule_at: datetime | None = None
    record_type: RecordType | None = None
    table: TableInfo | None = None
    template: Template | None = None
    selected: dict[str, str] = field(default_factory=dict)
    known_number: str | None = None
    record: Row | None = None
    record_missing: bool = False
    record_error: str | None = None
    conversations: tuple[Row, ...] = ()
    sessions: tuple[Row, ...] = ()


class OutboundProcessor:
    def __init__(  # noqa: PLR0917 - the collaborators, in the order every processor takes them
        self,
        client: DataverseClient,
        directory: ConfigurationDirectory,
        cipher: TokenCipher,
        sender: MessageSender,
        errors: ErrorLog,
        links: MediaLinks,
        *,
        public_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        schema: Schema | None = None,
        configuration_ttl: float = 60.0,
    ) -> None:
        self._client = client
        self._directory = directory
        self._cipher = cipher
        self._sender = sender
        self._errors = errors
        self._links = links
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._schema = schema or load_schema()
        self._only_configuration: TtlCache[str, Row] = TtlCache(configuration_ttl)
        # Sessions this worker wrote: a session has no gate to check, so knowing it exists saves a failed create.
        self._sessions: TtlCache[uuid.UUID, bool] = TtlCache(3600.0, max_entries=50_000)

    # -- the pipeline ------------------------------------------------------------------------------------------
    def process(self, job: OutboxJob) -> OutboundOutcome:
        outcome = OutboundOutcome(outbox_id=job.outbox_id)
        with self._client.operation(job.correlation_id):
            outbox = self._read(job.outbox_id, outcome)
            if outbox is None:
                return _done(outcome, OutboundResult.MISSING, "the Outbox row no longer exists")
            if outbox.status is not OutboxStatus.PENDING:
                log.info("outbox %s is %s; nothing to do", outbox.id, outbox.status.name)
                return _done(outcome, OutboundResult.NOT_PENDING, f"already {outbox.status.name.lower()}")
            now = self._clock()
            sender, problem = self._resolve_sender(outbox, outcome)
            schedule_at = None
            if outbox.send_after is not None and outbox.send_after > now:
                ahead = outbox.send_after - now
                service = sender.configuration.messaging_service_sid if sender else None
                if not (service and SCHEDULE_MIN <= ahead <= SCHEDULE_MAX):
                    log.info("outbox %s is due at %s; left for the sweeper", outbox.id, outbox.send_after.isoformat())
                    return _done(outcome, OutboundResult.HELD, f"due at {outbox.send_after.isoformat()}")
                schedule_at = outbox.send_after
            work = _Work(outbox, sender, problem, now, outcome, schedule_at)
            if not self._claim(work):
                return outcome
            return self._decide_and_send(work)

    def _decide_and_send(self, work: _Work) -> OutboundOutcome:
        try:
            send = self._decide(work)
            credentials = self._credentials(send.sender.configuration)
        except Stop as stop:
            return self._finish_unsent(work, stop)
        except Exception as exc:
            # Nothing was sent: whatever failed, the Outbox goes back to Pending for the queue to retry.
            if self._release(work, exc):
                raise
            return work.outcome
        return self._send(work, send, credentials)

    # -- 1. read -----------------------------------------------------------------------------------------------
    def _read(self, outbox_id: uuid.UUID, outcome: OutboundOutcome) -> Outbox | None:
        outcome.round_trips += 1
        row = self._client.find("smsb_outboxes", outbox_id, select=OUTBOX_COLUMNS, expand=OUTBOX_EXPAND,
                                formatted=True)
        return None if row is None else Outbox.from_row(row)

    def _resolve_sender(self, outbox: Outbox, outcome: OutboundOutcome) -> tuple[Sender | None, str | None]:
        """The Configuration (named, else the only active one) and its Record Types, or why there is none."""
        row = outbox.configuration_row
        if outbox.configuration_id is not None and row is None:
            return None, "The Configuration (From) of this Outbox no longer exists"
        if row is None:
            row = self._only_configuration.get("")
            if row is None:
                outcome.round_trips += 1
                rows = list(self._client.query("smsb_configurations", select=CONFIGURATION_COLUMNS,
                                               filter=F.eq("statecode", 0), top=2))
                if len(rows) != 1:
                    return None, ("No Configuration (From) is set on this Outbox and there is "
                                  + ("no active Configuration" if not rows else "more than one active Configuration")
                                  + " to choose from; set From")
                row = rows[0]
                self._only_configuration.put("", row)
        configuration = Configuration.from_row(row)
        if not configuration.active:
            return None, f"The Configuration '{configuration.name}' is inactive"
        try:
            context = self._directory.context(configuration.id)
        except ConfigurationNotFound:
            return None, f"The Configuration '{configuration.name}' is inactive"
        status = row.get("smsb_validationstatus")
        return Sender(configuration, int(status) if status is not None else None, context.record_types), None

    # -- 2. claim, and read what the send needs ----------------------------------------------------------------
    def _claim(self, work: _Work) -> bool:
        outbox, sender, now, outcome = work.outbox, work.sender, work.now, work.outcome
        batch = self._client.batch()
        with batch.changeset() as changeset:
            claim = changeset.update("smsb_outboxes", outbox.id, {
                "smsb_sendstatus": int(OutboxStatus.SENDING), "smsb_sendattempts": outbox.attempts + 1,
            }, etag=outbox.etag)
        record_ref = conversation_ref = session_ref = None
        if sender is not None:
            self._plan_reads(work)
            to = outbox.to
            if work.table is not None and to is not None and to.id is not None:
                record_ref = batch.retrieve(work.table.entity_set, to.id, select=sorted(self._record_columns(work)),
                                            formatted=True)
            configuration = sender.configuration
            if work.known_number is not None:
                conversation = conversation_id(configuration.id, work.known_number)
                window = window_for(now, configuration.session_timeout_minutes)
                conversation_ref = batch.query("smsb_conversations", select=CONVERSATION_COLUMNS,
                                               filter=F.eq("smsb_conversationid", conversation), top=1)
                session_ref = batch.query("smsb_messagesessions", select=["activityid"],
                                          filter=F.eq("activityid", session_id(conversation, window.start)), top=1)
            elif work.table is not None and to is not None and to.id is not None:
                # The number is in the record read alongside; the conversations and open sessions about that
                # record almost always include the ones for its number, which saves a round trip.
                conversation_ref = batch.query(
                    "smsb_conversations", select=CONVERSATION_COLUMNS, top=10,
                    filter=F.eq("_smsb_configuration_value", configuration.id) & F.eq("smsb_customerid", str(to.id)))
                session_ref = batch.query(
                    "smsb_messagesessions", select=["activityid"], top=10,
                    filter=(F.eq("_smsb_configuration_value", configuration.id)
                            & F.eq("_regardingobjectid_value", to.id) & F.gt("scheduledend", now)))
        result = self._client.execute_batch(batch)
        outcome.round_trips += result.round_trips
        claimed = result.part(claim)
        if isinstance(claimed.error, PreconditionFailed):
            log.info("outbox %s was claimed by another worker", outbox.id)
            _done(outcome, OutboundResult.CLAIMED_ELSEWHERE, "claimed by another worker")
            return False
        if isinstance(claimed.error, NotFound):
            _done(outcome, OutboundResult.MISSING, "the Outbox row no longer exists")
            return False
        if claimed.error is not None:
            raise claimed.error
        try:
            _take_reads(work, result, record_ref, conversation_ref, session_ref)
        except Exception as exc:
            if self._release(work, exc):
                raise
            return False
        return True

    def _plan_reads(self, work: _Work) -> None:
        """Which Record Type, table, template and number the claim batch reads for (no I/O)."""
        outbox, sender = work.outbox, work.sender
        if sender is None:
            return
        to = outbox.to
        if to is not None and to.table:
            work.record_type = next((rt for rt in sender.record_types if rt.entity == to.table), None)
            work.table = table_info(to.table, self._schema)
        if outbox.template_row is not None:
            try:
                work.template = parse(str(outbox.template_row.get("smsb_body") or ""))
            except TemplateError:
                work.template = None  # reported by _decide, which parses again
        elif not outbox.template_id:
            try:
                work.template = parse(outbox.freeform)
            except TemplateError:
                work.template = None
        if work.template is not None and work.table is not None and to is not None and to.table:
            try:
                definition = self._schema.table(to.table)
                work.selected = select_for(work.template.columns, definition, to.table)
            except TemplateError:
                work.selected = {}
        explicit = outbox.explicit_number
        if explicit is None and (to is None or to.id is None):
            explicit = (str(outbox.session_row.get("smsb_phonenumber") or "") or None) if outbox.session_row else None
            explicit = explicit or (to.address if to is not None else None)
        if explicit is not None:
            work.known_number = normalize(explicit, _country(work)).e164

    def _record_columns(self, work: _Work) -> set[str]:
        columns = set(work.selected.values())
        if work.table is not None:
            columns |= {work.table.primary_id, work.table.primary_name}
        if work.record_type is not None:
            columns.add(work.record_type.phone_field)
            if work.record_type.compliance_field:
                columns.add(work.record_type.compliance_field)
        return columns

    # -- gates and text ----------------------------------------------------------------------------------------
    def _decide(self, work: _Work) -> Send:
        outbox, sender, now = work.outbox, work.sender, work.now
        if sender is None:
            raise Stop(OutboxStatus.SKIPPED, work.problem or "No Configuration to send from")
        configuration = sender.configuration
        check_configuration(configuration, sender.validation_status)
        to, record, rt = outbox.to, work.record, work.record_type
        who = self._who(work)
        if to is not None and to.id is not None:
            check_to_record(to, work.table, outbox.explicit_number, work.record_missing, work.record_error)
        number = self._number(work, who)
        check_compliance(rt, record, who)
        conversation = conversation_id(configuration.id, number)
        conversation_row = next((row for row in work.conversations
                                 if row.guid("smsb_conversationid") == conversation), None)
        check_consent(conversation_row, number)
        window = window_for(now, configuration.session_timeout_minutes)
        session = session_id(conversation, window.start)
        session_exists = (any(row.guid("activityid") == session for row in work.sessions)
                          or self._sessions.get(session) is not None)
        body = self._body(work)
        check_body(body, outbox.has_attachment)
        return Send(sender, number, conversation, conversation_row, window, session, session_exists, body,
                     who if record is not None else number)

    def _who(self, work: _Work) -> str:
        to, record, table = work.outbox.to, work.record, work.table
        if record is not None and table is not None:
            name = record.get(table.primary_name)
            return f"{table.logical_name} '{name}'" if name else f"{table.logical_name} {to.id if to else ''}"
        if to is not None and to.table:
            return f"{to.table} {to.id}"
        return "the recipient"

    def _number(self, work: _Work, who: str) -> str:
        outbox, record, rt = work.outbox, work.record, work.record_type
        country = _country(work)
        if outbox.explicit_number is not None:
            raw, source = outbox.explicit_number, "the Outbox's Mobile Number"
        elif record is not None:
            if rt is None:
                table = outbox.to.table if outbox.to else "?"
                raise Stop(OutboxStatus.SKIPPED, f"The Configuration '{_name(work)}' has no usable Record Type for "
                                                 f"{table}, so no column says where its phone number is; add one "
                                                 "or set a Mobile Number on the Outbox")
            raw = str(record.get(rt.phone_field) or "").strip()
            source = f"{rt.entity}.{rt.phone_field}"
            if not raw:
                raise Stop(OutboxStatus.SKIPPED, f"{who} has no number in {source}")
        elif work.known_number is not None:
            return work.known_number
        else:
            raise Stop(OutboxStatus.SKIPPED, "The Outbox has no recipient: set To to a record, or a Mobile Number")
        e164 = normalize(raw, country).e164
        if e164 is None:
            raise Stop(OutboxStatus.SKIPPED, f"'{raw}' in {source} is not a phone number that can be texted"
                                             + ("" if country else " (no default country code to read it with)"))
        return e164

    def _body(self, work: _Work) -> str:
        outbox, record = work.outbox, work.record
        if outbox.template_id is not None:
            row = check_template(outbox.template_row, outbox.to.table if outbox.to else None)
            name = str(row.get("smsb_name") or "")
            text, what = str(row.get("smsb_body") or ""), f"The Message Template '{name}'"
        else:
            text, what = outbox.freeform, "The message text"
        try:
            template = parse(text)
            if template.is_plain:
                return render(template, {})
            if record is None or work.table is None:
                raise TemplateError(f"there is no To record to fill {{{template.columns[0]}}} from",
                                    column=template.columns[0])
            definition = self._schema.table(work.table.logical_name)
            selected = select_for(template.columns, definition, work.table.logical_name)
            return render(template, values_from(record, selected, work.table.logical_name))
        except TemplateError as exc:
            raise Stop(OutboxStatus.FAILED, f"{what} cannot be filled in: {exc}") from exc

    def _credentials(self, configuration: Configuration) -> TwilioCredentials:
        if not configuration.auth_token_sealed or not configuration.account_sid:
            raise Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' has no Twilio credentials")
        try:
            token = self._cipher.decrypt(configuration.auth_token_sealed, configuration.id)
        except TokenDecryptionFailed as exc:
            raise Stop(OutboxStatus.FAILED, f"The Configuration '{configuration.name}': {exc}") from exc
        return TwilioCredentials(configuration.account_sid, token)

    # -- 3. write the message, send, 4. record -----------------------------------------------------------------
    def _send(self, work: _Work, send: Send, credentials: TwilioCredentials) -> OutboundOutcome:
        outbox, now, outcome, schedule_at = work.outbox, work.now, work.outcome, work.schedule_at
        message_id = outbound_message_id(outbox.id)
        outcome.message_id = message_id
        try:
            send = self._write(work, send)
        except Stop as stop:
            return self._finish_unsent(work, stop)
        except Exception as exc:
            if self._release(work, exc, message_written=None):
                raise
            return outcome
        configuration = send.sender.configuration
        media = (self._links.url_for(outbox.id, now=now, send_at=schedule_at),) if outbox.has_attachment else ()
        message = OutgoingMessage(
            to=send.number, body=send.body, from_=configuration.mobile_number or None,
            messaging_service_sid=configuration.messaging_service_sid or None, media_urls=media,
            status_callback=f"{self._public_url}/api/twilio/status?m={message_id}", send_at=schedule_at,
        )
        outcome.twilio_calls += 1
        try:
            result = self._sender.send(credentials, message)
        except SendFailed as exc:
            return self._send_failed(work, send, exc)
        self._record_sent(work, send, result)
        return outcome

    def _write(self, work: _Work, send: Send) -> Send:
        outcome, message_id = work.outcome, outbound_message_id(work.outbox.id)
        # A conversation is created whenever it was not read: one known to exist but unread has unchecked consent,
        # and the failed create leads to reading it.
        create_conversation = send.conversation_row is None
        create_session = not send.session_exists
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            batch = self._client.batch()
            refs: list[Reference] = []
            with batch.changeset() as changeset:
                if create_conversation:
                    refs.append(changeset.upsert("smsb_conversations", send.conversation,
                                                 conversation_body(send, work.outbox, work.record, work.table),
                                                 mode=UpsertMode.CREATE_ONLY))
                if create_session:
                    refs.append(changeset.create_with_id(
                        "smsb_messagesessions", "activityid", send.session,
                        session_body(send, work.outbox, work.record, work.table, self._schema)))
                refs.append(changeset.upsert("smsb_messages", message_id, message_body(send, work.outbox),
                                             mode=UpsertMode.CREATE_ONLY))
            result = self._client.execute_batch(batch)
            outcome.round_trips += result.round_trips
            error = result.failure(refs)
            if error is None:
                self._sessions.put(send.session, True)
                return send
            if not isinstance(error, AlreadyExists | PreconditionFailed):
                raise error
            # A row this plan meant to create exists: another worker (or an inbound text) made it meanwhile.
            conversation_row, session_exists, message_exists = self._reread(work, send)
            if conversation_row is not None:
                check_consent(conversation_row, send.number)
                send = replace(send, conversation_row=conversation_row)
                create_conversation = False
            create_session = not session_exists
            if message_exists and not create_conversation and not create_session:
                # Written by an earlier attempt whose send never reached Twilio (the claim was released).
                return send
        raise PermanentFailure(f"the message of outbox {work.outbox.id} could not be written after "
                               f"{_MAX_ATTEMPTS} attempts")

    def _reread(self, work: _Work, send: Send) -> tuple[Row | None, bool, bool]:
        outcome, message_id = work.outcome, outbound_message_id(work.outbox.id)
        batch = self._client.batch()
        conversation_ref = batch.query("smsb_conversations", select=CONVERSATION_COLUMNS,
                                       filter=F.eq("smsb_conversationid", send.conversation), top=1)
        session_ref = batch.query("smsb_messagesessions", select=["activityid"],
                                  filter=F.eq("activityid", send.session), top=1)
        message_ref = batch.query("smsb_messages", select=["smsb_messageid"],
                                  filter=F.eq("smsb_messageid", message_id), top=1)
        result = self._client.execute_batch(batch, continue_on_error=True)
        outcome.round_trips += result.round_trips
        result.raise_first_error()
        conversations = result.part(conversation_ref).rows
        return (conversations[0] if conversations else None, bool(result.part(session_ref).rows),
                bool(result.part(message_ref).rows))

    def _record_sent(self, work: _Work, send: Send, result: SendResult) -> None:
        outbox, now, outcome, schedule_at = work.outbox, work.now, work.outcome, work.schedule_at
        message_id = outbound_message_id(outbox.id)
        batch = self._client.batch()
        with batch.changeset() as changeset:
            # The status stays Queued as written: a callback may already have moved it on, and statuses only go
            # forward. A scheduled text is the exception; nothing happens to it before its time.
            message: dict[str, Any] = {"smsb_sid": result.sid}
            if schedule_at is not None:
                message["smsb_status"] = int(StatusChoice.SCHEDULED)
            changeset.update("smsb_messages", message_id, message)
            changeset.update("smsb_outboxes", outbox.id, {
                "smsb_sendstatus": int(OutboxStatus.SENT),
                "smsb_sid": result.sid,
                "smsb_message@odata.bind": bind("smsb_messages", message_id),
            })
            last = parse_datetime(send.conversation_row.get("smsb_lastactivityon")) if send.conversation_row else None
            if schedule_at is None and (last is None or now >= last):
                at = now.isoformat()
                changeset.update("smsb_conversations", send.conversation, {
                    "smsb_lastoutboundon": at, "smsb_lastactivityon": at,
                    "smsb_lastmessagepreview": message_preview(send.body, outbox.has_attachment),
                })
        answer = self._client.execute_batch(batch)
        outcome.round_trips += answer.round_trips
        answer.raise_first_error()
        outcome.sid = result.sid
        _done(outcome, OutboundResult.SCHEDULED if schedule_at else OutboundResult.SENT,
              f"scheduled for {schedule_at.isoformat()}" if schedule_at else "")
        log.info("outbox %s sent as %s", outbox.id, result.sid)

    def _send_failed(self, work: _Work, send: Send, exc: SendFailed) -> OutboundOutcome:
        outbox, outcome = work.outbox, work.outcome
        if exc.ambiguous:
            reason = ("Twilio did not confirm whether it took this text (" + exc.message + "). It was not sent "
                      "again automatically; check the Twilio console's message log before sending it again.")
            self._mark(work, OutboxStatus.UNKNOWN, StatusChoice.UNKNOWN, reason, None)
            self._errors.record(LoggedError(
                source=ErrorSource.OUTBOUND, name="Outbound text may or may not have been sent",
                details=f"Outbox '{outbox.subject}' to {send.number}: {reason}", severity=Severity.ERROR,
                related_entity="smsb_outbox", related_id=str(outbox.id),
            ))
            log.warning("outbox %s: outcome unknown (%s)", outbox.id, type(exc.__cause__).__name__)
            return _done(outcome, OutboundResult.UNKNOWN, reason)
        if exc.is_transient:
            log.warning("outbox %s: Twilio unavailable (%s); released for a retry", outbox.id, exc.code)
            if self._release(work, exc, message_written=True):
                raise exc
            return outcome
        reason = describe(exc.code, exc.message) if exc.code is not None else f"Not sent: {exc.message}"
        self._mark(work, OutboxStatus.FAILED, StatusChoice.FAILED, reason, exc.code,
                   opted_out=send.conversation if exc.code == OPTED_OUT_CODE else None)
        outcome.error_code = exc.code
        return _done(outcome, OutboundResult.FAILED, reason)

    def _mark(self, work: _Work, status: OutboxStatus, message_status: StatusChoice, reason: str,
              code: int | None, *, opted_out: uuid.UUID | None = None) -> None:
        outbox_id, message_id, outcome = work.outbox.id, outbound_message_id(work.outbox.id), work.outcome
        batch = self._client.batch()
        with batch.changeset() as changeset:
            changeset.update("smsb_messages", message_id, {
                "smsb_status": int(message_status), "smsb_errorcode": code,
                "smsb_errormessage": reason[:_REASON_LENGTH],
            })
            changeset.update("smsb_outboxes", outbox_id, {
                "smsb_sendstatus": int(status), "smsb_errorcode": code,
                "smsb_failurereason": reason[:_REASON_LENGTH],
                "smsb_message@odata.bind": bind("smsb_messages", message_id),
            })
            if opted_out is not None:
                changeset.update("smsb_conversations", opted_out, {
                    "smsb_optedout": True, "smsb_optedouton": work.now.isoformat(),
                    "smsb_optoutkeyword": str(OPTED_OUT_CODE),
                })
        result = self._client.execute_batch(batch)
        outcome.round_trips += result.round_trips
        result.raise_first_error()

    # -- endings without a send --------------------------------------------------------------------------------
    def _finish_unsent(self, work: _Work, stop: Stop) -> OutboundOutcome:
        outbox, outcome = work.outbox, work.outcome
        outcome.round_trips += 1
        self._client.update("smsb_outboxes", outbox.id, {
            "smsb_sendstatus": int(stop.status), "smsb_failurereason": stop.reason[:_REASON_LENGTH],
            "smsb_errorcode": stop.code,
        })
        log.info("outbox %s %s", outbox.id, stop.status.name.lower())
        result = OutboundResult.SKIPPED if stop.status is OutboxStatus.SKIPPED else OutboundResult.FAILED
        return _done(outcome, result, stop.reason)

    def _release(self, work: _Work, cause: BaseException, *, message_written: bool | None = False) -> bool:
        """Back to Pending after a failure that certainly sent nothing; True when released (the caller raises, for
        the queue to retry). The claim that reaches `MAX_SEND_ATTEMPTS` is not released: the Outbox ends Unknown
        with an Error Log row and False is returned. If even this write fails the Outbox stays in Sending, which
        the sweeper reports as Unknown: a person looks, nothing is sent twice."""
        outbox, outcome = work.outbox, work.outcome
        attempts = outbox.attempts + 1
        try:
            if attempts >= MAX_SEND_ATTEMPTS:
                self._give_up(work, cause, attempts, message_written)
                return False
            outcome.round_trips += 1
            self._client.update("smsb_outboxes", outbox.id, {"smsb_sendstatus": int(OutboxStatus.PENDING)})
        except DataverseHttpError as exc:
            outcome.warnings.append(f"claim not released: {type(exc).__name__}")
            log.error("outbox %s could not be released (%s); it stays in Sending", outbox.id, type(exc).__name__)
        return True

    def _give_up(self, work: _Work, cause: BaseException, attempts: int, message_written: bool | None) -> None:
        outbox, outcome = work.outbox, work.outcome
        what = cause.message if isinstance(cause, SendFailed) else type(cause).__name__
        reason = (f"SMS Bridge started sending this text {attempts} times and no attempt got an answer from Twilio "
                  f"(the last: {what}). It is not tried again automatically: check the Twilio console's message "
                  "log for this number before sending it again (a new Outbox).")
        outcome.round_trips += 1
        self._client.update("smsb_outboxes", outbox.id, {
            "smsb_sendstatus": int(OutboxStatus.UNKNOWN), "smsb_failurereason": reason[:_REASON_LENGTH]})
        if message_written is not False:
            # The message row, when this attempt got as far as writing it, says the same in the chat.
            outcome.round_trips += 1
            with contextlib.suppress(NotFound):
                self._client.update("smsb_messages", outbound_message_id(outbox.id), {
                    "smsb_status": int(StatusChoice.UNKNOWN), "smsb_errormessage": reason[:_REASON_LENGTH]})
        self._errors.record(LoggedError(
            source=ErrorSource.OUTBOUND, name="Outbound text given up after repeated attempts",
            details=f"Outbox '{outbox.subject}' ({outbox.id}): {reason} Last error: {type(cause).__name__}.",
            severity=Severity.ERROR, related_entity="smsb_outbox", related_id=str(outbox.id),
        ))
        log.warning("outbox %s: given up after %d attempts (%s)", outbox.id, attempts, type(cause).__name__)
        _done(outcome, OutboundResult.UNKNOWN, reason)


# -- small helpers ---------------------------------------------------------------------------------------------
def _take_reads(work: _Work, result: BatchResult, record_ref: Reference | None,
                conversation_ref: Reference | None, session_ref: Reference | None) -> None:
    if record_ref is not None:
        part = result.part(record_ref)
        if isinstance(part.error, NotFound):
            work.record_missing = True
        elif isinstance(part.error, DataverseHttpError) and part.error.status == 400:
            # The service refused the columns asked for (a Record Type naming a column the table lacks):
            # retrying cannot help, an admin must fix the Record Type or the template.
            work.record_error = part.error.message or str(part.error)
        elif part.error is not None:
            raise part.error
        work.record = part.row
    if conversation_ref is not None:
        conversations = result.part(conversation_ref)
        if conversations.error is not None:
            raise conversations.error
        work.conversations = conversations.rows
    if session_ref is not None:
        sessions = result.part(session_ref)
        if sessions.error is not None:
            raise sessions.error
        work.sessions = sessions.rows


def _done(outcome: OutboundOutcome, result: OutboundResult, reason: str = "") -> OutboundOutcome:
    outcome.result = result
    outcome.reason = reason
    return outcome


def _country(work: _Work) -> str | None:
    """The country a national number is read in: the Record Type's default, else the sending number's own."""
    if work.record_type is not None and work.record_type.default_country_code:
        return work.record_type.default_country_code
    number = work.sender.configuration.mobile_number if work.sender else None
    parsed = normalize(number).e164 if number else None
    if parsed is None:
        return None
    return "+" + str(phonenumbers.parse(parsed).country_code)


def _name(work: _Work) -> str:
    return work.sender.configuration.name if work.sender else ""
