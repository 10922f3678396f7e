"""Queue workers: one queue message in, the work done or retried, and every failure accounted for.

- `sms-inbound` carries Twilio's webhooks (texts and statuses), `sms-outbound` the Dataverse-side jobs (Outbox
  rows to send, Configurations to seal and validate, Record Types to check, chats whose owner changed). Messages
  arrive parsed (`messaging.envelopes.read_inbound` / `read_outbound`, at the edge); one that could not be read is
  recorded and kept, like any failure retrying cannot fix.
- Failures are raised so the Functions host retries the message and, after `maxDequeueCount` attempts, keeps it
  in `<queue>-poison` where it can be inspected and replayed; nothing is dropped. The Error Log gets one row per
  failure story: at the first attempt for a failure retrying cannot fix, at the last attempt for one that kept
  recurring.
- A message Dataverse's service protection holds back for longer than a request waits (its `Retry-After`) goes back
  to its queue, visible when Dataverse said, instead of failing: throttling is not the message's fault, and five
  failed attempts inside one long `Retry-After` would move it to poison. An Outbox job whose claim sent nothing
  and could not be released goes back marked (`OutboxJob.unsent_claim`), so that it can take the claim again. The
  edge says how a message goes back (`Defer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from dataverse import DataverseError, Throttled
from messaging.configuration import ConfigurationOutcome, RecordTypeOutcome
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import (
    ConfigurationJob,
    DeferredWebhook,
    InboundEnvelope,
    InboundQueueMessage,
    OutboundQueueMessage,
    OutboxJob,
    OwnershipJob,
    RecordTypeJob,
    StatusEnvelope,
    Unreadable,
)
from messaging.errors import ClaimKept, ConfigurationNotFound, MessagingError, PermanentFailure
from messaging.inbound import InboundOutcome, InboundProcessor
from messaging.inbound.coalescing import InboundCoalescer
from messaging.intake import WebhookIntake
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_CONVERSATION,
    SMSB_MESSAGESESSION,
    SMSB_OUTBOX,
    SMSB_RECORDTYPE,
    Severity,
)
from messaging.outbound import OutboundOutcome, OutboundResult
from messaging.ownership import OwnershipOutcome
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.status import StatusOutcome, StatusProcessor
from messaging.status.coalescing import StatusCoalescer
from messaging.store import Store
from messaging.tables import CustomerTables
from messaging.telemetry import Counters, PhoneHash, step
from twilio_bridge import InvalidSignature, MalformedWebhook, TwilioBridgeError

__all__ = ["Defer", "Deferred", "InboundQueueWorker", "JobProcessor", "OutboundQueueWorker", "RefusedWebhook",
           "is_permanent", "throttled_for"]

log = logging.getLogger("smsbridge.worker")

# host.json extensions.queues.maxDequeueCount: the attempt after which the host moves a message to poison.
MAX_DEQUEUE_COUNT = 5
_NOT_SENT = (OutboundResult.FAILED, OutboundResult.SKIPPED, OutboundResult.UNKNOWN)

J_contra = TypeVar("J_contra", contravariant=True)
O_co = TypeVar("O_co", covariant=True)


class JobProcessor(Protocol[J_contra, O_co]):
    def process(self, job: J_contra) -> O_co: ...


def is_permanent(exc: BaseException) -> bool:
    """Would retrying the same message fail the same way? Each error family says so (`is_transient`); anything
    else is a fault of ours that no retry cures."""
    if isinstance(exc, MessagingError | DataverseError | TwilioBridgeError):
        return not exc.is_transient
    return True


def throttled_for(exc: BaseException) -> float | None:
    """The seconds Dataverse asked to wait, when `exc` is (or was caused by) a 429 that said so; else None."""
    for cause in _chain(exc):
        if isinstance(cause, Throttled) and cause.retry_after is not None:
            return cause.retry_after
    return None


def _kept(exc: BaseException) -> ClaimKept | None:
    return next((cause for cause in _chain(exc) if isinstance(cause, ClaimKept)), None)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    # explicit causes only (`raise … from`): an error merely raised while a 429 was being handled is not the 429's
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


class Defer(Protocol):
    """Puts the message being handled back in its queue, hidden for `seconds`; as it came, or as `replacement` (the
    edge knows the queue and the encoding)."""

    def __call__(self, seconds: float, replacement: str | None = None) -> None: ...


# A claim kept without a Retry-After to wait (the release failed otherwise) comes back after host.json's
# visibilityTimeout, as a failed message would.
KEPT_CLAIM_DELAY_SECONDS = 10.0


@dataclass(frozen=True)
class Deferred:
    """The message went back to its queue for `seconds`, as Dataverse's `Retry-After` asked."""

    seconds: float


@dataclass(frozen=True)
class _Context:
    source: str
    correlation_id: str | None
    twilio_sid: str | None = None
    related_entity: str | None = None
    related_id: str | None = None


