"""The inbound comparison of the load benchmark (`bench/load_inbound.py`): each design's settings, the ratio
printed per host count, and the coalescing budgets over measured rows."""

from __future__ import annotations

from dataclasses import dataclass

from bench import load_inbound


@dataclass
class Measured:
    scenario: str
    hosts: int
    items: int
    requests: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def test_each_text_alone_runs_with_coalescing_off_and_coalesced_with_the_products_default() -> None:
    assert load_inbound.environ(load_inbound.ALONE) == {"SMSB_INBOUND_BATCH": "1"}
    assert load_inbound.environ(load_inbound.COALESCED) == {}


def test_the_budgets_hold_the_coalesced_design_to_its_requests_and_to_four_times_the_throughput() -> None:
    rows = [Measured("inbound", 1, 1000, 200, 100.0), Measured("inbound/1", 1, 1000, 1300, 400.0),
            Measured("inbound", 2, 1000, 300, 100.0), Measured("inbound/1", 2, 1000, 1300, 300.0)]
    checks = dict(load_inbound.budgets(rows))
    assert checks == {
        "inbound, 1 host(s): <= 0.25 requests per text": True,
        "inbound, 1 host(s): >= 4x the texts/s of each text alone": True,
        "inbound, 2 host(s): <= 0.25 requests per text": False,
        "inbound, 2 host(s): >= 4x the texts/s of each text alone": False,
    }
    lines = load_inbound.comparison(rows)
    assert lines[0] == ("inbound, 1 host(s): coalesced 10.00 texts/s, 0.200 requests/text; each text alone 2.50"
                        " texts/s, 1.300 requests/text; throughput 4.0x")
    assert len(lines) == 2
    limited = load_inbound.comparison(rows[:2], 20.0)  # 6,000 requests per 300 s
    assert limited[0].endswith("; the request limit allows 100 vs 15 texts/s (6.5x)")


def test_a_design_run_alone_is_checked_for_its_requests_only() -> None:
    checks = load_inbound.budgets([Measured("inbound", 4, 100, 20, 10.0), Measured("outbound", 4, 100, 100, 1.0)])
    assert checks == [("inbound, 4 host(s): <= 0.25 requests per text", True)]
    assert load_inbound.comparison([Measured("inbound", 4, 100, 20, 10.0)]) == []
