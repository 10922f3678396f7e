from __future__ import annotations

import pytest
import requests
from twilio.request_validator import RequestValidator

from devstack.twilio_emulator import ConnectionOverrides
from devstack.twilio_emulator.webhooks import build_request


def test_twilio_defaults_apply_without_a_fragment() -> None:
    overrides = ConnectionOverrides.from_fragment("")
    assert (overrides.connect_timeout, overrides.read_timeout, overrides.retries) == (5.0, 15.0, 1)
    assert overrides.policy == {"ct"}


def test_fragment_values_are_clamped_to_twilios_ranges() -> None:
    overrides = ConnectionOverrides.from_fragment("ct=50&rt=99999&rc=9&rp=ct,rt,5xx")
    assert (overrides.connect_timeout, overrides.read_timeout, overrides.retries) == (0.1, 15.0, 5)
    assert overrides.policy == {"ct", "rt", "5xx"}


@pytest.mark.parametrize(
    ("policy", "status", "error", "retried"),
    [
        ("ct", None, requests.ConnectionError(), True),
        ("ct", None, requests.ReadTimeout(), False),
        ("rt", None, requests.ReadTimeout(), True),
        ("ct", 500, None, False),
        ("5xx", 503, None, True),
        ("5xx", 404, None, False),
        ("4xx", 404, None, True),
        ("all", 500, None, True),
        ("all", 200, None, False),
    ],
)
def test_retry_policy_decides_which_failures_are_retried(
    policy: str, status: int | None, error: BaseException | None, retried: bool
) -> None:
    assert ConnectionOverrides.from_fragment(f"rp={policy}").retry_after(status, error) is retried


def test_built_request_signs_the_url_without_fragment_and_keeps_repeated_values() -> None:
    params = [("Body", "a"), ("To", "+1"), ("Body", "b")]
    request = build_request("POST", "https://bridge.example.test/x?y=1#rc=0", params, "t" * 32, "ID1")
    assert request.url == "https://bridge.example.test/x?y=1"
    assert request.overrides.retries == 0
    signature = request.header("X-Twilio-Signature")
    assert signature is not None
    assert RequestValidator("t" * 32).validate(request.url, request.form(), signature)
    assert request.form().getlist("Body") == ["a", "b"]
