"""Setting up, decided over plain values: sealing the auth token an admin typed (`sealing`), Validate as a state
machine over Twilio's answers (`validation`), and what is wrong with a Record Type (`record_type_rules`)."""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest

from messaging.configuration.record_type_rules import TableColumns, Typed, is_logical_name, problems
from messaging.configuration.sealing import SealResult, seal
from messaging.configuration.validation import (
    POINTS_ELSEWHERE,
    TAKEN_OVER,
    Account,
    Answers,
    CheckCredentials,
    FindNumber,
    FindService,
    Number,
    Refused,
    Service,
    Setup,
    Urls,
    Verdict,
    Wired,
    WireNumber,
    WireService,
    next_step,
    points_elsewhere,
)
from messaging.tokens import TokenCipher

ROW = uuid.UUID("00000000-0000-0000-0000-0000000000c0")
KEY, OLD_KEY = os.urandom(32), os.urandom(32)
URLS = Urls("https://sms.contoso.example/api/twilio/messages", "https://sms.contoso.example/api/twilio/status")
SETUP = Setup(account_sid="AC" + "1" * 32, has_token=True, token_problem=None, mobile_number="+15005550006",
              service_sid="", autoconfigure=True)
ACCOUNT = Account("AC" + "1" * 32, "Contoso")
# A number as the console sells it: answering texts with Twilio's demo reply until it is configured.
TWILIO_DEMO = "https://demo.twilio.com/welcome/sms/reply"
NUMBER = Number("PN" + "2" * 32, "+15005550006", TWILIO_DEMO, "POST", True)
ELSEWHERE = "https://old-product.example/sms"
SERVICE_SID = "MG" + "3" * 32
FORM_SCRIPT = Path(__file__).resolve().parents[3] / "frontend" / "webresources" / "src" / "forms" / "configuration.ts"


# -- sealing -------------------------------------------------------------------------------------------------------
def test_a_token_pasted_with_spaces_is_sealed_without_them() -> None:
    cipher = TokenCipher(KEY)

    sealed = seal(ROW, " 0123456789abcdef0123456789abcdef\n", 'W/"4"', cipher)

    assert sealed.result is SealResult.SEALED
    assert sealed.write is not None
    assert sealed.write.etag == 'W/"4"'
    assert cipher.decrypt(sealed.write.values["smsb_authtoken"], ROW) == "0123456789abcdef0123456789abcdef"


def test_a_token_sealed_under_the_current_key_is_left_alone() -> None:
    cipher = TokenCipher(KEY)

    assert seal(ROW, cipher.encrypt("token", ROW), None, cipher).write is None
    assert seal(ROW, cipher.encrypt("token", ROW), None, cipher).result is SealResult.UNCHANGED


def test_a_token_under_the_previous_key_is_resealed_under_the_current_key() -> None:
    rotated = TokenCipher(KEY, previous_key=OLD_KEY)

    sealed = seal(ROW, TokenCipher(OLD_KEY).encrypt("token", ROW), None, rotated)

    assert sealed.result is SealResult.RESEALED
    assert sealed.write is not None
    assert not rotated.needs_reencryption(sealed.write.values["smsb_authtoken"])


def test_a_token_no_key_opens_is_reported_never_written() -> None:
    secret = "0123456789abcdef0123456789abcdef"
    sealed = seal(ROW, TokenCipher(os.urandom(32)).encrypt(secret, ROW), None, TokenCipher(KEY))

    assert (sealed.result, sealed.write) == (SealResult.UNREADABLE, None)
    assert sealed.problem is not None
    assert secret not in sealed.problem


def test_no_token_is_nothing_to_seal() -> None:
    assert seal(ROW, None, None, TokenCipher(KEY)).result is SealResult.EMPTY


# -- validation ----------------------------------------------------------------------------------------------------
def drive(setup: Setup, twilio: dict[type, object]) -> tuple[list[object], Verdict]:
    """Run the state machine to its verdict, answering each question from `twilio`; the questions asked."""
    answers, asked = Answers(), []
    while True:
        step = next_step(setup, answers, URLS)
        if isinstance(step, Verdict):
            return asked, step
        asked.append(step)
        field = {CheckCredentials: "account", FindNumber: "phone", FindService: "service"}.get(type(step), "wiring")
        answers = dataclasses.replace(answers, **{field: twilio[type(step)]})


