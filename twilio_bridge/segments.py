"""How many SMS segments a body costs, and in which encoding.

API::

    segment_info(body: str) -> SegmentInfo
    SegmentInfo(encoding: Encoding, segments: int, units: int, per_segment: int)
    Encoding.GSM_7 ("GSM-7") | Encoding.UCS_2 ("UCS-2")

A body made only of characters from the GSM 03.38 default alphabet and its extension table is sent
as GSM-7: ``units`` counts septets, an extension character (``^{}\\[~]|€`` and form feed) costing two
because it travels as ESC + code. Any other character switches the whole body to UCS-2: ``units``
counts UTF-16 code units, so a character outside the Basic Multilingual Plane (most emoji) costs two.

One segment holds 160 septets or 70 code units. A longer body is concatenated and each part loses room
to the 6-byte user data header, leaving 153 septets or 67 code units (``per_segment`` reports which of
the two limits applies). Handsets cannot reassemble an escape sequence or a surrogate pair that is
split across two parts, so a part is closed early rather than split one; ``segments`` can therefore
exceed ``ceil(units / per_segment)``. An empty body still occupies one (empty) segment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["GSM_BASIC", "GSM_EXTENSION", "Encoding", "SegmentInfo", "segment_info"]

# GSM 03.38 default alphabet, in table order. 0x1B (ESC) is left out: it introduces an extension
# character and cannot be sent on its own.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ"
    "ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each is sent as ESC followed by a code, two septets.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

_GSM_SINGLE, _GSM_MULTI = 160, 153
_UCS_SINGLE, _UCS_MULTI = 70, 67


class Encoding(enum.Enum):
    GSM_7 = "GSM-7"
    UCS_2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: Encoding
    segments: int
    units: int
    per_segment: int


def _gsm_costs(body: str) -> list[int] | None:
    costs: list[int] = []
    for char in body:
        if char in GSM_BASIC:
            costs.append(1)
        elif char in GSM_EXTENSION:
            costs.append(2)
        else:
            return None
    return costs


def _ucs2_costs(body: str) -> list[int]:
    return [2 if ord(char) > 0xFFFF else 1 for char in body]


def _count_parts(costs: list[int], capacity: int) -> int:
    parts, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            parts += 1
            used = 0
        used += cost
    return parts


def segment_info(body: str) -> SegmentInfo:
    """Return the encoding, segment count and length in units of an SMS body."""
    gsm = _gsm_costs(body)
    if gsm is not None:
        encoding, costs, single, multi = Encoding.GSM_7, gsm, _GSM_SINGLE, _GSM_MULTI
    else:
        encoding, costs, single, multi = Encoding.UCS_2, _ucs2_costs(body), _UCS_SINGLE, _UCS_MULTI
    units = sum(costs)
    if units <= single:
        return SegmentInfo(encoding=encoding, segments=1, units=units, per_segment=single)
    return SegmentInfo(encoding=encoding, segments=_count_parts(costs, multi), units=units, per_segment=multi)
