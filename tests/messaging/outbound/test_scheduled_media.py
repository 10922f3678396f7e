"""A scheduled MMS: Twilio fetches the image when it sends, up to 35 days later, so the signed link must still
open then — and a little after, for Twilio's own retries — and no longer than that."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from messaging.errors import InvalidMediaLink
from messaging.outbound.media_links import DEFAULT_TTL, SEND_MARGIN, MediaLinks, media_key

KEY = media_key(bytes(range(32)))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OUTBOX = uuid.UUID("0f8e21aa-4a8b-4e7e-9a51-5d3b1c0f8e21")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_link_for_a_later_send_lives_until_the_send_and_the_margin_after_it() -> None:
    links = MediaLinks(KEY, "https://smsb.example.net")
    send_at = NOW + timedelta(days=34)
    found = query(links.url_for(OUTBOX, now=NOW, send_at=send_at))
    assert int(found["exp"]) == int((send_at + SEND_MARGIN).timestamp())
    assert links.verify(str(OUTBOX), found["exp"], found["sig"], now=send_at + SEND_MARGIN / 2) == OUTBOX
    with pytest.raises(InvalidMediaLink):
        links.verify(str(OUTBOX), found["exp"], found["sig"], now=send_at + SEND_MARGIN)


def test_a_send_time_already_past_keeps_the_usual_lifetime() -> None:
    links = MediaLinks(KEY, "https://smsb.example.net")
    found = query(links.url_for(OUTBOX, now=NOW, send_at=NOW - timedelta(hours=3)))
    assert int(found["exp"]) == int((NOW + DEFAULT_TTL).timestamp())


def test_a_link_never_outlives_twilios_furthest_schedule() -> None:
    links = MediaLinks(KEY, "https://smsb.example.net")
    found = query(links.url_for(OUTBOX, now=NOW, send_at=NOW + timedelta(days=400)))
    assert int(found["exp"]) == int((NOW + timedelta(days=35) + SEND_MARGIN).timestamp())
