"""What becomes of a picture whose file could not be stored (`messaging.media_files`), over plain values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging.inbound.pictures import GIVE_UP_AFTER, Verdict, hopeless, verdict
from twilio_bridge import MediaDownloadFailed


def test_a_failure_that_will_last_makes_the_picture_unavailable_at_once() -> None:
    assert verdict(lasting=True, waited=timedelta(0)) is Verdict.UNAVAILABLE


@pytest.mark.parametrize("waited", [None, timedelta(minutes=20), GIVE_UP_AFTER])
def test_a_failure_that_may_pass_is_retried_within_the_week(waited: timedelta | None) -> None:
    assert verdict(lasting=False, waited=waited) is Verdict.RETRY


def test_a_picture_waiting_longer_than_the_week_is_given_up() -> None:
    assert verdict(lasting=False, waited=GIVE_UP_AFTER + timedelta(seconds=1)) is Verdict.UNAVAILABLE


@pytest.mark.parametrize(("failure", "expected"), [
    (MediaDownloadFailed("media answered HTTP 404", status=404), True),  # Twilio no longer has it
    (MediaDownloadFailed("content type 'text/html' is not allowed"), True),
    (MediaDownloadFailed("media exceeds 5242880 bytes"), True),
    (MediaDownloadFailed("media answered HTTP 503", is_transient=True, status=503), False),
    (MediaDownloadFailed("media answered HTTP 401", status=401), False),  # an admin can fix the token
    (MediaDownloadFailed("media answered HTTP 403", status=403), False),
])
def test_only_a_refusal_or_a_picture_twilio_no_longer_has_is_hopeless(failure: MediaDownloadFailed,
                                                                        expected: bool) -> None:
    assert hopeless(failure) is expected
