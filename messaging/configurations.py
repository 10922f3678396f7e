"""Configurations (DESIGN 6.5): seal the auth token an admin typed, and on Validate prove the Twilio side works.

*Seal* runs on every create and update: a plaintext `smsb_authtoken` is replaced by its `enc:v1` form (the row id
as associated data) with an `If-Match` write, so an admin's newer edit is never overwritten with an older token;
a token sealed under the previous key is sealed again under the current one. A token already sealed under the
current key is left alone, which is what makes our own write (it fires the webhook again) end the loop.

*Validate* runs when `smsb_validaterequestedon` changed: credentials (account fetch), then the number in the
account, then — with `smsb_autoconfigure` — the number's SMS webhook (or the Messaging Service's inbound URL and
status callback) pointed at this app, and `smsb_callbackurl` filled in. Every outcome ends in a sentence in
`smsb_validationmessage`; an Invalid verdict also writes an Error Log row. When Twilio cannot be reached the
status is left as it was and the Twilio error is raised again: it is transient, so the queue retries the job.
The plaintext token lives only in local variables and the Twilio client; nothing here logs, stores or raises it.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dataverse import DataverseClient, PreconditionFailed, Row
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import ConfigurationNotFound, PermanentFailure, TokenDecryptionFailed
from messaging.jobs import ConfigurationJob
from messaging.model import Severity
from messaging.phones import normalize
from messaging.tokens import TokenCipher, is_encrypted
from twilio_bridge import (
    AccountInfo,
    CredentialsInvalid,
    NumberNotFound,
    PhoneNumber,
    TwilioAccounts,
    TwilioApiError,
    TwilioCredentials,
)

__all__ = [
    "MESSAGES_ROUTE",
    "STATUS_ROUTE",
    "ConfigurationOutcome",
    "ConfigurationService",
    "SealResult",
    "ValidationResult",
    "ValidationStatus",
]

log = logging.getLogger("smsbridge.configuration")

MESSAGES_ROUTE = "/api/twilio/messages"
STATUS_ROUTE = "/api/twilio/status"
_ENTITY_SET = "smsb_configurations"
_MESSAGE_LENGTH = 2000
_MAX_ATTEMPTS = 3
_COLUMNS = (
    "smsb_configurationid", "smsb_name", "smsb_accountsid", "smsb_authtoken", "smsb_mobilenumber",
    "smsb_messagingservicesid", "smsb_autoconfigure", "smsb_validationstatus",
)


class ValidationStatus(enum.IntEnum):
    """`smsb_validationstatus` choice values."""

    DRAFT = 1
    VALID = 2
    INVALID = 3


class SealResult(enum.Enum):
    SEALED = "sealed"  # a plaintext token was encrypted in place
    RESEALED = "resealed"  # a token sealed under the previous key was sealed under the current one
    UNCHANGED = "unchanged"  # already sealed under the current key
    EMPTY = "empty"  # no auth token stored
    UNREADABLE = "unreadable"  # sealed under a key this app does not hold, or damaged: Validate says so
    MISSING = "missing"  # the row is gone


@dataclass(frozen=True)
class ValidationResult:
    status: ValidationStatus | None  # None: left as it was (Twilio could not be reached)
    message: str
    callback_url: str | None = None


@dataclass(frozen=True)
class ConfigurationOutcome:
    seal: SealResult
    validation: ValidationResult | None = None


@dataclass(frozen=True)
class _Verdict:
    """What one validation found, before it is written."""

    valid: bool
    message: str
    callback_url: str | None = None


class ConfigurationService:
    def __init__(
        self,
        client: DataverseClient,
        cipher: TokenCipher,
        accounts: TwilioAccounts,
        errors: ErrorLog,
        *,
        public_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._cipher = cipher
        self._accounts = accounts
        self._errors = errors
        self._public_url = public_url.rstrip("/")
        self._clock = clock

    @property
    def messages_url(self) -> str:
        return self._public_url + MESSAGES_ROUTE

    @property
    def status_url(self) -> str:
        return self._public_url + STATUS_ROUTE

    def process(self, job: ConfigurationJob) -> ConfigurationOutcome:
        seal = self.seal_token(job.configuration_id)
        if seal is SealResult.MISSING or not job.validate:
            return ConfigurationOutcome(seal)
        return ConfigurationOutcome(seal, self.validate(job.configuration_id, correlation_id=job.correlation_id))

    # -- sealing -----------------------------------------------------------------------------------------------
    def seal_token(self, configuration_id: uuid.UUID) -> SealResult:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(_ENTITY_SET, configuration_id,
                                    select=("smsb_configurationid", "smsb_authtoken"))
            if row is None:
                return SealResult.MISSING
            stored = str(row.get("smsb_authtoken") or "")
            if not stored.strip():
                return SealResult.EMPTY
            if is_encrypted(stored):
                if not self._cipher.needs_reencryption(stored):
                    return SealResult.UNCHANGED
                try:
                    plain = self._cipher.decrypt(stored, configuration_id)
                except TokenDecryptionFailed as exc:
                    log.warning("auth token of Configuration %s cannot be resealed: %s", configuration_id, exc)
                    return SealResult.UNREADABLE
                result = SealResult.RESEALED
            else:
                # Pasted tokens often carry a stray space or line break; Twilio would reject them as 20003.
                plain, result = stored.strip(), SealResult.SEALED
            try:
                self._client.update(_ENTITY_SET, configuration_id,
                                    {"smsb_authtoken": self._cipher.encrypt(plain, configuration_id)},
                                    etag=row.etag)
            except PreconditionFailed:
                continue  # the admin saved again meanwhile: look at what is there now
            log.info("auth token of Configuration %s %s", configuration_id, result.value)
            return result
        raise PermanentFailure(f"the auth token of Configuration {configuration_id} kept changing while being sealed")

    # -- validation --------------------------------------------------------------------------------------------
    def validate(self, configuration_id: uuid.UUID, *, correlation_id: str | None = None) -> ValidationResult:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(_ENTITY_SET, configuration_id, select=_COLUMNS)
            if row is None:
                raise ConfigurationNotFound.for_id(configuration_id)
            stored = str(row.get("smsb_authtoken") or "")
            if stored.strip() and not is_encrypted(stored):
                self.seal_token(configuration_id)  # never check a token that is still stored in plaintext
                continue
            try:
                verdict = self._check(row, configuration_id)
            except TwilioApiError as exc:  # only transient ones reach here: the queue retries the job
                self._waiting(configuration_id, row, exc)
                raise
            try:
                self._client.update(_ENTITY_SET, configuration_id, self._changes(verdict), etag=row.etag)
            except PreconditionFailed:
                continue  # edited while we checked: check the row as it is now
            if not verdict.valid:
                self._errors.record(LoggedError(
                    source=ErrorSource.CONFIGURATION, name="Configuration is not valid",
                    details=f"{row.get('smsb_name') or configuration_id}: {verdict.message}",
                    severity=Severity.WARNING, correlation_id=correlation_id,
                    related_entity="smsb_configuration", related_id=str(configuration_id),
                ))
            log.info("Configuration %s validated: %s", configuration_id, "valid" if verdict.valid else "invalid")
            status = ValidationStatus.VALID if verdict.valid else ValidationStatus.INVALID
            return ValidationResult(status, verdict.message, verdict.callback_url)
        raise PermanentFailure(f"Configuration {configuration_id} kept changing while being validated")

    def _check(self, row: Row, configuration_id: uuid.UUID) -> _Verdict:
        """Credentials, number, wiring — in that order, stopping at the first problem. Raises only
        `TwilioApiError` (Twilio unreachable or answering 5xx)."""
        checked = self._credentials(row, configuration_id)
        if isinstance(checked, _Verdict):
            return checked
        account, credentials = checked
        phone = self._phone(row, credentials)
        if isinstance(phone, _Verdict):
            return phone
        name = f" '{account.friendly_name}'" if account.friendly_name else ""
        verified = (f"Credentials and number verified: {phone.phone_number} belongs to account{name} "
                    f"({account.sid}).")
        service_sid = str(row.get("smsb_messagingservicesid") or "").strip()
        autoconfigure = row.get("smsb_autoconfigure") is not False
        if service_sid:
            return self._messaging_service(credentials, service_sid, autoconfigure, verified)
        return self._number(credentials, phone, autoconfigure, verified)

    def _credentials(self, row: Row, configuration_id: uuid.UUID) -> tuple[AccountInfo, TwilioCredentials] | _Verdict:
        account_sid = str(row.get("smsb_accountsid") or "").strip()
        stored = str(row.get("smsb_authtoken") or "")
        if not account_sid:
            return _invalid("No Account SID: copy it from the Twilio console (it starts with AC).")
        if not stored.strip():
            return _invalid("No Auth Token: enter the Twilio Auth Token, save, and press Validate again.")
        try:
            credentials = TwilioCredentials(account_sid, self._cipher.decrypt(stored, configuration_id))
        except TokenDecryptionFailed as exc:
            return _invalid(f"The stored Auth Token cannot be read: {exc}.")
        try:
            return self._accounts.validate_credentials(credentials), credentials
        except CredentialsInvalid as exc:
            return _invalid(f"Credentials not accepted: {exc.reason}.")
        except TwilioApiError as exc:
            _raise_if_transient(exc)
            return _invalid(f"Twilio could not check the credentials: {exc.message}.")

    def _phone(self, row: Row, credentials: TwilioCredentials) -> PhoneNumber | _Verdict:
        typed = str(row.get("smsb_mobilenumber") or "").strip()
        number = normalize(typed) if typed else None
        if number is None or not number.parsed:
            return _invalid(f"The Mobile Number '{typed}' is not a phone number: enter it in E.164 form, "
                            "e.g. +15005550006.")
        e164 = number.value
        try:
            phone = self._accounts.find_number(credentials, e164)
        except NumberNotFound:
            return _invalid(f"Credentials are valid, but the number {e164} is not in this Twilio account "
                            f"({credentials.account_sid}): check the Mobile Number, or whether the number belongs "
                            "to a subaccount.")
        except TwilioApiError as exc:
            _raise_if_transient(exc)
            return _invalid(f"Twilio could not look up the number {e164}: {exc.message}.")
        if phone.sms_capable is False:
            return _invalid(f"The number {e164} cannot send or receive SMS; choose an SMS-capable number.")
        return phone

    def _number(self, credentials: TwilioCredentials, phone: PhoneNumber, autoconfigure: bool,
                verified: str) -> _Verdict:
        url = self.messages_url
        if not autoconfigure:
            if phone.sms_url == url:
                return _valid(f"{verified} Its 'A message comes in' webhook points at {url}.", url)
            return _valid(f"{verified} Automatic configuration is off: in the Twilio console set the number's "
                          f"'A message comes in' webhook to {url} (HTTP POST).", url)
        if phone.sms_url == url and (phone.sms_method or "POST").upper() == "POST":
            return _valid(f"{verified} Its SMS webhook already points at {url}.", url)
        try:
            self._accounts.wire_number(credentials, phone.sid, sms_url=url)
        except NumberNotFound as exc:
            return _invalid(f"The number could not be configured: {exc.reason}.")
        except TwilioApiError as exc:
            _raise_if_transient(exc)
            return _invalid(f"Twilio refused to point the number's SMS webhook at {url}: {exc.message}.")
        previous = f" (it was {phone.sms_url})" if phone.sms_url else ""
        return _valid(f"{verified} Its SMS webhook now points at {url}{previous}.", url)

    def _messaging_service(self, credentials: TwilioCredentials, service_sid: str, autoconfigure: bool,
                           verified: str) -> _Verdict:
        url, status = self.messages_url, self.status_url
        if not autoconfigure:
            return _valid(f"{verified} Automatic configuration is off and Messaging Service {service_sid} was not "
                          f"checked: set its incoming-message request URL to {url} and its status callback to "
                          f"{status}.", url)
        try:
            self._accounts.wire_messaging_service(credentials, service_sid, inbound_request_url=url,
                                                  status_callback=status)
        except NumberNotFound as exc:
            return _invalid(f"Credentials are valid, but the Messaging Service is not usable: {exc.reason}.")
        except TwilioApiError as exc:
            _raise_if_transient(exc)
            return _invalid(f"Twilio refused to configure Messaging Service {service_sid}: {exc.message}.")
        return _valid(f"{verified} Messaging Service {service_sid} now sends incoming texts to {url} and delivery "
                      f"statuses to {status}.", url)

    def _changes(self, verdict: _Verdict) -> dict[str, Any]:
        changes: dict[str, Any] = {
            "smsb_validationstatus": int(ValidationStatus.VALID if verdict.valid else ValidationStatus.INVALID),
            "smsb_validationmessage": verdict.message[:_MESSAGE_LENGTH],
            "smsb_lastvalidatedon": self._clock().isoformat(),
        }
        if verdict.callback_url:
            changes["smsb_callbackurl"] = verdict.callback_url
        return changes

    def _waiting(self, configuration_id: uuid.UUID, row: Row, exc: TwilioApiError) -> None:
        """Say why nothing happened yet, leaving the status alone; the retry will overwrite the message."""
        message = (f"Validation is waiting for Twilio, which could not be reached ({exc.message}); "
                   "it is retried automatically.")
        with contextlib.suppress(PreconditionFailed):  # edited meanwhile: the retry reads it afresh
            self._client.update(_ENTITY_SET, configuration_id,
                                {"smsb_validationmessage": message[:_MESSAGE_LENGTH]}, etag=row.etag)
        log.warning("Configuration %s: Twilio unreachable during validation (%s); the queue retries",
                    configuration_id, type(exc).__name__)


def _valid(message: str, callback_url: str) -> _Verdict:
    return _Verdict(True, message, callback_url)


def _invalid(message: str) -> _Verdict:
    return _Verdict(False, message)


def _raise_if_transient(exc: TwilioApiError) -> None:
    if exc.is_transient:
        raise exc
