"""An Outbox row, sent at most once (DESIGN 6.4): read, claim, decide (`outbound.rules`), write, send, record
(`outbound.results`).

The webhook on Create and the sweeper both queue the Outbox id, and queues redeliver, so the same row may be
worked on twice at once. The row's `smsb_sendstatus` is the lock: a worker *claims* it (Pending → Sending with the
ETag it read) and only the worker whose claim succeeded goes on; every other copy of the job is a no-op.

A successful send costs four Dataverse round trips and one Twilio call:

1. *Read*: the Outbox with its To party, template, Configuration and chat session expanded (one GET).
2. *Claim*: one `$batch` — the claim in a changeset, then the To and Regarding records (exactly the columns the
   Record Type and the template need; a Related Record Type's customer expanded from the Regarding record), the
   conversation and the session of the current window. The records are read with the rights of the Outbox's owner
   (`render_rights`): when the owner is someone else than the application user, it is one more request that
   impersonates the owner (Dataverse honours impersonation per request, not per `$batch` part), so such a send
   costs five round trips; a read the owner may not make fails the Outbox and nothing is sent. The worker learns
   its own user id once (WhoAmI, then cached).
3. *Write*: one changeset — conversation (first text to the number), session (first of its window), and the
   outgoing message row the status callback will find by `?m=`.
4. *Send* through Twilio, then *record* its outcome in one changeset.

A worker that dies after Twilio accepted leaves the Outbox in Sending, which no worker claims again (the sweeper
turns it Unknown); a claim that sent nothing goes back to Pending, or its job comes back marked to take it again
(`ClaimKept`). Each claim counts in `smsb_sendattempts`. The Configuration's Record Types come from the
`ConfigurationDirectory` (cached; a cold cache costs one more round trip, as for inbound texts), the definitions of
the tables they and the Outbox name from `CustomerTables` (held per worker; reading those it lacks costs one more).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from dataverse import AlreadyExists, DataverseClient, DataverseHttpError, NotFound, PreconditionFailed
from messaging.caches import TtlCache
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import OutboxJob
from messaging.errors import ClaimKept, PermanentFailure, TokenDecryptionFailed
from messaging.ids import outbound_message_id
from messaging.names import OutboxStatus
from messaging.outbound.gates import Stop, check_consent, claimable
from messaging.outbound.media_links import MediaLinks
from messaging.outbound.outcome import OutboundOutcome, OutboundResult
from messaging.outbound.reader import Claim, OutboundReader
from messaging.outbound.render_rights import reader_of
from messaging.outbound.results import (
    MAX_SEND_ATTEMPTS,
    Ending,
    given_up,
    recorded,
    refused,
    unconfirmed,
    unsent,
)
from messaging.outbound.rules import Claimed, Hold, RecordRead, Send, decide, rows_before_send, timing
from messaging.plans import Changeset
from messaging.rows import outbox as outbox_rows
from messaging.rows.configuration import Configuration
from messaging.rows.outbox import Outbox
from messaging.store import Store
from messaging.tables import CustomerTables
from messaging.tokens import TokenCipher
from twilio_bridge import MessageSender, OutgoingMessage, SendFailed, TwilioCredentials

__all__ = ["OutboundProcessor"]

log = logging.getLogger("smsbridge.outbound")

_MAX_ATTEMPTS = 3


class OutboundProcessor:
    def __init__(  # noqa: PLR0917 - the collaborators, in the order every processor takes them
        self,
        client: DataverseClient,
        directory: ConfigurationDirectory,
        cipher: TokenCipher,
        sender: MessageSender,
        store: Store,
        links: MediaLinks,
        *,
        public_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tables: CustomerTables | None = None,
        configuration_ttl: float = 60.0,
    ) -> None:
        self._client = client
        self._cipher = cipher
        self._sender = sender
        self._store = store
        self._links = links
        self._public_url = public_url.rstrip("/")
        self._clock = clock
        self._reader = OutboundReader(client, store, directory, tables or CustomerTables(client),
                                      configuration_ttl=configuration_ttl)
        # Sessions this worker wrote: a session has no gate to check, so knowing it exists saves a failed create.
        self._sessions: TtlCache[uuid.UUID, bool] = TtlCache(3600.0, max_entries=50_000)
        self._application_user: uuid.UUID | None = None

    def application_user(self, outcome: OutboundOutcome | None = None) -> uuid.UUID:
        """The user this worker acts as (WhoAmI once, then cached): an Outbox it owns needs no impersonation."""
        if self._application_user is None:
            if outcome is not None:
                outcome.round_trips += 1
            self._application_user = self._client.who_am_i().user_id
        return self._application_user

    def process(self, job: OutboxJob) -> OutboundOutcome:
        outcome = OutboundOutcome(outbox_id=job.outbox_id)
        with self._client.operation(job.correlation_id):
            outcome.round_trips += 1
            claimed = self.prepare(self._reader.outbox(job.outbox_id), outcome, job.unsent_claim)
            if claimed is None:
                return outcome
            reader, denied = self.reader_for(claimed, outcome)
            claim, round_trips = self._reader.claim(claimed.outbox, claimed.sender, claimed.plan, claimed.now,
                                                    record_in_batch=reader is None and denied is None)
            outcome.round_trips += round_trips
            as_owner = None
            if reader is not None and claim.error is None and claimed.plan is not None:
                outcome.round_trips += 1
                try:
                    as_owner = self._reader.read_as(claimed.outbox, claimed.plan, reader)
                except Exception as exc:
                    if self.release(claimed, exc, outcome):
                        raise
                    return outcome
            taken = self.claimed_with(claimed, claim, denied, as_owner, outcome)
            if taken is None:
                return outcome
            return self._decide_and_send(taken, outcome)

    @property
    def reader(self) -> OutboundReader:
        return self._reader

    def prepare(self, sent: Outbox | None, outcome: OutboundOutcome,
                unsent_claim: int | None = None) -> Claimed | None:
        """What is known before the claim (the sender, when it goes, what to read), or None when the job ends here
        (`outcome` says how)."""
        if sent is None:
            outcome.done(OutboundResult.MISSING, "the Outbox row no longer exists")
            return None
        if not claimable(sent, unsent_claim):
            log.info("outbox %s is %s; nothing to do", sent.id, sent.status.name)
            outcome.done(OutboundResult.NOT_PENDING, f"already {sent.status.name.lower()}")
            return None
        now = self._clock()
        sender, problem, round_trips = self._reader.sender(sent)
        outcome.round_trips += round_trips
        when = timing(sent, sender, now)
        if isinstance(when, Hold):
            log.info("outbox %s is due at %s; left for the sweeper", sent.id, when.due.isoformat())
            outcome.done(OutboundResult.HELD, f"due at {when.due.isoformat()}")
            return None
        plan = None
        if sender is not None:
            plan, round_trips = self._reader.plan(sent, sender)
            outcome.round_trips += round_trips
        return Claimed(sent, sender, problem, now, when, plan)

    # -- claim, and read what the send needs -------------------------------------------------------------------
    def reader_for(self, claimed: Claimed, outcome: OutboundOutcome) -> tuple[uuid.UUID | None, Stop | None]:
        """Whom the To and Regarding records are read as: None for this worker's own user (inside the claim's
        `$batch`), else the Outbox's owner (impersonated, a request of its own); or why no one can read them."""
        if claimed.plan is None or not claimed.plan.reads:
            return None, None
        chosen = reader_of(claimed.outbox, self.application_user(outcome))
        return (None, chosen) if isinstance(chosen, Stop) else (chosen, None)

    def claimed_with(self, claimed: Claimed, claim: Claim, denied: Stop | None,
                     as_owner: tuple[RecordRead, RecordRead] | None, outcome: OutboundOutcome) -> Claimed | None:
        """The claim's answer for this row: None when it was claimed elsewhere or is gone (`outcome` says so);
        raises when the claim failed otherwise (nothing was claimed)."""
        sent, plan = claimed.outbox, claimed.plan
        error = claim.error
        if isinstance(error, PreconditionFailed):
            log.info("outbox %s was claimed by another worker", sent.id)
            outcome.done(OutboundResult.CLAIMED_ELSEWHERE, "claimed by another worker")
            return None
        if isinstance(error, NotFound):
            outcome.done(OutboundResult.MISSING, "the Outbox row no longer exists")
            return None
        if error is not None:
            raise error
        try:
            record, regarding, conversations, sessions = claim.reads(sent, plan) if plan is not None else (
                claimed.record, claimed.regarding, (), frozenset())
            if denied is not None:
                record = replace(record, denied=denied)
            if as_owner is not None:
                record, regarding = as_owner
                if record.denied is not None or regarding.denied is not None:
                    log.info("outbox %s: its owner may not read the To or Regarding record", sent.id)
        except Exception as exc:
            if self.release(claimed, exc, outcome):
                raise
            return None
        return replace(claimed, record=record, regarding=regarding, conversations=conversations, sessions=sessions,
                       conversations_read=claim.conversations is not None)

    def _decide_and_send(self, claimed: Claimed, outcome: OutboundOutcome) -> OutboundOutcome:
        try:
            ready = self.ready(claimed, outcome)
        except Exception as exc:
            # Nothing was sent: whatever failed, the Outbox goes back to Pending for the queue to retry.
            if self.release(claimed, exc, outcome):
                raise
            return outcome
        if isinstance(ready, Stop):
            return self.finish_unsent(claimed, ready, outcome)
        send, credentials = ready
        return self._send(claimed, send, credentials, outcome)

    def ready(self, claimed: Claimed, outcome: OutboundOutcome) -> tuple[Send, TwilioCredentials] | Stop:
        decision = decide(claimed)
        if isinstance(decision, Send) and not claimed.conversations_read:
            # The number became known only once the Regarding record was read (a Case's contact): read its
            # conversation and the window's session now, so that consent is checked on them and the write does not
            # meet them by surprise.
            conversations, sessions, round_trips = self._reader.by_number(decision)
            outcome.round_trips += round_trips
            decision = decide(replace(claimed, conversations=conversations, sessions=sessions,
                                      conversations_read=True))
        if isinstance(decision, Stop):
            return decision
        if self._sessions.get(decision.session) is not None:
            decision = replace(decision, session_exists=True)
        credentials = self.credentials(decision.sender.configuration)
        return credentials if isinstance(credentials, Stop) else (decision, credentials)

    def credentials(self, configuration: Configuration) -> TwilioCredentials | Stop:
        if not configuration.auth_token_sealed or not configuration.account_sid:
            return Stop(OutboxStatus.SKIPPED, f"The Configuration '{configuration.name}' has no Twilio credentials")
        try:
            token = self._cipher.decrypt(configuration.auth_token_sealed, configuration.id)
        except TokenDecryptionFailed as exc:
            return Stop(OutboxStatus.FAILED, f"The Configuration '{configuration.name}': {exc}")
        return TwilioCredentials(configuration.account_sid, token)

    # -- write the message, send, record -----------------------------------------------------------------------
    def _send(self, claimed: Claimed, send: Send, credentials: TwilioCredentials,
              outcome: OutboundOutcome) -> OutboundOutcome:
        sent, now, schedule_at = claimed.outbox, claimed.now, claimed.schedule_at
        message_id = outbound_message_id(sent.id)
        outcome.message_id = message_id
        try:
            written = self.write(claimed, send, outcome)
        except Exception as exc:
            if self.release(claimed, exc, outcome, message_written=None):
                raise
            return outcome
        if isinstance(written, Stop):
            return self.finish_unsent(claimed, written, outcome)
        message = self.message_for(claimed, written)
        outcome.twilio_calls += 1
        try:
            result = self._sender.send(credentials, message)
        except SendFailed as exc:
            return self.send_failed(claimed, written, exc, outcome)
        answer = self._store.run([recorded(written, sent, result.sid, now, schedule_at)])
        outcome.round_trips += answer.round_trips
        answer.raise_first_error()
        outcome.sid = result.sid
        log.info("outbox %s sent as %s", sent.id, result.sid)
        if schedule_at is not None:
            return outcome.done(OutboundResult.SCHEDULED, f"scheduled for {schedule_at.isoformat()}")
        return outcome.done(OutboundResult.SENT)

    def message_for(self, claimed: Claimed, send: Send) -> OutgoingMessage:
        """What Twilio is asked to send; its status callback names the message row by `?m=`."""
        sent, configuration = claimed.outbox, send.sender.configuration
        media = ((self._links.url_for(sent.id, now=claimed.now, send_at=claimed.schedule_at),)
                 if sent.has_attachment else ())
        return OutgoingMessage(
            to=send.number, body=send.body, from_=configuration.mobile_number or None,
            messaging_service_sid=configuration.messaging_service_sid or None, media_urls=media,
            status_callback=f"{self._public_url}/api/twilio/status?m={outbound_message_id(sent.id)}",
            send_at=claimed.schedule_at,
        )

    def write(self, claimed: Claimed, send: Send, outcome: OutboundOutcome) -> Send | Stop:
        # A conversation is created whenever it was not read: one known to exist but unread has unchecked consent,
        # and the failed create leads to reading it.
        create_conversation = send.stored_conversation is None
        create_session = not send.session_exists
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            rows = rows_before_send(send, claimed.outbox, create_conversation=create_conversation,
                                    create_session=create_session)
            answer = self._store.run([rows])
            outcome.round_trips += answer.round_trips
            error = answer.error(rows)
            if error is None:
                self._sessions.put(send.session, True)
                return send
            if not isinstance(error, AlreadyExists | PreconditionFailed):
                raise error
            # A row this plan meant to create exists: another worker (or an inbound text) made it meanwhile.
            found = self._reader.found(send, claimed.outbox)
            outcome.round_trips += found.round_trips
            if found.conversation is not None:
                stop = check_consent(found.conversation, send.number)
                if stop is not None:
                    return stop
                send = replace(send, stored_conversation=found.conversation)
                create_conversation = False
            create_session = not found.session
            if found.message and not create_conversation and not create_session:
                # Written by an earlier attempt whose send never reached Twilio (the claim was released).
                return send
        raise PermanentFailure(f"the message of outbox {claimed.outbox.id} could not be written after "
                               f"{_MAX_ATTEMPTS} attempts")

    def send_failed(self, claimed: Claimed, send: Send, exc: SendFailed,
                     outcome: OutboundOutcome) -> OutboundOutcome:
        sent = claimed.outbox
        if exc.ambiguous:
            ending = unconfirmed(send, sent, exc.message)
            self.end(ending, outcome)
            log.warning("outbox %s: outcome unknown (%s)", sent.id, type(exc.__cause__).__name__)
            return outcome.done(OutboundResult.UNKNOWN, ending.reason)
        if exc.is_transient:
            log.warning("outbox %s: Twilio unavailable (%s); released for a retry", sent.id, exc.code)
            if self.release(claimed, exc, outcome, message_written=True):
                raise exc
            return outcome
        ending = refused(send, sent, exc.code, exc.message, claimed.now)
        self.end(ending, outcome)
        outcome.error_code = exc.code
        return outcome.done(OutboundResult.FAILED, ending.reason)

    def end(self, ending: Ending, outcome: OutboundOutcome) -> None:
        answer = self._store.run([ending.changeset])
        outcome.round_trips += answer.round_trips
        answer.raise_first_error()
        if ending.error is not None:
            self._store.record(ending.error)

    # -- endings without a send --------------------------------------------------------------------------------
    def finish_unsent(self, claimed: Claimed, stop: Stop, outcome: OutboundOutcome) -> OutboundOutcome:
        outcome.round_trips += 1
        self._store.apply(unsent(claimed.outbox.id, stop))
        return self.stopped(claimed, stop, outcome)

    def stopped(self, claimed: Claimed, stop: Stop, outcome: OutboundOutcome) -> OutboundOutcome:
        """The outcome of a row a gate stopped, once its reason is written."""
        log.info("outbox %s %s", claimed.outbox.id, stop.status.name.lower())
        result = OutboundResult.SKIPPED if stop.status is OutboxStatus.SKIPPED else OutboundResult.FAILED
        return outcome.done(result, stop.reason)

    def rows_before_send(self, send: Send, sent: Outbox) -> Changeset:
        """What is written before the send, at a first try: every row not known to exist is created."""
        return rows_before_send(send, sent, create_conversation=send.stored_conversation is None,
                                create_session=not send.session_exists)

    def remember_session(self, send: Send) -> None:
        self._sessions.put(send.session, True)

    def release(self, claimed: Claimed, cause: BaseException, outcome: OutboundOutcome, *,
                 message_written: bool | None = False) -> bool:
        """Back to Pending after a failure that certainly sent nothing; True when released (the caller raises, for
        the queue to retry). The claim that reaches `MAX_SEND_ATTEMPTS` is not released: the Outbox ends Unknown
        with an Error Log row and False is returned. If this write fails, `ClaimKept` is raised (the job comes back
        able to take its claim again); at the last attempt the row is left to the sweeper, which reports it Unknown."""
        sent = claimed.outbox
        attempts = sent.attempts + 1
        try:
            if attempts >= MAX_SEND_ATTEMPTS:
                self._give_up(claimed, cause, attempts, message_written, outcome)
                return False
            outcome.round_trips += 1
            self._store.apply(outbox_rows.released(sent.id))
        except DataverseHttpError as exc:
            outcome.warnings.append(f"claim not released: {type(exc).__name__}")
            if attempts >= MAX_SEND_ATTEMPTS:
                log.error("outbox %s could not be given up (%s); it stays in Sending", sent.id, type(exc).__name__)
                return True
            log.warning("outbox %s not released (%s); its job will take it back", sent.id, type(exc).__name__)
            raise ClaimKept(sent.id, attempts) from exc
        return True

    def _give_up(self, claimed: Claimed, cause: BaseException, attempts: int, message_written: bool | None,
                 outcome: OutboundOutcome) -> None:
        sent = claimed.outbox
        last = cause.message if isinstance(cause, SendFailed) else type(cause).__name__
        plan = given_up(sent, attempts, last, type(cause).__name__, message_written)
        outcome.round_trips += 1
        self._store.apply(plan.outbox)
        if plan.message is not None:
            outcome.round_trips += 1
            with contextlib.suppress(NotFound):
                self._store.apply(plan.message)
        self._store.record(plan.error)
        log.warning("outbox %s: given up after %d attempts (%s)", sent.id, attempts, type(cause).__name__)
        outcome.done(OutboundResult.UNKNOWN, plan.reason)
