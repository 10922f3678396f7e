"""What a delivery status callback does to the message it names (DESIGN 6.3), decided over plain values.

A status is applied only when it ranks above what is stored (`twilio_bridge.is_forward`); duplicates and late
arrivals are no-ops. Unknown — our own verdict on an ambiguous send — is replaced by any real status. A callback may
arrive before the outbound worker recorded the SID: within `RECORDING_GRACE` of the row's creation it waits (the
queue retries) so the sender's record cannot overwrite a newer status; after it, the sender is presumed dead and the
callback fills the SID in.

A callback is applied only to a message of the Configuration whose auth token verified its signature, and only when
the message's SID, once known, is the callback's (`foreign`): a valid signature from one Configuration must not fail
another Configuration's texts or opt its customers out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from messaging.envelopes import StatusEnvelope
from messaging.names import SMSB_MESSAGE, Severity, StatusChoice
from messaging.plans import Write
from messaging.rows import conversation, message, outbox
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.rows.message import StoredMessage, status_choice, twilio_status
from messaging.twilio_errors import OPTED_OUT_CODE, describe
from twilio_bridge.statuses import MessageStatus, is_forward

__all__ = [
    "RECORDING_GRACE",
    "Apply",
    "Decision",
    "Ignore",
    "Refusal",
    "Refuse",
    "WaitForSender",
    "decide",
    "foreign",
]

RECORDING_GRACE = timedelta(seconds=30)
_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
_FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


@dataclass(frozen=True)
class Refusal:
    """Why a callback is not applied to the message it named; `tampering`: a valid signature used on a message it
    cannot be about, which an admin should hear of (Error Log), not only the logs."""

    reason: str
    tampering: bool


def foreign(row_configuration: uuid.UUID | None, row_sid: str | None, verified_by: uuid.UUID,
            callback_sid: str) -> Refusal | None:
    """Whether a message may take a callback verified with `verified_by`'s auth token (None: it may)."""
    if row_configuration is None:
        return Refusal("the message has no Configuration, so no signature can vouch for a callback about it", False)
    if row_configuration != verified_by:
        return Refusal(f"the message belongs to Configuration {row_configuration}, the callback was signed with the "
                       f"auth token of Configuration {verified_by}", True)
    if row_sid and row_sid != callback_sid:
        return Refusal(f"the message has SID {row_sid}, the callback is about {callback_sid}", True)
    return None


@dataclass(frozen=True)
class WaitForSender:
    """The send that produced the message may still be recording its SID: try again shortly."""

    reason: str


@dataclass(frozen=True)
class Refuse:
    refusal: Refusal
    error: LoggedError | None  # for the Error Log when the refusal smells of tampering


@dataclass(frozen=True)
class Ignore:
    previous: str | None  # not newer than what is stored


@dataclass(frozen=True)
class Apply:
    previous: str | None
    message: Write  # conditional on the row's ETag: a concurrent callback makes the caller decide again
    follow_ups: tuple[Write, ...]  # once the message took the status
    outbox_failed: bool
    opted_out: bool


Decision = WaitForSender | Refuse | Ignore | Apply


def _stored(stored: StoredMessage) -> str | None:
    if stored.status is None or stored.status is StatusChoice.UNKNOWN:
        return None
    return twilio_status(stored.status)


def decide(stored: StoredMessage, envelope: StatusEnvelope) -> Decision:
    callback = envelope.callback
    refusal = foreign(stored.configuration_id, stored.sid, envelope.configuration_id, callback.message_sid)
    if refusal is not None:
        return Refuse(refusal, _tampering(stored, envelope, refusal) if refusal.tampering else None)
    if not stored.sid and stored.created_on is not None and envelope.received_at - stored.created_on < RECORDING_GRACE:
        return WaitForSender(f"{callback.message_sid} arrived before its send was recorded; trying again shortly")
    current, new = _stored(stored), callback.message_status
    if current == str(new) or not is_forward(current, new):
        return Ignore(current)
    described = describe(callback.error_code, callback.error_message) if callback.error_code is not None else None
    write = message.callback_applied(
        stored, status=status_choice(str(new)), sid=callback.message_sid, at=envelope.received_at,
        marks_sent=new in _SENT, marks_delivered=new is MessageStatus.DELIVERED, error_code=callback.error_code,
        error_message=described)
    follow_ups: list[Write] = []
    failed = new in _FAILED and stored.outbox_id is not None
    if failed and stored.outbox_id is not None:
        follow_ups.append(outbox.failed_by_callback(stored.outbox_id, callback.error_code,
                                                    describe(callback.error_code, callback.error_message)))
    opted_out = new in _FAILED and callback.error_code == OPTED_OUT_CODE and stored.conversation_id is not None
    if opted_out and stored.conversation_id is not None:
        follow_ups.append(conversation.opted_out(stored.conversation_id, envelope.received_at, str(OPTED_OUT_CODE)))
    return Apply(current, write, tuple(follow_ups), failed, opted_out)


def _tampering(stored: StoredMessage, envelope: StatusEnvelope, refusal: Refusal) -> LoggedError:
    callback = envelope.callback
    return LoggedError(
        source=ErrorSource.STATUS, name="Status callback refused: not about the message it named",
        details=(f"A correctly signed '{callback.message_status}' callback for {callback.message_sid} named "
                 f"message {stored.id} ({'by id' if envelope.message_id else 'by SID'}), but {refusal.reason}. "
                 "It was not applied. Twilio does not send such callbacks: unless two Configurations share a "
                 "Twilio number, someone who holds the signing Configuration's auth token sent it."),
        severity=Severity.WARNING, correlation_id=envelope.correlation_id, twilio_sid=callback.message_sid,
        related_entity=SMSB_MESSAGE.logical_name, related_id=str(stored.id),
    )
