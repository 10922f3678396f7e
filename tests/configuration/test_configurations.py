"""Configurations: the auth token an admin types is sealed in place; Validate proves the Twilio side and wires it."""

from __future__ import annotations

import base64
import logging
import uuid

import pytest

from devstack.sandbox import Sandbox
from messaging.configuration import ConfigurationService, SealResult, ValidationStatus
from messaging.envelopes import ConfigurationJob
from messaging.tokens import PREFIX, TokenCipher
from messaging.worker import is_permanent
from tests.configuration.conftest import WRONG_TOKEN, error_rows, new_configuration, stored
from twilio_bridge import TwilioAccounts, TwilioApiError

pytestmark = pytest.mark.azurite

OTHER_NUMBER = "+15005550007"


def job(configuration_id: uuid.UUID, validate: bool = False) -> ConfigurationJob:
    return ConfigurationJob(configuration_id, f"test-{uuid.uuid4()}", validate)


def number_of(sandbox: Sandbox, phone: str) -> object:
    return next(n for n in sandbox.twilio.numbers if n.phone_number == phone)


# -- sealing ---------------------------------------------------------------------------------------------------
def test_plaintext_token_is_sealed_in_place_and_opens_only_with_its_row_id(sandbox: Sandbox,
                                                                          service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox)

    outcome = service.process(job(configuration))

    sealed = stored(sandbox, "smsb_configuration", configuration)["smsb_authtoken"]
    assert outcome.seal is SealResult.SEALED
    assert sealed.startswith(f"{PREFIX}{sandbox.app.cipher.current_key_id}:")
    assert sandbox.options.auth_token not in sealed
    assert sandbox.app.cipher.decrypt(sealed, configuration) == sandbox.options.auth_token
    assert outcome.validation is None  # no Validate requested


def test_sealing_twice_changes_nothing(sandbox: Sandbox, service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox)
    service.process(job(configuration))
    version = stored(sandbox, "smsb_configuration", configuration)["versionnumber"]

    assert service.process(job(configuration)).seal is SealResult.UNCHANGED
    assert stored(sandbox, "smsb_configuration", configuration)["versionnumber"] == version



def test_a_token_under_the_previous_key_is_sealed_again_under_the_current_one(sandbox: Sandbox) -> None:
    old, new = TokenCipher(b"o" * 32), TokenCipher(b"n" * 32, previous_key=b"o" * 32)
    configuration = new_configuration(sandbox, token="")
    sandbox.app.dataverse.update("smsb_configurations", configuration,
                                 {"smsb_authtoken": old.encrypt(sandbox.options.auth_token, configuration)})
    app = sandbox.app
    rotated = ConfigurationService(app.dataverse, new, TwilioAccounts(app.twilio), app.store, public_url=sandbox.url)

    assert rotated.seal_token(configuration) is SealResult.RESEALED

    sealed = stored(sandbox, "smsb_configuration", configuration)["smsb_authtoken"]
    assert TokenCipher(b"n" * 32).decrypt(sealed, configuration) == sandbox.options.auth_token


def test_a_deleted_configuration_is_nothing_to_do(service: ConfigurationService) -> None:
    assert service.process(job(uuid.uuid4(), validate=True)).seal is SealResult.MISSING


