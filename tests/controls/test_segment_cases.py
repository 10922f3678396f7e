"""The server's segment counter gives the answers the chat control's counter is tested against.

`frontend/shared/cases/segment-cases.json` is shared with `frontend/shared/test/segments.test.ts`, so the
live counter in the chat's compose box and `twilio_bridge.segments` cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twilio_bridge.segments import segment_info

CASES_FILE = Path(__file__).resolve().parents[2] / "frontend" / "shared" / "cases" / "segment-cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def test_the_shared_file_covers_both_encodings_and_early_part_breaks() -> None:
    encodings = {case["encoding"] for case in CASES}
    assert encodings == {"GSM-7", "UCS-2"}
    assert any(case["segments"] > -(-case["units"] // case["per_segment"]) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_server_counts_segments_like_the_chat_control(case: dict[str, object]) -> None:
    info = segment_info(str(case["body"]))
    assert (info.encoding.value, info.segments, info.units, info.per_segment) == (
        case["encoding"], case["segments"], case["units"], case["per_segment"])
