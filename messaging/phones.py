"""Phone numbers: E.164 normalisation, and the fragments that find a number however a person typed it.

Records in Dataverse hold numbers as people type them: `+1 (656) 218-5892`, `656-218-5892`, `6562185892`,
`001 656 218 5892`. Matching therefore happens in two steps: a server-side query narrows the table to rows whose
phone column contains the last four digits (in any of the ways a separator can split them), then each candidate
is normalised with its Record Type's default country code and compared exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

__all__ = ["PhoneNumber", "is_channel_address", "narrowing_fragments", "normalize", "region_for_country_code"]

_CHANNEL = re.compile(r"^[a-z][a-z0-9-]*:", re.IGNORECASE)
_SEPARATORS = (" ", "-", ".")
_TAIL = 4


@dataclass(frozen=True)
class PhoneNumber:
    """A number as received and, when it could be parsed, its E.164 form."""

    raw: str
    e164: str | None
    country_code: str | None = None  # "+1", "+44", … when parsed

    @property
    def value(self) -> str:
        """What to store: E.164 when known, else the text exactly as received."""
        return self.e164 or self.raw

    @property
    def parsed(self) -> bool:
        return self.e164 is not None


def is_channel_address(value: str) -> bool:
    """`whatsapp:+1…`, `messenger:…`, `rcs:…` are addresses, not phone numbers."""
    return bool(_CHANNEL.match(value.strip()))


def region_for_country_code(country_code: str | None) -> str | None:
    """`+91` → `IN`; `+1` → `US`; unknown or empty → None."""
    if not country_code:
        return None
    digits = country_code.strip().lstrip("+")
    if not digits.isdigit():
        return None
    region = phonenumbers.region_code_for_country_code(int(digits))
    return None if region == phonenumbers.UNKNOWN_REGION else region


def normalize(raw: str | None, default_country_code: str | None = None) -> PhoneNumber:
    """Parse `raw` into E.164. National numbers need `default_country_code` (`+1`, `+44`, `+91`…)."""
    text = (raw or "").strip()
    if not text or is_channel_address(text):
        return PhoneNumber(raw=text, e164=None)
    candidate = text
    compact = re.sub(r"[\s().\-/]", "", text)
    # "00" is the international call prefix of most of the world; people paste it in place of "+".
    if compact.startswith("00"):
        candidate = "+" + compact[2:]
    elif compact.startswith("011") and region_for_country_code(default_country_code) in (None, "US", "CA"):
        candidate = "+" + compact[3:]
    try:
        parsed = phonenumbers.parse(candidate, region_for_country_code(default_country_code))
    except phonenumbers.NumberParseException:
        return PhoneNumber(raw=text, e164=None)
    # "Possible" (right length for the country) rather than "valid": test and newly assigned ranges must match too.
    if not phonenumbers.is_possible_number(parsed):
        return PhoneNumber(raw=text, e164=None)
    return PhoneNumber(raw=text, e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
                       country_code=f"+{parsed.country_code}")


def narrowing_fragments(e164: str) -> tuple[str, ...]:
    """Substrings one of which any common rendering of `e164` contains: its last four digits, whole or split
    once by a space, dash or dot."""
    digits = re.sub(r"\D", "", e164)
    tail = digits[-_TAIL:]
    fragments = [tail]
    for cut in range(1, len(tail)):
        for separator in _SEPARATORS:
            fragments.append(tail[:cut] + separator + tail[cut:])
    return tuple(fragments)
