from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messaging.ids import conversation_id, inbound_message_id, outbound_message_id, session_id
from messaging.inbound.consent import ConsentChange, classify
from messaging.windows import window_for


@pytest.mark.parametrize(
    ("body", "change"),
    [
        ("STOP", ConsentChange.OPT_OUT), ("stop", ConsentChange.OPT_OUT), (" Unsubscribe ", ConsentChange.OPT_OUT),
        ("stopall", ConsentChange.OPT_OUT), ("revoke", ConsentChange.OPT_OUT), ("OPTOUT", ConsentChange.OPT_OUT),
        ("start", ConsentChange.OPT_IN), ("Yes", ConsentChange.OPT_IN), ("UNSTOP", ConsentChange.OPT_IN),
        ("help", ConsentChange.HELP), ("INFO", ConsentChange.HELP),
        ("STOP please", None), ("stop!", None), ("Hello", None), ("", None),
    ],
)
def test_default_keywords_are_single_words_in_any_case(body: str, change: ConsentChange | None) -> None:
    assert classify(body) is change


def test_opt_out_type_wins_over_the_body() -> None:
    assert classify("arrêtez", "STOP") is ConsentChange.OPT_OUT
    assert classify("STOP", "START") is ConsentChange.OPT_IN
    assert classify("anything", "UNKNOWN") is None


def test_ids_are_deterministic_and_distinct() -> None:
    config = uuid.UUID("00000000-0000-0000-0000-000000000001")
    first = conversation_id(config, "+16562185892")
    assert first == conversation_id(str(config).upper(), "+16562185892")
    assert first != conversation_id(config, "+16562185893")
    start = datetime(2026, 11, 26, tzinfo=UTC)
    assert session_id(first, start) == session_id(first, start.astimezone(ZoneInfo("Asia/Kolkata")))
    assert session_id(first, start) != session_id(first, start + timedelta(days=1))
    assert inbound_message_id("SM" + "a" * 32) != inbound_message_id("SM" + "b" * 32)
    assert outbound_message_id(config) != inbound_message_id(str(config))


def test_default_window_is_one_utc_day() -> None:
    window = window_for(datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC), None)
    assert window.start == datetime(2026, 11, 26, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 27, tzinfo=UTC)
    assert window.contains(datetime(2026, 11, 26, 12, tzinfo=UTC))
    assert not window.contains(window.end)


def test_windows_align_to_multiples_of_the_timeout() -> None:
    window = window_for(datetime(2026, 11, 26, 10, 47, tzinfo=UTC), 30)
    assert (window.start, window.end) == (datetime(2026, 11, 26, 10, 30, tzinfo=UTC),
                                          datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
