"""Load under Dataverse's service protection: a burst of inbound texts, a burst of Outbox rows, with 1, 2 and 4
function hosts, and the latency of a text at idle load.

Each run is the product on loopback (`devstack.sandbox.Sandbox`) with its function hosts each in a process of its own
on the same Azurite queues (`devstack/host_processes.py`), a Dataverse emulator that enforces service protection as
Microsoft documents it (`devstack/dataverse_emulator/service_limits.py`: per application user 6,000 requests and
1,200 s of execution time per sliding 5-minute window, 52 in flight) and answers every Web API request after
`--latency-ms`, and the Twilio emulator. Scenarios:

* inbound: `--texts` signed Twilio webhooks from `--numbers` numbers (seeded contacts, none texted before), posted to
  the function app as fast as `--senders` threads can, filed through `sms-inbound`; at each host count once with the
  texts coalesced (`inbound`) and once each alone (`inbound/1`: `SMSB_INBOUND_BATCH=1`, the design before
  coalescing), `--inbound-designs` to run only one (`bench/load_inbound.py`);
* outbound: `--outbox` Outbox rows created at once (in-process, as a workflow inside Dataverse creates them: workflows
  are not subject to the Web API limits), each to its own number; Dataverse's webhook queues them, `sms-outbound`
  sends them through the Twilio emulator, whose status callbacks (sent, delivered) come back through `sms-inbound`;
  run once per design (`--outbound-designs`): `single`, today's one job at a time (`SMSB_OUTBOUND_BATCH=1`, row
  `out-single`), and `coalesced`, the rounds (row `outbound`), with the time ratio of the two per host count;
* idle: `--idle-texts` texts, one every `--idle-gap` seconds into conversations already known, one host running HTTP
  and queues as an Azure instance does, real time;
  latency is from the start of Twilio's POST to the stored row's `createdon`.

Time is compressed by `--time-scale` (10: a simulated second lasts 0.1 s): the emulator's window, execution time,
`Retry-After` and the latency are scaled, so rates are per second of simulated time. What runs at real speed is the
product's own work and timers (queue polling, cache lifetimes, the 60-second retry budget): a scale so high that the
machine's CPU, not Dataverse, sets the pace shows as a low `cpu` headroom in the table (see `bench/README.md`).

Counts are checked, not timed: every text is filed exactly once (one message row per SID, one conversation per number)
and every Outbox row sends exactly one text (one Twilio message per row, every row Sent); the run exits non-zero
otherwise. `--budgets` also checks the targets the coalescing change must meet (see `bench/README.md`).

Azurite's queue slows as it deepens (`bench/azurite_depth.py`: about 3 messages a second at 8,000 deep), so a
campaign-sized burst is run as a model: 2,000 texts against `--request-limit 1200` keep the ratio of 10,000 texts to
the real 6,000 requests per window, and `--time-scale 1` keeps this machine's speed at its real weight (README).

    .venv/bin/python -m bench.load [--texts 10000 --numbers 2000 --outbox 10000 --hosts 1,2,4 --time-scale 10]
    .venv/bin/python -m bench.load --texts 2000 --numbers 400 --scenarios inbound --time-scale 1 --request-limit 1200
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import load_inbound
from bench.inbound_sandbox import quiet_logs
from bench.load_traffic import (
    HOST,
    Settings,
    classify_sends,
    create_outbox_rows,
    idle_latencies,
    post_texts,
    queues_empty,
    seed_contacts,
    wait_until,
)
from devstack.azurite import Azurite, free_port
from devstack.config import azurite_connection_string, load_host_config
from devstack.dataverse_emulator.service_limits import Limits
from devstack.paths import ROOT
from devstack.queues import QueueBackend
from devstack.sandbox import Sandbox, SandboxOptions
from messaging.names import Direction, OutboxStatus, StatusChoice

QUEUES = ("sms-inbound", "sms-outbound", "sms-inbound-poison", "sms-outbound-poison")

# What the change that coalesces the product's Dataverse work must reach on this harness (bench/README.md).
# (the inbound ones, against each text alone in the same run, are `bench/load_inbound.py`'s)
OUTBOUND_REQUESTS_PER_SEND = 1.5
IDLE_P95_SECONDS = 1.0


@dataclass
class Row:
    scenario: str
    hosts: int
    items: int
    once: int = 0  # texts filed (Outbox rows sent) exactly once
    duplicates: int = 0  # filed (sent) more than once
    missing: int = 0  # never filed (sent)
    requests: int = 0
    operations: int = 0
    send_path_requests: int | None = None
    simulated_seconds: float = 0.0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)
    queue_failures: int = 0
    poisoned: int = 0

    @property
    def exact(self) -> bool:
        return self.once == self.items and not self.duplicates and not self.missing

    @property
    def rate(self) -> float:
        return self.once / self.simulated_seconds if self.simulated_seconds else 0.0

    def per_item(self, value: int | None) -> str:
        return "-" if value is None else f"{value / self.items:.2f}"


@contextlib.contextmanager
def stage(settings: Settings, hosts: int, storage: str, logs: Path, *, time_scale: float,
          latency_ms: float, environ: Mapping[str, str] | None = None) -> Iterator[Sandbox]:
    """A fresh product with `hosts` function host processes and Dataverse's limits on; windows start empty.
    `hosts` 0: the sandbox's own host works the queues too, as one Azure instance runs HTTP and queue functions
    together (its queue listener hears of the messages its own webhooks enqueue)."""
    backend = QueueBackend(storage)
    for name in QUEUES:
        backend.queue(name).clear_messages()
    backend.close()
    # host.json's queue timings, compressed like the rest of time, so that polling keeps its simulated pace
    queues = load_host_config(ROOT / "host.json").queues
    queues = dataclasses.replace(queues, max_polling_interval=queues.max_polling_interval / time_scale,
                                 visibility_timeout=queues.visibility_timeout / time_scale)
    limits = Limits(requests=settings.request_limit, concurrent=settings.concurrency_limit, time_scale=time_scale,
                    operation_ms=settings.operation_ms)
    folder = logs / f"{hosts}-hosts-{time.monotonic_ns()}"
    sandbox = Sandbox(SandboxOptions(storage_connection=storage, host=HOST, run_queues=hosts == 0,
                                     host_processes=hosts,
                                     host_log_folder=folder, host_log_level="WARNING", queue_settings=queues,
                                     dataverse_limits=limits), environ=dict(environ or {}))
    try:
        quiet_logs()
        sandbox.start()
        quiet_logs()
        emulator = sandbox.dataverse
        real_latency = latency_ms / time_scale
        if real_latency > 0:
            emulator.faults.add(r".", status=None, latency_ms=max(1, round(real_latency)))
        # set-up traffic (seeding, the hosts' start) is not the scenario's
        emulator.protection.reset()
        emulator.requests.clear()
        yield sandbox
    finally:
        sandbox.stop()


def run_inbound(settings: Settings, hosts: int, storage: str, logs: Path,
                scenario: str = load_inbound.COALESCED) -> Row:
    with (stage(settings, hosts, storage, logs, time_scale=settings.time_scale, latency_ms=settings.latency_ms,
                environ=load_inbound.environ(scenario)) as sandbox, _backend(storage) as backend):
        numbers = seed_contacts(sandbox, settings.numbers)
        emulator = sandbox.dataverse
        cpu, wall = time.process_time(), time.monotonic()
        started, sids = post_texts(sandbox, numbers, settings.texts, settings.senders)

        def incoming() -> list[dict[str, Any]]:
            return [r for r in emulator.store.rows("smsb_message")
                    if r.get("smsb_direction") == int(Direction.INCOMING)]

        wait_until(lambda: len(incoming()) >= settings.texts or queues_empty(backend), settings.hang_seconds,
                   "texts filed")
        rows = incoming()
        finished = max((r["createdon"] for r in rows), default=started)
        state = emulator.protection.describe()
        filed = Counter(str(r["smsb_sid"]) for r in rows)
        row = Row(scenario, hosts, settings.texts, once=sum(1 for sid in sids if filed[sid] == 1),
                  duplicates=sum(1 for n in filed.values() if n > 1), missing=sum(1 for sid in sids if not filed[sid]),
                  requests=len(emulator.requests.records), operations=state["operations"],
                  simulated_seconds=(finished - started).total_seconds() * settings.time_scale,
                  wall_seconds=time.monotonic() - wall, cpu_seconds=time.process_time() - cpu,
                  refused=Counter(state["refused"]))
        conversations = Counter(str(r.get("smsb_phonenumber")) for r in emulator.store.rows("smsb_conversation"))
        row.duplicates += sum(n - 1 for n in conversations.values())
        _queue_outcome(sandbox, row)
        return row


# The outbound designs compared: today's one job at a time, and the coalesced rounds. The Twilio emulator queues
# nothing, so each sender's pacing (1 text a second per long code by default) is lifted: the run measures the
# Dataverse side, which is what service protection limits.
OUTBOUND_DESIGNS = {"single": {"SMSB_OUTBOUND_BATCH": "1"}, "coalesced": {}}
_UNPACED = {"SMSB_TWILIO_MPS": "100000", "SMSB_MESSAGING_SERVICE_MPS": "100000"}


def run_outbound(settings: Settings, hosts: int, storage: str, logs: Path, design: str = "coalesced") -> Row:
    environ = {**_UNPACED, **OUTBOUND_DESIGNS[design]}
    with (stage(settings, hosts, storage, logs, time_scale=settings.time_scale,
                latency_ms=settings.latency_ms, environ=environ) as sandbox, _backend(storage) as backend):
        emulator = sandbox.dataverse
        cpu, wall = time.process_time(), time.monotonic()
        started, outboxes = create_outbox_rows(sandbox, settings.outbox)
        emulator.webhooks.drain(settings.hang_seconds)  # every row's webhook has queued its send

        def outbox_rows() -> list[dict[str, Any]]:
            return emulator.store.rows("smsb_outbox")

        def settled() -> bool:
            return all(r.get("smsb_sendstatus") not in _UNSETTLED for r in outbox_rows()) or queues_empty(backend)

        wait_until(settled, settings.hang_seconds, "Outbox rows sent")
        sent = [r for r in outbox_rows() if r.get("smsb_sendstatus") == int(OutboxStatus.SENT)]
        finished = max((r["modifiedon"] for r in sent), default=started)

        def delivered() -> bool:  # Twilio's status callbacks (sent, delivered) are part of each send's traffic
            outgoing = [r for r in emulator.store.rows("smsb_message")
                        if r.get("smsb_direction") == int(Direction.OUTGOING)]
            return all(r.get("smsb_status") == int(StatusChoice.DELIVERED) for r in outgoing) or queues_empty(backend)

        wait_until(delivered, settings.hang_seconds, "status callbacks filed")
        records, state = emulator.requests.records, emulator.protection.describe()
        texts = Counter(m.body for m in sandbox.twilio.messages if m.direction == "outbound-api")
        once = {body for body, n in texts.items() if n == 1}
        sids = {str(r["smsb_sid"]) for r in sent if r.get("smsb_sid")}
        row = Row("outbound" if design == "coalesced" else f"out-{design}", hosts, settings.outbox,
                  once=sum(1 for body in outboxes.values() if body in once) if len(sids) == len(sent) else 0,
                  duplicates=sum(n - 1 for n in texts.values()),
                  missing=sum(1 for body in outboxes.values() if not texts[body]),
                  requests=len(records), operations=state["operations"], send_path_requests=classify_sends(records),
                  simulated_seconds=(finished - started).total_seconds() * settings.time_scale,
                  wall_seconds=time.monotonic() - wall, cpu_seconds=time.process_time() - cpu,
                  refused=Counter(state["refused"]))
        _queue_outcome(sandbox, row)
        return row


_UNSETTLED = (int(OutboxStatus.PENDING), int(OutboxStatus.SENDING))


@contextlib.contextmanager
def _backend(storage: str) -> Iterator[QueueBackend]:
    backend = QueueBackend(storage)
    try:
        yield backend
    finally:
        backend.close()


def _queue_outcome(sandbox: Sandbox, row: Row) -> None:
    hosts = sandbox.more_hosts
    if hosts is None:
        return
    hosts.stop()  # each reports what its workers did
    row.queue_failures = sum(t.failed for t in hosts.totals())
    row.poisoned = sum(t.poisoned for t in hosts.totals())


def run_idle(settings: Settings, storage: str, logs: Path) -> list[float]:
    with stage(settings, 0, storage, logs, time_scale=1.0, latency_ms=settings.latency_ms) as sandbox:
        return idle_latencies(sandbox, settings.idle_texts, settings.idle_gap, settings.hang_seconds)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(settings: Settings, rows: list[Row], latencies: list[float]) -> bool:
    print(f"Dataverse emulator with service protection on ({settings.request_limit} requests per 300 s,"
          f" {settings.concurrency_limit} in flight): {settings.latency_ms:g} ms per Web API request, time"
          f" scale {settings.time_scale:g}, {settings.operation_ms:g} ms simulated execution per operation.")
    print("once = texts filed (Outbox rows sent) exactly once; dup = filed or sent again; lost = never filed or sent;")
    print("requests = HTTP requests Dataverse answered (429s included), per text or send; send path = those of the")
    print("outbound worker's own operations (the rest: status callbacks); ops = single requests + $batch parts;")
    print("sim s = simulated seconds from the first text (first Outbox row) to the last one filed (sent);")
    print("inbound = texts coalesced per worker process; inbound/1 = each text alone (SMSB_INBOUND_BATCH=1);")
    print("429s by limit: req = 0x80072322, time = 0x80072321, conc = 0x80072326; q retries = failed invocations")
    print("the queue delivered again; poison = messages given up; cpu = this process's CPU / wall (hosts excluded)")
    header = (f"{'scenario':9} {'hosts':>5} {'items':>6} {'once':>6} {'dup':>4} {'lost':>5} {'req/item':>8}"
              f" {'send path':>9} {'ops/item':>8} {'sim s':>8} {'items/s':>7} {'429 req/time/conc':>17}"
              f" {'q retries':>9} {'poison':>6} {'wall s':>7} {'cpu':>5}")
    print(header)
    print("-" * len(header))
    for r in rows:
        throttled = "/".join(str(r.refused.get(code, 0)) for code in ("0x80072322", "0x80072321", "0x80072326"))
        print(f"{r.scenario:9} {r.hosts:>5} {r.items:>6} {r.once:>6} {r.duplicates:>4} {r.missing:>5}"
              f" {r.per_item(r.requests):>8} {r.per_item(r.send_path_requests):>9} {r.per_item(r.operations):>8}"
              f" {r.simulated_seconds:>8.1f} {r.rate:>7.2f} {throttled:>17} {r.queue_failures:>9} {r.poisoned:>6}"
              f" {r.wall_seconds:>7.1f} {r.cpu_seconds / max(r.wall_seconds, 1e-9):>5.2f}")
    for line in [*load_inbound.comparison(rows, settings.request_limit / 300), *outbound_ratios(rows)]:
        print(line)
    exact = all(r.exact for r in rows)
    print(f"every text filed exactly once and every Outbox row sent exactly once: {'yes' if exact else 'NO'}")
    if latencies:
        print(f"idle load, 1 host, real time: {len(latencies)} texts, latency from Twilio's POST to the stored row"
              f" p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s,"
              f" max {max(latencies):.2f} s")
    if not settings.budgets:
        return exact
    return exact and check_budgets(rows, latencies)


def outbound_ratios(rows: list[Row]) -> list[str]:
    """Per host count, today's design against the coalesced one: send-path requests per send and time."""
    lines = []
    for single in (r for r in rows if r.scenario == "out-single"):
        coalesced = next((r for r in rows if r.scenario == "outbound" and r.hosts == single.hosts), None)
        if coalesced is None or not coalesced.simulated_seconds:
            continue
        lines.append(f"outbound, {single.hosts} host(s): send path {single.per_item(single.send_path_requests)} ->"
                     f" {coalesced.per_item(coalesced.send_path_requests)} requests per send; coalesced takes"
                     f" {coalesced.simulated_seconds / single.simulated_seconds:.2f}x the time"
                     f" ({single.simulated_seconds / coalesced.simulated_seconds:.2f}x as fast)")
    return lines


