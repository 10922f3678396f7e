"""What becomes of a picture whose file could not be stored, and which pictures of a text filed before still need
their file (`inbound.pictures`), over plain values."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from messaging.ids import media_id
from messaging.inbound.pictures import GIVE_UP_AFTER, Verdict, filed_pictures, hopeless, verdict
from messaging.names import MediaFileStatus
from messaging.rows.media import MediaStatus
from twilio_bridge import MediaDownloadFailed, parse_inbound_message


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


def test_a_text_filed_before_finishes_only_the_pictures_still_awaiting_their_file() -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC{0}/Messages/SM{0}/Media/ME{1}"
    form = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "1" * 32, "From": "+16562185892",
            "To": "+15005550006", "Body": "", "NumMedia": "3",
            **{f"MediaUrl{i}": url.format("1" * 32, str(i) * 32) for i in range(3)}}
    message = parse_inbound_message(form.items())
    message_id = uuid.uuid4()
    rows = [MediaStatus(media_id(message_id, 0), int(MediaFileStatus.STORED)),
            MediaStatus(media_id(message_id, 1), int(MediaFileStatus.AWAITING_FILE)),
            MediaStatus(media_id(message_id, 2), int(MediaFileStatus.UNAVAILABLE))]

    awaiting, stored = filed_pictures(message, message_id, rows)

    assert [item.media_sid for item in awaiting] == ["ME" + "1" * 32]
    assert [item.media_sid for item in stored] == ["ME" + "0" * 32]
    assert awaiting[0].url == message.media[1].url
