"""Inbound texts filed together (`messaging.inbound.coalescing`), against the Dataverse emulator: every text filed
exactly once, one conversation per number, the conversation left at the text Twilio received last, whatever
Dataverse answers (429, 503), however texts are delivered (twice, a first contact with its follow-up) and wherever
a worker stops (after its read, after its write committed but before it heard so, or a host process killed)."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dataverse import DataverseConnectionError
from devstack.sandbox import Sandbox
from messaging.directory import ConfigurationDirectory
from messaging.envelopes import InboundEnvelope
from messaging.inbound import InboundOutcome, InboundProcessor
from messaging.inbound.coalescing import InboundCoalescer
from messaging.inbound.group import GroupFiler
from messaging.inbound.outcome import Alone, Filed
from messaging.plans import Changeset
from messaging.store import Answer, Item, Store
from tests.pipeline.conftest import inbound_params, new_sid, post_signed, queued, unreliable
from twilio_bridge import parse_inbound_message

pytestmark = pytest.mark.azurite

HANG = 120.0


def envelope(sandbox: Sandbox, number: str, body: str, *, at: datetime | None = None,
             sid: str | None = None) -> InboundEnvelope:
    product = sandbox.product
    assert product is not None
    return InboundEnvelope(product.configuration_id, at or datetime.now(UTC), str(uuid.uuid4()),
                           parse_inbound_message(inbound_params(sandbox, number, body, sid=sid).items()))


def processor(sandbox: Sandbox, store: Store | None = None) -> InboundProcessor:
    """A worker process of its own: nothing cached."""
    app = sandbox.app
    return InboundProcessor(app.dataverse, ConfigurationDirectory(app.dataverse), app.cipher, None,
                            store or Store(app.dataverse))


def at_once(coalescer: InboundCoalescer, envelopes: Sequence[InboundEnvelope]) -> list[InboundOutcome | Exception]:
    """Every envelope handed in by a thread of its own, all at once, as the queue's invocations are."""
    results: list[InboundOutcome | Exception | None] = [None] * len(envelopes)
    barrier = threading.Barrier(len(envelopes))

    def run(index: int) -> None:
        barrier.wait(HANG)
        try:
            results[index] = coalescer.process(envelopes[index])
        except Exception as exc:  # noqa: BLE001 - returned for the test to look at
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(envelopes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
        assert not thread.is_alive()
    return [result if result is not None else AssertionError("no result") for result in results]


def filed_once(sandbox: Sandbox, envelopes: Sequence[InboundEnvelope]) -> None:
    rows = [row for row in sandbox.dataverse.store.rows("smsb_message") if row.get("smsb_direction") == 1]
    by_sid: dict[str, int] = {}
    for row in rows:
        by_sid[str(row["smsb_sid"])] = by_sid.get(str(row["smsb_sid"]), 0) + 1
    for sent in envelopes:
        assert by_sid.get(sent.message.message_sid) == 1, sent.message.message_sid


def one_conversation_at_the_latest_text(sandbox: Sandbox, envelopes: Sequence[InboundEnvelope]) -> None:
    latest: dict[str, InboundEnvelope] = {}
    for sent in envelopes:
        number = sent.message.from_
        if number not in latest or sent.received_at > latest[number].received_at:
            latest[number] = sent
    for number, last in latest.items():
        conversations = sandbox.rows("smsb_conversation", smsb_phonenumber=number)
        assert len(conversations) == 1, number
        assert conversations[0]["smsb_lastmessagepreview"] == last.message.body, number
        sessions = sandbox.rows("smsb_messagesession", smsb_phonenumber=number)
        assert len(sessions) == 1, number


def test_a_burst_through_the_queue_is_filed_in_groups_exactly_once_under_429_and_503(sandbox: Sandbox) -> None:
    numbers = [f"+1656444{n:04d}" for n in range(12)]
    sids: dict[str, str] = {}
    for i in range(144):
        sid = new_sid()
        response = post_signed(sandbox, "/api/twilio/messages",
                               inbound_params(sandbox, numbers[i % len(numbers)], f"burst {i}", sid=sid))
        assert response.status_code == 200
        sids[sid] = numbers[i % len(numbers)]
    sandbox.dataverse.requests.clear()
    unreliable(sandbox)
    for _ in range(20):
        if sandbox.drain() == 0 and queued(sandbox) == 0:
            break
    sandbox.dataverse.faults.clear()
    stored = [m for m in sandbox.dataverse.store.rows("smsb_message") if m["smsb_sid"] in sids]
    assert sorted(m["smsb_sid"] for m in stored) == sorted(sids)
    for number in numbers:
        assert len(sandbox.rows("smsb_conversation", smsb_phonenumber=number)) == 1
    last = {number: f"burst {i}" for i, number in ((i, numbers[i % len(numbers)]) for i in range(144))}
    for number, body in last.items():
        # the webhooks were posted in order, so Twilio's time orders them the same way
        assert sandbox.rows("smsb_conversation", smsb_phonenumber=number)[0]["smsb_lastmessagepreview"] == body
    assert queued(sandbox, "sms-inbound-poison") == 0
    assert sandbox.dataverse.requests.count(status=429) > 0
    assert sandbox.dataverse.requests.count(status=503) > 0
    answered = sandbox.dataverse.requests.count(path=r"\$batch", status=200)
    assert answered < len(sids) / 2, f"{answered} $batch requests answered for {len(sids)} texts"


def test_one_group_one_write_and_a_text_that_cannot_be_filed_blocks_no_other(sandbox: Sandbox) -> None:
    worker = processor(sandbox)
    filer = GroupFiler(worker)
    known = envelope(sandbox, "+16564440100", "first")
    assert worker.process(known).stored
    t0 = datetime.now(UTC)
    texts = [worker.text_of(envelope(sandbox, "+16564440100", "again", at=t0)),
             worker.text_of(envelope(sandbox, "+16564440101", "new number", at=t0)),
             worker.text_of(envelope(sandbox, "+16564440102", "cannot be filed", at=t0)),
             worker.text_of(envelope(sandbox, "+16564440103", "another new number", at=t0))]
    # The third text's Configuration names a team that does not exist: its change set is refused.
    broken = dataclasses.replace(texts[2].configuration, team_id=uuid.uuid4(), send_app_notifications=False)
    texts[2] = dataclasses.replace(texts[2], configuration=broken)
    sandbox.dataverse.requests.clear()
    notes_before = len(sandbox.dataverse.store.rows("appnotification"))
    results = filer.file(texts)
    assert [type(r).__name__ for r in results][:2] == ["Filed", "Filed"]
    assert isinstance(results[2], Exception)
    assert isinstance(results[3], Filed)
    assert sandbox.dataverse.requests.count("POST", r"\$batch") == 2  # one read, one write
    # the team's three members hear of each text filed (notifications ride in its change set), of no other
    assert len(sandbox.dataverse.store.rows("appnotification")) - notes_before == 3 * 3
    for text, filed in ((texts[0], 1), (texts[1], 1), (texts[2], 0), (texts[3], 1)):
        assert len(sandbox.rows("smsb_message", smsb_sid=text.message.message_sid)) == filed
    assert len(sandbox.rows("smsb_conversation", smsb_phonenumber="+16564440102")) == 0


def test_a_second_delivery_of_a_text_in_the_same_group_is_found_filed_before(sandbox: Sandbox) -> None:
    worker = processor(sandbox)
    coalescer = InboundCoalescer(worker)
    assert worker.process(envelope(sandbox, "+16564440200", "hello")).stored
    sid = new_sid()
    twice = envelope(sandbox, "+16564440200", "twice", sid=sid)
    again = dataclasses.replace(twice, correlation_id=str(uuid.uuid4()))
    others = [envelope(sandbox, f"+1656444030{n}", f"other {n}") for n in range(6)]
    # Handed to the group filer as one group regardless of the grouping: the second change set meets the message.
    filer = GroupFiler(worker)
    results = filer.file([worker.text_of(twice), worker.text_of(again)])
    assert isinstance(results[0], Filed)
    assert isinstance(results[1], Alone)
    assert worker.finish(worker.file(results[1].text)).duplicate
    # And through the coalescer, with others at once: the later delivery waits for the next flush.
    outcomes = at_once(coalescer, [twice, again, *others])
    assert all(isinstance(o, InboundOutcome) for o in outcomes), outcomes
    assert [o.duplicate for o in outcomes[:2] if isinstance(o, InboundOutcome)] == [True, True]
    assert len(sandbox.rows("smsb_message", smsb_sid=sid)) == 1
    filed_once(sandbox, others)


def test_a_first_contact_and_its_follow_up_at_once_make_one_conversation_in_twilios_order(sandbox: Sandbox) -> None:
    t0 = datetime.now(UTC)
    for attempt in range(4):
        coalescer = InboundCoalescer(processor(sandbox))
        number = f"+165644405{attempt:02d}"
        pair = [envelope(sandbox, number, f"{attempt} first", at=t0),
                envelope(sandbox, number, f"{attempt} follow-up", at=t0 + timedelta(seconds=2))]
        others = [envelope(sandbox, f"+16564440{attempt}{n:02d}", f"other {n}", at=t0) for n in range(6)]
        everything = [pair[1], *others, pair[0]]  # the follow-up handed in first
        outcomes = at_once(coalescer, everything)
        assert all(isinstance(o, InboundOutcome) and o.stored for o in outcomes), outcomes
        filed_once(sandbox, everything)
        one_conversation_at_the_latest_text(sandbox, everything)


class _StoppingStore(Store):
    """A worker that stops at one point of its first write `$batch`: before sending it, or after it committed
    but before its answer arrived (the connection lost). Either way its invocations raise; the queue delivers
    their messages again."""

    def __init__(self, sandbox: Sandbox, *, after_commit: bool) -> None:
        super().__init__(sandbox.app.dataverse)
        self._after_commit = after_commit
        self.stopped = 0

    def run(self, items: Sequence[Item], *, continue_on_error: bool = False) -> Answer:
        writes = sum(isinstance(item, Changeset) for item in items)
        if writes > 1 and not self.stopped:
            self.stopped += 1
            if self._after_commit:
                super().run(items, continue_on_error=continue_on_error)
            raise DataverseConnectionError("the worker stopped", sent=self._after_commit)
        return super().run(items, continue_on_error=continue_on_error)


@pytest.mark.parametrize("after_commit", [False, True], ids=["after-the-read", "after-the-commit"])
def test_a_worker_that_stops_mid_group_leaves_every_text_to_be_filed_once_on_redelivery(
        sandbox: Sandbox, after_commit: bool) -> None:
    t0 = datetime.now(UTC)
    known = envelope(sandbox, "+16564440600", "known", at=t0)
    assert processor(sandbox).process(known).stored
    burst = [envelope(sandbox, f"+165644406{n % 5:02d}", f"text {n}", at=t0 + timedelta(seconds=1 + n))
             for n in range(15)]
    store = _StoppingStore(sandbox, after_commit=after_commit)
    stopping = processor(sandbox, store)
    # The first group: texts of numbers never seen (one each) and of the known one, filed together.
    filer = GroupFiler(stopping)
    first = [stopping.text_of(e) for e in burst[:5]]
    with pytest.raises(DataverseConnectionError):  # the combiner raises it in every invocation of the group
        filer.file(first)
    assert store.stopped == 1
    committed = len(sandbox.rows("smsb_message", smsb_sid=burst[1].message.message_sid))
    assert committed == (1 if after_commit else 0)
    # The queue delivers every message again, to a worker of its own (the first one is gone).
    outcomes = at_once(InboundCoalescer(processor(sandbox)), burst)
    assert all(isinstance(o, InboundOutcome) and (o.stored or o.duplicate) for o in outcomes), outcomes
    duplicates = sum(1 for o in outcomes if isinstance(o, InboundOutcome) and o.duplicate)
    assert duplicates == (5 if after_commit else 0)
    filed_once(sandbox, burst)
    one_conversation_at_the_latest_text(sandbox, [known, *burst])


def test_a_host_process_killed_mid_burst_deletes_no_message_whose_text_it_did_not_file(make_sandbox: Any) -> None:
    # One function host in a process of its own works the queue (the sandbox's own host only takes webhooks).
    sandbox = make_sandbox(host_processes=1, host_log_level="WARNING")
    numbers = [f"+1656444{n:04d}" for n in range(800, 820)]
    sids = []
    for i in range(200):
        sid = new_sid()
        assert post_signed(sandbox, "/api/twilio/messages",
                           inbound_params(sandbox, numbers[i % len(numbers)], f"kill {i}", sid=sid)).status_code == 200
        sids.append(sid)
    # every request slow enough that the host is mid-burst, with groups written, when it is killed
    sandbox.dataverse.faults.add(r".", status=None, latency_ms=50)
    hosts = sandbox.more_hosts
    assert hosts is not None

    def filed() -> list[dict[str, Any]]:
        return [m for m in sandbox.dataverse.store.rows("smsb_message") if m["smsb_sid"] in set(sids)]

    deadline = threading.Event()
    for _ in range(int(HANG / 0.05)):
        if len(filed()) >= 20:
            break
        deadline.wait(0.05)
    os.kill(hosts.processes[0].pid, signal.SIGKILL)
    hosts.processes[0].process.wait(HANG)
    rows = filed()
    assert 20 <= len(rows) < len(sids), "the host was to be killed mid-burst"
    by_sid: dict[str, int] = {}
    for row in rows:
        by_sid[row["smsb_sid"]] = by_sid.get(row["smsb_sid"], 0) + 1
    assert set(by_sid.values()) == {1}
    for number in numbers:
        assert len(sandbox.rows("smsb_conversation", smsb_phonenumber=number)) <= 1
    # A message leaves the queue only once its text is filed: those of every text not filed are still there (out of
    # sight until their visibility timeout ends, when another host gets them and files them once).
    left = sandbox.queues().queue("sms-inbound").get_queue_properties().approximate_message_count
    assert left >= len(sids) - len(rows)


def test_an_older_text_delivered_again_is_found_filed_before_though_its_change_set_is_its_message_alone(
        sandbox: Sandbox) -> None:
    t0 = datetime.now(UTC)
    worker = processor(sandbox)
    assert worker.process(envelope(sandbox, "+16564440900", "later", at=t0 + timedelta(minutes=5))).stored
    older = envelope(sandbox, "+16564440900", "earlier", at=t0 + timedelta(minutes=4))
    # older than the conversation's last activity: its change set writes its message row and nothing else
    assert worker.process(older).stored
    again = worker.process(older)
    assert again.duplicate
    assert not again.stored
    assert len(sandbox.rows("smsb_message", smsb_sid=older.message.message_sid)) == 1
    assert sandbox.rows("smsb_conversation", smsb_phonenumber="+16564440900")[0]["smsb_lastmessagepreview"] == "later"
