"""The emulator's state, shared by the resource handlers: records by SID, one lock, and the lookups they share.

Handlers get this store, a clock (``Clock``) and the callback dispatcher (``callbacks.Callbacks``) — nothing else
of each other — so each resource's rules can be read, and tested, on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.resources import Account, Media, Message, MessagingService, PhoneNumber, utcnow

__all__ = ["CdnEntry", "CdnRequest", "Clock", "EmulatorStore", "EmulatorUrls", "Outcome", "not_found"]

Clock = Callable[[], datetime]


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
class EmulatorUrls:
    """Where the emulator is reached (media URLs in webhooks name it); learnt from the server when not given."""

    base_url: str | None = None
    cdn_base_url: str | None = None


@dataclass
class CdnEntry:
    media: Media
    expires: datetime


class EmulatorStore:
    """Every record of the emulated accounts. Touch records only while holding ``lock`` (re-entrant)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.numbers: dict[str, PhoneNumber] = {}
        self.services: dict[str, MessagingService] = {}
        self.messages: dict[str, Message] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.opt_outs: set[tuple[str, str]] = set()  # (sender key: number or MG SID, customer number)
        self.cdn: dict[str, CdnEntry] = {}
        self.cdn_requests: list[CdnRequest] = []

    def clear(self) -> None:
        with self.lock:
            for records in (self.accounts, self.numbers, self.services, self.messages, self.outcomes, self.cdn):
                records.clear()
            self.opt_outs.clear()
            self.cdn_requests.clear()

    def require_account(self, sid: str) -> Account:
        account = self.accounts.get(sid)
        if account is None:
            raise EmulatorError(f"no account {sid}")
        return account

    def number_by_phone(self, phone: str) -> PhoneNumber | None:
        for number in self.numbers.values():
            if number.phone_number == phone:
                return number
        return None

    def sender_keys(self, sender: str) -> set[str]:
        """What an opt-out from ``sender`` is recorded against: the number, and its Messaging Service if any."""
        number = self.number_by_phone(sender)
        keys = {sender}
        if number is not None and number.messaging_service_sid:
            keys.add(number.messaging_service_sid)
        return keys

    def is_opted_out(self, sender: str, customer: str) -> bool:
        with self.lock:
            return bool(self.sender_keys(sender) & {k for k, c in self.opt_outs if c == customer})


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")
