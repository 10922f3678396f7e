"""Status callbacks: the lifecycle a sent message goes through, and every webhook delivery with its retries."""

from __future__ import annotations

import random
from collections.abc import Callable

from devstack.twilio_emulator.resources import API_VERSION, Message
from devstack.twilio_emulator.scheduler import Scheduler
from devstack.twilio_emulator.sids import new_sid
from devstack.twilio_emulator.store import Clock, EmulatorStore, Outcome
from devstack.twilio_emulator.webhooks import Delivery, DeliveryLog, WebhookRequest, WebhookSender, build_request

__all__ = ["Callbacks"]

_Job = Callable[[], None]

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


class Callbacks:
    """Moves messages through their statuses on the scheduler and posts the signed status callbacks."""

    def __init__(self, store: EmulatorStore, clock: Clock, sender: WebhookSender, deliveries: DeliveryLog, *,
                 delay: float, shuffle: bool, duplicate: bool, seed: int | None) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.deliveries = deliveries
        self.delay = delay
        self.shuffle = shuffle
        self.duplicate = duplicate
        self.scheduler = Scheduler()
        self._random = random.Random(seed)

    def start_lifecycle(self, message: Message) -> None:
        """Schedule ``queued`` (behind a service), ``sent`` and the outcome set for its number, or ``failed``."""
        with self.store.lock:
            outcome = self.store.outcomes.get(message.to, Outcome("delivered"))
            steps: list[tuple[str, int | None]] = []
            if message.status == "accepted":
                steps.append(("queued", None))
            if outcome.status == "failed":
                steps.append(("failed", outcome.error_code or 30008))
            else:
                steps.append(("sent", None))
                code = outcome.error_code or 30003 if outcome.status == "undelivered" else None
                steps.append((outcome.status, code))
            delays = [self.delay * (index + 1) for index in range(len(steps))]
            if self.shuffle:
                self._random.shuffle(delays)
        for (status, code), delay in zip(steps, delays, strict=True):
            self.scheduler.schedule(delay, self._status_job(message.sid, status, code))
            if self.duplicate:
                self.scheduler.schedule(delay + self.delay / 2, self.callback_job(message.sid, status, code))

    def _status_job(self, sid: str, status: str, code: int | None) -> _Job:
        def run() -> None:
            self._advance(sid, status, code)
            self._post_status_callback(sid, status, code)

        return run

    def callback_job(self, sid: str, status: str, code: int | None) -> _Job:
        """A job that posts one status callback without changing the message (duplicates, cancellations)."""

        def run() -> None:
            self._post_status_callback(sid, status, code)

        return run

    def later(self, job: _Job) -> None:
        self.scheduler.schedule(self.delay, job)

    def _advance(self, sid: str, status: str, code: int | None) -> None:
        with self.store.lock:
            message = self.store.messages.get(sid)
            if message is None or _RANK.get(status, -1) <= _RANK.get(message.status, -1):
                return
            message.status = status
            message.date_updated = self.clock()
            if status == "sent" and message.date_sent is None:
                message.date_sent = message.date_updated
            if code is not None:
                message.error_code = code
                message.error_message = _DELIVERY_ERRORS.get(code, "Message delivery failed")

    def _post_status_callback(self, sid: str, status: str, code: int | None) -> None:
        with self.store.lock:
            message = self.store.messages.get(sid)
            if message is None or not message.status_callback:
                return
            account = self.store.accounts[message.account_sid]
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
                params.append(("RawDlrDoneDate", self.clock().strftime("%y%m%d%H%M")))
            request = build_request("POST", message.status_callback, params, account.auth_token, new_sid("ID"))
        self.deliver("status", sid, request)

    def deliver(self, kind: str, message_sid: str, request: WebhookRequest) -> Delivery:
        """Send with the retries the URL's connection overrides ask for; every attempt is recorded."""
        attempt = 0
        while True:
            attempt += 1
            error: BaseException | None = None
            try:
                response = self.sender(request)
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
