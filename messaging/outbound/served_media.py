"""How `GET /api/media/{id}` serves an Outbox attachment: decided from the file's bytes, never from its name.

The route answers from the function app's own domain, so whatever it serves inline runs there: an `invoice.html`
served as `text/html`, or an SVG with a script, would be a page of ours. Only raster images whose content says so
(magic bytes: JPEG, PNG, GIF, WebP — what Twilio sends as MMS images) are served inline with their type;
everything else is `application/octet-stream` as an attachment. The headers that go with every answer stop the
browser second-guessing the type (`nosniff`) and run anything it renders anyway in a sandbox.

The file name travels RFC 6266 style: a plain quoted ASCII `filename` (any character that could end or bend the
quoted string replaced) for old clients, and the exact name in `filename*` (RFC 8187, UTF-8, percent-encoded).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["SECURITY_HEADERS", "ServedMedia", "serve", "sniff_image"]

OCTET_STREAM = "application/octet-stream"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}

# RFC 8187 attr-char besides letters and digits: what `filename*` may carry unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
_FALLBACK_KEEP = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-()[]+!#$&'~")


@dataclass(frozen=True)
class ServedMedia:
    content_type: str
    content_disposition: str

    @property
    def inline(self) -> bool:
        return self.content_disposition.startswith("inline")


def sniff_image(content: bytes) -> str | None:
    """The raster image type the bytes themselves announce, or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def serve(content: bytes, file_name: str | None, default_name: str) -> ServedMedia:
    image = sniff_image(content)
    name = file_name or default_name
    if image is not None:
        return ServedMedia(image, content_disposition("inline", name))
    return ServedMedia(OCTET_STREAM, content_disposition("attachment", name))


def content_disposition(kind: str, file_name: str) -> str:
    encoded = quote(file_name, safe=_ATTR_CHARS, encoding="utf-8")
    return f"{kind}; filename=\"{_ascii_fallback(file_name)}\"; filename*=UTF-8''{encoded}"


def _ascii_fallback(file_name: str) -> str:
    # "é" becomes "e" where Unicode says so; anything else outside a plain set (quotes, backslashes, semicolons,
    # control characters) becomes "_", so the quoted string cannot end early or smuggle a parameter in.
    decomposed = unicodedata.normalize("NFKD", file_name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    fallback = "".join(c if c in _FALLBACK_KEEP else "_" for c in letters).strip()
    return fallback or "media"
