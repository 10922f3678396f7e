from __future__ import annotations

import re

import pytest

from messaging.phones import narrowing_fragments, normalize, region_for_country_code

US_FORMS = ["+1 (656) 218-5892", "656-218-5892", "6562185892", "001 656 218 5892", "+16562185892",
            "(656) 218.5892", "1-656-218-5892", "011 1 656 218 5892"]


@pytest.mark.parametrize("stored", US_FORMS)
def test_every_common_us_rendering_normalises_to_one_e164(stored: str) -> None:
    assert normalize(stored, "+1").e164 == "+16562185892"


@pytest.mark.parametrize(
    ("stored", "country", "expected"),
    [
        ("07700 900123", "+44", "+447700900123"),
        ("+44 7700 900 123", "+1", "+447700900123"),
        ("098765 43210", "+91", "+919876543210"),
        ("+91-98765-43210", None, "+919876543210"),
    ],
)
def test_international_numbers_use_the_record_types_country(stored: str, country: str | None, expected: str) -> None:
    assert normalize(stored, country).e164 == expected


@pytest.mark.parametrize("raw", ["", "not a number", "12", "whatsapp:+14155550100", "656-218-5892"])
def test_unparseable_numbers_are_kept_as_received_and_flagged(raw: str) -> None:
    number = normalize(raw, None)  # a national number without a country cannot be placed
    assert number.e164 is None
    assert number.value == raw.strip()
    assert number.parsed is False


def test_region_for_country_code() -> None:
    assert region_for_country_code("+91") == "IN"
    assert region_for_country_code("44") == "GB"
    assert region_for_country_code("+999") is None
    assert region_for_country_code("abc") is None


@pytest.mark.parametrize("stored", [*US_FORMS, "656 218 58 92", "656-2185-892"])
def test_some_fragment_is_inside_every_rendering(stored: str) -> None:
    fragments = narrowing_fragments("+16562185892")
    assert any(f in stored for f in fragments), stored


def test_fragments_are_safe_odata_string_content() -> None:
    for fragment in narrowing_fragments("+447700900123"):
        assert re.fullmatch(r"[0-9 .\-]+", fragment)
    assert "0 123" in narrowing_fragments("+447700900123")
