"""Dataverse cost of one sweep, by table size: it must follow the rows that need work, not the rows there are.

For each size N the Dataverse emulator (on loopback, reached over HTTP by the product's client) is seeded straight
into its store with N open sessions of which `--due` have ended, N/5 Outbox rows of history (Sent), N/50 Outbox
rows scheduled for later, N/100 Configurations sealed under the current key — and a fixed amount of work: Pending
rows whose webhook never arrived (`--due`/5), scheduled rows whose time has come (`--due`/5), Sending rows without
SID for over ten minutes (`--due`/10, each with its message) and tokens under the previous key (`--due`/20).
Then the sweep runs twice: the first run does the work, the second must find none.

Round trips are HTTP requests the emulator received; operations are single requests plus `$batch` parts; rows
read are rows the queries returned. Budgets: the first run costs the same at every size, at most 2 round trips
more than the four queries, and at most 3 operations per row of work plus the four queries, reading no row that
needs no work; the second run is the four queries and nothing else.

    .venv/bin/python -m bench.sweeper_cost [--sizes 1000,10000] [--due 100]   (from the repository root)
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dataverse import DataverseClient, DataverseConfig
from devstack.dataverse_emulator import DataverseEmulator, serve
from devstack.dataverse_emulator.protocol import Call, Outcome, WriteEvent
from messaging.names import OutboxStatus, StatusChoice
from messaging.store import Store
from messaging.sweep import Sweeper, SweepReport
from messaging.tokens import TokenCipher

QUERIES = 4  # one per action: sessions, pending Outbox, stale Sending, tokens
MAX_EXTRA_ROUND_TRIPS = 2  # the write $batch, and the read of unlinked messages
OPERATIONS_PER_WORK = 3  # an unknown send writes three rows (Outbox, message, Error Log)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CURRENT_KEY, PREVIOUS_KEY = b"c" * 32, b"p" * 32


class CountingDataverse(DataverseEmulator):
    """The emulator, counting operations (single requests and `$batch` parts); `requests` counts round trips."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: NOW)
        self.operations = 0
        self._count_lock = threading.Lock()

    def execute(self, call: Call, events: list[WriteEvent]) -> Outcome:
        if call.path != "$batch":
            with self._count_lock:
                self.operations += 1
        return super().execute(call, events)


@dataclass(frozen=True)
class Work:
    sessions: int
    requeue: int
    release: int
    unknown: int
    tokens: int

    @property
    def rows(self) -> int:
        return self.sessions + self.requeue + self.release + self.unknown + self.tokens


@dataclass(frozen=True)
class Measure:
    round_trips: int
    operations: int
    report: SweepReport
    seconds: float


@dataclass(frozen=True)
class Result:
    size: int
    seeded: int
    work: Work
    first: Measure
    second: Measure


