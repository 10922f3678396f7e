"""The emulated Twilio account holder without HTTP: the resource handlers over one store, clock and callback
dispatcher, behind the methods tests and the HTTP routes call (``TwilioEmulator`` adds the WSGI app)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.accounts import AccountHandler
from devstack.twilio_emulator.callbacks import Callbacks
from devstack.twilio_emulator.errors import EmulatorError
from devstack.twilio_emulator.faults import FaultPlan
from devstack.twilio_emulator.media import MediaHandler
from devstack.twilio_emulator.messages import MessageHandler
from devstack.twilio_emulator.numbers import NumberHandler
from devstack.twilio_emulator.phone import CustomerPhone, InboundResult
from devstack.twilio_emulator.request_log import ApiRequest, RequestLog
from devstack.twilio_emulator.resources import (
    Account,
    InboundMedia,
    Message,
    MessagingService,
    PhoneNumber,
    utcnow,
)
from devstack.twilio_emulator.services import ServiceHandler
from devstack.twilio_emulator.store import CdnRequest, Clock, EmulatorStore, EmulatorUrls, Outcome
from devstack.twilio_emulator.webhooks import DeliveryLog, HttpWebhookSender, WebhookSender

__all__ = ["DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "DEFAULT_PHONE_NUMBER", "EmulatorCore"]

DEFAULT_ACCOUNT_SID = "AC11111111111111111111111111111111"
DEFAULT_AUTH_TOKEN = "22222222222222222222222222222222"  # noqa: S105 - the published devstack default
DEFAULT_PHONE_NUMBER = "+15005550006"


class EmulatorCore:
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
        clock: Clock = utcnow,
    ) -> None:
        self.urls = EmulatorUrls(base_url, cdn_base_url)
        self.default_account_sid = account_sid
        self.deliveries = DeliveryLog()
        self.faults = FaultPlan(seed=seed)
        self.store = EmulatorStore()
        self.callbacks = Callbacks(self.store, clock, webhook_sender or HttpWebhookSender(), self.deliveries,
                                   delay=callback_delay, shuffle=shuffle_callbacks, duplicate=duplicate_callbacks,
                                   seed=seed)
        self.account_handler = AccountHandler(self.store, clock)
        self.number_handler = NumberHandler(self.store, clock)
        self.service_handler = ServiceHandler(self.store, clock, self.number_handler)
        self.message_handler = MessageHandler(self.store, clock, self.callbacks)
        self.media_handler = MediaHandler(self.store, clock, self.message_handler)
        self.phone = CustomerPhone(self.store, self.callbacks, self.urls)
        self.request_log = RequestLog()
        self._defaults = (account_sid, auth_token, phone_number)
        self._seed_defaults()
        self._attach()

    def _attach(self) -> None:
        """Where a subclass adds its face (``TwilioEmulator``: the WSGI app), once the state exists."""

    # ----------------------------------------------------------------- settings shared with the handlers

    @property
    def base_url(self) -> str | None:
        return self.urls.base_url

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        self.urls.base_url = value

    @property
    def cdn_base_url(self) -> str | None:
        return self.urls.cdn_base_url

    @cdn_base_url.setter
    def cdn_base_url(self, value: str | None) -> None:
        self.urls.cdn_base_url = value

    @property
    def callback_delay(self) -> float:
        return self.callbacks.delay

    @callback_delay.setter
    def callback_delay(self, value: float) -> None:
        self.callbacks.delay = value

    @property
    def shuffle_callbacks(self) -> bool:
        return self.callbacks.shuffle

    @property
    def duplicate_callbacks(self) -> bool:
        return self.callbacks.duplicate

    @property
    def webhook_sender(self) -> WebhookSender:
        return self.callbacks.sender

    # ----------------------------------------------------------------- set-up

    def _seed_defaults(self) -> None:
        account_sid, auth_token, phone_number = self._defaults
        self.add_account(account_sid, auth_token, friendly_name="SMS Bridge devstack")
        self.add_number(account_sid, phone_number)

    def add_account(self, sid: str, auth_token: str, *, friendly_name: str = "Emulated account",
                    status: str = "active", owner_account_sid: str | None = None) -> Account:
        return self.account_handler.add(sid, auth_token, friendly_name=friendly_name, status=status,
                                        owner_account_sid=owner_account_sid)

    def set_account_status(self, sid: str, status: str) -> None:
        self.account_handler.set_status(sid, status)

    def add_number(self, account_sid: str, phone_number: str, *, sms_url: str = "", **fields: str) -> PhoneNumber:
        return self.number_handler.add(account_sid, phone_number, sms_url=sms_url, **fields)

    def configure_number(self, phone_number: str, **fields: str) -> PhoneNumber:
        """Change fields of an existing number, e.g. ``sms_url=...`` (what ``make run`` wires)."""
        return self.number_handler.configure(phone_number, **fields)

    def add_messaging_service(self, account_sid: str, phone_numbers: Iterable[str] = (), *,
                              friendly_name: str = "Emulated service", inbound_request_url: str = "",
                              status_callback: str = "", use_inbound_webhook_on_number: bool = False,
                              ) -> MessagingService:
        return self.service_handler.add(account_sid, phone_numbers, friendly_name=friendly_name,
                                        inbound_request_url=inbound_request_url, status_callback=status_callback,
                                        use_inbound_webhook_on_number=use_inbound_webhook_on_number)

    def set_outcome(self, to: str, status: str, error_code: int | None = None) -> None:
        """Make messages to ``to`` end ``undelivered`` or ``failed`` (with ``error_code``), or ``delivered``."""
        if status not in ("delivered", "undelivered", "failed"):
            raise EmulatorError("outcome must be delivered, undelivered or failed")
        with self.store.lock:
            self.store.outcomes[to] = Outcome(status, error_code)

    def reset(self) -> None:
        """Forget everything except the constructor's defaults; pending callbacks are dropped."""
        self.callbacks.scheduler.clear()
        with self.store.lock:
            self.store.clear()
            self._seed_defaults()
        self.deliveries.clear()
        self.faults.clear()
        self.request_log.clear()

    def close(self) -> None:
        self.callbacks.scheduler.stop()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every scheduled status change and callback has run."""
        return self.callbacks.scheduler.wait_idle(timeout)

    # ----------------------------------------------------------------- views

    @property
    def accounts(self) -> dict[str, Account]:
        with self.store.lock:
            return dict(self.store.accounts)

    @property
    def messages(self) -> list[Message]:
        with self.store.lock:
            return list(self.store.messages.values())

    @property
    def numbers(self) -> list[PhoneNumber]:
        with self.store.lock:
            return list(self.store.numbers.values())

    @property
    def services(self) -> list[MessagingService]:
        with self.store.lock:
            return list(self.store.services.values())

    @property
    def requests(self) -> list[ApiRequest]:
        """Every Twilio API request answered, in order (e.g. to assert that a send was not retried)."""
        return self.request_log.all()

    @property
    def cdn_requests(self) -> list[CdnRequest]:
        with self.store.lock:
            return list(self.store.cdn_requests)

    def message(self, sid: str) -> Message:
        with self.store.lock:
            try:
                return self.store.messages[sid]
            except KeyError:
                raise EmulatorError(f"no message {sid}") from None

    def is_opted_out(self, sender: str, customer: str) -> bool:
        return self.store.is_opted_out(sender, customer)

    # ----------------------------------------------------------------- what tests call (the routes call the handlers)

    def create_message(self, account_sid: str, form: MultiDict[str, str]) -> Message:
        return self.message_handler.create(account_sid, form)[0]

    def release_scheduled(self, sid: str | None = None) -> list[str]:
        """Act as if the send time of scheduled messages (one, or all) had come; returns their SIDs."""
        return self.message_handler.release_scheduled(sid)

    def send_inbound(self, from_: str, to: str, body: str = "", media: Sequence[InboundMedia] = ()) -> InboundResult:
        """A customer texts ``to``: store the message and deliver the signed webhook synchronously."""
        return self.phone.send(from_, to, body, media)
