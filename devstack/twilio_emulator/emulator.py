"""The Twilio emulator's state and behaviour, independent of HTTP (``api.py`` serves it)."""

from __future__ import annotations

import mimetypes
import random
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.api import ApiRequest, EmulatorApp
from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.faults import FaultPlan
from devstack.twilio_emulator.optout import opt_out_type
from devstack.twilio_emulator.resources import (
    API_VERSION,
    Account,
    InboundMedia,
    Media,
    Message,
    MessagingService,
    PhoneNumber,
    utcnow,
)
from devstack.twilio_emulator.scheduler import Scheduler
from devstack.twilio_emulator.sids import is_sid, new_sid
from devstack.twilio_emulator.twiml import parse_twiml_messages
from devstack.twilio_emulator.webhooks import (
    Delivery,
    DeliveryLog,
    HttpWebhookSender,
    WebhookRequest,
    WebhookSender,
    build_request,
)
from twilio_bridge.segments import segment_info

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_BASE_URL",
    "DEFAULT_PHONE_NUMBER",
    "CdnRequest",
    "InboundMedia",
    "InboundResult",
    "Outcome",
    "TwilioEmulator",
]

DEFAULT_ACCOUNT_SID = "AC11111111111111111111111111111111"
DEFAULT_AUTH_TOKEN = "22222222222222222222222222222222"  # noqa: S105 - the published devstack default
DEFAULT_PHONE_NUMBER = "+15005550006"
DEFAULT_BASE_URL = "http://127.0.0.1:7073"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MAX_BODY = 1600
_MAX_MEDIA = 10
_SCHEDULE_MIN = timedelta(minutes=5)
_SCHEDULE_MAX = timedelta(days=35)

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
# Statuses only move forward, as in the product (DESIGN.md section 6.3).
_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
    "receiving": 1,
    "received": 2,
}
_FINAL = frozenset({"delivered", "undelivered", "failed", "canceled", "received", "read"})
_DELIVERY_ERRORS = {
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}

