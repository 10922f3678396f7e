"""What a send's outcome writes (DESIGN 6.4), decided over plain values.

Nothing is ever sent twice. Twilio took the text: its SID on the message, Sent on the Outbox, activity on the
conversation. Twilio refused it: Failed, with Twilio's code in words an admin understands (21610 also opts the
conversation out). Twilio did not confirm either way (timeout, 5xx or a broken answer after the request left):
Unknown for a person to review, never re-sent. Only when Twilio certainly did not take the text, or something
failed before the send, is the claim released for a retry — until the claim that reaches `MAX_SEND_ATTEMPTS`, which
ends Unknown instead, so no Outbox is retried forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from messaging.ids import outbound_message_id
from messaging.names import SMSB_OUTBOX, OutboxStatus, Severity, StatusChoice
from messaging.outbound.gates import Stop
from messaging.outbound.rules import Send
from messaging.plans import Changeset, Write
from messaging.rows import conversation, message, outbox
from messaging.rows.conversation import message_preview
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.rows.outbox import Outbox
from messaging.twilio_errors import OPTED_OUT_CODE, describe

__all__ = ["MAX_SEND_ATTEMPTS", "Ending", "GiveUp", "given_up", "recorded", "refused", "unconfirmed", "unsent"]

# Claims of one Outbox before it is given up as Unknown (the queue delivers a job five times, the sweeper re-queues
# a released row every two minutes): enough to ride out a short outage, never a loop.
MAX_SEND_ATTEMPTS = 10


@dataclass(frozen=True)
class Ending:
    """How a send that did not go through ends: the rows written, the reason, and what the Error Log says."""

    changeset: Changeset
    reason: str
    error: LoggedError | None = None


def recorded(send: Send, sent: Outbox, sid: str, now: datetime, schedule_at: datetime | None) -> Changeset:
    """Twilio took the text. A scheduled text leaves the conversation's activity alone until it goes; an older
    send recorded late never rolls it back."""
    message_id = outbound_message_id(sent.id)
    writes = [message.sent(message_id, sid, scheduled=schedule_at is not None),
              outbox.sent(sent.id, sid, message_id)]
    last = send.stored_conversation.last_activity if send.stored_conversation else None
    if schedule_at is None and (last is None or now >= last):
        writes.append(conversation.outbound_activity(send.conversation, now,
                                                     message_preview(send.body, sent.has_attachment)))
    return Changeset(tuple(writes))


def _ended(sent: Outbox, status: OutboxStatus, message_status: StatusChoice, reason: str, *, code: int | None,
           extra: tuple[Write, ...] = ()) -> Changeset:
    message_id = outbound_message_id(sent.id)
    return Changeset((message.send_ended(message_id, message_status, reason, code),
                      outbox.ended(sent.id, status, reason, code, message_id=message_id), *extra))


def unconfirmed(send: Send, sent: Outbox, detail: str) -> Ending:
    """The request left and no answer says whether Twilio took it: Unknown, for a person to check."""
    reason = (f"Twilio did not confirm whether it took this text ({detail}). It was not sent again automatically; "
              "check the Twilio console's message log before sending it again.")
    return Ending(_ended(sent, OutboxStatus.UNKNOWN, StatusChoice.UNKNOWN, reason, code=None), reason, LoggedError(
        source=ErrorSource.OUTBOUND, name="Outbound text may or may not have been sent",
        details=f"Outbox '{sent.subject}' to {send.number}: {reason}", severity=Severity.ERROR,
        related_entity=SMSB_OUTBOX.logical_name, related_id=str(sent.id),
    ))


def refused(send: Send, sent: Outbox, code: int | None, detail: str, now: datetime) -> Ending:
    """Twilio refused the text; a recipient who replied STOP is opted out of the conversation too."""
    reason = describe(code, detail) if code is not None else f"Not sent: {detail}"
    extra = (conversation.opted_out(send.conversation, now, str(OPTED_OUT_CODE)),) if code == OPTED_OUT_CODE else ()
    return Ending(_ended(sent, OutboxStatus.FAILED, StatusChoice.FAILED, reason, code=code, extra=extra), reason)


def unsent(outbox_id: uuid.UUID, stop: Stop) -> Write:
    """A gate shut before anything was written: the Outbox says why."""
    return outbox.ended(outbox_id, stop.status, stop.reason, stop.code)


@dataclass(frozen=True)
class GiveUp:
    reason: str
    outbox: Write
    message: Write | None  # when the attempt got as far as writing its message row, the chat says the same
    error: LoggedError


def given_up(sent: Outbox, attempts: int, last_error: str, cause: str, message_written: bool | None) -> GiveUp:
    """The claim that reaches `MAX_SEND_ATTEMPTS`: Unknown, with an Error Log row."""
    reason = (f"SMS Bridge started sending this text {attempts} times and no attempt got an answer from Twilio "
              f"(the last: {last_error}). It is not tried again automatically: check the Twilio console's message "
              "log for this number before sending it again (a new Outbox).")
    written = message.unknown(outbound_message_id(sent.id), reason=reason) if message_written is not False else None
    return GiveUp(reason, outbox.given_up(sent.id, reason), written, LoggedError(
        source=ErrorSource.OUTBOUND, name="Outbound text given up after repeated attempts",
        details=f"Outbox '{sent.subject}' ({sent.id}): {reason} Last error: {cause}.",
        severity=Severity.ERROR, related_entity=SMSB_OUTBOX.logical_name, related_id=str(sent.id),
    ))
