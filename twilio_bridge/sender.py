"""Sending a message through Twilio's Messages API, at most once.

::

    clients = TwilioClients(TwilioConfig(api_base_url=settings.twilio_api_base_url))  # once per worker
    sender = MessageSender(clients)
    result = sender.send(credentials, OutgoingMessage(to="+15551234567", from_="+15005550006",
                                                       body="Hello", status_callback=url))
    result.sid, result.status, result.num_segments

Failures raise ``SendFailed``:

- refused before sending (no sender, nothing to send, body over 1600 characters, more than 10 media,
  ``send_at`` without a Messaging Service or without a time zone): ``code`` None, not transient;
- Twilio answered 4xx: Twilio's ``code`` and message (21610 = recipient opted out), not transient;
- 429 and failures that prove the request never left (``failures.fate``: DNS, refused connection,
  connect timeout, a TLS handshake that failed before any byte of the request was written) are retried
  by the transport; when they persist: transient, not ambiguous (Twilio did not take the message);
- a read timeout, a dropped connection, a TLS error while reading the answer, a 5xx or an unreadable
  success answer: ``ambiguous=True``; the message may exist in Twilio, so it must not be re-sent
  automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twilio_bridge.call_failures import call_failure
from twilio_bridge.client import TwilioClients, TwilioCredentials
from twilio_bridge.errors import SendFailed
from twilio_bridge.webhooks import MAX_BODY_LENGTH, MAX_MEDIA

__all__ = ["MessageSender", "OutgoingMessage", "SendResult"]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to send. Give ``from_`` or ``messaging_service_sid`` (or both), and a body or media."""

    to: str
    body: str = ""
    from_: str | None = None
    messaging_service_sid: str | None = None
    media_urls: tuple[str, ...] = ()
    status_callback: str | None = None
    send_at: datetime | None = None
    validity_period: int | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    sid: str
    status: str
    num_segments: int | None
    num_media: int | None
    account_sid: str | None
    from_: str | None
    to: str | None
    messaging_service_sid: str | None
    date_created: datetime | None


class MessageSender:
    """Sends messages with the shared ``TwilioClients``; build once, reuse across calls and threads."""

    def __init__(self, clients: TwilioClients) -> None:
        self._clients = clients

    def send(self, credentials: TwilioCredentials, message: OutgoingMessage) -> SendResult:
        arguments = _create_arguments(message)
        messages = self._clients.client(credentials).api.v2010.accounts(credentials.account_sid).messages
        try:
            created = messages.create(**arguments)
        except Exception as exc:
            failure = call_failure(exc)
            if failure is None:
                raise
            raise SendFailed(failure.code, failure.detail, is_transient=failure.is_transient,
                             ambiguous=failure.ambiguous, status=failure.status) from exc
        return _result(created)


def _check(message: OutgoingMessage) -> None:
    if not message.from_ and not message.messaging_service_sid:
        raise _refused("a From number or a Messaging Service SID is required")
    if not message.body and not message.media_urls:
        raise _refused("a body or at least one media URL is required")
    if len(message.body) > MAX_BODY_LENGTH:
        raise _refused(f"body is {len(message.body)} characters, at most {MAX_BODY_LENGTH} allowed")
    if len(message.media_urls) > MAX_MEDIA:
        raise _refused(f"{len(message.media_urls)} media URLs, at most {MAX_MEDIA} allowed")
    if message.send_at is not None and not message.messaging_service_sid:
        raise _refused("a scheduled message (send_at) needs a Messaging Service SID")
    if message.send_at is not None and message.send_at.tzinfo is None:
        raise _refused("send_at must carry a time zone")


def _create_arguments(message: OutgoingMessage) -> dict[str, Any]:
    _check(message)
    arguments: dict[str, Any] = {"to": message.to}
    if message.from_:
        arguments["from_"] = message.from_
    if message.messaging_service_sid:
        arguments["messaging_service_sid"] = message.messaging_service_sid
    if message.body:
        arguments["body"] = message.body
    if message.media_urls:
        arguments["media_url"] = list(message.media_urls)
    if message.status_callback:
        arguments["status_callback"] = message.status_callback
    if message.validity_period is not None:
        arguments["validity_period"] = message.validity_period
    if message.send_at is not None:
        # twilio-python formats the datetime as given with a "Z" suffix, so hand it UTC.
        arguments["send_at"] = message.send_at.astimezone(UTC)
        arguments["schedule_type"] = "fixed"
    return arguments


def _refused(reason: str) -> SendFailed:
    return SendFailed(None, reason, is_transient=False)



def _result(created: Any) -> SendResult:
    return SendResult(
        sid=str(created.sid),
        status=str(created.status),
        num_segments=_int_or_none(created.num_segments),
        num_media=_int_or_none(created.num_media),
        account_sid=created.account_sid,
        from_=created.from_,
        to=created.to,
        messaging_service_sid=created.messaging_service_sid,
        date_created=created.date_created,
    )


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
