"""Every benchmark in `bench/` runs end to end at a tiny size and reports correct work.

Budgets stated in counts (round trips) are asserted here because they are deterministic; budgets stated in time
(requests per second, messages per second) are for the benchmarks to print, never for a test to assert, since a
loaded machine would make such a test fail for no fault of the code.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench import azurite_depth, inbound_http_throughput, inbound_round_trips, inbound_vs_naive, load

pytestmark = pytest.mark.loopback


@pytest.mark.azurite
def test_inbound_round_trips_stay_within_budget(azurite: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = inbound_round_trips.main(["--messages", "1", "--unknown", "0",
                                     "--storage-connection", azurite.connection_string])
    out = capsys.readouterr().out
    assert "exactly one message row per text, none for the duplicates: yes" in out, out
    assert code == 0, out


def test_inbound_http_handler_benchmark_answers_every_request(capsys: pytest.CaptureFixture[str]) -> None:
    inbound_http_throughput.main(["--requests", "300"])
    out = capsys.readouterr().out
    assert "every request answered 200 and queued its own envelope, no Dataverse call: yes" in out, out


def test_inbound_processor_needs_five_times_fewer_round_trips_than_the_naive_design(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Ten texts per conversation, as a customer's exchange in a day; four conversations, so that the one read of
    # the Record Types' table definitions a new worker makes is spread as it is in the benchmark.
    inbound_vs_naive.main(["--messages", "40", "--numbers", "4", "--latency-ms", "0"])
    out = capsys.readouterr().out
    assert "every text filed once by each design: yes" in out, out
    ratio = next(line for line in out.splitlines() if line.startswith("round-trip ratio"))
    assert float(ratio.split(":")[1].strip().split("x")[0]) >= 5.0, out


@pytest.mark.azurite
def test_load_benchmark_files_and_sends_exactly_once_with_two_hosts(
        azurite: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = load.main(["--texts", "30", "--numbers", "6", "--outbox", "12", "--hosts", "2", "--idle-texts", "2",
                      "--idle-gap", "0.2", "--hang-seconds", "240",
                      "--storage-connection", azurite.connection_string])
    out = capsys.readouterr().out
    assert "every text filed exactly once and every Outbox row sent exactly once: yes" in out, out
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.startswith(("inbound ", "inbound/1 ", "outbound ", "out-single "))}
    assert rows["inbound"][1:6] == ["2", "30", "30", "0", "0"], out  # hosts, items, once, dup, lost
    assert rows["inbound/1"][1:6] == ["2", "30", "30", "0", "0"], out  # the same burst, each text alone
    assert float(rows["inbound/1"][6]) >= 1.0, out  # alone, a text costs at least its own write
    assert "inbound, 2 host(s): coalesced " in out, out
    assert rows["outbound"][1:6] == ["2", "12", "12", "0", "0"], out
    assert rows["out-single"][1:6] == ["2", "12", "12", "0", "0"], out  # SMSB_OUTBOUND_BATCH=1
    assert "idle load, 1 host, real time: 2 texts" in out, out
    assert code == 0, out


@pytest.mark.azurite
def test_azurite_depth_benchmark_takes_each_message_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert azurite_depth.main(["--depths", "10,40", "--take", "20"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(row[0], row[2]) for row in rows] == [("10", "10"), ("40", "20")]  # depth, different messages taken