class _Accounting:
    def __init__(self, queue: str, store: Store, max_dequeue_count: int) -> None:
        self._queue = queue
        self._store = store
        self._max = max_dequeue_count

    def deferred(self, exc: BaseException, defer: Defer | None, replacement: str | None = None) -> Deferred | None:
        """Back to the queue when Dataverse throttled the work, or as `replacement` when one is given, and the edge
        can put it back; None otherwise (the failure then takes the usual way)."""
        if defer is None or is_permanent(exc):
            return None
        throttled = throttled_for(exc)
        seconds = KEPT_CLAIM_DELAY_SECONDS if throttled is None and replacement is not None else throttled
        if seconds is None:
            return None
        try:
            defer(seconds, replacement)
        except Exception as failure:  # noqa: BLE001 - any failure to requeue leaves the queue's own retry
            log.warning("could not put the throttled message back in %s (%s); the queue will retry it",
                        self._queue, type(failure).__name__)
            return None
        Counters.deferred.add(1, {"queue": self._queue})
        if throttled is not None:
            log.info("Dataverse asked to wait %.1f s; the message is back in %s until then", seconds, self._queue)
        else:
            log.info("the Outbox job is back in %s with its claim, in %.0f s", self._queue, seconds)
        return Deferred(seconds)

    def account_for(self, exc: BaseException, context: _Context, dequeue_count: int) -> None:
        permanent = is_permanent(exc)
        what = f"{type(exc).__name__}: {exc}"
        if permanent and dequeue_count <= 1:
            severity, name = Severity.ERROR, "Message cannot be processed"
            details = f"{what}. It will be kept in {self._queue}-poison after the retries."
        elif dequeue_count >= self._max:
            severity, name = Severity.CRITICAL, f"Message moved to {self._queue}-poison"
            Counters.poison.add(1, {"queue": self._queue})
            details = f"Failed {dequeue_count} times; last error {what}. Replay it once the cause is fixed."
        else:
            log.warning("attempt %s failed (%s); the queue will retry", dequeue_count, type(exc).__name__)
            return
        log.error("%s: %s", name, type(exc).__name__)
        self._store.record(LoggedError(
            source=context.source, name=name, details=details, severity=severity,
            correlation_id=context.correlation_id, twilio_sid=context.twilio_sid,
            related_entity=context.related_entity, related_id=context.related_id,
        ))


@dataclass(frozen=True)
class RefusedWebhook:
    """A deferred webhook the check refused, as the HTTP trigger would have (403, 400 or 404): dropped."""

    webhook: str
    reason: str


class InboundQueueWorker:
    def __init__(self, inbound: InboundProcessor, status: StatusProcessor, store: Store,
                 max_dequeue_count: int = MAX_DEQUEUE_COUNT,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 intake: WebhookIntake | None = None, phone_hash: PhoneHash | None = None,
                 coalescer: InboundCoalescer | None = None, status_coalescer: StatusCoalescer | None = None) -> None:
        self._inbound = inbound
        self._coalescer = coalescer
        self._status_coalescer = status_coalescer
        self._status = status
        self._clock = clock
        self._intake = intake
        self._phone_hash = phone_hash
        self._accounting = _Accounting("sms-inbound", store, max_dequeue_count)

    @property
    def inbound(self) -> InboundProcessor:
        return self._inbound

    def handle(self, message: InboundQueueMessage, dequeue_count: int,
               defer: Defer | None = None) -> InboundOutcome | StatusOutcome | RefusedWebhook | Deferred:
        context = _Context(ErrorSource.INBOUND, message.correlation_id)
        try:
            if isinstance(message, Unreadable):
                raise message.failure()
            envelope: InboundEnvelope | StatusEnvelope | DeferredWebhook = message
            if isinstance(envelope, DeferredWebhook):
                verified = self._check(envelope)
                if isinstance(verified, RefusedWebhook):
                    return verified
                envelope = verified
            waited = (self._clock() - envelope.received_at).total_seconds() * 1000
            Counters.queue_wait.record(max(0.0, waited), {"queue": "sms-inbound"})
            if isinstance(envelope, InboundEnvelope):
                context = _Context(ErrorSource.INBOUND, envelope.correlation_id, envelope.message.message_sid)
                return self._file(envelope, dequeue_count)
            context = _Context(ErrorSource.STATUS, envelope.correlation_id, envelope.callback.message_sid)
            with step("smsb.status.apply", correlation_id=envelope.correlation_id,
                      twilio_sid=envelope.callback.message_sid, status=str(envelope.callback.message_status),
                      attempt=dequeue_count) as span:
                # Coalescing applies this callback with others that wait now; it still succeeds or raises alone.
                status = (self._status_coalescer.process(envelope) if self._status_coalescer
                          else self._status.process(envelope))
                span.set_attribute("smsb.applied", status.applied)
            return status
        except Exception as exc:
            if (deferred := self._accounting.deferred(exc, defer)) is not None:
                return deferred
            self._accounting.account_for(exc, context, dequeue_count)
            raise

    def _file(self, envelope: InboundEnvelope, dequeue_count: int) -> InboundOutcome:
        message = envelope.message
        with step("smsb.inbound.file", correlation_id=envelope.correlation_id, twilio_sid=message.message_sid,
                  configuration_id=str(envelope.configuration_id),
                  sender=self._phone_hash(message.from_) if self._phone_hash else None,
                  attempt=dequeue_count) as span:
            # Coalescing files this text with others that wait now; it still succeeds or raises for this text only.
            outcome = self._coalescer.process(envelope) if self._coalescer else self._inbound.process(envelope)
            span.set_attribute("smsb.duplicate", outcome.duplicate)
            span.set_attribute("smsb.group_size", outcome.group_size)
            span.set_attribute("smsb.round_trips", outcome.round_trips)
        if outcome.stored:
            Counters.texts_stored.add(1)
        return outcome

    def _check(self, deferred: DeferredWebhook) -> InboundEnvelope | StatusEnvelope | RefusedWebhook:
        """What the HTTP trigger would have done, now that the Configuration map can be waited for. A refusal is
        dropped with a warning and no Error Log row: the request was anonymous, and a forged one must not cost
        a Dataverse write any more than it would have at the door."""
        if self._intake is None:
            raise PermanentFailure("this worker cannot check deferred webhooks")
        try:
            return self._intake.verify_deferred(deferred)
        except (InvalidSignature, MalformedWebhook, ConfigurationNotFound) as exc:
            log.warning("a deferred %s webhook was refused (%s), as it would have been on arrival",
                        deferred.webhook, type(exc).__name__)
            return RefusedWebhook(deferred.webhook, type(exc).__name__)


