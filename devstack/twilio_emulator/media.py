"""Media of a message: fetch and delete through the API, and the short-lived CDN links their content redirects to
(another origin, as ``mms.twiliocdn.com`` is: each download records whether credentials followed the redirect)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from devstack.twilio_emulator.messages import MessageHandler
from devstack.twilio_emulator.resources import API_VERSION, Media
from devstack.twilio_emulator.store import CdnEntry, CdnRequest, Clock, EmulatorStore, not_found

__all__ = ["MediaHandler"]

_CDN_LINK_LIFETIME = timedelta(hours=4)


class MediaHandler:
    def __init__(self, store: EmulatorStore, clock: Clock, messages: MessageHandler) -> None:
        self.store = store
        self.clock = clock
        self.messages = messages

    def get(self, account_sid: str, message_sid: str, media_sid: str) -> Media:
        with self.store.lock:
            message = self.messages.get(account_sid, message_sid)
            for media in message.media:
                if media.sid == media_sid:
                    return media
            raise not_found(f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}.json")

    def delete(self, account_sid: str, message_sid: str, media_sid: str) -> None:
        with self.store.lock:
            media = self.get(account_sid, message_sid, media_sid)
            self.messages.get(account_sid, message_sid).media.remove(media)
            self.store.cdn = {t: e for t, e in self.store.cdn.items() if e.media.sid != media_sid}

    def cdn_token(self, media: Media) -> str:
        """A short-lived token for the CDN path the media content URL redirects to."""
        token = secrets.token_urlsafe(24)
        with self.store.lock:
            self.store.cdn[token] = CdnEntry(media, self.clock() + _CDN_LINK_LIFETIME)
        return token

    def cdn_fetch(self, token: str, *, authorization: bool) -> Media | None:
        with self.store.lock:
            entry = self.store.cdn.get(token)
            if entry is None or entry.expires < self.clock():
                return None
            self.store.cdn_requests.append(CdnRequest(entry.media.sid, authorization))
            return entry.media
