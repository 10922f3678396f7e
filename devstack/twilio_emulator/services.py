"""Messaging Services (``messaging.twilio.com/v1``): created for tests, read and updated through the API."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.errors import EmulatorError
from devstack.twilio_emulator.numbers import NumberHandler
from devstack.twilio_emulator.resources import MessagingService, PhoneNumber
from devstack.twilio_emulator.sids import new_sid
from devstack.twilio_emulator.store import Clock, EmulatorStore, not_found

__all__ = ["ServiceHandler"]

_SETTABLE = {
    "FriendlyName": "friendly_name",
    "InboundRequestUrl": "inbound_request_url",
    "InboundMethod": "inbound_method",
    "FallbackUrl": "fallback_url",
    "FallbackMethod": "fallback_method",
    "StatusCallback": "status_callback",
}


class ServiceHandler:
    def __init__(self, store: EmulatorStore, clock: Clock, numbers: NumberHandler) -> None:
        self.store = store
        self.clock = clock
        self.numbers = numbers

    def add(self, account_sid: str, phone_numbers: Iterable[str] = (), *, friendly_name: str = "Emulated service",
            inbound_request_url: str = "", status_callback: str = "",
            use_inbound_webhook_on_number: bool = False) -> MessagingService:
        with self.store.lock:
            self.store.require_account(account_sid)
            service = MessagingService(sid=new_sid("MG"), account_sid=account_sid, friendly_name=friendly_name,
                                       inbound_request_url=inbound_request_url, status_callback=status_callback,
                                       use_inbound_webhook_on_number=use_inbound_webhook_on_number)
            self.store.services[service.sid] = service
            for phone in phone_numbers:
                number = self.store.number_by_phone(phone) or self.numbers.add(account_sid, phone)
                if number.account_sid != account_sid:
                    raise EmulatorError(f"{phone} belongs to another account")
                number.messaging_service_sid = service.sid
                service.phone_number_sids.append(number.sid)
            return service

    def get(self, account_sid: str, sid: str) -> MessagingService:
        with self.store.lock:
            service = self.store.services.get(sid)
            if service is None or service.account_sid != account_sid:
                raise not_found(f"/Services/{sid}")
            return service

    def update(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> MessagingService:
        with self.store.lock:
            service = self.get(account_sid, sid)
            for param, value in form.items():
                if param == "UseInboundWebhookOnNumber":
                    service.use_inbound_webhook_on_number = value.lower() == "true"
                elif param in _SETTABLE:
                    setattr(service, _SETTABLE[param], value)
            service.date_updated = self.clock()
            return service

    def numbers_of(self, service: MessagingService) -> list[PhoneNumber]:
        with self.store.lock:
            return [self.store.numbers[sid] for sid in service.phone_number_sids if sid in self.store.numbers]

    def search(self, account_sid: str) -> list[MessagingService]:
        with self.store.lock:
            return [s for s in self.store.services.values() if s.account_sid == account_sid]
