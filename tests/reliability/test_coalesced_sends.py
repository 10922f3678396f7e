"""Coalesced sends stay at most once to Twilio whatever fails: Dataverse throttling and outages on some requests,
Twilio's 429 on some sends, the same Outbox queued twice into one round and into two hosts, and a worker killed
between the Twilio call and the write of its result. Every text is counted on the Twilio emulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.sandbox import Sandbox
from messaging.names import OutboxStatus
from messaging.outbound import GroupSender, OutboundResult, Pacer
from messaging.sweep import Sweeper
from tests.reliability.conftest import (
    coalesced,
    group,
    job,
    like_the_queue,
    outbox_rows,
    single,
    texts_by_body,
)
from twilio_bridge import MessageSender

pytestmark = pytest.mark.azurite

MESSAGES = r"/Messages\.json$"


def statuses(sandbox: Sandbox, rows: dict[Any, str]) -> dict[Any, int]:
    found = {}
    for row_id in rows:
        row = sandbox.dataverse.store.get("smsb_outbox", str(row_id))
        assert row is not None
        found[row_id] = row["smsb_sendstatus"]
    return found


def batches(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.dataverse.requests.records if r.path.endswith("$batch"))


def round_requests(sandbox: Sandbox) -> int:
    """The Web API requests the round made: its query of the Outbox rows and its `$batch`es. Other traffic runs
    meanwhile and is not the round's: Twilio's status callbacks reach the app's webhook, whose map of Configurations
    may be due its background reload (every 30 s), and Dataverse's webhooks for the rows the round wrote."""
    return sum(1 for r in sandbox.dataverse.requests.records
               if r.path.endswith("$batch") or (r.method == "GET" and r.path.endswith("/smsb_outboxes")))


def test_a_burst_sends_each_row_once_through_dataverse_throttling_outages_and_twilio_429s(sandbox: Sandbox) -> None:
    rows = outbox_rows(sandbox, 40)
    sandbox.dataverse.faults.add(r"\$batch$", status=429, retry_after=1, count=3)
    sandbox.dataverse.faults.add(r"\$batch$", status=503, count=2)
    # more 429s in a row than the transport's own five attempts: the round waits them out, the row still claimed
    sandbox.twilio.faults.inject(MESSAGES, method="POST", status=429, count=7)
    worker = coalesced(sandbox)

    delivered = like_the_queue([worker], [job(row) for row in rows])

    assert not delivered.undelivered
    sent = texts_by_body(sandbox)
    assert sorted(sent) == sorted(rows.values())
    assert set(sent.values()) == {1}  # every row at most once, and none lost
    assert set(statuses(sandbox, rows).values()) == {int(OutboxStatus.SENT)}
    assert worker.combiner.largest > 1  # the jobs did share rounds
    posts = [r for r in sandbox.twilio.requests if r.method == "POST" and r.path.endswith("/Messages.json")]
    assert sum(1 for r in posts if r.status == 429) == 7


def test_a_round_costs_a_few_requests_whatever_its_size(sandbox: Sandbox) -> None:
    rows = outbox_rows(sandbox, 24)
    sender = group(sandbox)
    sender.process_group([job(row) for row in list(rows)[:1]])  # warm: WhoAmI, Configuration, tables
    sandbox.dataverse.requests.clear()

    outcomes = sender.process_group([job(row) for row in list(rows)[1:]])

    assert all(not isinstance(o, BaseException) and o.result is OutboundResult.SENT for o in outcomes)
    # one query of the Outbox rows, one claim $batch, one write $batch, one result $batch
    assert round_requests(sandbox) == 4
    assert batches(sandbox) == 3


def test_the_same_outbox_queued_twice_into_one_round_is_sent_once(sandbox: Sandbox) -> None:
    first, second = outbox_rows(sandbox, 2)
    outcomes = group(sandbox).process_group([job(first), job(second), job(first)])

    results = [o.result for o in outcomes if not isinstance(o, BaseException)]
    assert results == [OutboundResult.SENT, OutboundResult.SENT, OutboundResult.NOT_PENDING]
    assert set(texts_by_body(sandbox).values()) == {1}
    assert len(texts_by_body(sandbox)) == 2


