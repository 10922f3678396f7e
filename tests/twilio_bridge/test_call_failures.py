"""`call_failures.call_failure`: every way a call to Twilio fails, read in one place, as the sender and the other API
calls both see it; and the error families' `is_transient`, which the queue workers decide retries by."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

from dataverse import (
    AuthError,
    BatchError,
    DataverseConnectionError,
    DataverseError,
    DataverseHttpError,
    InvalidConfig,
    InvalidKeyValue,
    MalformedWebhook,
)
from messaging.errors import (
    ConfigurationNotFound,
    LookupUnavailable,
    MessageNotFiledYet,
    MessagingError,
    PermanentFailure,
    TemplateError,
)
from twilio_bridge import CredentialsInvalid, InvalidSignature, SendFailed, TwilioApiError, TwilioBridgeError
from twilio_bridge.call_failures import CallFailure, call_failure
from twilio_bridge.client import call_api
from twilio_bridge.errors import RequestNotSent, ResponseLost

URI = "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json"


def test_a_request_that_never_left_is_transient_and_certainly_not_at_twilio() -> None:
    failure = call_failure(RequestNotSent("Twilio rate limit: Too many requests", status=429, code=20429))
    assert failure == CallFailure("Twilio rate limit: Too many requests", 429, 20429, is_transient=True,
                                  ambiguous=False, answered=False)


def test_a_lost_answer_is_transient_and_ambiguous() -> None:
    failure = call_failure(ResponseLost("no usable answer from Twilio: ReadTimeout"))
    assert failure is not None
    assert (failure.is_transient, failure.ambiguous, failure.status) == (True, True, None)


def test_a_4xx_answer_carries_twilios_code_and_message_without_the_sdks_prefix() -> None:
    failure = call_failure(TwilioRestException(400, URI, "Unable to create record: Attempt to send to unsubscribed "
                                                          "recipient", code=21610, method="POST"))
    assert failure == CallFailure("Attempt to send to unsubscribed recipient", 400, 21610, is_transient=False,
                                  ambiguous=False, answered=True)


def test_a_5xx_answer_is_transient_and_ambiguous() -> None:
    failure = call_failure(TwilioRestException(503, URI, "Unable to create record: Service unavailable"))
    assert failure is not None
    assert (failure.status, failure.is_transient, failure.ambiguous, failure.answered) == (503, True, True, True)


def test_an_answer_of_the_newer_apis_is_read_the_same_way() -> None:
    failure = call_failure(TwilioServiceException("https://www.twilio.com/docs/errors/20404", "Not Found", 404, 20404,
                                                  detail="The requested resource was not found"))
    assert failure == CallFailure("The requested resource was not found", 404, 20404, is_transient=False,
                                  ambiguous=False, answered=True)


@pytest.mark.parametrize("error", [TwilioException("cannot parse"), ValueError("bad JSON")])
def test_a_success_answer_that_cannot_be_read_is_ambiguous(error: Exception) -> None:
    failure = call_failure(error)
    assert failure is not None
    assert (failure.is_transient, failure.ambiguous, failure.detail) == (
        True, True, f"unreadable answer from Twilio: {type(error).__name__}")


def test_a_fault_of_the_caller_is_not_a_call_failure() -> None:
    assert call_failure(KeyError("sid")) is None


def test_api_calls_and_sends_say_the_same_about_one_answer() -> None:
    answer = TwilioRestException(401, URI, "Unable to fetch record: Authenticate", code=20003)

    def refuse() -> None:
        raise answer

    with pytest.raises(TwilioApiError) as api:
        call_api(refuse)
    failure = call_failure(answer)
    assert failure is not None
    sent = SendFailed(failure.code, failure.detail, is_transient=failure.is_transient, ambiguous=failure.ambiguous,
                      status=failure.status)
    assert (api.value.status, api.value.code, api.value.is_transient) == (sent.status, sent.code, sent.is_transient)
    assert api.value.message == "Twilio answered 401: Authenticate"


@pytest.mark.parametrize(("error", "transient"), [
    (DataverseConnectionError("reset", sent=False), True),
    (AuthError("token endpoint unreachable"), True),
    (BatchError("answer cut short"), True),
    (DataverseHttpError(429, None, "slow down", is_transient=True), True),
    (DataverseHttpError(400, "0x80040203", "bad column"), False),
    (InvalidConfig("no URL"), False),
    (InvalidKeyValue("a '/' in a key"), False),
    (MalformedWebhook("not a RemoteExecutionContext"), False),
    (InvalidSignature("no signature"), False),
    (CredentialsInvalid("wrong token"), False),
    (RequestNotSent("never left"), True),
    (TwilioApiError("5xx", status=503, is_transient=True), True),
    (MessageNotFiledYet("not yet"), True),
    (LookupUnavailable("no map yet"), True),
    (PermanentFailure("never"), False),
    (ConfigurationNotFound("gone"), False),
    (TemplateError("a brace"), False),
])
def test_every_error_family_says_whether_a_retry_may_succeed(error: Exception, transient: bool) -> None:
    assert isinstance(error, DataverseError | TwilioBridgeError | MessagingError)
    assert error.is_transient is transient


def test_each_family_defaults_to_what_its_failures_mostly_are() -> None:
    assert DataverseError("talking to the service").is_transient  # the network and the service recover
    assert not TwilioBridgeError("a signature or a number").is_transient  # these stay wrong
    assert not MessagingError("the domain's own verdict").is_transient
