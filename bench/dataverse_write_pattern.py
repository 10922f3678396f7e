"""Round trips of the inbound write pattern against the in-process Dataverse emulator.

Writes N inbound texts (conversation + session + message each) four ways: three single calls or one
``$batch`` changeset, each without faults and with 30% of requests answered 429. Retry waits are
simulated (the client's sleep advances a fake clock), so the run takes seconds, not minutes.

    .venv/bin/python -m bench.dataverse_write_pattern [--messages 200] [--throttle 0.3]   (from the repository root)
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import responses

from dataverse import Batch, DataverseClient, DataverseConfig, StaticTokenProvider, UpsertMode, bind
from devstack.dataverse_emulator import DataverseEmulator, mount_responses

ORG = "https://bench.crm.dynamics.com"
NAMESPACE = uuid.UUID("2b1f1c56-4b0e-4a36-9d7e-5a3c2e1f0b9d")


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waited = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.waited += seconds


@dataclass(frozen=True)
class Outcome:
    name: str
    messages: int
    http_requests: int
    operations: int
    attempts: int
    retries: int
    throttled_answers: int
    simulated_wait: float
    rows: dict[str, int]
    elapsed: float


def ids(index: int) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    conversation = uuid.uuid5(NAMESPACE, f"conversation:{index}")
    return conversation, uuid.uuid5(NAMESPACE, f"session:{conversation}"), uuid.uuid5(NAMESPACE, f"message:{index}")


def write_single(client: DataverseClient, index: int) -> int:
    conversation, session, message = ids(index)
    client.upsert("smsb_conversations", conversation, {"smsb_name": f"+1555{index:07d}", "smsb_state": 1},
                  mode=UpsertMode.CREATE_ONLY)
    client.create_with_id("smsb_messagesessions", "activityid", session, {
        "subject": "Chat", "smsb_conversation@odata.bind": bind("smsb_conversations", conversation)})
    client.upsert("smsb_messages", message, {
        "smsb_direction": 1, "smsb_body": "hello",
        "smsb_conversation@odata.bind": bind("smsb_conversations", conversation),
        "smsb_session@odata.bind": bind("smsb_messagesessions", session)}, mode=UpsertMode.CREATE_ONLY)
    return 3


def write_batch(client: DataverseClient, index: int) -> int:
    conversation, session, message = ids(index)
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.upsert("smsb_conversations", conversation, {"smsb_name": f"+1555{index:07d}", "smsb_state": 1},
                         mode=UpsertMode.CREATE_ONLY)
        changeset.create_with_id("smsb_messagesessions", "activityid", session, {
            "subject": "Chat", "smsb_conversation@odata.bind": bind("smsb_conversations", conversation)})
        changeset.upsert("smsb_messages", message, {
            "smsb_direction": 1, "smsb_body": "hello",
            "smsb_conversation@odata.bind": bind("smsb_conversations", conversation),
            "smsb_session@odata.bind": bind("smsb_messagesessions", session)}, mode=UpsertMode.CREATE_ONLY)
    client.execute_batch(batch).raise_first_error()
    return 3


def run(name: str, write: Callable[[DataverseClient, int], int], messages: int, throttle: float) -> Outcome:
    emulator = DataverseEmulator(fault_seed=7)
    if throttle:
        emulator.faults.add(r".", status=429, retry_after=1, share=throttle)
    clock = SimulatedClock()
    started = time.perf_counter()
    operations = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount_responses(emulator, mock, ORG)
        config = DataverseConfig(url=ORG, retry_budget_seconds=600.0)
        with DataverseClient.from_config(config, tokens=StaticTokenProvider("bench"), clock=clock,
                                         wall_clock=clock, sleep=clock.sleep) as client:
            for index in range(messages):
                operations += write(client, index)
            stats = client.stats
    tables = ("smsb_conversation", "smsb_messagesession", "smsb_message")
    return Outcome(
        name=name, messages=messages, http_requests=len(emulator.requests.records), operations=operations,
        attempts=stats.attempts, retries=stats.retries, throttled_answers=emulator.requests.count(status=429),
        simulated_wait=clock.waited, rows={table: len(list(emulator.store.rows(table))) for table in tables},
        elapsed=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--throttle", type=float, default=0.3)
    args = parser.parse_args()
    outcomes = [
        run("3 single calls", write_single, args.messages, 0.0),
        run("1 $batch changeset", write_batch, args.messages, 0.0),
        run(f"3 single calls, {args.throttle:.0%} 429", write_single, args.messages, args.throttle),
        run(f"1 $batch changeset, {args.throttle:.0%} 429", write_batch, args.messages, args.throttle),
    ]
    print(f"{args.messages} inbound messages, each: conversation (create-only upsert), session (POST with id), "
          "message (create-only upsert)")
    header = (f"{'pattern':34} {'ops':>5} {'HTTP':>6} {'per msg':>7} {'attempts':>8} {'retries':>7} "
              f"{'429s':>5} {'waited s':>8} {'rows conv/sess/msg':>19} {'wall s':>6}")
    print(header)
    print("-" * len(header))
    for o in outcomes:
        rows = "/".join(str(o.rows[t]) for t in ("smsb_conversation", "smsb_messagesession", "smsb_message"))
        print(f"{o.name:34} {o.operations:>5} {o.http_requests:>6} {o.http_requests / o.messages:>7.2f} "
              f"{o.attempts:>8} {o.retries:>7} {o.throttled_answers:>5} {o.simulated_wait:>8.0f} {rows:>19} "
              f"{o.elapsed:>6.2f}")
    exact = all(all(count == args.messages for count in o.rows.values()) for o in outcomes)
    print(f"exactly one row of each kind per message in every run: {'yes' if exact else 'NO'}")


if __name__ == "__main__":
    main()
