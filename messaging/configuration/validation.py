"""Validate, as a state machine over plain values (DESIGN 6.5): credentials (an account fetch), then the number in
the account, then — with `smsb_autoconfigure` — the number's SMS webhook (or the Messaging Service's inbound URL and
status callback) pointed at this app. `next_step` looks at the Configuration and Twilio's answers so far and returns
either the next question to ask Twilio or the verdict, a sentence for `smsb_validationmessage`; the service asks.

Validate never takes a number over on its own: a webhook that sends the texts to another system (not empty, not
Twilio's demo reply that a new number comes with, not this app) is left as it is and the Configuration is Invalid,
with a message that names where it points, until an admin sets *Take Over Number* (`smsb_takeovernumber`); then the
number is taken over and the verdict says what it pointed at before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from messaging.phones import normalize

__all__ = [
    "POINTS_ELSEWHERE",
    "TAKEN_OVER",
    "TWILIO_DEMO_HOST",
    "Account",
    "Answers",
    "CheckCredentials",
    "FindNumber",
    "FindService",
    "Number",
    "Refused",
    "Service",
    "Setup",
    "Step",
    "Urls",
    "Verdict",
    "WireNumber",
    "WireService",
    "Wired",
    "next_step",
    "points_elsewhere",
]

# The words the Configuration form looks for to offer Take Over Number (frontend/webresources/src/forms/
# configuration.ts holds the same phrase; tests/messaging/configuration/test_rules.py checks they agree).
POINTS_ELSEWHERE = "points at another system"
TAKEN_OVER = "Taken over:"  # what the form shows as a warning: the other system stopped receiving the texts
# What a number bought in the console answers texts with until it is configured: Twilio's demo reply,
# https://demo.twilio.com/welcome/sms/reply (Twilio's OpenAPI description and twilio-python's fixtures show it as
# a number's sms_url; "All newly purchased Twilio numbers will automatically respond to incoming SMS and MMS
# messages with a default sample message", Twilio support article 223136047). Any URL on that host is a demo.
TWILIO_DEMO_HOST = "demo.twilio.com"


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
    take_over: bool = False  # smsb_takeovernumber: the admin agreed to take the number from another system


@dataclass(frozen=True)
class Service:
    """The Messaging Service as the account holds it, and where it sends incoming texts."""

    sid: str
    inbound_request_url: str | None


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
    service: Service | Refused | None = None


@dataclass(frozen=True)
class CheckCredentials:
    pass


@dataclass(frozen=True)
class FindNumber:
    e164: str


@dataclass(frozen=True)
class FindService:
    service_sid: str


@dataclass(frozen=True)
class WireNumber:
    number_sid: str
    sms_url: str


@dataclass(frozen=True)
class WireService:
    service_sid: str
    inbound_request_url: str
    status_callback: str


Step = CheckCredentials | FindNumber | FindService | WireNumber | WireService


@dataclass(frozen=True)
class Verdict:
    valid: bool
    message: str
    callback_url: str | None = None
    took_over_from: str | None = None  # the other system's URL, when Validate took the number from it


def points_elsewhere(url: str | None, ours: str) -> bool:
    """Whether a webhook sends the texts to another system: set, not Twilio's demo reply, not this app."""
    if url is None or not url.strip():
        return False
    there, here = urlsplit(url.strip()), urlsplit(ours)
    if (there.scheme.lower(), there.netloc.lower(), there.path.rstrip("/"), there.query) == (
            here.scheme.lower(), here.netloc.lower(), here.path.rstrip("/"), here.query):
        return False
    return (there.hostname or "").lower() != TWILIO_DEMO_HOST


def _take_over_hint(what: str) -> str:
    return (f" Validate left it as it is: that system would stop receiving the number's texts at once. To move "
            f"{what} to SMS Bridge, set Take Over Number to Yes and press Validate again (or set Configure Twilio "
            "Automatically to No and point it at SMS Bridge in the Twilio console yourself).")


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
        return _messaging_service(setup, answers, verified, urls)
    return _number(phone, setup, answers.wiring, verified, urls)


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


