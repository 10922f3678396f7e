"""Queue workers: one queue message in, the work done or retried, and every failure accounted for.

- `sms-inbound` carries Twilio's webhooks (texts and statuses), `sms-outbound` the Dataverse-side jobs (Outbox
  rows to send, Configurations to seal and validate, Record Types to check).
- Failures are raised so the Functions host retries the message and, after `maxDequeueCount` attempts, keeps it
  in `<queue>-poison` where it can be inspected and replayed; nothing is dropped. The Error Log gets one row per
  failure story: at the first attempt for a failure retrying cannot fix, at the last attempt for one that kept
  recurring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from dataverse import DataverseError, DataverseHttpError
from messaging.directory import ConfigurationDirectory
from messaging.envelope import DeferredWebhook, InboundEnvelope, StatusEnvelope, parse_envelope
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import ConfigurationNotFound, MessageNotFiledYet, PermanentFailure, TokenDecryptionFailed
from messaging.inbound import InboundOutcome, InboundProcessor
from messaging.intake import WebhookIntake
from messaging.jobs import ConfigurationJob, OutboxJob, RecordTypeJob, parse_job
from messaging.model import Severity
from messaging.status import StatusOutcome, StatusProcessor
from messaging.telemetry import Counters, PhoneHash, step
from twilio_bridge import InvalidSignature, MalformedWebhook, TwilioBridgeError

__all__ = ["InboundQueueWorker", "JobProcessor", "OutboundQueueWorker", "RefusedWebhook", "is_permanent"]

log = logging.getLogger("smsbridge.worker")

# host.json extensions.queues.maxDequeueCount: the attempt after which the host moves a message to poison.
MAX_DEQUEUE_COUNT = 5

J_contra = TypeVar("J_contra", contravariant=True)


class JobProcessor(Protocol[J_contra]):
    def process(self, job: J_contra) -> object: ...


def is_permanent(exc: BaseException) -> bool:
    """Would retrying the same message fail the same way?"""
    if isinstance(exc, PermanentFailure | ConfigurationNotFound | TokenDecryptionFailed):
        return True
    if isinstance(exc, MessageNotFiledYet):
        return False
    if isinstance(exc, DataverseHttpError):
        return not exc.is_transient
    if isinstance(exc, TwilioBridgeError):
        return not bool(getattr(exc, "is_transient", False))
    return not isinstance(exc, DataverseError)


@dataclass(frozen=True)
class _Context:
    source: str
    correlation_id: str | None
    twilio_sid: str | None = None
    related_entity: str | None = None
    related_id: str | None = None


class _Accounting:
    def __init__(self, queue: str, errors: ErrorLog, max_dequeue_count: int) -> None:
        self._queue = queue
        self._errors = errors
        self._max = max_dequeue_count

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
        self._errors.record(LoggedError(
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
    def __init__(self, inbound: InboundProcessor, status: StatusProcessor, errors: ErrorLog,
                 max_dequeue_count: int = MAX_DEQUEUE_COUNT,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 intake: WebhookIntake | None = None, phone_hash: PhoneHash | None = None) -> None:
        self._inbound = inbound
        self._status = status
        self._clock = clock
        self._intake = intake
        self._phone_hash = phone_hash
        self._accounting = _Accounting("sms-inbound", errors, max_dequeue_count)

    @property
    def inbound(self) -> InboundProcessor:
        return self._inbound

    def handle(self, body: bytes, dequeue_count: int) -> InboundOutcome | StatusOutcome | RefusedWebhook:
        context = _Context(ErrorSource.INBOUND, None)
        try:
            envelope = parse_envelope(body)
            if isinstance(envelope, DeferredWebhook):
                context = _Context(ErrorSource.INBOUND, envelope.correlation_id)
                verified = self._check(envelope)
                if isinstance(verified, RefusedWebhook):
                    return verified
                envelope = verified
            waited = (self._clock() - envelope.received_at).total_seconds() * 1000
            Counters.queue_wait.record(max(0.0, waited), {"queue": "sms-inbound"})
            if isinstance(envelope, InboundEnvelope):
                message = envelope.message
                context = _Context(ErrorSource.INBOUND, envelope.correlation_id, message.message_sid)
                with step("smsb.inbound.file", correlation_id=envelope.correlation_id,
                          twilio_sid=message.message_sid, configuration_id=str(envelope.configuration_id),
                          sender=self._phone_hash(message.from_) if self._phone_hash else None,
                          attempt=dequeue_count) as span:
                    outcome = self._inbound.process(envelope)
                    span.set_attribute("smsb.duplicate", outcome.duplicate)
                    span.set_attribute("smsb.round_trips", outcome.round_trips)
                if outcome.stored:
                    Counters.texts_stored.add(1)
                return outcome
            context = _Context(ErrorSource.STATUS, envelope.correlation_id, envelope.callback.message_sid)
            with step("smsb.status.apply", correlation_id=envelope.correlation_id,
                      twilio_sid=envelope.callback.message_sid, status=str(envelope.callback.message_status),
                      attempt=dequeue_count) as span:
                status = self._status.process(envelope)
                span.set_attribute("smsb.applied", status.applied)
            return status
        except Exception as exc:
            self._accounting.account_for(exc, context, dequeue_count)
            raise

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


class OutboundQueueWorker:
    def __init__(
        self,
        outbound: JobProcessor[OutboxJob],
        configurations: JobProcessor[ConfigurationJob],
        record_types: JobProcessor[RecordTypeJob],
        errors: ErrorLog,
        *,
        directory: ConfigurationDirectory,
        max_dequeue_count: int = MAX_DEQUEUE_COUNT,
    ) -> None:
        self._outbound = outbound
        self._configurations = configurations
        self._record_types = record_types
        self._directory = directory
        self._accounting = _Accounting("sms-outbound", errors, max_dequeue_count)

    def handle(self, body: bytes, dequeue_count: int) -> object:
        context = _Context(ErrorSource.OUTBOUND, None)
        try:
            job = parse_job(body)
            if isinstance(job, OutboxJob):
                context = _Context(ErrorSource.OUTBOUND, job.correlation_id, None, "smsb_outbox", str(job.outbox_id))
                with step("smsb.outbound.send", correlation_id=job.correlation_id, outbox_id=str(job.outbox_id),
                          origin=job.origin, attempt=dequeue_count) as span:
                    sent = self._outbound.process(job)
                    result = str(getattr(sent, "result", ""))
                    span.set_attribute("smsb.result", result)
                    if getattr(sent, "sid", None):
                        span.set_attribute("smsb.twilio_sid", str(sent.sid))  # type: ignore[attr-defined]
                if result == "sent":
                    Counters.texts_sent.add(1)
                elif result in ("failed", "skipped", "unknown"):
                    Counters.texts_failed.add(1, {"result": result})
                return sent
            if isinstance(job, ConfigurationJob):
                context = _Context(ErrorSource.CONFIGURATION, job.correlation_id, None, "smsb_configuration",
                                   str(job.configuration_id))
                outcome = self._configurations.process(job)
                # This worker's cached Configurations must not outlive the change (others expire within a minute).
                self._directory.invalidate(job.configuration_id)
                return outcome
            context = _Context(ErrorSource.CONFIGURATION, job.correlation_id, None, "smsb_recordtype",
                               str(job.record_type_id))
            outcome = self._record_types.process(job)
            self._directory.invalidate()
            return outcome
        except Exception as exc:
            self._accounting.account_for(exc, context, dequeue_count)
            raise
