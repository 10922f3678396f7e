"""Signed, expiring media links for Twilio to fetch an Outbox attachment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from messaging.errors import InvalidMediaLink
from messaging.outbound.media_links import MediaLinks, media_key

KEY = media_key(bytes(range(32)))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OUTBOX = uuid.UUID("0f8e21aa-4a8b-4e7e-9a51-5d3b1c0f8e21")


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(split.query).items()}
    return split.path.rsplit("/", 1)[-1], query["exp"], query["sig"]


def test_a_link_opens_its_outbox_until_it_expires() -> None:
    links = MediaLinks(KEY, "https://smsb.example.net/")
    url = links.url_for(OUTBOX, now=NOW)
    assert url.startswith(f"https://smsb.example.net/api/media/{OUTBOX}?exp=")
    outbox, exp, sig = parts(url)
    assert int(exp) == int((NOW + timedelta(hours=1)).timestamp())
    assert "=" not in sig
    assert "+" not in sig
    assert "/" not in sig
    assert links.verify(outbox, exp, sig, now=NOW + timedelta(minutes=59)) == OUTBOX
    with pytest.raises(InvalidMediaLink) as raised:
        links.verify(outbox, exp, sig, now=NOW + timedelta(hours=1))
    assert raised.value.reason == "expired"


@pytest.mark.parametrize("change", ["id", "exp", "sig", "key"])
def test_a_changed_link_is_refused_as_tampered(change: str) -> None:
    links = MediaLinks(KEY, "https://smsb.example.net")
    outbox, exp, sig = parts(links.url_for(OUTBOX, now=NOW))
    if change == "id":
        outbox = str(uuid.uuid4())
    elif change == "exp":
        exp = str(int(exp) + 86_400)
    elif change == "sig":
        sig = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    else:
        links = MediaLinks(media_key(bytes(32)), "https://smsb.example.net")
    with pytest.raises(InvalidMediaLink) as raised:
        links.verify(outbox, exp, sig, now=NOW)
    assert raised.value.reason == "tampered"


@pytest.mark.parametrize(("outbox", "exp", "sig"), [
    ("not-a-guid", "1800000000", "x"),
    (str(OUTBOX), "", "x"),
    (str(OUTBOX), "-5", "x"),
    (str(OUTBOX), "1e9", "x"),
    (str(OUTBOX), "9" * 40, "x"),
])
def test_a_link_that_is_not_one_of_ours_is_malformed(outbox: str, exp: str, sig: str) -> None:
    with pytest.raises(InvalidMediaLink) as raised:
        MediaLinks(KEY, "https://x").verify(outbox, exp, sig, now=NOW)
    assert raised.value.reason == "malformed"


def test_a_forged_signature_of_any_shape_is_tampered_not_an_error() -> None:
    links = MediaLinks(KEY, "https://x")
    for sig in ("", "é", "A" * 43, "A" * 500, "!!"):
        with pytest.raises(InvalidMediaLink, match="tampered"):
            links.verify(str(OUTBOX), "1800000000", sig, now=NOW)


def test_the_media_key_is_derived_not_the_encryption_key_itself() -> None:
    encryption_key = bytes(range(32))
    assert media_key(encryption_key) == media_key(encryption_key)
    assert media_key(encryption_key) != encryption_key
    assert len(media_key(encryption_key)) == 32
    assert media_key(encryption_key) != media_key(bytes(32))