# -- validation ------------------------------------------------------------------------------------------------
def test_validate_points_the_numbers_sms_webhook_at_this_app_and_fills_the_callback_url(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    # A number as the console sells it: answering with Twilio's demo reply until it is configured.
    sandbox.twilio.configure_number(sandbox.options.number, sms_url="https://demo.twilio.com/welcome/sms/reply")
    configuration = new_configuration(sandbox)

    outcome = service.process(job(configuration, validate=True))

    url = f"{sandbox.url}/api/twilio/messages"
    row = stored(sandbox, "smsb_configuration", configuration)
    assert outcome.validation is not None
    assert outcome.validation.status is ValidationStatus.VALID
    assert row["smsb_validationstatus"] == 2
    assert row["smsb_callbackurl"] == url
    assert row["smsb_lastvalidatedon"] is not None
    assert row["smsb_validationmessage"].startswith("Credentials and number verified")
    assert url in row["smsb_validationmessage"]
    assert "demo.twilio.com" in row["smsb_validationmessage"]  # the admin learns what it replaced
    number = number_of(sandbox, sandbox.options.number)
    assert number.sms_url == url  # type: ignore[attr-defined]
    assert number.sms_method == "POST"  # type: ignore[attr-defined]
    assert error_rows(sandbox, configuration) == []


def test_a_number_pointing_at_another_system_is_taken_over_only_when_the_admin_says_so(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    old = "https://old-product.example/sms"
    sandbox.twilio.configure_number(sandbox.options.number, sms_url=old)
    configuration = new_configuration(sandbox)

    stopped = service.process(job(configuration, validate=True))

    row = stored(sandbox, "smsb_configuration", configuration)
    assert stopped.validation is not None
    assert stopped.validation.status is ValidationStatus.INVALID
    assert f"points at another system: {old}." in row["smsb_validationmessage"]
    assert "set Take Over Number to Yes" in row["smsb_validationmessage"]
    assert number_of(sandbox, sandbox.options.number).sms_url == old  # type: ignore[attr-defined]
    (warning,) = error_rows(sandbox, configuration)
    assert (warning["smsb_severity"], warning["smsb_name"]) == (1, "Configuration is not valid")
    assert old in warning["smsb_details"]

    sandbox.app.dataverse.update("smsb_configurations", configuration, {"smsb_takeovernumber": True})
    taken = service.process(job(configuration, validate=True))

    url = f"{sandbox.url}/api/twilio/messages"
    row = stored(sandbox, "smsb_configuration", configuration)
    assert taken.validation is not None
    assert taken.validation.status is ValidationStatus.VALID
    assert f"Taken over: its SMS webhook pointed at {old} and now points at {url}" in row["smsb_validationmessage"]
    assert number_of(sandbox, sandbox.options.number).sms_url == url  # type: ignore[attr-defined]
    assert row["smsb_takeovernumber"] is False  # one take-over agreed, not every later one
    taken_rows = [r for r in error_rows(sandbox, configuration)
                  if r["smsb_name"] == "Number taken over from another system"]
    assert [(r["smsb_severity"], old in r["smsb_details"]) for r in taken_rows] == [(1, True)]


def test_a_number_typed_in_national_format_is_found(sandbox: Sandbox, service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox, number="+1 (500) 555-0006")

    outcome = service.process(job(configuration, validate=True))

    assert outcome.validation is not None
    assert outcome.validation.status is ValidationStatus.VALID


def test_without_autoconfigure_the_number_is_left_alone_and_the_message_says_what_to_set(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    sandbox.twilio.configure_number(sandbox.options.number, sms_url="https://elsewhere.example/sms")
    configuration = new_configuration(sandbox, smsb_autoconfigure=False)

    service.process(job(configuration, validate=True))

    row = stored(sandbox, "smsb_configuration", configuration)
    assert row["smsb_validationstatus"] == 2
    assert "Automatic configuration is off" in row["smsb_validationmessage"]
    assert f"{sandbox.url}/api/twilio/messages" in row["smsb_validationmessage"]
    assert number_of(sandbox, sandbox.options.number).sms_url == "https://elsewhere.example/sms"  # type: ignore[attr-defined]


def test_a_messaging_service_gets_the_inbound_url_and_the_status_callback(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    created = sandbox.twilio.add_messaging_service(sandbox.options.account_sid, [sandbox.options.number])
    configuration = new_configuration(sandbox, smsb_messagingservicesid=created.sid)

    service.process(job(configuration, validate=True))

    messaging_service = next(s for s in sandbox.twilio.services if s.sid == created.sid)
    assert messaging_service.inbound_request_url == f"{sandbox.url}/api/twilio/messages"
    assert messaging_service.status_callback == f"{sandbox.url}/api/twilio/status"
    assert stored(sandbox, "smsb_configuration", configuration)["smsb_validationstatus"] == 2


def test_a_messaging_service_sending_texts_to_another_system_is_taken_over_only_when_the_admin_says_so(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    old = "https://old-product.example/sms"
    created = sandbox.twilio.add_messaging_service(sandbox.options.account_sid, [sandbox.options.number],
                                                   inbound_request_url=old)
    configuration = new_configuration(sandbox, smsb_messagingservicesid=created.sid)

    service.process(job(configuration, validate=True))

    messaging_service = next(s for s in sandbox.twilio.services if s.sid == created.sid)
    assert messaging_service.inbound_request_url == old
    assert stored(sandbox, "smsb_configuration", configuration)["smsb_validationstatus"] == 3

    sandbox.app.dataverse.update("smsb_configurations", configuration, {"smsb_takeovernumber": True})
    service.process(job(configuration, validate=True))

    messaging_service = next(s for s in sandbox.twilio.services if s.sid == created.sid)
    assert messaging_service.inbound_request_url == f"{sandbox.url}/api/twilio/messages"
    row = stored(sandbox, "smsb_configuration", configuration)
    assert row["smsb_validationstatus"] == 2
    assert f"sent incoming texts to {old}" in row["smsb_validationmessage"]


def test_a_wrong_auth_token_makes_the_configuration_invalid_with_the_reason(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox, token=WRONG_TOKEN)

    outcome = service.process(job(configuration, validate=True))

    row = stored(sandbox, "smsb_configuration", configuration)
    assert outcome.validation is not None
    assert outcome.validation.status is ValidationStatus.INVALID
    assert row["smsb_validationstatus"] == 3
    assert "20003" in row["smsb_validationmessage"]
    assert row["smsb_callbackurl"] is None
    (logged,) = error_rows(sandbox, configuration)
    assert logged["smsb_source"] == "configuration"
    assert "20003" in logged["smsb_details"]


def test_a_malformed_auth_token_is_refused_before_asking_twilio(sandbox: Sandbox,
                                                                service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox, token="not-a-token")
    before = len(sandbox.twilio.requests)

    service.process(job(configuration, validate=True))

    assert "32 hexadecimal" in stored(sandbox, "smsb_configuration", configuration)["smsb_validationmessage"]
    assert len(sandbox.twilio.requests) == before


def test_a_number_of_another_account_makes_the_configuration_invalid(sandbox: Sandbox,
                                                                     service: ConfigurationService) -> None:
    other_account = "AC" + "3" * 32
    sandbox.twilio.add_account(other_account, "4" * 32)
    sandbox.twilio.add_number(other_account, OTHER_NUMBER)
    configuration = new_configuration(sandbox, number=OTHER_NUMBER)

    service.process(job(configuration, validate=True))

    row = stored(sandbox, "smsb_configuration", configuration)
    assert row["smsb_validationstatus"] == 3
    assert f"{OTHER_NUMBER} is not in this Twilio account" in row["smsb_validationmessage"]
    assert number_of(sandbox, OTHER_NUMBER).sms_url == ""  # type: ignore[attr-defined]
    assert len(error_rows(sandbox, configuration)) == 1


def test_a_suspended_account_makes_the_configuration_invalid(sandbox: Sandbox, service: ConfigurationService) -> None:
    sandbox.twilio.set_account_status(sandbox.options.account_sid, "suspended")
    configuration = new_configuration(sandbox)

    service.process(job(configuration, validate=True))

    row = stored(sandbox, "smsb_configuration", configuration)
    assert row["smsb_validationstatus"] == 3
    assert "suspended" in row["smsb_validationmessage"]


def test_twilio_unreachable_leaves_the_status_and_raises_an_error_the_queue_retries(
        sandbox: Sandbox, service: ConfigurationService) -> None:
    configuration = new_configuration(sandbox)
    service.process(job(configuration))
    sandbox.twilio.faults.inject(r"/Accounts/AC[0-9a-f]+\.json$", status=503, count=None)

    with pytest.raises(TwilioApiError) as raised:
        service.process(job(configuration, validate=True))

    assert raised.value.is_transient
    assert not is_permanent(raised.value)
    row = stored(sandbox, "smsb_configuration", configuration)
    assert row["smsb_validationstatus"] == 1  # still Draft
    assert "retried automatically" in row["smsb_validationmessage"]

    sandbox.twilio.faults.clear()
    assert service.process(job(configuration, validate=True)).validation.status is ValidationStatus.VALID  # type: ignore[union-attr]


def test_the_plaintext_token_never_reaches_a_log_line_an_error_log_row_or_an_exception(
        sandbox: Sandbox, service: ConfigurationService, caplog: pytest.LogCaptureFixture) -> None:
    tokens = (WRONG_TOKEN, sandbox.options.auth_token)
    secrets = [*tokens, *(base64.b64encode(f"{sandbox.options.account_sid}:{t}".encode()).decode() for t in tokens)]
    raised: list[str] = []
    with caplog.at_level(logging.DEBUG):
        wrong = new_configuration(sandbox, token=WRONG_TOKEN)
        service.process(job(wrong, validate=True))  # rejected by Twilio
        service.process(job(wrong, validate=True))  # already sealed: read back and decrypted
        right = new_configuration(sandbox)
        sandbox.twilio.faults.inject(r"/Accounts/", status=503, count=None)
        try:
            service.process(job(right, validate=True))
        except TwilioApiError as exc:
            raised.append(f"{exc!r} {exc} {exc.__cause__!r} {exc.__cause__}")
        sandbox.twilio.faults.clear()
        service.process(job(right, validate=True))
        copied = new_configuration(sandbox, token=stored(sandbox, "smsb_configuration", wrong)["smsb_authtoken"])
        service.process(job(copied, validate=True))  # a sealed token copied to another row does not open

    assert raised
    written = [str(value) for table in ("smsb_errorlog", "smsb_configuration")
               for row in sandbox.dataverse.store.rows(table) for column, value in row.items()
               if column != "smsb_authtoken"]
    texts = [record.getMessage() for record in caplog.records] + raised + written
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert any("belongs to another Configuration" in t for t in written)
    assert stored(sandbox, "smsb_configuration", right)["smsb_validationstatus"] == 2
