"""Dataverse round trips and operations per inbound text, on the real path, against the budgets.

Each text goes the way Twilio sends it: the Twilio emulator's customer phone posts the signed webhook to the
function app on the local host (`POST /api/twilio/messages`), the handler queues it in Azurite, and the
`sms-inbound` queue function files it (`Sandbox.drain()`). The Dataverse emulator's request log counts round
trips (HTTP requests); operations are single requests plus the parts inside each `$batch`.

Budgets (inbound worker, per text): first contact of a number with cold caches <= 3 round trips; a conversation
already seen (warm caches) exactly 1. Printed without a budget: a conversation whose first text another worker
filed (this one has neither it nor its session cached), and a duplicate delivery (Twilio retrying a webhook
that was already filed), which must not file a second message.

    .venv/bin/python -m bench.inbound_round_trips [--messages 5] [--unknown 3] [--idle 61]   (from the repository root)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from app import runtime
from bench.inbound_sandbox import (
    Traffic,
    TrafficMeter,
    emulator_of,
    fresh_runtime,
    running_sandbox,
)
from devstack.queues import QueueBackend
from devstack.sandbox import Sandbox
from messaging.phones import normalize

FIRST_CONTACT_BUDGET = 3
SEEN_BUDGET = 1

# Seeded demo customers (devstack/dataverse_emulator/seed.py); the Record Types match contact.mobilephone and
# account.telephone1. (what the phone sends as From, who it is and how the CRM stores the number)
COLD_NUMBERS = [
    ("+16562185892", "contact Avery Park, mobilephone '+1 (656) 218-5892'"),
    ("+16562185900", "account Contoso Pharmaceuticals, telephone1 '(656) 218-5900'"),
    ("+16562180100", "nobody"),
]
WARM_NUMBERS = [
    ("+16562185896", "contact Emery Stone, mobilephone '+16562185896'"),
    ("+447700900123", "contact Oliver Bennett, mobilephone '+44 7700 900123'"),
    ("+16562185894", "contact Casey Nguyen, mobilephone '6562185894'"),
    ("+16562185897", "contact Harper Quinn, but in telephone1 (no Record Type)"),
]


@dataclass
class Sample:
    scenario: str
    number: str
    sid: str
    webhook: Traffic
    worker: Traffic
    status: int | None


@dataclass
class Row:
    scenario: str
    budget: str
    samples: list[Sample] = field(default_factory=list)

    def worker_trips(self) -> list[int]:
        return [s.worker.round_trips for s in self.samples]

    def ok(self) -> bool:
        trips = self.worker_trips()
        if not trips or any(s.status != 200 for s in self.samples):
            return False
        if self.budget.startswith("<="):
            return max(trips) <= int(self.budget[2:])
        if self.budget.startswith("=="):
            return min(trips) == max(trips) == int(self.budget[2:])
        return True


class Stage:
    """The sandbox, a meter on its Dataverse, and one `sms-inbound` worker driven from here."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.meter = TrafficMeter(emulator_of(sandbox))
        self.worker = sandbox.queue_worker("sms-inbound")

    def drain(self) -> int:
        handled = 0
        for _ in range(100):
            batch = self.worker.poll_once()
            if batch == 0:
                break
            handled += batch
        return handled


def text(stage: Stage, scenario: str, number: str, body: str) -> Sample:
    """The customer phone texts the product's number; the queue is drained by the inbound function."""
    sandbox, meter = stage.sandbox, stage.meter
    product = sandbox.product
    assert product is not None
    meter.take()
    result = sandbox.twilio.send_inbound(number, product.number, body)
    # A cold host answers Twilio at once and loads its Configuration map in the background: that load belongs to
    # the webhook, so it is waited for before the worker's requests are counted.
    runtime.current().directory.wait_for_background_load(60)
    webhook = meter.take()
    handled = stage.drain()
    worker = meter.take()
    if handled != 1:
        raise RuntimeError(f"expected one queued text, the queue function handled {handled}")
    status = result.delivery.status if result.delivery is not None else None
    return Sample(scenario, number, result.message_sid, webhook, worker, status)


def redeliver(stage: Stage, sample: Sample) -> Sample:
    """Twilio retries the webhook of a text that was filed: the same signed request, the same MessageSid."""
    sandbox, meter = stage.sandbox, stage.meter
    delivery = sandbox.twilio.deliveries.for_message(sample.sid)[0]
    meter.take()
    response = sandbox.twilio.webhook_sender(delivery.request)
    webhook = meter.take()
    handled = stage.drain()
    worker = meter.take()
    if handled != 1:
        raise RuntimeError(f"expected one queued text, the queue function handled {handled}")
    return Sample("duplicate", sample.number, sample.sid, webhook, worker, response.status)


