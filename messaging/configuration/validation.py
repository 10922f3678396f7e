"""Validate, as a state machine over plain values (DESIGN 6.5): credentials (an account fetch), then the number in
the account, then — with `smsb_autoconfigure` — the number's SMS webhook (or the Messaging Service's inbound URL and
status callback) pointed at this app. `next_step` looks at the Configuration and Twilio's answers so far and returns
either the next question to ask Twilio or the verdict, a sentence for `smsb_validationmessage`; the service asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from messaging.phones import normalize

__all__ = [
    "Account",
    "Answers",
    "CheckCredentials",
    "FindNumber",
    "Number",
    "Refused",
    "Setup",
    "Step",
    "Urls",
    "Verdict",
    "WireNumber",
    "WireService",
    "Wired",
    "next_step",
]


@dataclass(frozen=True)
class Account:
    """The Twilio account the credentials opened."""

    sid: str
    friendly_name: str | None


@dataclass(frozen=True)
class Number:
    """The number as the account holds it, and where its SMS webhook points."""

    sid: str
    phone_number: str
    sms_url: str | None
    sms_method: str | None
    sms_capable: bool | None


@dataclass(frozen=True)
class Setup:
    """What the Configuration row says; `token_problem` when its stored token cannot be read."""

    account_sid: str
    has_token: bool
    token_problem: str | None
    mobile_number: str
    service_sid: str
    autoconfigure: bool


@dataclass(frozen=True)
class Urls:
    messages: str
    status: str


@dataclass(frozen=True)
class Refused:
    """Twilio said no (`refused`: the credentials or the number are not usable) or failed for good (`failed`)."""

    kind: Literal["refused", "failed"]
    reason: str


@dataclass(frozen=True)
class Wired:
    """Twilio took the new webhook settings."""


@dataclass(frozen=True)
class Answers:
    account: Account | Refused | None = None
    phone: Number | Refused | None = None
    wiring: Wired | Refused | None = None


@dataclass(frozen=True)
class CheckCredentials:
    pass


@dataclass(frozen=True)
class FindNumber:
    e164: str


@dataclass(frozen=True)
class WireNumber:
    number_sid: str
    sms_url: str


@dataclass(frozen=True)
class WireService:
    service_sid: str
    inbound_request_url: str
    status_callback: str


Step = CheckCredentials | FindNumber | WireNumber | WireService


@dataclass(frozen=True)
class Verdict:
    valid: bool
    message: str
    callback_url: str | None = None


def _invalid(message: str) -> Verdict:
    return Verdict(False, message)


def next_step(setup: Setup, answers: Answers, urls: Urls) -> Step | Verdict:
    """Credentials, number, wiring — in that order, stopping at the first problem."""
    account = _account(setup, answers)
    if not isinstance(account, Account):
        return account
    phone = _phone(setup, answers)
    if not isinstance(phone, Number):
        return phone
    name = f" '{account.friendly_name}'" if account.friendly_name else ""
    verified = f"Credentials and number verified: {phone.phone_number} belongs to account{name} ({account.sid})."
    if setup.service_sid:
        return _messaging_service(setup.service_sid, setup.autoconfigure, answers.wiring, verified, urls)
    return _number(phone, setup.autoconfigure, answers.wiring, verified, urls)


def _account(setup: Setup, answers: Answers) -> Account | Step | Verdict:
    if not setup.account_sid:
        return _invalid("No Account SID: copy it from the Twilio console (it starts with AC).")
    if not setup.has_token:
        return _invalid("No Auth Token: enter the Twilio Auth Token, save, and press Validate again.")
    if setup.token_problem is not None:
        return _invalid(f"The stored Auth Token cannot be read: {setup.token_problem}.")
    account = answers.account
    if account is None:
        return CheckCredentials()
    if isinstance(account, Refused):
        return _invalid(f"Credentials not accepted: {account.reason}." if account.kind == "refused"
                        else f"Twilio could not check the credentials: {account.reason}.")
    return account


def _phone(setup: Setup, answers: Answers) -> Number | Step | Verdict:
    number = normalize(setup.mobile_number) if setup.mobile_number else None
    if number is None or not number.parsed:
        return _invalid(f"The Mobile Number '{setup.mobile_number}' is not a phone number: enter it in E.164 form, "
                        "e.g. +15005550006.")
    e164 = number.value
    phone = answers.phone
    if phone is None:
        return FindNumber(e164)
    if isinstance(phone, Refused):
        if phone.kind == "refused":
            return _invalid(f"Credentials are valid, but the number {e164} is not in this Twilio account "
                            f"({setup.account_sid}): check the Mobile Number, or whether the number belongs to a "
                            "subaccount.")
        return _invalid(f"Twilio could not look up the number {e164}: {phone.reason}.")
    if phone.sms_capable is False:
        return _invalid(f"The number {e164} cannot send or receive SMS; choose an SMS-capable number.")
    return phone


def _number(phone: Number, autoconfigure: bool, wiring: Wired | Refused | None, verified: str,
            urls: Urls) -> Step | Verdict:
    url = urls.messages
    if not autoconfigure:
        if phone.sms_url == url:
            return Verdict(True, f"{verified} Its 'A message comes in' webhook points at {url}.", url)
        return Verdict(True, f"{verified} Automatic configuration is off: in the Twilio console set the number's "
                             f"'A message comes in' webhook to {url} (HTTP POST).", url)
    if wiring is None and phone.sms_url == url and (phone.sms_method or "POST").upper() == "POST":
        return Verdict(True, f"{verified} Its SMS webhook already points at {url}.", url)
    if wiring is None:
        return WireNumber(phone.sid, url)
    if isinstance(wiring, Refused):
        return _invalid(f"The number could not be configured: {wiring.reason}." if wiring.kind == "refused"
                        else f"Twilio refused to point the number's SMS webhook at {url}: {wiring.reason}.")
    previous = f" (it was {phone.sms_url})" if phone.sms_url else ""
    return Verdict(True, f"{verified} Its SMS webhook now points at {url}{previous}.", url)


def _messaging_service(service_sid: str, autoconfigure: bool, wiring: Wired | Refused | None, verified: str,
                       urls: Urls) -> Step | Verdict:
    url, status = urls.messages, urls.status
    if not autoconfigure:
        return Verdict(True, f"{verified} Automatic configuration is off and Messaging Service {service_sid} was not "
                             f"checked: set its incoming-message request URL to {url} and its status callback to "
                             f"{status}.", url)
    if wiring is None:
        return WireService(service_sid, url, status)
    if isinstance(wiring, Refused):
        return _invalid(f"Credentials are valid, but the Messaging Service is not usable: {wiring.reason}."
                        if wiring.kind == "refused"
                        else f"Twilio refused to configure Messaging Service {service_sid}: {wiring.reason}.")
    return Verdict(True, f"{verified} Messaging Service {service_sid} now sends incoming texts to {url} and delivery "
                         f"statuses to {status}.", url)
