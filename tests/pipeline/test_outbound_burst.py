"""A burst of Outbox rows through the real path (Dataverse's webhook → sms-outbound → the host's concurrent
invocations) is sent in shared rounds, each row once, at a fraction of the requests one job at a time costs; the
setting `SMSB_OUTBOUND_BATCH=1` keeps one job at a time."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.sandbox import Sandbox, SandboxOptions
from messaging.names import OutboxStatus
from messaging.outbound import CoalescedOutbound, OutboundProcessor
from tests.pipeline.conftest import FAST_QUEUES

pytestmark = pytest.mark.azurite

ROWS = 32


@pytest.fixture
def start(azurite: Any) -> Iterator[Any]:
    started: list[Sandbox] = []

    def make(**environ: str) -> Sandbox:
        sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES),
                          {"SMSB_TWILIO_MPS": "1000", **environ}).start()
        started.append(sandbox)
        for name in ("sms-inbound", "sms-inbound-poison", "sms-outbound", "sms-outbound-poison"):
            sandbox.queues().queue(name).clear_messages()
        return sandbox

    try:
        yield make
    finally:
        for sandbox in started:
            sandbox.stop()


def burst(sandbox: Sandbox) -> tuple[dict[uuid.UUID, str], int]:
    """`ROWS` Outbox rows created through the Web API, each to its own number, their webhooks queued, then the
    queue drained; the rows' texts and the Dataverse requests the sends made."""
    product = sandbox.product
    assert product is not None
    rows = {}
    for n in range(ROWS):
        row_id, text = uuid.uuid4(), f"Burst {n}"
        sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", row_id, {
            "subject": "Burst", "smsb_freeform": text, "smsb_mobilenumber": f"+1656{2_000_000 + n:07d}",
            "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})"})
        rows[row_id] = text
    sandbox.dataverse.webhooks.drain(30)
    sandbox.dataverse.requests.clear()
    sandbox.drain("sms-outbound")
    return rows, len(sandbox.dataverse.requests.records)


def sent_once(sandbox: Sandbox, rows: dict[uuid.UUID, str]) -> bool:
    texts = Counter(m.body for m in sandbox.twilio.messages if m.direction == "outbound-api")
    statuses = {sandbox.dataverse.store.get("smsb_outbox", str(r))["smsb_sendstatus"] for r in rows}  # type: ignore[index]
    return sorted(texts) == sorted(rows.values()) and set(texts.values()) == {1} and statuses == {
        int(OutboxStatus.SENT)}


def test_a_burst_is_sent_in_shared_rounds_for_far_fewer_requests_than_one_job_at_a_time(start: Any) -> None:
    coalescing = start()
    worker = coalescing.app.outbound_worker._outbound
    assert isinstance(worker, CoalescedOutbound)
    rows, coalesced_requests = burst(coalescing)
    assert sent_once(coalescing, rows)
    assert worker.combiner.largest > 1

    one_at_a_time = start(SMSB_OUTBOUND_BATCH="1")
    assert isinstance(one_at_a_time.app.outbound_worker._outbound, OutboundProcessor)
    rows, single_requests = burst(one_at_a_time)
    assert sent_once(one_at_a_time, rows)

    assert coalesced_requests / ROWS <= 1.5
    assert single_requests / ROWS >= 3  # read, claim, write, record: each its own request
    assert coalesced_requests * 2 < single_requests