def _number(phone: Number, setup: Setup, wiring: Wired | Refused | None, verified: str, urls: Urls) -> Step | Verdict:
    url = urls.messages
    if not setup.autoconfigure:
        if phone.sms_url == url:
            return Verdict(True, f"{verified} Its 'A message comes in' webhook points at {url}.", url)
        return Verdict(True, f"{verified} Automatic configuration is off: in the Twilio console set the number's "
                             f"'A message comes in' webhook to {url} (HTTP POST).", url)
    if wiring is None:
        return _number_to_wire(phone, setup, verified, url)
    return _number_wired(phone, wiring, verified, url)


def _number_to_wire(phone: Number, setup: Setup, verified: str, url: str) -> Step | Verdict:
    if phone.sms_url == url and (phone.sms_method or "POST").upper() == "POST":
        return Verdict(True, f"{verified} Its SMS webhook already points at {url}.", url)
    if points_elsewhere(phone.sms_url, url) and not setup.take_over:
        return _invalid(f"{verified} But its SMS webhook {POINTS_ELSEWHERE}: {phone.sms_url}."
                        + _take_over_hint("the number"))
    return WireNumber(phone.sid, url)


def _number_wired(phone: Number, wiring: Wired | Refused, verified: str, url: str) -> Verdict:
    if isinstance(wiring, Refused):
        return _invalid(f"The number could not be configured: {wiring.reason}." if wiring.kind == "refused"
                        else f"Twilio refused to point the number's SMS webhook at {url}: {wiring.reason}.")
    if points_elsewhere(phone.sms_url, url):
        return Verdict(True, f"{verified} {TAKEN_OVER} its SMS webhook pointed at {phone.sms_url} and now points at "
                             f"{url}; {phone.sms_url} no longer receives this number's texts.", url,
                       took_over_from=phone.sms_url)
    previous = f" (it was {phone.sms_url})" if phone.sms_url else ""
    return Verdict(True, f"{verified} Its SMS webhook now points at {url}{previous}.", url)


def _messaging_service(setup: Setup, answers: Answers, verified: str, urls: Urls) -> Step | Verdict:
    url, status, service_sid = urls.messages, urls.status, setup.service_sid
    if not setup.autoconfigure:
        return Verdict(True, f"{verified} Automatic configuration is off and Messaging Service {service_sid} was not "
                             f"checked: set its incoming-message request URL to {url} and its status callback to "
                             f"{status}.", url)
    service = answers.service
    if service is None:
        return FindService(service_sid)
    if isinstance(service, Refused):
        return _invalid(f"Credentials are valid, but the Messaging Service is not usable: {service.reason}."
                        if service.kind == "refused"
                        else f"Twilio could not look up Messaging Service {service_sid}: {service.reason}.")
    if answers.wiring is None:
        if points_elsewhere(service.inbound_request_url, url) and not setup.take_over:
            return _invalid(f"{verified} But Messaging Service {service_sid} {POINTS_ELSEWHERE}: it sends incoming "
                            f"texts to {service.inbound_request_url}." + _take_over_hint("its texts"))
        return WireService(service_sid, url, status)
    return _service_wired(service, answers.wiring, verified, urls)


def _service_wired(service: Service, wiring: Wired | Refused, verified: str, urls: Urls) -> Verdict:
    url, status, before = urls.messages, urls.status, service.inbound_request_url
    if isinstance(wiring, Refused):
        return _invalid(f"Credentials are valid, but the Messaging Service is not usable: {wiring.reason}."
                        if wiring.kind == "refused"
                        else f"Twilio refused to configure Messaging Service {service.sid}: {wiring.reason}.")
    if points_elsewhere(before, url):
        return Verdict(True, f"{verified} {TAKEN_OVER} Messaging Service {service.sid} sent incoming texts to "
                             f"{before}; it now sends them to {url} and delivery statuses to {status}.", url,
                       took_over_from=before)
    return Verdict(True, f"{verified} Messaging Service {service.sid} now sends incoming texts to {url} and delivery "
                         f"statuses to {status}.", url)
