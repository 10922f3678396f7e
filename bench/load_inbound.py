"""The inbound burst of `bench.load` in both designs: texts coalesced per worker process (the product's default)
and each text filed alone (`SMSB_INBOUND_BATCH=1`, the design before coalescing), run one after the other at each
host count; what one gains over the other, and the coalescing budgets checked on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = ["ALONE", "COALESCED", "DESIGNS", "REQUESTS_PER_TEXT", "THROUGHPUT_FACTOR", "budgets", "comparison",
           "environ"]

COALESCED = "inbound"
ALONE = "inbound/1"
DESIGNS = {"coalesced": COALESCED, "alone": ALONE}
REQUESTS_PER_TEXT = 0.25
THROUGHPUT_FACTOR = 4.0


class Measured(Protocol):
    @property
    def scenario(self) -> str: ...

    @property
    def hosts(self) -> int: ...

    @property
    def items(self) -> int: ...

    @property
    def requests(self) -> int: ...

    @property
    def rate(self) -> float: ...


def environ(scenario: str) -> Mapping[str, str]:
    """The app settings a design runs with (on every host)."""
    return {"SMSB_INBOUND_BATCH": "1"} if scenario == ALONE else {}


def _pairs(rows: Sequence[Measured]) -> list[tuple[int, Measured | None, Measured | None]]:
    hosts = sorted({r.hosts for r in rows if r.scenario in (COALESCED, ALONE)})
    pick = {(r.scenario, r.hosts): r for r in rows}
    return [(h, pick.get((COALESCED, h)), pick.get((ALONE, h))) for h in hosts]


def comparison(rows: Sequence[Measured], requests_per_second: float | None = None) -> list[str]:
    """One line per host count: texts per second and requests per text of each design, and their ratio; with
    `requests_per_second` (the service-protection limit), the texts per second that limit allows each design once
    it binds, whatever this machine's speed."""
    lines = []
    for hosts, coalesced, alone in _pairs(rows):
        if coalesced is None or alone is None:
            continue
        ratio = coalesced.rate / alone.rate if alone.rate else float("inf")
        line = (f"inbound, {hosts} host(s): coalesced {coalesced.rate:.2f} texts/s,"
                f" {coalesced.requests / coalesced.items:.3f} requests/text; each text alone {alone.rate:.2f}"
                f" texts/s, {alone.requests / alone.items:.3f} requests/text; throughput {ratio:.1f}x")
        if requests_per_second and coalesced.requests and alone.requests:
            ceiling = (requests_per_second * coalesced.items / coalesced.requests,
                       requests_per_second * alone.items / alone.requests)
            line += (f"; the request limit allows {ceiling[0]:.0f} vs {ceiling[1]:.0f} texts/s"
                     f" ({ceiling[0] / ceiling[1]:.1f}x)")
        lines.append(line)
    return lines


def budgets(rows: Sequence[Measured]) -> list[tuple[str, bool]]:
    """Coalesced: at most `REQUESTS_PER_TEXT` requests per text, and `THROUGHPUT_FACTOR` times the texts per
    second of each text alone at the same host count (when both ran)."""
    checks = []
    for hosts, coalesced, alone in _pairs(rows):
        if coalesced is None:
            continue
        checks.append((f"inbound, {hosts} host(s): <= {REQUESTS_PER_TEXT} requests per text",
                       coalesced.requests / coalesced.items <= REQUESTS_PER_TEXT))
        if alone is not None:
            checks.append((f"inbound, {hosts} host(s): >= {THROUGHPUT_FACTOR:g}x the texts/s of each text alone",
                           coalesced.rate >= THROUGHPUT_FACTOR * alone.rate))
    return checks
