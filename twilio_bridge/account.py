"""Checking credentials and wiring a number's webhooks to SMS Bridge.

::

    accounts = TwilioAccounts(clients)                       # clients: the shared TwilioClients
    info = accounts.validate_credentials(credentials)        # -> AccountInfo, or CredentialsInvalid
    number = accounts.find_number(credentials, "+15005550006")          # -> PhoneNumber, or NumberNotFound
    number = accounts.wire_number(credentials, number.sid, sms_url=..., sms_fallback_url=None)
    service = accounts.find_messaging_service(credentials, "MG…")       # -> MessagingService, or NumberNotFound
    service = accounts.wire_messaging_service(credentials, "MG…", inbound_request_url=...,
                                              status_callback=...)       # -> MessagingService

``CredentialsInvalid.reason`` is written for the administrator who typed the credentials. Twilio
failures that say nothing about the credentials (5xx, unreachable) raise ``TwilioApiError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from twilio_bridge.client import TwilioClients, TwilioCredentials, call_api
from twilio_bridge.errors import CredentialsInvalid, NumberNotFound, TwilioApiError

__all__ = ["AccountInfo", "MessagingService", "PhoneNumber", "TwilioAccounts"]

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_AUTH_TOKEN = re.compile(r"[0-9a-fA-F]{32}")
_NUMBER_SID = re.compile(r"PN[0-9a-fA-F]{32}")
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


@dataclass(frozen=True, slots=True)
class AccountInfo:
    sid: str
    friendly_name: str | None
    status: str
    type: str | None
    owner_account_sid: str | None


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    sid: str
    phone_number: str
    friendly_name: str | None
    sms_url: str | None
    sms_method: str | None
    sms_fallback_url: str | None
    sms_capable: bool | None
    mms_capable: bool | None


@dataclass(frozen=True, slots=True)
class MessagingService:
    sid: str
    friendly_name: str | None
    inbound_request_url: str | None
    inbound_method: str | None
    fallback_url: str | None
    status_callback: str | None


class TwilioAccounts:
    """Account and number administration with the shared ``TwilioClients``."""

    def __init__(self, clients: TwilioClients) -> None:
        self._clients = clients

    def validate_credentials(self, credentials: TwilioCredentials) -> AccountInfo:
        if not _ACCOUNT_SID.fullmatch(credentials.account_sid):
            raise CredentialsInvalid("the Account SID must be 'AC' followed by 32 hexadecimal characters")
        if not _AUTH_TOKEN.fullmatch(credentials.auth_token):
            raise CredentialsInvalid("the Auth Token must be 32 hexadecimal characters")
        client = self._clients.client(credentials)
        try:
            account = call_api(client.api.v2010.accounts(credentials.account_sid).fetch)
        except TwilioApiError as exc:
            mapped = _credentials_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        status = str(account.status or "")
        if status != "active":
            raise CredentialsInvalid(f"the Twilio account is {status or 'in an unknown state'}, not active")
        return AccountInfo(
            sid=str(account.sid),
            friendly_name=account.friendly_name,
            status=status,
            type=account.type,
            owner_account_sid=account.owner_account_sid,
        )

    def find_number(self, credentials: TwilioCredentials, phone_number: str) -> PhoneNumber:
        numbers = self._numbers(credentials)
        found = call_api(lambda: numbers.list(phone_number=phone_number, limit=20))
        for number in found:
            if number.phone_number == phone_number:
                return _phone_number(number)
        raise NumberNotFound(f"{phone_number} is not a phone number of account {credentials.account_sid}")

    def wire_number(
        self,
        credentials: TwilioCredentials,
        number_sid: str,
        *,
        sms_url: str,
        sms_fallback_url: str | None = None,
    ) -> PhoneNumber:
        """Point the number's incoming-message webhook (POST) at ``sms_url``."""
        if not _NUMBER_SID.fullmatch(number_sid):
            raise NumberNotFound(f"{number_sid!r} is not a phone number SID (PN…)")
        arguments: dict[str, Any] = {"sms_url": sms_url, "sms_method": "POST"}
        if sms_fallback_url:
            arguments["sms_fallback_url"] = sms_fallback_url
            arguments["sms_fallback_method"] = "POST"
        context = self._numbers(credentials)(number_sid)
        try:
            updated = call_api(lambda: context.update(**arguments))
        except TwilioApiError as exc:
            if exc.status == 404:
                raise NumberNotFound(f"phone number {number_sid} is not in the account") from exc
            raise
        return _phone_number(updated)

    def find_messaging_service(self, credentials: TwilioCredentials, service_sid: str) -> MessagingService:
        """The Messaging Service as it is configured now (where it sends incoming texts)."""
        if not _SERVICE_SID.fullmatch(service_sid):
            raise NumberNotFound(f"{service_sid!r} is not a Messaging Service SID (MG…)")
        context = self._clients.client(credentials).messaging.v1.services(service_sid)
        try:
            return _service(call_api(context.fetch))
        except TwilioApiError as exc:
            if exc.status == 404:
                raise NumberNotFound(f"Messaging Service {service_sid} is not in the account") from exc
            raise

    def wire_messaging_service(
        self,
        credentials: TwilioCredentials,
        service_sid: str,
        *,
        inbound_request_url: str,
        status_callback: str,
        fallback_url: str | None = None,
    ) -> MessagingService:
        """Point a Messaging Service's inbound webhook (POST) and delivery status callback at us."""
        if not _SERVICE_SID.fullmatch(service_sid):
            raise NumberNotFound(f"{service_sid!r} is not a Messaging Service SID (MG…)")
        arguments: dict[str, Any] = {
            "inbound_request_url": inbound_request_url,
            "inbound_method": "POST",
            "status_callback": status_callback,
        }
        if fallback_url:
            arguments["fallback_url"] = fallback_url
            arguments["fallback_method"] = "POST"
        context = self._clients.client(credentials).messaging.v1.services(service_sid)
        try:
            updated = call_api(lambda: context.update(**arguments))
        except TwilioApiError as exc:
            if exc.status == 404:
                raise NumberNotFound(f"Messaging Service {service_sid} is not in the account") from exc
            raise
        return _service(updated)

    def _numbers(self, credentials: TwilioCredentials) -> Any:
        client = self._clients.client(credentials)
        return client.api.v2010.accounts(credentials.account_sid).incoming_phone_numbers


