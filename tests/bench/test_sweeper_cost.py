"""The sweep cost benchmark keeps working: at a tiny size its budgets hold (cost follows work, not table size)."""

from __future__ import annotations

import pytest

from bench import sweeper_cost


def test_the_sweep_costs_the_same_whatever_the_table_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert sweeper_cost.main(["--sizes", "200,2000", "--due", "20"]) == 0
    assert "budgets met" in capsys.readouterr().out
