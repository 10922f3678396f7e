"""The `sms-inbound` queue worker: one envelope in, filed or retried, and every failure accounted for.

Failures are raised so the Functions host retries the message and, after `maxDequeueCount` attempts, keeps
it in `sms-inbound-poison` where it can be inspected and replayed; nothing is dropped. The Error Log gets one
row per failure story: at the first attempt for a failure retrying cannot fix, at the last attempt for one
that kept recurring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dataverse import DataverseError, DataverseHttpError
from messaging.envelope import InboundEnvelope, parse_envelope
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import ConfigurationNotFound, MessageNotFiledYet, PermanentFailure, TokenDecryptionFailed
from messaging.inbound import InboundOutcome, InboundProcessor
from messaging.model import Severity
from messaging.status import StatusOutcome, StatusProcessor
from twilio_bridge import TwilioBridgeError

__all__ = ["InboundQueueWorker", "is_permanent"]

log = logging.getLogger("smsbridge.worker")

# host.json extensions.queues.maxDequeueCount: the attempt after which the host moves a message to poison.
MAX_DEQUEUE_COUNT = 5


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
    twilio_sid: str | None


class InboundQueueWorker:
    def __init__(self, inbound: InboundProcessor, status: StatusProcessor, errors: ErrorLog,
                 max_dequeue_count: int = MAX_DEQUEUE_COUNT) -> None:
        self._inbound = inbound
        self._status = status
        self._errors = errors
        self._max = max_dequeue_count

    @property
    def inbound(self) -> InboundProcessor:
        return self._inbound

    def handle(self, body: bytes, dequeue_count: int) -> InboundOutcome | StatusOutcome:
        context = _Context(ErrorSource.INBOUND, None, None)
        try:
            envelope = parse_envelope(body)
            if isinstance(envelope, InboundEnvelope):
                context = _Context(ErrorSource.INBOUND, envelope.correlation_id, envelope.message.message_sid)
                return self._inbound.process(envelope)
            context = _Context(ErrorSource.STATUS, envelope.correlation_id, envelope.callback.message_sid)
            return self._status.process(envelope)
        except Exception as exc:
            self._account_for(exc, context, dequeue_count)
            raise

    def _account_for(self, exc: BaseException, context: _Context, dequeue_count: int) -> None:
        permanent = is_permanent(exc)
        last = dequeue_count >= self._max
        what = f"{type(exc).__name__}: {exc}"
        if permanent and dequeue_count <= 1:
            severity, name = Severity.ERROR, "Message cannot be processed"
            details = f"{what}. It will be kept in sms-inbound-poison after the retries."
        elif last:
            severity, name = Severity.CRITICAL, "Message moved to sms-inbound-poison"
            details = f"Failed {dequeue_count} times; last error {what}. Replay it once the cause is fixed."
        else:
            log.warning("attempt %s failed (%s); the queue will retry", dequeue_count, type(exc).__name__)
            return
        log.error("%s: %s", name, type(exc).__name__)
        self._errors.record(LoggedError(source=context.source, name=name, details=details, severity=severity,
                                        correlation_id=context.correlation_id, twilio_sid=context.twilio_sid))
