"""Signed, expiring links to an Outbox attachment, for Twilio to fetch an MMS image (`GET /api/media/{id}`).

Twilio fetches `media_url` anonymously, so the link itself is the credential: the Outbox id, an expiry (unix
seconds) and an HMAC-SHA256 over `"<id>:<exp>"`, base64url without padding. The key is derived from
`SMSB_ENCRYPTION_KEY` with HKDF under its own label, so the app needs no further secret and a media link can
never be turned into anything that opens an auth token. Links are checked in constant time, the signature
before the expiry, so a forged link learns nothing about which ids exist or when links lapse.

A link lives an hour, or — for a text Twilio is to send later (`send_at`, up to 35 days ahead) — until the send
and `SEND_MARGIN` after it, since Twilio fetches the media when it sends. Never longer than Twilio's furthest
schedule plus the margin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from messaging.errors import InvalidMediaLink

__all__ = ["DEFAULT_TTL", "MAX_SCHEDULE_AHEAD", "MEDIA_KEY_LABEL", "SEND_MARGIN", "MediaLinks", "media_key"]

MEDIA_KEY_LABEL = b"smsb-media-links"
DEFAULT_TTL = timedelta(hours=1)
# Twilio fetches media when it sends, and may retry a fetch for a while after; an hour covers that.
SEND_MARGIN = timedelta(hours=1)
# Twilio schedules at most 35 days ahead (https://www.twilio.com/docs/messaging/features/message-scheduling).
MAX_SCHEDULE_AHEAD = timedelta(days=35)
# An expiry is unix seconds; more digits than this is not a time this product wrote.
_MAX_EXP_DIGITS = 12


def media_key(encryption_key: bytes) -> bytes:
    """The media-link key, derived from the token encryption key (HKDF-SHA256, label "smsb-media-links")."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MEDIA_KEY_LABEL).derive(encryption_key)


@dataclass(frozen=True)
class MediaLinks:
    key: bytes = field(repr=False)
    public_url: str

    def __post_init__(self) -> None:
        if len(self.key) < 32:
            raise ValueError("the media-link key must be at least 32 bytes")

    def url_for(self, outbox_id: uuid.UUID | str, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None,
                send_at: datetime | None = None) -> str:
        moment = now or datetime.now(UTC)
        expires = moment + ttl
        if send_at is not None:
            latest_send = min(send_at, moment + MAX_SCHEDULE_AHEAD)
            expires = max(expires, latest_send + SEND_MARGIN)
        exp = int(expires.timestamp())
        canonical = str(uuid.UUID(str(outbox_id)))
        query = urlencode({"exp": exp, "sig": self.signature(canonical, exp)})
        return f"{self.public_url.rstrip('/')}/api/media/{canonical}?{query}"

    def signature(self, outbox_id: uuid.UUID | str, exp: int) -> str:
        mac = hmac.new(self.key, f"{uuid.UUID(str(outbox_id))}:{exp}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def verify(self, outbox_id: str, exp: str | int, sig: str, now: datetime | None = None) -> uuid.UUID:
        """The Outbox id the link opens, or `InvalidMediaLink` (`malformed`, `tampered` or `expired`)."""
        try:
            canonical = uuid.UUID(str(outbox_id))
        except ValueError:
            raise InvalidMediaLink("malformed", "the id is not a GUID") from None
        text = str(exp)
        if not text.isascii() or not text.isdigit() or len(text) > _MAX_EXP_DIGITS:
            raise InvalidMediaLink("malformed", "exp is not a unix time")
        # Compared as text, not decoded bytes: base64 lets several strings decode alike, and a link has one form.
        expected = self.signature(canonical, int(text)).encode("ascii")
        given = sig.encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            raise InvalidMediaLink("tampered")
        moment = now or datetime.now(UTC)
        if int(text) <= int(moment.timestamp()):
            raise InvalidMediaLink("expired")
        return canonical

