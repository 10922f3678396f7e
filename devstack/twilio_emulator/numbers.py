"""Incoming phone numbers: adding and wiring them (tests, ``make run``) and the API's list, fetch and update."""

from __future__ import annotations

import re

import phonenumbers
from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator.errors import EmulatorError
from devstack.twilio_emulator.resources import API_VERSION, PhoneNumber
from devstack.twilio_emulator.sids import new_sid
from devstack.twilio_emulator.store import Clock, EmulatorStore, not_found

__all__ = ["NumberHandler"]

_FIXED = ("sid", "account_sid", "phone_number")


class NumberHandler:
    def __init__(self, store: EmulatorStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def add(self, account_sid: str, phone_number: str, *, sms_url: str = "", **fields: str) -> PhoneNumber:
        with self.store.lock:
            self.store.require_account(account_sid)
            if self.store.number_by_phone(phone_number) is not None:
                raise EmulatorError(f"{phone_number} already belongs to an account")
            number = PhoneNumber(sid=new_sid("PN"), account_sid=account_sid, phone_number=phone_number,
                                 friendly_name=_friendly(phone_number), sms_url=sms_url)
            for name, value in fields.items():
                if not hasattr(number, name):
                    raise EmulatorError(f"phone numbers have no field {name!r}")
                setattr(number, name, value)
            self.store.numbers[number.sid] = number
            return number

    def configure(self, phone_number: str, **fields: str) -> PhoneNumber:
        """Change fields of an existing number, e.g. ``sms_url=...`` (what ``make run`` wires)."""
        with self.store.lock:
            number = self.store.number_by_phone(phone_number)
            if number is None:
                raise EmulatorError(f"no account owns {phone_number}")
            for name, value in fields.items():
                if name in _FIXED or not hasattr(number, name):
                    raise EmulatorError(f"phone number field {name!r} cannot be set")
                setattr(number, name, value)
            number.date_updated = self.clock()
            return number

    def search(self, account_sid: str, phone_number: str | None) -> list[PhoneNumber]:
        with self.store.lock:
            found = [n for n in self.store.numbers.values() if n.account_sid == account_sid]
        if phone_number:
            wanted = re.sub(r"[^\d]", "", phone_number)
            found = [n for n in found if wanted in n.phone_number]
        return sorted(found, key=lambda n: n.date_created)

    def get(self, account_sid: str, sid: str) -> PhoneNumber:
        with self.store.lock:
            number = self.store.numbers.get(sid)
            if number is None or number.account_sid != account_sid:
                raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json")
            return number

    def update(self, account_sid: str, sid: str, form: MultiDict[str, str]) -> PhoneNumber:
        with self.store.lock:
            number = self.get(account_sid, sid)
            for param, value in form.items():
                attribute = _snake(param)
                if hasattr(number, attribute) and attribute not in _FIXED:
                    setattr(number, attribute, value)
            number.date_updated = self.clock()
            return number


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _friendly(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