JobOutcome = OutboundOutcome | ConfigurationOutcome | RecordTypeOutcome | OwnershipOutcome


class OutboundQueueWorker:
    def __init__(
        self,
        outbound: JobProcessor[OutboxJob, OutboundOutcome],
        configurations: JobProcessor[ConfigurationJob, ConfigurationOutcome],
        record_types: JobProcessor[RecordTypeJob, RecordTypeOutcome],
        store: Store,
        *,
        directory: ConfigurationDirectory,
        ownership: JobProcessor[OwnershipJob, OwnershipOutcome],
        tables: CustomerTables | None = None,
        max_dequeue_count: int = MAX_DEQUEUE_COUNT,
    ) -> None:
        self._outbound = outbound
        self._configurations = configurations
        self._record_types = record_types
        self._ownership = ownership
        self._directory = directory
        self._tables = tables
        self._accounting = _Accounting("sms-outbound", store, max_dequeue_count)

    def handle(self, job: OutboundQueueMessage, dequeue_count: int,
               defer: Defer | None = None) -> JobOutcome | Deferred:
        context = _Context(ErrorSource.OUTBOUND, job.correlation_id)
        try:
            if isinstance(job, Unreadable):
                raise job.failure()
            if isinstance(job, OutboxJob):
                context = _Context(ErrorSource.OUTBOUND, job.correlation_id, None, SMSB_OUTBOX.logical_name,
                                   str(job.outbox_id))
                return self._send(job, dequeue_count)
            if isinstance(job, ConfigurationJob):
                context = _Context(ErrorSource.CONFIGURATION, job.correlation_id, None,
                                   SMSB_CONFIGURATION.logical_name, str(job.configuration_id))
                outcome = self._configurations.process(job)
                # This worker's cached Configurations must not outlive the change (others expire within a minute).
                self._directory.invalidate(job.configuration_id)
                return outcome
            if isinstance(job, OwnershipJob):
                table = SMSB_CONVERSATION if job.table == "conversation" else SMSB_MESSAGESESSION
                context = _Context(ErrorSource.WEBHOOK, job.correlation_id, None, table.logical_name, str(job.row_id))
                return self._ownership.process(job)
            context = _Context(ErrorSource.CONFIGURATION, job.correlation_id, None, SMSB_RECORDTYPE.logical_name,
                               str(job.record_type_id))
            checked = self._record_types.process(job)
            self._directory.invalidate()
            if self._tables is not None and checked.tables:
                # Other workers read the tables again when they next read the changed Record Type.
                self._tables.forget(*checked.tables)
            return checked
        except Exception as exc:
            kept = _kept(exc)
            again = replace(job, unsent_claim=kept.attempts).to_json() if kept and isinstance(job, OutboxJob) else None
            if (deferred := self._accounting.deferred(exc, defer, again)) is not None:
                return deferred
            self._accounting.account_for(exc, context, dequeue_count)
            raise

    def _send(self, job: OutboxJob, dequeue_count: int) -> OutboundOutcome:
        with step("smsb.outbound.send", correlation_id=job.correlation_id, outbox_id=str(job.outbox_id),
                  origin=job.origin, attempt=dequeue_count) as span:
            sent = self._outbound.process(job)
            span.set_attribute("smsb.result", str(sent.result or ""))
            if sent.sid:
                span.set_attribute("smsb.twilio_sid", sent.sid)
        if sent.result is OutboundResult.SENT:
            Counters.texts_sent.add(1)
        elif sent.result in _NOT_SENT:
            Counters.texts_failed.add(1, {"result": str(sent.result)})
        return sent
