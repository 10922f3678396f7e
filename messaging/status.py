"""Delivery statuses (DESIGN 6.3): a message's status only ever moves forward.

Callbacks arrive late, twice, or out of order; each one is applied only when it ranks above what is stored,
and the write carries the row's ETag so two callbacks racing for one message cannot overwrite each other —
the loser re-reads and decides again. A callback may also arrive before the outbound worker recorded the SID
(it crashed after Twilio accepted the text): the `m` id in the callback URL finds the row anyway and the SID
is filled in from the callback.

A callback is applied only to a message of the Configuration whose auth token verified its signature (the
envelope's `configuration_id`), and only when the message's SID, once known, is the callback's. Anything else
is dropped with a warning naming ids only and an Error Log row: a valid signature from one Configuration must
not fail another Configuration's texts or opt its customers out.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dataverse import DataverseClient, Key, PreconditionFailed, Row
from messaging.envelope import StatusEnvelope
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import MessageNotFiledYet, PermanentFailure
from messaging.model import OutboxStatus, Severity, StatusChoice, parse_datetime
from messaging.twilio_errors import describe
from twilio_bridge import MessageStatus, is_forward

__all__ = ["Refusal", "StatusOutcome", "StatusProcessor", "foreign"]

log = logging.getLogger("smsbridge.status")

_MAX_ATTEMPTS = 5
OPTED_OUT_CODE = 21610
MESSAGE_COLUMNS = ("smsb_messageid", "smsb_status", "smsb_sid", "smsb_senton", "smsb_deliveredon",
                   "_smsb_outbox_value", "_smsb_conversation_value", "_smsb_configuration_value", "createdon")
# A callback can overtake the sender, which records the SID right after Twilio answers. Within this grace the
# callback waits for it (the queue retries) so the sender's record cannot overwrite a newer status; after it,
# the sender is presumed to have crashed and the callback fills the SID in.
RECORDING_GRACE = timedelta(seconds=30)


@dataclass
class StatusOutcome:
    applied: bool = False
    previous: str | None = None
    status: str | None = None
    outbox_updated: bool = False
    opted_out: bool = False
    attempts: int = 0
    dropped: str | None = None  # why the callback was not applied to the message it named


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


def _stored_status(row: Row) -> str | None:
    value = row.get("smsb_status")
    if value is None:
        return None
    choice = StatusChoice(int(value))
    # Unknown is our own verdict on an ambiguous send; any real status from Twilio replaces it.
    return None if choice is StatusChoice.UNKNOWN else choice.twilio


class StatusProcessor:
    def __init__(self, client: DataverseClient, errors: ErrorLog | None = None) -> None:
        self._client = client
        self._errors = errors or ErrorLog(client)

    def process(self, envelope: StatusEnvelope) -> StatusOutcome:
        callback = envelope.callback
        new = callback.message_status
        outcome = StatusOutcome(status=str(new))
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            outcome.attempts = attempt
            row = self._find(envelope)
            refusal = foreign(row.guid("_smsb_configuration_value"), row.get("smsb_sid") or None,
                              envelope.configuration_id, callback.message_sid)
            if refusal is not None:
                self._drop(row, envelope, refusal, outcome)
                return outcome
            self._wait_for_sender(row, envelope)
            current = _stored_status(row)
            outcome.previous = current
            if current == str(new) or not is_forward(current, new):
                log.info("status %s for %s is not newer than %s; ignored", new, callback.message_sid, current)
                return outcome
            try:
                self._client.update("smsb_messages", uuid.UUID(str(row["smsb_messageid"])),
                                    self._changes(row, envelope), etag=row.etag)
            except PreconditionFailed:
                continue  # another callback changed the row since we read it: decide again on fresh data
            outcome.applied = True
            self._follow_up(row, envelope, outcome)
            return outcome
        raise PermanentFailure(f"status of {callback.message_sid} kept changing under {_MAX_ATTEMPTS} attempts")

    def _find(self, envelope: StatusEnvelope) -> Row:
        keys: list[Key] = []
        if envelope.message_id is not None:
            keys.append(envelope.message_id)
        keys.append({"smsb_sid": envelope.callback.message_sid})
        for key in keys:
            row = self._client.find("smsb_messages", key, select=MESSAGE_COLUMNS)
            if row is not None:
                return row
        raise MessageNotFiledYet(f"no message has SID {envelope.callback.message_sid} yet")

    def _drop(self, row: Row, envelope: StatusEnvelope, refusal: Refusal, outcome: StatusOutcome) -> None:
        callback, message_id = envelope.callback, str(row.get("smsb_messageid"))
        outcome.dropped = refusal.reason
        log.warning("status callback %s (%s) for message %s not applied: %s", callback.message_sid,
                    callback.message_status, message_id, refusal.reason)
        if not refusal.tampering:
            return
        self._errors.record(LoggedError(
            source=ErrorSource.STATUS, name="Status callback refused: not about the message it named",
            details=(f"A correctly signed '{callback.message_status}' callback for {callback.message_sid} named "
                     f"message {message_id} ({'by id' if envelope.message_id else 'by SID'}), but {refusal.reason}. "
                     "It was not applied. Twilio does not send such callbacks: unless two Configurations share a "
                     "Twilio number, someone who holds the signing Configuration's auth token sent it."),
            severity=Severity.WARNING, correlation_id=envelope.correlation_id, twilio_sid=callback.message_sid,
            related_entity="smsb_message", related_id=message_id,
        ))

    def _wait_for_sender(self, row: Row, envelope: StatusEnvelope) -> None:
        if row.get("smsb_sid"):
            return
        created = parse_datetime(row.get("createdon"))
        if created is not None and envelope.received_at - created < RECORDING_GRACE:
            raise MessageNotFiledYet(
                f"{envelope.callback.message_sid} arrived before its send was recorded; trying again shortly")

    def _changes(self, row: Row, envelope: StatusEnvelope) -> dict[str, Any]:
        callback = envelope.callback
        status = callback.message_status
        at = envelope.received_at.isoformat()
        changes: dict[str, Any] = {"smsb_status": int(StatusChoice.from_twilio(str(status)))}
        if not row.get("smsb_sid"):
            changes["smsb_sid"] = callback.message_sid
        if status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ) and not row.get("smsb_senton"):
            changes["smsb_senton"] = at
        if status is MessageStatus.DELIVERED and not row.get("smsb_deliveredon"):
            changes["smsb_deliveredon"] = at
        if callback.error_code is not None:
            changes["smsb_errorcode"] = callback.error_code
            changes["smsb_errormessage"] = describe(callback.error_code, callback.error_message)
        return changes

    def _follow_up(self, row: Row, envelope: StatusEnvelope, outcome: StatusOutcome) -> None:
        callback = envelope.callback
        if callback.message_status not in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
            return
        outbox = row.guid("_smsb_outbox_value")
        if outbox is not None:
            self._client.update("smsb_outboxes", outbox, {
                "smsb_sendstatus": int(OutboxStatus.FAILED),
                "smsb_errorcode": callback.error_code,
                "smsb_failurereason": describe(callback.error_code, callback.error_message),
            })
            outcome.outbox_updated = True
        conversation = row.guid("_smsb_conversation_value")
        if callback.error_code == OPTED_OUT_CODE and conversation is not None:
            self._client.update("smsb_conversations", conversation, _opted_out(envelope.received_at))
            outcome.opted_out = True


def _opted_out(at: datetime) -> Mapping[str, Any]:
    return {"smsb_optedout": True, "smsb_optedouton": at.isoformat(), "smsb_optoutkeyword": "21610"}

