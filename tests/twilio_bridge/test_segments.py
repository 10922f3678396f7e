"""SMS segment counting, checked against a reference built from the GSM 03.38 tables."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from twilio_bridge.segments import Encoding, segment_info

# GSM 03.38 default alphabet by code point 0x00-0x7F; "\x1b" at 0x1B is the escape to the extension table.
GSM_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: code after ESC -> character.
GSM_EXTENSION_TABLE = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
ESC = 0x1B


def gsm_septets(text: str) -> list[int] | None:
    reverse_extension = {char: code for code, char in GSM_EXTENSION_TABLE.items()}
    septets: list[int] = []
    for char in text:
        position = GSM_TABLE.find(char)
        if char != "\x1b" and position >= 0:
            septets.append(position)
        elif char in reverse_extension:
            septets.extend([ESC, reverse_extension[char]])
        else:
            return None
    return septets


def split(units: list[int], size: int, unsplittable_start: set[int]) -> int:
    """Cut ``units`` into parts of at most ``size``, never ending a part on the first unit of a pair."""
    parts, index = 0, 0
    while index < len(units):
        end = min(index + size, len(units))
        if end < len(units) and units[end - 1] in unsplittable_start:
            end -= 1
        parts += 1
        index = end
    return max(parts, 1)


def reference(text: str) -> tuple[Encoding, int, int]:
    septets = gsm_septets(text)
    if septets is not None:
        if len(septets) <= 160:
            return Encoding.GSM_7, len(septets), 1
        # An ESC always starts a pair in our stream, so a part must not end with it.
        return Encoding.GSM_7, len(septets), split(septets, 153, {ESC})
    encoded = text.encode("utf-16-be", "surrogatepass")
    units = [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]
    if len(units) <= 70:
        return Encoding.UCS_2, len(units), 1
    high_surrogates = set(range(0xD800, 0xDC00))
    return Encoding.UCS_2, len(units), split(units, 67, high_surrogates)


GSM_CHARS = st.sampled_from(sorted(set(GSM_TABLE.replace("\x1b", "")) | set(GSM_EXTENSION_TABLE.values())))
ANY_CHARS = st.characters(exclude_categories=["Cs"])
EMOJI = st.sampled_from(["😀", "👍", "🎉", "é", "ж", "中", "€", "a", "{"])


@settings(max_examples=300, deadline=None)
@given(st.text(GSM_CHARS, max_size=700))
def test_gsm_bodies_match_the_reference(body: str) -> None:
    info = segment_info(body)
    assert (info.encoding, info.units, info.segments) == reference(body)
    assert info.per_segment == (160 if info.segments == 1 else 153)


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(GSM_CHARS, EMOJI, ANY_CHARS), min_size=1, max_size=400))
def test_mixed_bodies_match_the_reference(body: str) -> None:
    info = segment_info(body)
    assert (info.encoding, info.units, info.segments) == reference(body)
    if info.encoding is Encoding.UCS_2:
        assert info.per_segment == (70 if info.segments == 1 else 67)


def test_160_gsm_characters_fit_one_segment_and_161_need_two() -> None:
    assert segment_info("a" * 160).segments == 1
    two = segment_info("a" * 161)
    assert (two.segments, two.per_segment, two.units) == (2, 153, 161)


def test_extension_characters_count_two_septets() -> None:
    info = segment_info("€{}[]~|^\\\f")
    assert (info.encoding, info.units) == (Encoding.GSM_7, 20)
    assert segment_info("€" * 80).segments == 1
    assert segment_info("€" * 81).segments == 2


def test_escape_sequence_is_not_split_across_segments() -> None:
    # 152 septets, then a two-septet character: it moves whole to the second part.
    body = "a" * 152 + "€" + "a" * 153
    info = segment_info(body)
    assert info.units == 307
    assert info.segments == 3


def test_one_non_gsm_character_switches_the_whole_body_to_ucs2() -> None:
    info = segment_info("a" * 69 + "ж")
    assert (info.encoding, info.units, info.segments, info.per_segment) == (Encoding.UCS_2, 70, 1, 70)
    assert segment_info("a" * 70 + "ж").segments == 2


def test_emoji_are_surrogate_pairs_and_are_not_split() -> None:
    assert segment_info("😀" * 35).units == 70
    assert segment_info("😀" * 35).segments == 1
    info = segment_info("a" * 66 + "😀" + "a" * 67)
    assert info.units == 135
    assert info.segments == 3


def test_empty_body_is_one_empty_segment() -> None:
    info = segment_info("")
    assert (info.encoding, info.units, info.segments) == (Encoding.GSM_7, 0, 1)


def test_encoding_values_are_the_documented_names() -> None:
    assert Encoding.GSM_7.value == "GSM-7"
    assert Encoding.UCS_2.value == "UCS-2"