def _credentials_error(exc: TwilioApiError) -> CredentialsInvalid | None:
    if exc.status == 401:
        return CredentialsInvalid(
            "Twilio rejected the Account SID and Auth Token (error 20003): check both, that the token was "
            "not rotated, and that the account is not closed"
        )
    if exc.status == 403:
        return CredentialsInvalid(
            "Twilio refused access to the account (error 20403): it may be suspended or closed, or these "
            "are test credentials"
        )
    if exc.status == 404:
        return CredentialsInvalid("Twilio does not know this Account SID (error 20404)")
    return None


def _phone_number(number: Any) -> PhoneNumber:
    capabilities = number.capabilities if isinstance(number.capabilities, dict) else {}
    sms, mms = capabilities.get("sms"), capabilities.get("mms")
    return PhoneNumber(
        sid=str(number.sid),
        phone_number=str(number.phone_number),
        friendly_name=number.friendly_name,
        sms_url=number.sms_url,
        sms_method=number.sms_method,
        sms_fallback_url=number.sms_fallback_url,
        sms_capable=sms if isinstance(sms, bool) else None,
        mms_capable=mms if isinstance(mms, bool) else None,
    )


def _service(service: Any) -> MessagingService:
    return MessagingService(
        sid=str(service.sid),
        friendly_name=service.friendly_name,
        inbound_request_url=service.inbound_request_url,
        inbound_method=service.inbound_method,
        fallback_url=service.fallback_url,
        status_callback=service.status_callback,
    )