_Job = Callable[[], None]


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What the customer phone's text produced: the message and the webhook delivery (None: no URL)."""

    message_sid: str
    message: dict[str, object]
    delivery: Delivery | None
    opt_out_type: str | None
    replies: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "message_sid": self.message_sid,
            "replies": list(self.replies),
            "message": self.message,
            "delivery": None if self.delivery is None else self.delivery.to_json(),
            "opt_out_type": self.opt_out_type,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the carrier treats messages to one number: ``delivered``, ``undelivered`` or ``failed``."""

    status: str
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class CdnRequest:
    """One download from the emulated media CDN; ``authorization`` tells whether credentials leaked."""

    media_sid: str
    authorization: bool
    at: datetime = field(default_factory=utcnow)


@dataclass
class _CdnEntry:
    media: Media
    expires: datetime


class TwilioEmulator:
    """An in-memory Twilio account holder. See the package docstring for the whole API."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        phone_number: str = DEFAULT_PHONE_NUMBER,
        *,
        base_url: str | None = None,
        cdn_base_url: str | None = None,
        callback_delay: float = 0.05,
        shuffle_callbacks: bool = False,
        duplicate_callbacks: bool = False,
        webhook_sender: WebhookSender | None = None,
        seed: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.cdn_base_url = cdn_base_url
        self.default_account_sid = account_sid
        self.callback_delay = callback_delay
        self.shuffle_callbacks = shuffle_callbacks
        self.duplicate_callbacks = duplicate_callbacks
        self.webhook_sender: WebhookSender = webhook_sender or HttpWebhookSender()
        self.deliveries = DeliveryLog()
        self.faults = FaultPlan(seed=seed)
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._scheduler = Scheduler()
        self._defaults = (account_sid, auth_token, phone_number)
        self._accounts: dict[str, Account] = {}
        self._numbers: dict[str, PhoneNumber] = {}
        self._services: dict[str, MessagingService] = {}
        self._messages: dict[str, Message] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._opt_outs: set[tuple[str, str]] = set()
        self._cdn: dict[str, _CdnEntry] = {}
        self._cdn_requests: list[CdnRequest] = []
        self._seed_defaults()
        self.wsgi_app = EmulatorApp(self)

    # ----------------------------------------------------------------- set-up

    def _seed_defaults(self) -> None:
        account_sid, auth_token, phone_number = self._defaults
        self.add_account(account_sid, auth_token, friendly_name="SMS Bridge devstack")
        self.add_number(account_sid, phone_number)

    def add_account(
        self,
        sid: str,
        auth_token: str,
        *,
        friendly_name: str = "Emulated account",
        status: str = "active",
        owner_account_sid: str | None = None,
    ) -> Account:
        if status not in ("active", "suspended", "closed"):
            raise EmulatorError(f"account status must be active, suspended or closed, not {status!r}")
        if not is_sid(sid, "AC"):
            raise EmulatorError(f"an account SID looks like AC + 32 hex digits, not {sid!r}")
        account = Account(
            sid=sid,
            auth_token=auth_token,
            friendly_name=friendly_name,
            status=status,
            owner_account_sid=owner_account_sid,
        )
        with self._lock:
            self._accounts[sid] = account
        return account

    def set_account_status(self, sid: str, status: str) -> None:
        with self._lock:
            account = self._require_account(sid)
            if status not in ("active", "suspended", "closed"):
                raise EmulatorError(f"account status must be active, suspended or closed, not {status!r}")
            account.status = status
            account.date_updated = utcnow()

    def add_number(self, account_sid: str, phone_number: str, *, sms_url: str = "", **fields: str) -> PhoneNumber:
        with self._lock:
            self._require_account(account_sid)
            if self._number_by_phone(phone_number) is not None:
                raise EmulatorError(f"{phone_number} already belongs to an account")
            number = PhoneNumber(
                sid=new_sid("PN"),
                account_sid=account_sid,
                phone_number=phone_number,
                friendly_name=_friendly(phone_number),
                sms_url=sms_url,
            )
            for name, value in fields.items():
                if not hasattr(number, name):
                    raise EmulatorError(f"phone numbers have no field {name!r}")
                setattr(number, name, value)
            self._numbers[number.sid] = number
            return number

    def configure_number(self, phone_number: str, **fields: str) -> PhoneNumber:
        """Change fields of an existing number, e.g. ``sms_url=...`` (what ``make run`` wires)."""
        with self._lock:
            number = self._number_by_phone(phone_number)
            if number is None:
                raise EmulatorError(f"no account owns {phone_number}")
            for name, value in fields.items():
                if name in ("sid", "account_sid", "phone_number") or not hasattr(number, name):
                    raise EmulatorError(f"phone number field {name!r} cannot be set")
                setattr(number, name, value)
            number.date_updated = utcnow()
            return number

    def add_messaging_service(
        self,
        account_sid: str,
        phone_numbers: Iterable[str] = (),
        *,
        friendly_name: str = "Emulated service",
        inbound_request_url: str = "",
        status_callback: str = "",
        use_inbound_webhook_on_number: bool = False,
    ) -> MessagingService:
        with self._lock:
            self._require_account(account_sid)
            service = MessagingService(
                sid=new_sid("MG"),
                account_sid=account_sid,
                friendly_name=friendly_name,
                inbound_request_url=inbound_request_url,
                status_callback=status_callback,
                use_inbound_webhook_on_number=use_inbound_webhook_on_number,
            )
            self._services[service.sid] = service
            for phone in phone_numbers:
                number = self._number_by_phone(phone) or self.add_number(account_sid, phone)
                if number.account_sid != account_sid:
                    raise EmulatorError(f"{phone} belongs to another account")
                number.messaging_service_sid = service.sid
                service.phone_number_sids.append(number.sid)
            return service

    def set_outcome(self, to: str, status: str, error_code: int | None = None) -> None:
        """Make messages to ``to`` end ``undelivered`` or ``failed`` (with ``error_code``), or ``delivered``."""
        if status not in ("delivered", "undelivered", "failed"):
            raise EmulatorError("outcome must be delivered, undelivered or failed")
        with self._lock:
            self._outcomes[to] = Outcome(status, error_code)

    def reset(self) -> None:
        """Forget everything except the constructor's defaults; pending callbacks are dropped."""
        self._scheduler.clear()
        with self._lock:
            self._accounts.clear()
            self._numbers.clear()
            self._services.clear()
            self._messages.clear()
            self._outcomes.clear()
            self._opt_outs.clear()
            self._cdn.clear()
            self._cdn_requests.clear()
            self._seed_defaults()
        self.deliveries.clear()
        self.faults.clear()
        self.wsgi_app.clear_requests()

    def close(self) -> None:
        self._scheduler.stop()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every scheduled status change and callback has run."""
        return self._scheduler.wait_idle(timeout)

    # ----------------------------------------------------------------- views

    @property
    def accounts(self) -> dict[str, Account]:
        with self._lock:
            return dict(self._accounts)

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages.values())

    @property
    def numbers(self) -> list[PhoneNumber]:
        with self._lock:
            return list(self._numbers.values())

    @property
    def services(self) -> list[MessagingService]:
        with self._lock:
            return list(self._services.values())

    @property
    def requests(self) -> list[ApiRequest]:
        """Every Twilio API request answered, in order (e.g. to assert that a send was not retried)."""
        return self.wsgi_app.requests

    @property
    def cdn_requests(self) -> list[CdnRequest]:
        with self._lock:
            return list(self._cdn_requests)

    def message(self, sid: str) -> Message:
        with self._lock:
            try:
                return self._messages[sid]
            except KeyError:
                raise EmulatorError(f"no message {sid}") from None

    def is_opted_out(self, sender: str, customer: str) -> bool:
        with self._lock:
            return bool(self._sender_keys(sender) & {k for k, c in self._opt_outs if c == customer})

    # ----------------------------------------------------------------- accounts

    def authenticate(self, username: str | None, password: str | None) -> Account:
        with self._lock:
            account = self._accounts.get(username or "")
            if (
                account is None
                or password is None
                or not secrets.compare_digest(account.auth_token.encode(), password.encode())
                or account.status == "closed"
            ):
                raise ApiError(401, 20003, "Authenticate")
            return account

    def authorize(self, caller: Account, account_sid: str, *, allow_inactive: bool = False) -> Account:
        """The account named in the path, if ``caller`` may act for it (itself or its parent)."""
        with self._lock:
            target = self._accounts.get(account_sid)
            if target is None or caller.sid not in (target.sid, target.owner_account_sid):
                raise _not_found(f"/{API_VERSION}/Accounts/{account_sid}")
            if target.status != "active" and not allow_inactive:
                raise ApiError(403, 20403, f"Account {account_sid} is {target.status}")
            return target

    # ----------------------------------------------------------------- messages

    def create_message(self, account_sid: str, form: MultiDict[str, str]) -> Message:
        return self.create_message_answer(account_sid, form)[0]

    def create_message_answer(self, account_sid: str, form: MultiDict[str, str]) -> tuple[Message, dict[str, Any]]:
        """Create a message and render Twilio's answer to the create call. The answer is rendered under the lock
        and before the status lifecycle starts, so it shows the initial status however soon callbacks run."""
        with self._lock:
            to = form.get("To", "")
            from_ = form.get("From")
            service_sid = form.get("MessagingServiceSid")
            body = form.get("Body", "")
            media_urls = tuple(form.getlist("MediaUrl"))
            if not to:
                raise ApiError(400, 21604, "A 'To' phone number is required.")
            if not from_ and not service_sid:
                raise ApiError(400, 21603, "A 'From' phone number is required.")
            if not body and not media_urls and not form.get("ContentSid"):
                raise ApiError(400, 21602, "Message body is required.")
            if len(body) > _MAX_BODY:
                raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
            if len(media_urls) > _MAX_MEDIA:
                raise ApiError(400, 21623, "Number of media files exceeds allowed limit.")
            for url in media_urls:
                if not url.startswith(("http://", "https://")):
                    raise ApiError(400, 21620, f"Invalid media URL(s): {url}")
            callback = form.get("StatusCallback")
            if callback is not None:
                _check_callback_url(callback)
            service = self._service_for_create(account_sid, service_sid)
            sender = self._sender_for_create(account_sid, from_, service)
            self._check_recipient(to)
            if self._sender_keys(sender) & {k for k, c in self._opt_outs if c == to}:
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
                Media(
                    sid=new_sid("ME"),
                    account_sid=account_sid,
                    parent_sid=message.sid,
                    content_type=mimetypes.guess_type(url)[0] or "image/jpeg",
                    content=b"",
                )
                for url in media_urls
            ]
            self._messages[message.sid] = message
            answer = message.to_json()
        if send_at is None:
            self._schedule_lifecycle(message)
        return message, answer

    def _service_for_create(self, account_sid: str, service_sid: str | None) -> MessagingService | None:
        if not service_sid:
            return None
        service = self._services.get(service_sid)
        if service is None or service.account_sid != account_sid:
            raise ApiError(400, 21701, f"The Messaging Service Sid {service_sid} is invalid.")
        return service

    def _sender_for_create(self, account_sid: str, from_: str | None, service: MessagingService | None) -> str:
        if from_:
            if from_ in MAGIC_FROM:
                code, text = MAGIC_FROM[from_]
                raise ApiError(400, code, text)
            number = self._number_by_phone(from_)
            if number is None or number.account_sid != account_sid:
                raise ApiError(400, 21606, MAGIC_FROM["+15005550007"][1])
            return from_
        if service is None:
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        if not service.phone_number_sids:
            raise ApiError(400, 21704, "The Messaging Service contains no phone numbers.")
        return self._numbers[service.phone_number_sids[0]].phone_number

    def _check_recipient(self, to: str) -> None:
        if to in MAGIC_TO:
            code, text = MAGIC_TO[to]
            raise ApiError(400, code, text)
        if _E164.match(to) is None:
            raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")

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
        ahead = send_at - utcnow()
        if not _SCHEDULE_MIN <= ahead <= _SCHEDULE_MAX:
            raise ApiError(400, 35114, "SendAt must be between 5 minutes and 35 days in the future.")
        return send_at

    def _schedule_lifecycle(self, message: Message) -> None:
        with self._lock:
            outcome = self._outcomes.get(message.to, Outcome("delivered"))
            steps: list[tuple[str, int | None]] = []
            if message.status == "accepted":
                steps.append(("queued", None))
            if outcome.status == "failed":
                steps.append(("failed", outcome.error_code or 30008))
            else:
                steps.append(("sent", None))
                code = outcome.error_code or 30003 if outcome.status == "undelivered" else None
                steps.append((outcome.status, code))
            delays = [self.callback_delay * (index + 1) for index in range(len(steps))]
            if self.shuffle_callbacks:
                self._random.shuffle(delays)
        for (status, code), delay in zip(steps, delays, strict=True):
            self._scheduler.schedule(delay, self._status_job(message.sid, status, code))
            if self.duplicate_callbacks:
                self._scheduler.schedule(delay + self.callback_delay / 2, self._callback_job(message.sid, status, code))

    def _status_job(self, sid: str, status: str, code: int | None) -> _Job:
        def run() -> None:
            self._advance(sid, status, code)
            self._post_status_callback(sid, status, code)

        return run

    def _callback_job(self, sid: str, status: str, code: int | None) -> _Job:
        def run() -> None:
            self._post_status_callback(sid, status, code)

        return run

    def _advance(self, sid: str, status: str, code: int | None) -> None:
        with self._lock:
            message = self._messages.get(sid)
            if message is None or _RANK.get(status, -1) <= _RANK.get(message.status, -1):
                return
            message.status = status
            message.date_updated = utcnow()
            if status == "sent" and message.date_sent is None:
                message.date_sent = message.date_updated
            if code is not None:
                message.error_code = code
                message.error_message = _DELIVERY_ERRORS.get(code, "Message delivery failed")

    def _post_status_callback(self, sid: str, status: str, code: int | None) -> None:
        with self._lock:
            message = self._messages.get(sid)
            if message is None or not message.status_callback:
                return
            account = self._accounts[message.account_sid]
            params: list[tuple[str, str]] = [
                ("AccountSid", message.account_sid),
                ("From", message.from_ or ""),
                ("To", message.to),
                ("MessageSid", message.sid),
                ("SmsSid", message.sid),
                ("MessageStatus", status),
                ("SmsStatus", status),
                ("ApiVersion", API_VERSION),
            ]
            if message.messaging_service_sid:
                params.append(("MessagingServiceSid", message.messaging_service_sid))
            if code is not None:
                params.append(("ErrorCode", str(code)))
            if status in ("delivered", "undelivered"):
                params.append(("RawDlrDoneDate", utcnow().strftime("%y%m%d%H%M")))
            request = build_request("POST", message.status_callback, params, account.auth_token, new_sid("ID"))
        self._deliver("status", sid, request)

    def _deliver(self, kind: str, message_sid: str, request: WebhookRequest) -> Delivery:
        """Send with the retries the URL's connection overrides ask for; every attempt is recorded."""
        attempt = 0
        while True:
            attempt += 1
            error: BaseException | None = None
            try:
                response = self.webhook_sender(request)
            # Whatever the sender raises (a refused connection, a timeout, a broken test double) is what
            # Twilio would log as 11200: record it instead of losing the message's other webhooks.
            except Exception as exc:  # noqa: BLE001
                error = exc
                delivery = Delivery(kind, message_sid, request, None, "", f"{type(exc).__name__}: {exc}", attempt)
            else:
                delivery = Delivery(kind, message_sid, request, response.status, response.body, None, attempt)
            self.deliveries.add(delivery)
            if attempt > request.overrides.retries or not request.overrides.retry_after(delivery.status, error):
                return delivery

    def get_message(self, account_sid: str, sid: str) -> Message:
        with self._lock:
            message = self._messages.get(sid)
            if message is None or message.account_sid != account_sid:
                raise _not_found(f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json")
            return message

    def list_messages(self, account_sid: str, query: MultiDict[str, str]) -> list[Message]:
        to = query.get("To")
        from_ = query.get("From")
        on = _parse_time(query.get("DateSent"), whole_day=True)
        before = _parse_time(query.get("DateSent<"))
        after = _parse_time(query.get("DateSent>"))
        with self._lock:
            found = []
            for message in self._messages.values():
                if message.account_sid != account_sid:
                    continue
                if to is not None and message.to != to:
                    continue
                if from_ is not None and message.from_ != from_:
                    continue
                sent = message.date_sent or message.date_created
                if on is not None and not on.matches(sent, "="):
                    continue
                if before is not None and not before.matches(sent, "<"):
                    continue
                if after is not None and not after.matches(sent, ">"):
                    continue
                found.append(message)
        # Twilio lists newest first.
        found.sort(key=lambda m: m.date_created, reverse=True)
        return found

    def update_message(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> Message:
        with self._lock:
            message = self.get_message(account_sid, sid)
            status = form.get("Status")
            if status is not None:
                if message.status != "scheduled":
                    raise ApiError(
                        400, 30409, f"Message {sid} is {message.status}; only scheduled messages can be canceled."
                    )
                message.status = "canceled"
                message.date_updated = utcnow()
            body = form.get("Body")
            if body is not None:
                if body != "":
                    raise ApiError(
                        400, 20001, "A message body can only be redacted, by setting Body to an empty string."
                    )
                if message.status not in _FINAL:
                    raise ApiError(400, 20009, f"Message {sid} is still being sent and cannot be redacted.")
                message.body = ""
                message.date_updated = utcnow()
        if status is not None:
            self._scheduler.schedule(self.callback_delay, self._callback_job(sid, "canceled", None))
        return message

    def delete_message(self, account_sid: str, sid: str) -> None:
        with self._lock:
            message = self.get_message(account_sid, sid)
            if message.status not in _FINAL:
                raise ApiError(400, 20009, f"Message {sid} is still being sent and cannot be deleted.")
            del self._messages[sid]
            self._cdn = {t: e for t, e in self._cdn.items() if e.media.parent_sid != sid}

    # ----------------------------------------------------------------- media

    def get_media(self, account_sid: str, message_sid: str, media_sid: str) -> Media:
        with self._lock:
            message = self.get_message(account_sid, message_sid)
            for media in message.media:
                if media.sid == media_sid:
                    return media
            raise _not_found(f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}.json")

    def delete_media(self, account_sid: str, message_sid: str, media_sid: str) -> None:
        with self._lock:
            media = self.get_media(account_sid, message_sid, media_sid)
            self.get_message(account_sid, message_sid).media.remove(media)
            self._cdn = {t: e for t, e in self._cdn.items() if e.media.sid != media_sid}

    def cdn_token(self, media: Media) -> str:
        """A short-lived token for the CDN path the media content URL redirects to."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._cdn[token] = _CdnEntry(media, utcnow() + timedelta(hours=4))
        return token

    def cdn_fetch(self, token: str, *, authorization: bool) -> Media | None:
        with self._lock:
            entry = self._cdn.get(token)
            if entry is None or entry.expires < utcnow():
                return None
            self._cdn_requests.append(CdnRequest(entry.media.sid, authorization))
            return entry.media

    # ----------------------------------------------------------------- numbers and services

    def list_numbers(self, account_sid: str, phone_number: str | None) -> list[PhoneNumber]:
        with self._lock:
            found = [n for n in self._numbers.values() if n.account_sid == account_sid]
        if phone_number:
            wanted = re.sub(r"[^\d]", "", phone_number)
            found = [n for n in found if wanted in n.phone_number]
        return sorted(found, key=lambda n: n.date_created)

    def get_number(self, account_sid: str, sid: str) -> PhoneNumber:
        with self._lock:
            number = self._numbers.get(sid)
            if number is None or number.account_sid != account_sid:
                raise _not_found(f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json")
            return number

    def update_number(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> PhoneNumber:
        with self._lock:
            number = self.get_number(account_sid, sid)
            for param, value in form.items():
                attribute = _snake(param)
                if hasattr(number, attribute) and attribute not in ("sid", "account_sid", "phone_number"):
                    setattr(number, attribute, value)
            number.date_updated = utcnow()
            return number

    def get_service(self, account_sid: str, sid: str) -> MessagingService:
        with self._lock:
            service = self._services.get(sid)
            if service is None or service.account_sid != account_sid:
                raise _not_found(f"/Services/{sid}")
            return service

    def update_service(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> MessagingService:
        settable = {
            "FriendlyName": "friendly_name",
            "InboundRequestUrl": "inbound_request_url",
            "InboundMethod": "inbound_method",
            "FallbackUrl": "fallback_url",
            "FallbackMethod": "fallback_method",
            "StatusCallback": "status_callback",
        }
        with self._lock:
            service = self.get_service(account_sid, sid)
            for param, value in form.items():
                if param == "UseInboundWebhookOnNumber":
                    service.use_inbound_webhook_on_number = value.lower() == "true"
                elif param in settable:
                    setattr(service, settable[param], value)
            service.date_updated = utcnow()
            return service

    def service_numbers(self, service: MessagingService) -> list[PhoneNumber]:
        with self._lock:
            return [self._numbers[sid] for sid in service.phone_number_sids if sid in self._numbers]

    def list_services(self, account_sid: str) -> list[MessagingService]:
        with self._lock:
            return [s for s in self._services.values() if s.account_sid == account_sid]

    # ----------------------------------------------------------------- the customer phone

    def send_inbound(self, from_: str, to: str, body: str = "", media: Sequence[InboundMedia] = ()) -> InboundResult:
        """A customer texts ``to``: store the message and deliver the signed webhook synchronously."""
        if len(media) > _MAX_MEDIA:
            raise EmulatorError("an MMS carries at most 10 media")
        with self._lock:
            number = self._number_by_phone(to)
            if number is None:
                raise EmulatorError(f"no account owns {to}")
            account = self._accounts[number.account_sid]
            service = self._services.get(number.messaging_service_sid or "")
            message = Message(
                sid=new_sid("MM" if media else "SM"),
                account_sid=account.sid,
                direction="inbound",
                from_=from_,
                to=to,
                body=body,
                status="received",
                num_segments=segment_info(body).segments,
                messaging_service_sid=service.sid if service else None,
            )
            message.date_sent = message.date_created
            message.media = [
                Media(
                    sid=new_sid("ME"),
                    account_sid=account.sid,
                    parent_sid=message.sid,
                    content_type=item.content_type,
                    content=item.content,
                )
                for item in media
            ]
            self._messages[message.sid] = message
            keyword = opt_out_type(body)
            sender_key = service.sid if service else to
            if keyword == "STOP":
                self._opt_outs.add((sender_key, from_))
            elif keyword == "START":
                self._opt_outs.discard((sender_key, from_))
            params = self._inbound_params(message, keyword if service else None)
            url, method, fallback, fallback_method = self._inbound_target(number, service)
            rendered = message.to_json()
        delivery = None
        answer = None
        if url:
            delivery = answer = self._deliver(
                "inbound", message.sid, build_request(method, url, params, account.auth_token, new_sid("ID"))
            )
            if not delivery.ok and fallback:
                fallback_params = [*params, ("ErrorCode", "11200"), ("ErrorUrl", url)]
                answer = self._deliver(
                    "inbound-fallback",
                    message.sid,
                    build_request(fallback_method, fallback, fallback_params, account.auth_token, new_sid("ID")),
                )
        replies: tuple[str, ...] = ()
        if answer is not None and answer.ok:
            replies = tuple(self._send_replies(message, answer.body))
        return InboundResult(message.sid, rendered, delivery, keyword, replies)

    def release_scheduled(self, sid: str | None = None) -> list[str]:
        """Act as if the send time of scheduled messages (one, or all) had come; returns their SIDs."""
        with self._lock:
            due = [m for m in self._messages.values() if m.status == "scheduled" and (sid is None or m.sid == sid)]
            for message in due:
                message.status = "queued"
                message.date_updated = utcnow()
        for message in due:
            self._schedule_lifecycle(message)
        return [m.sid for m in due]

    def _send_replies(self, inbound: Message, twiml: str) -> list[str]:
        """Messages the app asked for in its TwiML answer (``<Message>``), sent back as Twilio would."""
        sids = []
        for reply in parse_twiml_messages(twiml):
            with self._lock:
                message = Message(
                    sid=new_sid("MM" if reply.media_urls else "SM"),
                    account_sid=inbound.account_sid,
                    direction="outbound-reply",
                    from_=reply.from_ or inbound.to,
                    to=reply.to or inbound.from_ or "",
                    body=reply.body,
                    status="queued",
                    num_segments=segment_info(reply.body).segments,
                    status_callback=reply.status_callback,
                    media_urls=reply.media_urls,
                )
                self._messages[message.sid] = message
            self._schedule_lifecycle(message)
            sids.append(message.sid)
        return sids

    def _inbound_params(self, message: Message, keyword: str | None) -> list[tuple[str, str]]:
        base = self.base_url or DEFAULT_BASE_URL
        to_country, from_country = _country(message.to), _country(message.from_ or "")
        params: list[tuple[str, str]] = [
            ("ToCountry", to_country),
            ("ToState", ""),
            ("SmsMessageSid", message.sid),
            ("NumMedia", str(len(message.media))),
            ("ToCity", ""),
            ("FromZip", ""),
            ("SmsSid", message.sid),
            ("FromState", ""),
            ("SmsStatus", "received"),
            ("FromCity", ""),
            ("Body", message.body),
            ("FromCountry", from_country),
            ("To", message.to),
        ]
        if message.messaging_service_sid:
            params.append(("MessagingServiceSid", message.messaging_service_sid))
        params += [
            ("ToZip", ""),
            ("NumSegments", str(message.num_segments)),
            ("MessageSid", message.sid),
            ("AccountSid", message.account_sid),
            ("From", message.from_ or ""),
            ("ApiVersion", API_VERSION),
        ]
        if keyword is not None:
            params.append(("OptOutType", keyword))
        for index, media in enumerate(message.media):
            params.append((f"MediaContentType{index}", media.content_type))
            params.append((f"MediaUrl{index}", base + media.content_uri))
        return params

    def _inbound_target(self, number: PhoneNumber, service: MessagingService | None) -> tuple[str, str, str, str]:
        if service is not None and not service.use_inbound_webhook_on_number:
            return (service.inbound_request_url, service.inbound_method, service.fallback_url, service.fallback_method)
        return (number.sms_url, number.sms_method, number.sms_fallback_url, number.sms_fallback_method)

    # ----------------------------------------------------------------- internals

    def _require_account(self, sid: str) -> Account:
        account = self._accounts.get(sid)
        if account is None:
            raise EmulatorError(f"no account {sid}")
        return account

    def _number_by_phone(self, phone: str) -> PhoneNumber | None:
        for number in self._numbers.values():
            if number.phone_number == phone:
                return number
        return None

    def _sender_keys(self, sender: str) -> set[str]:
        number = self._number_by_phone(sender)
        keys = {sender}
        if number is not None and number.messaging_service_sid:
            keys.add(number.messaging_service_sid)
        return keys


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


def _check_callback_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "_" in parts.hostname or len(url) > 4000:
        raise ApiError(400, 21609, f"The StatusCallback URL {url} is not a valid URL.")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _friendly(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def _country(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ""
    return str(phonenumbers.region_code_for_number(parsed) or "")


def _not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")
