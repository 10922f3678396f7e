"""What the media route may serve inline is read from the bytes; file names cannot bend the header."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from messaging.outbound.served_media import content_disposition, serve, sniff_image


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xff\xd8\xff\xdb", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
    (b"RIFF\x00\x00\x00\x00WAVE", None),  # a sound, in the same container
    (b"RIFF", None),
    (b"<svg", None),
    (b"BM\x00\x00", None),
    (b"", None),
])
def test_images_are_recognised_by_their_magic_bytes_only(content: bytes, expected: str | None) -> None:
    assert sniff_image(content) == expected


def test_line_breaks_and_quotes_in_a_name_cannot_add_a_header_or_a_parameter() -> None:
    header = content_disposition("attachment", 'a"; filename=evil.html\r\nSet-Cookie: x=1')
    assert "\r" not in header
    assert "\n" not in header
    kind, params = parse_options_header(header)
    assert kind == "attachment"
    assert params["filename"] == 'a"; filename=evil.html\r\nSet-Cookie: x=1'
    assert header.count("filename=") == 1


def test_a_file_without_a_name_gets_the_default_one() -> None:
    served = serve(b"\x89PNG\r\n\x1a\n", None, "1234.bin")
    assert served.content_type == "image/png"
    assert served.inline
    assert parse_options_header(served.content_disposition)[1]["filename"] == "1234.bin"
    assert not serve(b"text", "", "1234.bin").inline
