"""Downloading inbound MMS media from Twilio, and deleting it afterwards.

::

    downloader = MediaDownloader(clients)                     # clients: the shared TwilioClients
    media = downloader.download(credentials, ref.url)         # -> DownloadedMedia
    downloader.delete(credentials, ref.url)                   # True if deleted, False if already gone
    downloader.media_url(account_sid, message_sid, media_sid) # the content URL, without the webhook at hand

Twilio's media URL (``…/Messages/MM…/Media/ME…``) requires HTTP Basic auth and answers with a
redirect to a short-lived signed URL on a CDN host. Redirects are followed by hand so that the
credentials go only to the configured Twilio API origin (``TwilioConfig.api_base_url``): a media URL
on any other origin is refused outright, a redirect elsewhere is followed without credentials, and a
redirect from https to http is refused.

The body is streamed and the download abandoned as soon as it exceeds ``max_bytes`` (default 5 MB,
Twilio's own MMS limit). Only these content types are accepted by default (``allowed_types``):
images other than SVG (which can carry script), any ``audio/*`` and ``video/*``, ``application/pdf``,
vCards (``text/vcard``, ``text/x-vcard``, ``text/directory``), ``text/calendar``, ``text/plain`` and
``text/csv``. Failures raise ``MediaDownloadFailed``; ``is_transient`` marks those worth retrying
(timeouts, 429, 5xx).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import requests

from twilio_bridge.call_failures import call_failure
from twilio_bridge.client import TwilioClients, TwilioCredentials
from twilio_bridge.errors import MediaDownloadFailed

__all__ = ["DEFAULT_ALLOWED_TYPES", "DEFAULT_MAX_BYTES", "DownloadedMedia", "MediaDownloader"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_ALLOWED_TYPES = frozenset(
    {
        "image/*",
        "audio/*",
        "video/*",
        "application/pdf",
        "text/vcard",
        "text/x-vcard",
        "text/directory",
        "text/calendar",
        "text/plain",
        "text/csv",
    }
)
_NEVER_ALLOWED = frozenset({"image/svg+xml"})
_MEDIA_PATH = re.compile(
    r".*/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Messages/(?P<message>(?:MM|SM)[0-9a-fA-F]{32})"
    r"/Media/(?P<media>ME[0-9a-fA-F]{32})(?:\.json)?/?"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class DownloadedMedia:
    content: bytes = field(repr=False)
    content_type: str
    size: int
    file_name: str
    media_sid: str | None


class MediaDownloader:
    def __init__(
        self,
        clients: TwilioClients,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allowed_types: Iterable[str] = DEFAULT_ALLOWED_TYPES,
        session: requests.Session | None = None,
    ) -> None:
        self._clients = clients
        self._config = clients.config
        self.max_bytes = max_bytes
        self.allowed_types = frozenset(kind.lower() for kind in allowed_types)
        self._session = session or requests.Session()

    def download(self, credentials: TwilioCredentials, url: str) -> DownloadedMedia:
        trusted = _origin(self._config.api_base_url)
        if _origin(url) != trusted:
            raise MediaDownloadFailed(
                f"media URL origin {_origin(url)!r} is not the configured Twilio API origin {trusted!r}"
            )
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            auth = (credentials.account_sid, credentials.auth_token) if _origin(current) == trusted else None
            response = self._get(current, auth)
            if response.status_code in _REDIRECTS:
                location = response.headers.get("Location")
                response.close()
                if not location:
                    raise MediaDownloadFailed(f"redirect {response.status_code} without a Location header")
                following = urljoin(current, location)
                if urlsplit(current).scheme == "https" and urlsplit(following).scheme != "https":
                    raise MediaDownloadFailed("refusing a redirect from https to a non-https URL")
                current = following
                continue
            with response:
                return self._accept(response, url)
        raise MediaDownloadFailed(f"more than {_MAX_REDIRECTS} redirects")

    def media_url(self, account_sid: str, message_sid: str, media_sid: str) -> str:
        """The content URL of a media item on the configured Twilio API origin, as webhooks carry it."""
        url = (f"{self._config.api_base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}"
               f"/Media/{media_sid}")
        if _MEDIA_PATH.fullmatch(urlsplit(url).path) is None:
            raise MediaDownloadFailed(f"not a Twilio media item: {account_sid}/{message_sid}/{media_sid}")
        return url

    def delete(self, credentials: TwilioCredentials, url: str) -> bool:
        """Delete the media item behind a Twilio media URL; False when it was already gone."""
        match = _MEDIA_PATH.fullmatch(urlsplit(url).path)
        if match is None:
            raise MediaDownloadFailed(f"not a Twilio media URL: {urlsplit(url).path!r}")
        client = self._clients.client(credentials)
        media = (
            client.api.v2010.accounts(match.group("account"))
            .messages(match.group("message"))
            .media(match.group("media"))
        )
        try:
            return bool(media.delete())
        except Exception as exc:
            failure = call_failure(exc)
            if failure is None:
                raise
            if failure.status == 404:
                return False
            reason = (f"Twilio answered {failure.status} to the media delete" if failure.answered
                      else f"media delete failed: {failure.detail}")
            raise MediaDownloadFailed(reason, is_transient=failure.is_transient, status=failure.status) from exc

    def _get(self, url: str, auth: tuple[str, str] | None) -> requests.Response:
        try:
            return self._session.get(
                url,
                auth=auth,
                stream=True,
                allow_redirects=False,
                timeout=(self._config.connect_timeout, self._config.read_timeout),
            )
        except requests.RequestException as exc:
            raise MediaDownloadFailed(
                f"could not fetch media from {_origin(url)}: {type(exc).__name__}", is_transient=True
            ) from exc

    def _accept(self, response: requests.Response, original_url: str) -> DownloadedMedia:
        if response.status_code != 200:
            transient = response.status_code == 429 or response.status_code >= 500
            raise MediaDownloadFailed(f"media answered HTTP {response.status_code}", is_transient=transient,
                                      status=response.status_code)
        content_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if not self._allowed(content_type):
            raise MediaDownloadFailed(f"content type {content_type or '(none)'!r} is not allowed")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise MediaDownloadFailed(f"media is {declared} bytes, more than {self.max_bytes} allowed")
        content = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                content.extend(chunk)
                if len(content) > self.max_bytes:
                    raise MediaDownloadFailed(f"media exceeds {self.max_bytes} bytes")
        except requests.RequestException as exc:
            raise MediaDownloadFailed(f"media download broke off: {type(exc).__name__}", is_transient=True) from exc
        match = _MEDIA_PATH.fullmatch(urlsplit(original_url).path)
        media_sid = match.group("media") if match else None
        return DownloadedMedia(
            content=bytes(content),
            content_type=content_type,
            size=len(content),
            file_name=_file_name(response.headers.get("Content-Disposition"), media_sid, content_type),
            media_sid=media_sid,
        )

    def _allowed(self, content_type: str) -> bool:
        if not content_type or content_type in _NEVER_ALLOWED:
            return False
        family = content_type.split("/", 1)[0]
        return content_type in self.allowed_types or f"{family}/*" in self.allowed_types


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError as exc:
        raise MediaDownloadFailed(f"media URL has an invalid port: {parts.netloc!r}") from exc
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _file_name(disposition: str | None, media_sid: str | None, content_type: str) -> str:
    if disposition:
        header = Message()
        header["Content-Disposition"] = disposition
        given = header.get_filename()
        if given:
            # Only the last path component, so a hostile name cannot point elsewhere.
            cleaned = given.replace("\\", "/").rsplit("/", 1)[-1].strip()
            if cleaned and cleaned not in (".", ".."):
                return cleaned
    extension = mimetypes.guess_extension(content_type) or ""
    return f"{media_sid or 'media'}{extension}"
