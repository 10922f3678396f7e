"""The outbound round-trip benchmark runs end to end at a tiny size and meets its budgets (counts, not times)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import outbound_round_trips

pytestmark = [pytest.mark.loopback, pytest.mark.azurite]


def test_outbound_sends_stay_within_four_round_trips_and_one_twilio_call(
        azurite: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = outbound_round_trips.main(["--texts", "1", "--storage-connection", azurite.connection_string])
    out = capsys.readouterr().out
    assert "exactly one text per Outbox row, none for the duplicates: yes" in out, out
    assert code == 0, out