def test_the_same_outboxes_queued_into_two_hosts_are_each_sent_once(sandbox: Sandbox) -> None:
    rows = outbox_rows(sandbox, 30)
    jobs = [job(row) for row in rows]
    hosts = [coalesced(sandbox, MessageSender(sandbox.app.twilio)) for _ in range(2)]

    # every row's job twice, the copies on the other host, all at once
    delivered = like_the_queue(hosts, [j for pair in zip(jobs, jobs, strict=True) for j in pair], threads=24)

    assert not delivered.undelivered
    assert sorted(texts_by_body(sandbox)) == sorted(rows.values())
    assert set(texts_by_body(sandbox).values()) == {1}
    results = [o.result for o in delivered.outcomes.values()]
    assert results.count(OutboundResult.SENT) == len(rows)
    assert set(results) <= {OutboundResult.SENT, OutboundResult.NOT_PENDING, OutboundResult.CLAIMED_ELSEWHERE}


class KilledAfterTheFirstSend:
    """Twilio takes the first text; then the worker process dies before anything else happens."""

    def __init__(self, real: MessageSender) -> None:
        self._real = real
        self._lock = threading.Lock()
        self._dead = False

    def send(self, credentials: Any, message: Any) -> Any:
        with self._lock:  # the round's other send threads die with the process, their texts never asked
            if not self._dead:
                self._dead = True
                self._real.send(credentials, message)
        raise SystemExit("the worker process was killed")


def test_a_worker_killed_between_twilio_and_the_result_write_never_sends_twice(sandbox: Sandbox) -> None:
    rows = outbox_rows(sandbox, 5)
    jobs = [job(row) for row in rows]
    killed = group(sandbox, KilledAfterTheFirstSend(MessageSender(sandbox.app.twilio)))

    with pytest.raises(SystemExit):
        killed.process_group(jobs)
    assert sum(texts_by_body(sandbox).values()) == 1
    assert set(statuses(sandbox, rows).values()) == {int(OutboxStatus.SENDING)}  # claimed, none recorded

    # the queue delivers the jobs again to a healthy worker: every row is Sending, so nothing is sent
    again = like_the_queue([coalesced(sandbox)], jobs)
    assert {o.result for o in again.outcomes.values()} == {OutboundResult.NOT_PENDING}
    assert sum(texts_by_body(sandbox).values()) == 1

    # ten minutes on, the sweep settles every row Unknown: a person checks Twilio's log; nothing is sent again
    later = datetime.now(UTC) + timedelta(minutes=11)
    app = sandbox.app
    report = Sweeper(app.dataverse, app.cipher, app.store, clock=lambda: later).run()

    assert report.outbox_unknown == len(rows)
    assert set(statuses(sandbox, rows).values()) == {int(OutboxStatus.UNKNOWN)}
    assert like_the_queue([coalesced(sandbox)], jobs).outcomes[0].result is OutboundResult.NOT_PENDING
    assert sum(texts_by_body(sandbox).values()) == 1


def test_a_round_paced_by_a_slow_sender_records_what_it_sent_every_few_seconds(sandbox: Sandbox) -> None:
    rows = list(outbox_rows(sandbox, 7))
    now = [0.0]
    real = MessageSender(sandbox.app.twilio)

    class ThreeSecondsEach:  # the sender's pacing, as the clock sees it
        def send(self, credentials: Any, message: Any) -> Any:
            now[0] += 3.0
            return real.send(credentials, message)

    slow = ThreeSecondsEach()
    sender = GroupSender(single(sandbox, slow), sandbox.app.store, slow,  # type: ignore[arg-type]
                         Pacer(long_code_mps=1000, service_mps=1000), record_every=5.0, send_threads=1,
                         clock=lambda: now[0])
    sender.process_group([job(rows[0])])  # warm: the Configuration and its tables
    sandbox.dataverse.requests.clear()

    outcomes = sender.process_group([job(row) for row in rows[1:]])

    assert {o.result for o in outcomes if not isinstance(o, BaseException)} == {OutboundResult.SENT}
    # read, claim, write, then the results of texts 1-2, 3-4 and 5-6 as each 5 s of sending passed
    assert round_requests(sandbox) == 6
    assert batches(sandbox) == 5