def run(messages: int, unknown: int, storage_connection: str | None = None,
        idle: float = 0.0) -> tuple[list[Row], list[str], bool]:
    """Returns the table rows, the per-number match lines, and whether exactly one message row exists per text."""
    cold = Row("first contact, cold worker (new process)", f"<={FIRST_CONTACT_BUDGET}")
    warm = Row("first contact, Configuration cached", f"<={FIRST_CONTACT_BUDGET}")
    seen = Row("conversation already seen, caches warm", f"=={SEEN_BUDGET}")
    elsewhere = Row("conversation filed by another worker", "print")
    later = Row(f"conversation seen, reply after {idle:.0f} s idle", "print")
    duplicate = Row("duplicate delivery (Twilio retry)", "print")
    extra = [(f"+1656218{200 + i:04d}", "nobody") for i in range(unknown)]
    numbers = COLD_NUMBERS + WARM_NUMBERS + extra
    with running_sandbox(storage_connection) as sandbox:
        queues = QueueBackend(sandbox.options.storage_connection)
        try:  # a shared queue service (tests) may hold texts of earlier runs
            queues.queue("sms-inbound").clear_messages()
        finally:
            queues.close()
        stage = Stage(sandbox)
        # Each cold sample in a runtime of its own: the first text a freshly started worker files.
        for number, _who in COLD_NUMBERS[:-1]:
            with fresh_runtime(sandbox):
                cold.samples.append(text(stage, cold.scenario, number, "Hi, is the store open today?"))
        with fresh_runtime(sandbox):
            number, _who = COLD_NUMBERS[-1]
            cold.samples.append(text(stage, cold.scenario, number, "Hi, is the store open today?"))
            for number, _who in WARM_NUMBERS + extra:
                warm.samples.append(text(stage, warm.scenario, number, "Hello, I have a question"))
            # This worker has seen these conversations (it filed their first text): the budget case.
            for index in range(messages):
                for number, _who in numbers[len(COLD_NUMBERS) - 1:]:
                    seen.samples.append(text(stage, seen.scenario, number, f"Follow-up {index + 1}"))
            # These were filed by the other (cold) workers: this one knows neither conversation nor session.
            for number, _who in COLD_NUMBERS[:-1]:
                elsewhere.samples.append(text(stage, elsewhere.scenario, number, "Follow-up"))
            for sample in cold.samples + warm.samples:
                duplicate.samples.append(redeliver(stage, sample))
            if idle > 0:  # the worker's caches expire (conversations after 30 s, Configuration and team after 60 s)
                time.sleep(idle)
                for number, _who in numbers[len(COLD_NUMBERS) - 1:]:
                    later.samples.append(text(stage, later.scenario, number, "Back again"))
        stage.worker.stop()
        conversations = {row.get("smsb_phonenumber"): row for row in sandbox.rows("smsb_conversation")}
        texts = sum(len(row.samples) for row in (cold, warm, seen, elsewhere, later))
        filed = len(sandbox.rows("smsb_message"))
    matches = []
    for number, who in numbers:
        row = conversations.get(normalize(number).value, {})
        first = next(s for s in cold.samples + warm.samples if s.number == number)
        matched = f"{row.get('smsb_customerentity')} {row.get('smsb_customername')}" if row.get(
            "smsb_customerid") else "no customer"
        matches.append(f"  {number:15} {first.worker.round_trips} round trips  {who:58} -> {matched}")
    rows = [cold, warm, seen, elsewhere, duplicate] + ([later] if later.samples else [])
    return rows, matches, filed == texts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=5, help="later texts from every number (default 5)")
    parser.add_argument("--unknown", type=int, default=3, help="more numbers that match no customer (default 3)")
    parser.add_argument("--idle", type=float, default=0.0,
                        help="then wait this many seconds and text again from every number (default 0: skip)")
    parser.add_argument("--storage-connection", default=None,
                        help="queue storage to use (default: start Azurite from node_modules for the run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows, matches, exact = run(max(1, args.messages), max(0, args.unknown), args.storage_connection,
                                max(0.0, args.idle))
    elapsed = time.perf_counter() - started
    print("Inbound texts through the real path: Twilio emulator -> signed webhook -> function host "
          "POST /api/twilio/messages -> Azurite sms-inbound -> queue function (InboundProcessor).")
    print("Round trips = HTTP requests the Dataverse emulator received; ops = single requests + $batch parts.")
    header = (f"{'scenario':42} {'texts':>5} {'webhook RT':>10} {'worker RT min/avg/max':>21} "
              f"{'worker ops/text':>15} {'budget':>7} {'ok':>3}")
    print(header)
    print("-" * len(header))
    for row in rows:
        trips = row.worker_trips()
        n = len(row.samples)
        webhook = sum(s.webhook.round_trips for s in row.samples) / n
        ops = sum(s.worker.operations for s in row.samples) / n
        spread = f"{min(trips)}/{sum(trips) / n:.2f}/{max(trips)}"
        print(f"{row.scenario:42} {n:>5} {webhook:>10.2f} {spread:>21} {ops:>15.2f} {row.budget:>7} "
              f"{'yes' if row.ok() else 'NO':>3}")
    print("First contact per number (worker round trips; customer matched over the Record Types contact, account):")
    print("\n".join(matches))
    print(f"exactly one message row per text, none for the duplicates: {'yes' if exact else 'NO'}")
    print(f"wall time {elapsed:.1f} s")
    ok = exact and all(row.ok() for row in rows)
    print("budgets: met" if ok else "budgets: MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