def test_validate_checks_credentials_then_the_number_then_points_its_webhook_at_this_app() -> None:
    asked, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: NUMBER, WireNumber: Wired()})

    assert asked == [CheckCredentials(), FindNumber("+15005550006"), WireNumber(NUMBER.sid, URLS.messages)]
    assert verdict.valid
    assert verdict.callback_url == URLS.messages
    assert verdict.message == ("Credentials and number verified: +15005550006 belongs to account 'Contoso' "
                               f"(AC{'1' * 32}). Its SMS webhook now points at {URLS.messages} "
                               f"(it was {TWILIO_DEMO}).")
    assert verdict.took_over_from is None


def test_a_number_already_pointing_here_is_left_alone() -> None:
    here = Number(NUMBER.sid, NUMBER.phone_number, URLS.messages, "POST", True)

    asked, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: here})

    assert WireNumber not in {type(step) for step in asked}
    assert verdict.message.endswith(f"Its SMS webhook already points at {URLS.messages}.")


def test_without_autoconfigure_nothing_is_wired_and_the_verdict_says_what_to_set() -> None:
    asked, verdict = drive(Setup(**{**SETUP.__dict__, "autoconfigure": False}),
                           {CheckCredentials: ACCOUNT, FindNumber: NUMBER})

    assert len(asked) == 2
    assert verdict.valid
    assert f"set the number's 'A message comes in' webhook to {URLS.messages} (HTTP POST)" in verdict.message


def test_a_messaging_service_is_wired_with_the_inbound_url_and_the_status_callback() -> None:
    service = Setup(**{**SETUP.__dict__, "service_sid": SERVICE_SID})

    asked, verdict = drive(service, {CheckCredentials: ACCOUNT, FindNumber: NUMBER,
                                     FindService: Service(SERVICE_SID, None), WireService: Wired()})

    assert asked[-2:] == [FindService(SERVICE_SID), WireService(SERVICE_SID, URLS.messages, URLS.status)]
    assert verdict.valid
    assert f"delivery statuses to {URLS.status}" in verdict.message


# -- never a silent take-over --------------------------------------------------------------------------------------
def test_a_number_pointing_at_another_system_is_left_alone_and_the_verdict_says_where() -> None:
    elsewhere = dataclasses.replace(NUMBER, sms_url=ELSEWHERE)

    asked, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: elsewhere})

    assert WireNumber not in {type(step) for step in asked}
    assert not verdict.valid
    assert f"But its SMS webhook {POINTS_ELSEWHERE}: {ELSEWHERE}." in verdict.message
    assert "set Take Over Number to Yes and press Validate again" in verdict.message


def test_with_take_over_the_number_is_taken_and_the_verdict_says_what_it_pointed_at() -> None:
    elsewhere = dataclasses.replace(NUMBER, sms_url=ELSEWHERE)

    asked, verdict = drive(dataclasses.replace(SETUP, take_over=True),
                           {CheckCredentials: ACCOUNT, FindNumber: elsewhere, WireNumber: Wired()})

    assert asked[-1] == WireNumber(NUMBER.sid, URLS.messages)
    assert (verdict.valid, verdict.took_over_from) == (True, ELSEWHERE)
    assert (f"Taken over: its SMS webhook pointed at {ELSEWHERE} and now points at {URLS.messages}; {ELSEWHERE} "
            "no longer receives this number's texts.") in verdict.message


def test_a_messaging_service_sending_texts_elsewhere_needs_take_over_too() -> None:
    service = dataclasses.replace(SETUP, service_sid=SERVICE_SID)
    answers = {CheckCredentials: ACCOUNT, FindNumber: NUMBER, FindService: Service(SERVICE_SID, ELSEWHERE),
               WireService: Wired()}

    asked, stopped = drive(service, answers)
    _, taken = drive(dataclasses.replace(service, take_over=True), answers)

    assert WireService not in {type(step) for step in asked}
    assert not stopped.valid
    assert f"Messaging Service {SERVICE_SID} {POINTS_ELSEWHERE}: it sends incoming texts to {ELSEWHERE}." in (
        stopped.message)
    assert (taken.valid, taken.took_over_from) == (True, ELSEWHERE)
    assert f"Messaging Service {SERVICE_SID} sent incoming texts to {ELSEWHERE}" in taken.message


@pytest.mark.parametrize(("url", "elsewhere"), [
    (None, False), ("", False), ("  ", False),
    (TWILIO_DEMO, False), ("https://demo.twilio.com/welcome/sms/reply/", False), ("http://demo.twilio.com/docs/sms.xml",
                                                                                 False),
    (URLS.messages, False), ("HTTPS://SMS.contoso.example/api/twilio/messages/", False),
    (ELSEWHERE, True), ("https://webhooks.twilio.com/v1/Accounts/AC1/Flows/FW1", True),
    ("https://other-sms-bridge.example/api/twilio/messages", True),
])
def test_what_counts_as_another_system(url: str | None, elsewhere: bool) -> None:
    assert points_elsewhere(url, URLS.messages) is elsewhere


