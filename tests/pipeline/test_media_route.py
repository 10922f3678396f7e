"""`GET /api/media/{id}` serves from the app's own domain, so it serves only raster images, typed by their content
(never by the file name someone chose), inline; anything else is an `application/octet-stream` attachment. Every
answer says `nosniff` and `sandbox`, and names the file the RFC 6266 way."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from werkzeug.http import parse_options_header

from devstack.sandbox import Sandbox

pytestmark = pytest.mark.azurite

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
GIF = b"GIF89a" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)
HTML = b"<!doctype html><script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def sandbox(make_sandbox: Any) -> Sandbox:
    sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    return sandbox


def fetch(sandbox: Sandbox, content: bytes, file_name: str) -> requests.Response:
    outbox = uuid.uuid4()
    client = sandbox.app.dataverse
    client.create_with_id("smsb_outboxes", "activityid", outbox, {"subject": "Photo", "smsb_freeform": "Here",
                                                                  "smsb_sendafter": "2099-01-01T00:00:00Z"})
    client.upload_file("smsb_outboxes", outbox, "smsb_attachment", content, "upload.bin")
    # As a person would have named it in Dynamics (our client sends ASCII file names only).
    stored = sandbox.dataverse.store.file("smsb_outbox", str(outbox), "smsb_attachment")
    assert stored is not None
    stored.name = file_name
    response = requests.get(sandbox.app.media_links.url_for(outbox), timeout=10)
    assert response.status_code == 200, response.text
    assert response.content == content
    return response


def disposition(response: requests.Response) -> tuple[str, str | None]:
    """Read as a browser does: werkzeug's parser prefers `filename*` (RFC 6266 section 4.3)."""
    kind, params = parse_options_header(response.headers["Content-Disposition"])
    return kind, params.get("filename")


def assert_locked_down(response: requests.Response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(("content", "name", "expected"), [
    (JPEG, "receipt.jpg", "image/jpeg"),
    (PNG, "photo.png", "image/png"),
    (GIF, "funny.gif", "image/gif"),
    (WEBP, "sticker.webp", "image/webp"),
    (PNG, "photo.txt", "image/png"),  # the content decides, not the name
    (JPEG, "invoice.html", "image/jpeg"),
], ids=["jpeg", "png", "gif", "webp", "png-named-txt", "jpeg-named-html"])
def test_raster_images_are_served_inline_with_the_type_their_bytes_show(
        sandbox: Sandbox, content: bytes, name: str, expected: str) -> None:
    response = fetch(sandbox, content, name)
    assert response.headers["Content-Type"] == expected
    assert disposition(response) == ("inline", name)
    assert_locked_down(response)


@pytest.mark.parametrize(("content", "name"), [
    (HTML, "invoice.html"),
    (SVG, "logo.svg"),
    (HTML, "photo.jpg"),  # a name that lies
    (b"%PDF-1.7 ...", "terms.pdf"),
], ids=["html", "svg", "html-named-jpg", "pdf"])
def test_anything_else_is_an_attachment_of_no_particular_type(sandbox: Sandbox, content: bytes, name: str) -> None:
    response = fetch(sandbox, content, name)
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert disposition(response) == ("attachment", name)
    assert_locked_down(response)


def test_a_file_name_with_quotes_and_non_ascii_letters_is_named_the_rfc_6266_way(sandbox: Sandbox) -> None:
    name = 'Zoë\'s "best"; photo\\été.jpg'
    response = fetch(sandbox, JPEG, name)
    header = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in header
    assert header.isascii()
    # The plain `filename` fallback is a quoted ASCII string with nothing that could end it early.
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii()
    assert ";" not in fallback
    assert "\\" not in fallback
    assert disposition(response) == ("inline", name)
