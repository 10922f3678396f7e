"""Configurations (DESIGN 6.5): seal the auth token an admin typed, and on Validate prove the Twilio side works.

*Seal* runs on every create and update (`sealing`); *Validate* when `smsb_validaterequestedon` changed
(`validation`: a state machine this service drives, asking Twilio what it asks for). Every outcome ends in a
sentence in `smsb_validationmessage`, written with the row's ETag (an edit made meanwhile is checked afresh); an
Invalid verdict also writes an Error Log row. When Twilio cannot be reached the status is left as it was and the
Twilio error is raised again: it is transient, so the queue retries the job. The plaintext token lives only in
local variables and the Twilio client; nothing here logs, stores or raises it.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dataverse import DataverseClient, PreconditionFailed, Row
from messaging.configuration.sealing import SealResult, seal
from messaging.configuration.validation import (
    Account,
    Answers,
    CheckCredentials,
    FindNumber,
    FindService,
    Number,
    Refused,
    Service,
    Setup,
    Step,
    Urls,
    Verdict,
    Wired,
    WireNumber,
    next_step,
)
from messaging.envelopes import ConfigurationJob
from messaging.errors import ConfigurationNotFound, PermanentFailure, TokenDecryptionFailed
from messaging.names import SMSB_CONFIGURATION, Severity, ValidationStatus
from messaging.rows.configuration import validated, validation_waiting
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Store
from messaging.tokens import TokenCipher, is_encrypted
from twilio_bridge import CredentialsInvalid, NumberNotFound, TwilioAccounts, TwilioApiError, TwilioCredentials

__all__ = ["MESSAGES_ROUTE", "STATUS_ROUTE", "ConfigurationOutcome", "ConfigurationService", "ValidationResult"]

log = logging.getLogger("smsbridge.configuration")

MESSAGES_ROUTE = "/api/twilio/messages"
STATUS_ROUTE = "/api/twilio/status"
_C = SMSB_CONFIGURATION.columns
_MAX_ATTEMPTS = 3
# Which of Validate's answers a question fills (every other question wires the number or the service).
_ANSWERED_BY: dict[type, str] = {CheckCredentials: "account", FindNumber: "phone", FindService: "service"}
_SEAL_COLUMNS = (_C.smsb_configurationid, _C.smsb_authtoken)
_COLUMNS = (
    _C.smsb_configurationid, _C.smsb_name, _C.smsb_accountsid, _C.smsb_authtoken, _C.smsb_mobilenumber,
    _C.smsb_messagingservicesid, _C.smsb_autoconfigure, _C.smsb_takeovernumber, _C.smsb_validationstatus,
)


@dataclass(frozen=True)
class ValidationResult:
    status: ValidationStatus | None  # None: left as it was (Twilio could not be reached)
    message: str
    callback_url: str | None = None


@dataclass(frozen=True)
class ConfigurationOutcome:
    seal: SealResult
    validation: ValidationResult | None = None


class ConfigurationService:
    def __init__(
        self,
        client: DataverseClient,
        cipher: TokenCipher,
        accounts: TwilioAccounts,
        store: Store,
        *,
        public_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._cipher = cipher
        self._accounts = accounts
        self._store = store
        self._urls = Urls(public_url.rstrip("/") + MESSAGES_ROUTE, public_url.rstrip("/") + STATUS_ROUTE)
        self._clock = clock

    def process(self, job: ConfigurationJob) -> ConfigurationOutcome:
        sealed = self.seal_token(job.configuration_id)
        if sealed is SealResult.MISSING or not job.validate:
            return ConfigurationOutcome(sealed)
        return ConfigurationOutcome(sealed, self.validate(job.configuration_id, correlation_id=job.correlation_id))

    # -- sealing -----------------------------------------------------------------------------------------------
    def seal_token(self, configuration_id: uuid.UUID) -> SealResult:
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(SMSB_CONFIGURATION.entity_set, configuration_id, select=_SEAL_COLUMNS)
            if row is None:
                return SealResult.MISSING
            decision = seal(configuration_id, row.get(_C.smsb_authtoken), row.etag, self._cipher)
            if decision.problem is not None:
                log.warning("auth token of Configuration %s cannot be resealed: %s", configuration_id,
                            decision.problem)
            if decision.write is None:
                return decision.result
            try:
                self._store.apply(decision.write)
            except PreconditionFailed:
                continue  # the admin saved again meanwhile: look at what is there now
            log.info("auth token of Configuration %s %s", configuration_id, decision.result.value)
            return decision.result
        raise PermanentFailure(f"the auth token of Configuration {configuration_id} kept changing while being sealed")

    # -- validation --------------------------------------------------------------------------------------------
    def validate(self, configuration_id: uuid.UUID, *, correlation_id: str | None = None) -> ValidationResult:
        took_over: str | None = None  # kept across attempts: the number stays taken over if the row changed
        for _ in range(_MAX_ATTEMPTS):
            row = self._client.find(SMSB_CONFIGURATION.entity_set, configuration_id, select=_COLUMNS)
            if row is None:
                raise ConfigurationNotFound.for_id(configuration_id)
            stored = str(row.get(_C.smsb_authtoken) or "")
            if stored.strip() and not is_encrypted(stored):
                self.seal_token(configuration_id)  # never check a token that is still stored in plaintext
                continue
            try:
                verdict = self._check(row, configuration_id)
            except TwilioApiError as exc:  # only transient ones reach here: the queue retries the job
                self._waiting(configuration_id, row, exc)
                raise
            if verdict.took_over_from is not None and took_over is None:
                took_over = verdict.took_over_from
                self._taken_over(row, configuration_id, verdict, correlation_id)
            try:
                self._store.apply(validated(configuration_id, valid=verdict.valid, message=verdict.message,
                                            at=self._clock(), callback_url=verdict.callback_url, etag=row.etag,
                                            taken_over=took_over is not None))
            except PreconditionFailed:
                continue  # edited while we checked: check the row as it is now
            if not verdict.valid:
                self._store.record(LoggedError(
                    source=ErrorSource.CONFIGURATION, name="Configuration is not valid",
                    details=f"{row.get(_C.smsb_name) or configuration_id}: {verdict.message}",
                    severity=Severity.WARNING, correlation_id=correlation_id,
                    related_entity=SMSB_CONFIGURATION.logical_name, related_id=str(configuration_id),
                ))
            log.info("Configuration %s validated: %s", configuration_id, "valid" if verdict.valid else "invalid")
            status = ValidationStatus.VALID if verdict.valid else ValidationStatus.INVALID
            return ValidationResult(status, verdict.message, verdict.callback_url)
        raise PermanentFailure(f"Configuration {configuration_id} kept changing while being validated")

    def _taken_over(self, row: Row, configuration_id: uuid.UUID, verdict: Verdict,
                    correlation_id: str | None) -> None:
        """The number now sends its texts here instead of to the system it pointed at: worth a line an operator
        reads, since that system stopped receiving them."""
        self._store.record(LoggedError(
            source=ErrorSource.CONFIGURATION, name="Number taken over from another system",
            details=f"{row.get(_C.smsb_name) or configuration_id}: {verdict.message}",
            severity=Severity.WARNING, correlation_id=correlation_id,
            related_entity=SMSB_CONFIGURATION.logical_name, related_id=str(configuration_id),
        ))
        log.warning("Configuration %s took its number over from another system", configuration_id)

    def _check(self, row: Row, configuration_id: uuid.UUID) -> Verdict:
        """Drive `validation.next_step` to its verdict. Raises only `TwilioApiError` (Twilio unreachable or
        answering 5xx)."""
        account_sid = str(row.get(_C.smsb_accountsid) or "").strip()
        stored = str(row.get(_C.smsb_authtoken) or "")
        credentials, problem = None, None
        if account_sid and stored.strip():
            try:
                credentials = TwilioCredentials(account_sid, self._cipher.decrypt(stored, configuration_id))
            except TokenDecryptionFailed as exc:
                problem = str(exc)
        setup = Setup(account_sid=account_sid, has_token=bool(stored.strip()), token_problem=problem,
                      mobile_number=str(row.get(_C.smsb_mobilenumber) or "").strip(),
                      service_sid=str(row.get(_C.smsb_messagingservicesid) or "").strip(),
                      autoconfigure=row.get(_C.smsb_autoconfigure) is not False,
                      take_over=row.get(_C.smsb_takeovernumber) is True)
        answers = Answers()
        while True:
            step = next_step(setup, answers, self._urls)
            if isinstance(step, Verdict):
                return step
            if credentials is None:  # next_step asks Twilio only once the token could be read
                raise PermanentFailure(f"Configuration {configuration_id}: validation asked Twilio without "
                                       "credentials")
            answers = self._ask(step, credentials, answers)

    def _ask(self, step: Step, credentials: TwilioCredentials, answers: Answers) -> Answers:
        try:
            if isinstance(step, CheckCredentials):
                account = self._accounts.validate_credentials(credentials)
                return replace(answers, account=Account(account.sid, account.friendly_name))
            if isinstance(step, FindNumber):
                phone = self._accounts.find_number(credentials, step.e164)
                return replace(answers, phone=Number(phone.sid, phone.phone_number, phone.sms_url, phone.sms_method,
                                                     phone.sms_capable))
            if isinstance(step, FindService):
                service = self._accounts.find_messaging_service(credentials, step.service_sid)
                return replace(answers, service=Service(service.sid, service.inbound_request_url))
            if isinstance(step, WireNumber):
                self._accounts.wire_number(credentials, step.number_sid, sms_url=step.sms_url)
            else:
                self._accounts.wire_messaging_service(credentials, step.service_sid,
                                                      inbound_request_url=step.inbound_request_url,
                                                      status_callback=step.status_callback)
            return replace(answers, wiring=Wired())
        except (CredentialsInvalid, NumberNotFound) as exc:
            refused = Refused("refused", exc.reason)
        except TwilioApiError as exc:
            if exc.is_transient:
                raise
            refused = Refused("failed", exc.message)
        return replace(answers, **{_ANSWERED_BY.get(type(step), "wiring"): refused})

    def _waiting(self, configuration_id: uuid.UUID, row: Row, exc: TwilioApiError) -> None:
        """Say why nothing happened yet, leaving the status alone; the retry will overwrite the message."""
        message = (f"Validation is waiting for Twilio, which could not be reached ({exc.message}); "
                   "it is retried automatically.")
        with contextlib.suppress(PreconditionFailed):  # edited meanwhile: the retry reads it afresh
            self._store.apply(validation_waiting(configuration_id, message, row.etag))
        log.warning("Configuration %s: Twilio unreachable during validation (%s); the queue retries",
                    configuration_id, type(exc).__name__)