def seed(emulator: DataverseEmulator, size: int, work: Work) -> int:
    """Rows straight into the store (no API, no webhooks); returns how many."""
    store, before = emulator.store, NOW
    old, new = TokenCipher(PREVIOUS_KEY), TokenCipher(CURRENT_KEY)
    count = 0
    for index in range(size):
        ends = before - timedelta(minutes=index + 1) if index < work.sessions else before + timedelta(hours=1)
        store.insert("smsb_messagesession", {"subject": f"session {index}", "actualstart": ends - timedelta(days=1),
                                             "scheduledend": ends, "statecode": 0, "statuscode": 1})
    count += size
    history = before - timedelta(days=2)
    for index in range(size // 5):
        store.insert("smsb_outbox", {"subject": f"sent {index}", "smsb_sendstatus": int(OutboxStatus.SENT),
                                     "smsb_sid": "SM" + uuid.uuid4().hex, "createdon": history,
                                     "modifiedon": history, "statecode": 1, "statuscode": 2})
    for index in range(size // 50):
        store.insert("smsb_outbox", {"subject": f"later {index}", "smsb_sendafter": before + timedelta(days=1),
                                     "createdon": history, "modifiedon": history})
    for index in range(size // 100):
        row_id = str(uuid.uuid4())
        store.insert("smsb_configuration", {"smsb_configurationid": row_id, "smsb_name": f"sender {index}",
                                            "smsb_authtoken": new.encrypt("2" * 32, row_id)})
    count += size // 5 + size // 50 + size // 100
    late = before - timedelta(minutes=30)
    for index in range(work.requeue):
        store.insert("smsb_outbox", {"subject": f"missed {index}", "createdon": late, "modifiedon": late})
    for index in range(work.release):
        store.insert("smsb_outbox", {"subject": f"due {index}", "createdon": late, "modifiedon": late,
                                     "smsb_sendafter": before - timedelta(minutes=1)})
    for index in range(work.unknown):
        message = store.insert("smsb_message", {"smsb_name": f"stuck {index}", "smsb_direction": 2,
                                                "smsb_status": int(StatusChoice.SENDING)})
        store.insert("smsb_outbox", {"subject": f"stuck {index}", "smsb_sendstatus": int(OutboxStatus.SENDING),
                                     "smsb_message": message, "createdon": late, "modifiedon": late})
    for index in range(work.tokens):
        row_id = str(uuid.uuid4())
        store.insert("smsb_configuration", {"smsb_configurationid": row_id, "smsb_name": f"rotating {index}",
                                            "smsb_authtoken": old.encrypt("2" * 32, row_id)})
    return count + work.requeue + work.release + 2 * work.unknown + work.tokens


def measure(emulator: CountingDataverse, sweeper: Sweeper) -> Measure:
    trips, operations = len(emulator.requests.records), emulator.operations
    started = time.perf_counter()
    report = sweeper.run()
    return Measure(len(emulator.requests.records) - trips, emulator.operations - operations, report,
                   time.perf_counter() - started)


def run_size(size: int, work: Work) -> Result:
    emulator = CountingDataverse()
    seeded = seed(emulator, size, work)
    with serve(emulator) as server:
        client = DataverseClient.from_config(DataverseConfig(url=server.url, static_token="bench"))  # noqa: S106 - any token opens the emulator
        sweeper = Sweeper(client, TokenCipher(CURRENT_KEY, previous_key=PREVIOUS_KEY), Store(client),
                          clock=lambda: NOW)
        first = measure(emulator, sweeper)
        second = measure(emulator, sweeper)
        client.close()
    return Result(size, seeded, work, first, second)


def problems(results: Sequence[Result]) -> list[str]:
    found = []
    for result in results:
        first, second, work = result.first, result.second, result.work
        done = first.report
        if (done.sessions_closed, done.outbox_requeued, done.outbox_released, done.outbox_unknown,
                done.tokens_resealed) != (work.sessions, work.requeue, work.release, work.unknown, work.tokens):
            found.append(f"N={result.size}: the first run did not do exactly the seeded work ({done.summary()})")
        if first.round_trips > QUERIES + MAX_EXTRA_ROUND_TRIPS:
            found.append(f"N={result.size}: {first.round_trips} round trips > {QUERIES + MAX_EXTRA_ROUND_TRIPS}")
        if first.operations > QUERIES + OPERATIONS_PER_WORK * work.rows:
            found.append(f"N={result.size}: {first.operations} operations > {QUERIES} + 3 x {work.rows}")
        if done.rows_read > work.rows + work.unknown:
            found.append(f"N={result.size}: read {done.rows_read} rows for {work.rows} rows of work")
        if (second.round_trips, second.operations, second.report.actions) != (QUERIES, QUERIES, 0):
            found.append(f"N={result.size}: the second run was not just {QUERIES} queries ({second.report.summary()})")
    costs = {(r.first.round_trips, r.first.operations, r.first.report.rows_read) for r in results}
    if len(costs) > 1:
        found.append(f"the cost changed with table size: {sorted(costs)}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="open sessions per run, comma-separated")
    parser.add_argument("--due", type=int, default=100, help="ended sessions (other work scales with it)")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    work = Work(sessions=args.due, requeue=max(1, args.due // 5), release=max(1, args.due // 5),
                unknown=max(1, args.due // 10), tokens=max(1, args.due // 20))
    results = [run_size(int(size), work) for size in args.sizes.split(",")]

    print(f"rows of work per run: {work.rows} ({work.sessions} sessions, {work.requeue} requeued, {work.release} "
          f"released, {work.unknown} unknown, {work.tokens} tokens)")
    print(f"{'sessions':>9} {'rows':>7} {'run':>6} {'round trips':>11} {'operations':>10} {'rows read':>9} "
          f"{'actions':>7} {'jobs':>5} {'sweep s':>8}")
    for result in results:
        for name, run in (("first", result.first), ("second", result.second)):
            print(f"{result.size:>9} {result.seeded:>7} {name:>6} {run.round_trips:>11} {run.operations:>10} "
                  f"{run.report.rows_read:>9} {run.report.actions:>7} {len(run.report.jobs):>5} {run.seconds:>8.3f}")
    found = problems(results)
    for problem in found:
        print(f"BUDGET MISSED: {problem}")
    if not found:
        print("budgets met: the same round trips, operations and rows read at every size; the second run is idle")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