def test_the_form_script_looks_for_the_words_validate_writes() -> None:
    script = FORM_SCRIPT.read_text(encoding="utf-8")

    assert f'POINTS_ELSEWHERE = "{POINTS_ELSEWHERE}"' in script
    assert f'TAKEN_OVER = "{TAKEN_OVER}"' in script


@pytest.mark.parametrize(("setup_changes", "expected"), [
    ({"account_sid": ""}, "No Account SID: copy it from the Twilio console (it starts with AC)."),
    ({"has_token": False}, "No Auth Token: enter the Twilio Auth Token, save, and press Validate again."),
    ({"token_problem": "sealed with another key"}, "The stored Auth Token cannot be read: sealed with another key."),
])
def test_what_is_wrong_on_the_row_is_said_before_twilio_is_asked(setup_changes: dict[str, object],
                                                                  expected: str) -> None:
    asked, verdict = drive(Setup(**{**SETUP.__dict__, **setup_changes}), {})

    assert asked == []
    assert (verdict.valid, verdict.message) == (False, expected)


def test_refused_credentials_make_an_invalid_verdict_that_says_why() -> None:
    _, verdict = drive(SETUP, {CheckCredentials: Refused("refused", "Twilio rejected the Account SID and Auth Token")})

    assert verdict == Verdict(False, "Credentials not accepted: Twilio rejected the Account SID and Auth Token.")


def test_a_number_outside_the_account_makes_an_invalid_verdict() -> None:
    _, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: Refused("refused", "not found")})

    assert not verdict.valid
    assert "the number +15005550006 is not in this Twilio account" in verdict.message


def test_a_mobile_number_that_is_not_a_phone_number_is_refused_before_it_is_looked_up() -> None:
    asked, verdict = drive(Setup(**{**SETUP.__dict__, "mobile_number": "our main line"}),
                           {CheckCredentials: ACCOUNT})

    assert asked == [CheckCredentials()]
    assert verdict.message.startswith("The Mobile Number 'our main line' is not a phone number")


def test_a_number_that_cannot_text_is_refused() -> None:
    voice_only = Number(NUMBER.sid, NUMBER.phone_number, None, None, False)

    _, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: voice_only})

    assert verdict.message == "The number +15005550006 cannot send or receive SMS; choose an SMS-capable number."


def test_twilio_refusing_the_webhook_makes_the_configuration_invalid() -> None:
    _, verdict = drive(SETUP, {CheckCredentials: ACCOUNT, FindNumber: NUMBER,
                               WireNumber: Refused("failed", "Twilio answered 400: bad URL")})

    assert verdict == Verdict(False, f"Twilio refused to point the number's SMS webhook at {URLS.messages}: "
                                     "Twilio answered 400: bad URL.")


# -- Record Types --------------------------------------------------------------------------------------------------
CONTACT = TableColumns("contact", {"mobilephone": "String", "telephone1": "String", "telephone2": "String",
                                   "address1_telephone1": "String", "parentcustomerid": "Customer",
                                   "donotphone": "Boolean", "fullname": "String"})


def test_a_text_phone_column_and_a_yes_no_compliance_column_have_no_problem() -> None:
    assert problems(Typed("contact", "mobilephone", "donotphone"), CONTACT) == []


def test_a_missing_phone_column_names_the_text_columns_that_could_be_meant() -> None:
    (found,) = problems(Typed("contact", "mobile", ""), CONTACT)

    assert found.startswith("The contact table has no column 'mobile'")
    assert "(text columns with 'phone' in the name: mobilephone, telephone1, telephone2, address1_telephone1)" in found


def test_a_phone_column_that_is_not_text_is_refused() -> None:
    (found,) = problems(Typed("contact", "parentcustomerid", ""), CONTACT)

    assert "contact.parentcustomerid is a Customer column" in found


def test_a_compliance_column_must_exist_and_be_yes_no() -> None:
    (not_boolean,) = problems(Typed("contact", "mobilephone", "telephone1"), CONTACT)
    (missing,) = problems(Typed("contact", "mobilephone", "smsb_consent"), CONTACT)

    assert "contact.telephone1 is a String column" in not_boolean
    assert "Yes/No" in not_boolean
    assert "The contact table has no column 'smsb_consent'" in missing


def test_an_unknown_table_is_a_problem_that_says_to_use_the_logical_name() -> None:
    (found,) = problems(Typed("contacts", "mobilephone", ""), None)

    assert found.startswith("There is no table 'contacts'")
    assert "logical name" in found
    assert not is_logical_name("Contacts (people)")
