"""Coalesced outbound sends on the product on loopback (devstack sandbox): Outbox rows in bulk, a coalesced
sender built as the app builds it, and a loop that redelivers failed jobs as the queue does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from devstack.config import QueueSettings
from devstack.sandbox import Sandbox, SandboxOptions
from messaging.envelopes import OutboxJob
from messaging.outbound import CoalescedOutbound, GroupSender, OutboundOutcome, OutboundProcessor, Pacer
from messaging.outbound.media_links import MediaLinks, media_key
from twilio_bridge import MessageSender

FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(0),
                            max_polling_interval=timedelta(milliseconds=200))
DELIVERIES = 5  # host.json maxDequeueCount
FAST = 1000.0  # texts a second per sender: the Twilio emulator queues nothing, so pacing is not under test here


@pytest.fixture
def sandbox(azurite: Any) -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                     twilio_callback_delay=0.01)).start()
    for name in ("sms-inbound", "sms-inbound-poison", "sms-outbound", "sms-outbound-poison"):
        sandbox.queues().queue(name).clear_messages()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def single(sandbox: Sandbox, sender: Any = None) -> OutboundProcessor:
    app = sandbox.app
    return OutboundProcessor(app.dataverse, app.directory, app.cipher, sender or MessageSender(app.twilio), app.store,
                             MediaLinks(media_key(app.settings.encryption_key), sandbox.url), public_url=sandbox.url,
                             tables=app.customer_tables)


def group(sandbox: Sandbox, sender: Any = None, *, mps: float = FAST) -> GroupSender:
    """A round's sender on its own clients, as one function host process has."""
    sender = sender or MessageSender(sandbox.app.twilio)
    return GroupSender(single(sandbox, sender), sandbox.app.store, sender, Pacer(long_code_mps=mps, service_mps=mps))


def coalesced(sandbox: Sandbox, sender: Any = None, *, limit: int = 24) -> CoalescedOutbound:
    return CoalescedOutbound(group(sandbox, sender), limit)


def outbox_rows(sandbox: Sandbox, count: int, first: int = 3_000_000) -> dict[uuid.UUID, str]:
    """`count` free-text Outbox rows, each to its own number, created through the Web API; their texts by id."""
    product = sandbox.product
    assert product is not None
    rows = {}
    for n in range(count):
        row_id, text = uuid.uuid4(), f"Reminder {first + n}"
        sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", row_id, {
            "subject": "Reminder", "smsb_freeform": text, "smsb_mobilenumber": f"+1656{first + n:07d}",
            "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})"})
        rows[row_id] = text
    return rows


def job(outbox_id: uuid.UUID) -> OutboxJob:
    return OutboxJob(outbox_id, correlation_id=str(uuid.uuid4()))


@dataclass
class Delivered:
    """What the jobs came to after the queue's deliveries: each job's last outcome, the failures seen."""

    outcomes: dict[int, OutboundOutcome] = field(default_factory=dict)
    failures: list[BaseException] = field(default_factory=list)
    undelivered: list[int] = field(default_factory=list)


def like_the_queue(workers: Sequence[CoalescedOutbound], jobs: Sequence[OutboxJob], threads: int = 16) -> Delivered:
    """Every job handed to the workers at once (job i to worker i mod n), as a host's concurrent invocations are;
    a job that raised is delivered again, up to the queue's limit."""
    delivered = Delivered()
    pending = list(range(len(jobs)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in range(DELIVERIES):
            if not pending:
                break
            futures = {i: pool.submit(workers[i % len(workers)].process, jobs[i]) for i in pending}
            pending = []
            for i, future in futures.items():
                try:
                    delivered.outcomes[i] = future.result(timeout=300)
                except Exception as exc:  # noqa: BLE001 - the queue delivers the message again
                    delivered.failures.append(exc)
                    pending.append(i)
    delivered.undelivered = pending
    return delivered


def texts_by_body(sandbox: Sandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in sandbox.twilio.messages:
        if message.direction == "outbound-api":
            counts[message.body] = counts.get(message.body, 0) + 1
    return counts