def check_budgets(rows: list[Row], latencies: list[float]) -> bool:
    checks = load_inbound.budgets(rows)
    for r in rows:
        if r.scenario == "outbound":
            # the send's own requests: Twilio's status callbacks are inbound work, coalesced with the texts
            sends = r.send_path_requests if r.send_path_requests is not None else r.requests
            checks.append((f"outbound, {r.hosts} host(s): <= {OUTBOUND_REQUESTS_PER_SEND} requests per send",
                           sends / r.items <= OUTBOUND_REQUESTS_PER_SEND))
    if latencies:
        checks.append((f"idle p95 <= {IDLE_P95_SECONDS} s", percentile(latencies, 0.95) <= IDLE_P95_SECONDS))
    for name, ok in checks:
        print(f"budget: {name}: {'met' if ok else 'MISSED'}")
    return all(ok for _, ok in checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--numbers", type=int, default=2_000)
    parser.add_argument("--outbox", type=int, default=10_000)
    parser.add_argument("--hosts", default="1,2,4", help="host counts to run, comma-separated")
    parser.add_argument("--scenarios", default="inbound,outbound,idle")
    parser.add_argument("--inbound-designs", default="coalesced,alone",
                        help="inbound designs to run at each host count: coalesced, alone (SMSB_INBOUND_BATCH=1)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per Web API request, simulated")
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--operation-ms", type=float, default=0.0,
                        help="simulated execution time of each operation (each $batch part), waited and charged")
    parser.add_argument("--request-limit", type=int, default=6000,
                        help="requests per 5-minute window (Microsoft's figure; lower it to see throttling sooner)")
    parser.add_argument("--concurrency-limit", type=int, default=52, help="requests in flight (Microsoft's figure)")
    parser.add_argument("--senders", type=int, default=8, help="threads posting Twilio's webhooks")
    parser.add_argument("--idle-texts", type=int, default=20)
    parser.add_argument("--idle-gap", type=float, default=3.0, help="seconds between idle texts (real time)")
    parser.add_argument("--hang-seconds", type=float, default=3600.0, help="give up a scenario after this long")
    parser.add_argument("--budgets", action="store_true", help="also check the coalescing change's budgets")
    parser.add_argument("--outbound-designs", default="single,coalesced",
                        help="outbound designs to run per host count: single (SMSB_OUTBOUND_BATCH=1), coalesced")
    parser.add_argument("--storage-connection", default=None,
                        help="queue storage to use (default: start Azurite from node_modules for the run)")
    args = parser.parse_args(argv)
    settings = Settings(texts=args.texts, numbers=args.numbers, outbox=args.outbox, latency_ms=args.latency_ms,
                        time_scale=args.time_scale, operation_ms=args.operation_ms, senders=args.senders,
                        request_limit=args.request_limit, concurrency_limit=args.concurrency_limit,
                        idle_texts=args.idle_texts, idle_gap=args.idle_gap, hang_seconds=args.hang_seconds,
                        budgets=args.budgets)
    scenarios = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    hosts = [int(h) for h in args.hosts.split(",") if h.strip()]
    designs = [d.strip() for d in args.outbound_designs.split(",") if d.strip()]
    if unknown := [d for d in designs if d not in OUTBOUND_DESIGNS]:
        parser.error(f"unknown outbound design(s): {', '.join(unknown)}")
    rows: list[Row] = []
    latencies: list[float] = []
    # a stop request (SIGTERM) unwinds like Ctrl-C, so every host process and Azurite are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logs = Path(tempfile.mkdtemp(prefix="smsb-load-"))
    with contextlib.ExitStack() as stack:
        storage = args.storage_connection
        if storage is None:
            azurite = Azurite(HOST, free_port(HOST))
            azurite.start()
            stack.callback(azurite.stop)
            storage = azurite_connection_string(azurite.host, azurite.port)
        for count in hosts:
            if "inbound" in scenarios:
                rows.extend(run_inbound(settings, count, storage, logs, load_inbound.DESIGNS[design.strip()])
                            for design in args.inbound_designs.split(",") if design.strip())
            if "outbound" in scenarios:
                for design in designs:
                    rows.append(run_outbound(settings, count, storage, logs, design))
        if "idle" in scenarios and settings.idle_texts:
            latencies = run_idle(settings, storage, logs)
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    ok = report(settings, rows, latencies)
    if ok and not any(r.poisoned for r in rows):
        shutil.rmtree(logs, ignore_errors=True)
    else:  # a message given up is worth reading about even when every text arrived
        print(f"the function hosts' logs are kept in {logs}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
