"""Several function hosts on the same queues: a burst of inbound texts and Outbox rows is drained by two and by four
hosts (the devstack's own and more in processes of their own) with every text filed once and every Outbox row sent
once; with four, the Dataverse emulator's service protection is on and small enough to refuse requests meanwhile."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.config import QueueSettings
from devstack.dataverse_emulator.service_limits import Limits
from devstack.queues import QueueBackend
from devstack.sandbox import Sandbox, SandboxOptions
from messaging.names import Direction, OutboxStatus

pytestmark = [pytest.mark.azurite, pytest.mark.loopback]

QUEUES = ("sms-inbound", "sms-outbound", "sms-inbound-poison", "sms-outbound-poison")
# A failed message is visible again after 2 s (host.json: 10 s), not at once: Twilio's status callback for a text can
# arrive before the round that sent it recorded its SID, and then waits a retry; five instant retries would spend
# all of its deliveries within milliseconds.
FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(seconds=2),
                            max_polling_interval=timedelta(milliseconds=200))
TEXTS, NUMBERS, OUTBOX = 48, 12, 16
HANG = 150.0  # seconds: only a hang takes this long


@pytest.fixture
def start_hosts(azurite: Any, tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def start(hosts: int, limits: Limits | None = None) -> Sandbox:
        backend = QueueBackend(azurite.connection_string)
        for name in QUEUES:  # the session's Azurite is shared: start from empty queues
            backend.queue(name).clear_messages()
        backend.close()
        sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                         run_queues=True, host_processes=hosts - 1, host_log_folder=tmp_path,
                                         host_log_level="WARNING", twilio_callback_delay=0.01,
                                         dataverse_limits=limits))
        started.append(sandbox)
        sandbox.start()
        # every request is slow enough for the queues to back up, so that every host takes part
        sandbox.dataverse.faults.add(r".", status=None, latency_ms=20)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


def _burst(sandbox: Sandbox) -> tuple[list[str], list[uuid.UUID]]:
    """TEXTS inbound texts from NUMBERS numbers and OUTBOX Outbox rows, all at once; their SIDs and ids."""
    product = sandbox.product
    assert product is not None
    numbers = [f"+1656555{1000 + n:04d}" for n in range(NUMBERS)]

    def text(index: int) -> str:
        result = sandbox.twilio.send_inbound(numbers[index % NUMBERS], product.number, f"Reply {index}")
        assert result.delivery is not None, result
        assert result.delivery.status == 200, result
        return result.message_sid

    def outbox(index: int) -> uuid.UUID:
        row = uuid.uuid4()
        sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", row, {
            "subject": "Reminder", "smsb_freeform": f"Reminder {index}", "smsb_mobilenumber": numbers[index % NUMBERS],
            "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})"})
        return row

    with ThreadPoolExecutor(8) as pool:
        outboxes = list(pool.map(outbox, range(OUTBOX)))
        sids = list(pool.map(text, range(TEXTS)))
    return sids, outboxes


def _settled(sandbox: Sandbox, sids: list[str], outboxes: list[uuid.UUID]) -> bool:
    incoming = [r for r in sandbox.rows("smsb_message") if r.get("smsb_direction") == int(Direction.INCOMING)]
    rows = [sandbox.dataverse.store.get("smsb_outbox", str(o)) for o in outboxes]
    return (len(incoming) >= len(sids)
            and all(r is not None and r.get("smsb_sendstatus") == int(OutboxStatus.SENT) for r in rows))


def _drained(sandbox: Sandbox, sids: list[str], outboxes: list[uuid.UUID]) -> None:
    deadline = time.monotonic() + HANG
    while not _settled(sandbox, sids, outboxes):
        assert time.monotonic() < deadline, "the hosts did not drain the burst"
        time.sleep(0.2)
    sandbox.twilio.wait_idle(30)
    sandbox.dataverse.webhooks.drain(30)


def _assert_exactly_once(sandbox: Sandbox, sids: list[str], outboxes: list[uuid.UUID]) -> None:
    incoming = Counter(r["smsb_sid"] for r in sandbox.rows("smsb_message")
                       if r.get("smsb_direction") == int(Direction.INCOMING))
    assert incoming == Counter(sids), "an inbound text was lost or filed twice"
    assert len(sandbox.rows("smsb_conversation")) == NUMBERS
    sent = [m for m in sandbox.twilio.messages if m.direction == "outbound-api"]
    assert sorted(m.body for m in sent) == sorted(f"Reminder {i}" for i in range(OUTBOX)), "a text sent twice"
    outgoing = [r for r in sandbox.rows("smsb_message") if r.get("smsb_direction") == int(Direction.OUTGOING)]
    assert Counter(r["smsb_sid"] for r in outgoing) == Counter(m.sid for m in sent)
    for outbox in outboxes:
        row = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
        assert row is not None
        assert row["smsb_sendstatus"] == int(OutboxStatus.SENT)
        assert row["smsb_sid"] in {m.sid for m in sent}
    backend = sandbox.queues()
    assert [backend.queue(name).peek_messages() for name in ("sms-inbound-poison", "sms-outbound-poison")] == [[], []]


def _processed_by_processes(sandbox: Sandbox) -> int:
    assert sandbox.more_hosts is not None
    sandbox.more_hosts.stop()  # they report what their workers did as they stop
    return sum(t.processed for t in sandbox.more_hosts.totals())


def test_two_hosts_file_every_text_and_send_every_outbox_row_once(start_hosts: Callable[..., Sandbox]) -> None:
    sandbox = start_hosts(2)
    assert sandbox.more_hosts is not None
    assert len(sandbox.more_hosts.processes) == 1
    sids, outboxes = _burst(sandbox)
    _drained(sandbox, sids, outboxes)
    _assert_exactly_once(sandbox, sids, outboxes)
    in_process = sum(w.totals.processed for w in sandbox.host.queue_workers)  # type: ignore[union-attr]
    assert in_process > 0
    assert _processed_by_processes(sandbox) > 0


def test_four_hosts_throttled_by_dataverse_still_file_and_send_exactly_once(
        start_hosts: Callable[..., Sandbox]) -> None:
    # Six in flight trip the concurrency limit: the burst's own eight threads create Outbox rows through the
    # product's client, each create held 300 ms, so they pass it whatever the hosts do (coalescing keeps the hosts'
    # requests few); every refusal is retried after its Retry-After.
    sandbox = start_hosts(4, Limits(concurrent=6, time_scale=10))
    sandbox.dataverse.faults.clear()
    held = sandbox.dataverse.faults.add(r"/smsb_outboxes$", status=None, latency_ms=300, method="POST")
    sandbox.dataverse.faults.add(r".", status=None, latency_ms=20)
    assert sandbox.more_hosts is not None
    assert len(sandbox.more_hosts.processes) == 3
    sids, outboxes = _burst(sandbox)
    _drained(sandbox, sids, outboxes)
    _assert_exactly_once(sandbox, sids, outboxes)
    assert _processed_by_processes(sandbox) > 0
    assert held.fired >= OUTBOX
    assert sandbox.dataverse.protection.describe()["refused"].get("0x80072326", 0) > 0
