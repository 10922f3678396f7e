"""Messages through the API: create (with Twilio's validation and magic test numbers), fetch, list with its
filters, cancel a scheduled one, redact, delete; and the send time of scheduled messages coming."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.callbacks import Callbacks
from devstack.twilio_emulator.errors import ApiError
from devstack.twilio_emulator.resources import API_VERSION, Media, Message, MessagingService
from devstack.twilio_emulator.sids import new_sid
from devstack.twilio_emulator.store import Clock, EmulatorStore, not_found
from twilio_bridge.segments import segment_info

__all__ = ["MAGIC_FROM", "MAGIC_TO", "MAX_MEDIA", "MessageHandler"]

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MAX_BODY = 1600
MAX_MEDIA = 10
_SCHEDULE_MIN = timedelta(minutes=5)
_SCHEDULE_MAX = timedelta(days=35)
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "received", "read"})

# Twilio's documented magic test numbers (https://www.twilio.com/docs/iam/test-credentials).
MAGIC_TO: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
MAGIC_FROM: dict[str, tuple[int, str]] = {
    "+15005550001": (
        21212,
        "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
    ),
    "+15005550007": (
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this account.",
    ),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued messages."),
}


class MessageHandler:
    def __init__(self, store: EmulatorStore, clock: Clock, callbacks: Callbacks) -> None:
        self.store = store
        self.clock = clock
        self.callbacks = callbacks

    def create(self, account_sid: str, form: MultiDict[str, str]) -> tuple[Message, dict[str, Any]]:
        """Create a message and render Twilio's answer to the create call. The answer is rendered under the lock
        and before the status lifecycle starts, so it shows the initial status however soon callbacks run."""
        with self.store.lock:
            to = form.get("To", "")
            from_ = form.get("From")
            service_sid = form.get("MessagingServiceSid")
            body = form.get("Body", "")
            media_urls = tuple(form.getlist("MediaUrl"))
            _check_content(to, from_, service_sid, body, media_urls=media_urls, content_sid=form.get("ContentSid"))
            callback = form.get("StatusCallback")
            if callback is not None:
                _check_callback_url(callback)
            service = self._service_for_create(account_sid, service_sid)
            sender = self._sender_for_create(account_sid, from_, service)
            _check_recipient(to)
            if self.store.sender_keys(sender) & {k for k, c in self.store.opt_outs if c == to}:
                raise ApiError(400, 21610, "Attempt to send to unsubscribed recipient")
            send_at = self._schedule(form, service)
            status = "scheduled" if send_at else ("accepted" if service else "queued")
            message = Message(
                sid=new_sid("MM" if media_urls else "SM"),
                account_sid=account_sid,
                direction="outbound-api",
                from_=sender,
                to=to,
                body=body,
                status=status,
                num_segments=segment_info(body).segments,
                messaging_service_sid=service.sid if service else None,
                status_callback=callback or (service.status_callback if service else None) or None,
                send_at=send_at,
                media_urls=media_urls,
            )
            message.media = [
                Media(sid=new_sid("ME"), account_sid=account_sid, parent_sid=message.sid,
                      content_type=mimetypes.guess_type(url)[0] or "image/jpeg", content=b"")
                for url in media_urls
            ]
            self.store.messages[message.sid] = message
            answer = message.to_json()
        if send_at is None:
            self.callbacks.start_lifecycle(message)
        return message, answer

    def _service_for_create(self, account_sid: str, service_sid: str | None) -> MessagingService | None:
        if not service_sid:
            return None
        service = self.store.services.get(service_sid)
        if service is None or service.account_sid != account_sid:
            raise ApiError(400, 21701, f"The Messaging Service Sid {service_sid} is invalid.")
        return service

    def _sender_for_create(self, account_sid: str, from_: str | None, service: MessagingService | None) -> str:
        if from_:
            if from_ in MAGIC_FROM:
                code, text = MAGIC_FROM[from_]
                raise ApiError(400, code, text)
            number = self.store.number_by_phone(from_)
            if number is None or number.account_sid != account_sid:
                raise ApiError(400, 21606, MAGIC_FROM["+15005550007"][1])
            return from_
        if service is None:
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        if not service.phone_number_sids:
            raise ApiError(400, 21704, "The Messaging Service contains no phone numbers.")
        return self.store.numbers[service.phone_number_sids[0]].phone_number

    def _schedule(self, form: MultiDict[str, str], service: MessagingService | None) -> datetime | None:
        send_at_text = form.get("SendAt")
        schedule_type = form.get("ScheduleType")
        if not send_at_text and not schedule_type:
            return None
        if not send_at_text or schedule_type != "fixed":
            raise ApiError(400, 35115, "SendAt and ScheduleType=fixed must be given together.")
        if service is None:
            raise ApiError(400, 35118, "MessagingServiceSid is required to schedule a message.")
        try:
            send_at = datetime.fromisoformat(send_at_text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, 35114, f"SendAt {send_at_text!r} is not an ISO 8601 time.") from None
        if send_at.tzinfo is None:
            send_at = send_at.replace(tzinfo=UTC)
        if not _SCHEDULE_MIN <= send_at - self.clock() <= _SCHEDULE_MAX:
            raise ApiError(400, 35114, "SendAt must be between 5 minutes and 35 days in the future.")
        return send_at

    def get(self, account_sid: str, sid: str) -> Message:
        with self.store.lock:
            message = self.store.messages.get(sid)
            if message is None or message.account_sid != account_sid:
                raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json")
            return message

    def search(self, account_sid: str, query: MultiDict[str, str]) -> list[Message]:
        to = query.get("To")
        from_ = query.get("From")
        bounds = [(_parse_time(query.get("DateSent"), whole_day=True), "="),
                  (_parse_time(query.get("DateSent<")), "<"), (_parse_time(query.get("DateSent>")), ">")]
        with self.store.lock:
            found = [
                m for m in self.store.messages.values()
                if m.account_sid == account_sid and (to is None or m.to == to)
                and (from_ is None or m.from_ == from_)
                and all(b is None or b.matches(m.date_sent or m.date_created, relation) for b, relation in bounds)
            ]
        # Twilio lists newest first.
        found.sort(key=lambda m: m.date_created, reverse=True)
        return found

    def update(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> Message:
        """Cancel a scheduled message (``Status=canceled``) or redact a finished one (``Body=""``)."""
        with self.store.lock:
            message = self.get(account_sid, sid)
            status = form.get("Status")
            if status is not None:
                if message.status != "scheduled":
                    raise ApiError(
                        400, 30409, f"Message {sid} is {message.status}; only scheduled messages can be canceled."
                    )
                message.status = "canceled"
                message.date_updated = self.clock()
            body = form.get("Body")
            if body is not None:
                if body != "":
                    raise ApiError(
                        400, 20001, "A message body can only be redacted, by setting Body to an empty string."
                    )
                if message.status not in FINAL_STATUSES:
                    raise ApiError(400, 20009, f"Message {sid} is still being sent and cannot be redacted.")
                message.body = ""
                message.date_updated = self.clock()
        if status is not None:
            self.callbacks.later(self.callbacks.callback_job(sid, "canceled", None))
        return message

    def delete(self, account_sid: str, sid: str) -> None:
        with self.store.lock:
            message = self.get(account_sid, sid)
            if message.status not in FINAL_STATUSES:
                raise ApiError(400, 20009, f"Message {sid} is still being sent and cannot be deleted.")
            del self.store.messages[sid]
            self.store.cdn = {t: e for t, e in self.store.cdn.items() if e.media.parent_sid != sid}

    def release_scheduled(self, sid: str | None = None) -> list[str]:
        """Act as if the send time of scheduled messages (one, or all) had come; returns their SIDs."""
        with self.store.lock:
            due = [m for m in self.store.messages.values()
                   if m.status == "scheduled" and (sid is None or m.sid == sid)]
            for message in due:
                message.status = "queued"
                message.date_updated = self.clock()
        for message in due:
            self.callbacks.start_lifecycle(message)
        return [m.sid for m in due]


def _check_content(to: str, from_: str | None, service_sid: str | None, body: str, *, media_urls: tuple[str, ...],
                   content_sid: str | None) -> None:
    if not to:
        raise ApiError(400, 21604, "A 'To' phone number is required.")
    if not from_ and not service_sid:
        raise ApiError(400, 21603, "A 'From' phone number is required.")
    if not body and not media_urls and not content_sid:
        raise ApiError(400, 21602, "Message body is required.")
    if len(body) > _MAX_BODY:
        raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if len(media_urls) > MAX_MEDIA:
        raise ApiError(400, 21623, "Number of media files exceeds allowed limit.")
    for url in media_urls:
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, 21620, f"Invalid media URL(s): {url}")


def _check_recipient(to: str) -> None:
    if to in MAGIC_TO:
        code, text = MAGIC_TO[to]
        raise ApiError(400, code, text)
    if _E164.match(to) is None:
        raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")


def _check_callback_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "_" in parts.hostname or len(url) > 4000:
        raise ApiError(400, 21609, f"The StatusCallback URL {url} is not a valid URL.")


@dataclass(frozen=True, slots=True)
class _TimeFilter:
    """A ``DateSent`` bound: a whole day (``YYYY-MM-DD``, as documented) or an instant (what the SDK sends)."""

    moment: datetime
    whole_day: bool

    def matches(self, sent: datetime, relation: str) -> bool:
        if self.whole_day:
            return _compare(sent.astimezone(UTC).date(), self.moment.date(), relation)
        return _compare(sent, self.moment, relation)


def _compare(left: date, right: date, relation: str) -> bool:
    # datetime is a date subclass, and both sides are always of the same kind here.
    if relation == "=":
        return left == right
    if relation == "<":
        return left <= right
    return left >= right


def _parse_time(value: str | None, *, whole_day: bool = False) -> _TimeFilter | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, 20001, f"Invalid date {value!r}: use YYYY-MM-DD or ISO 8601") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    # A bare date means the whole day; DateSent (equality) always does, whatever time the SDK appends.
    return _TimeFilter(moment, whole_day=whole_day or len(value) == 10)
