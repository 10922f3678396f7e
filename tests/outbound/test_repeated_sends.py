"""One Outbox, one text at most, however the network fails: the queue's retries and the sweeper's re-queues never
add up to a second POST, and an Outbox that keeps failing stops being retried (DESIGN 2, 6.4, 6.7)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devstack.sandbox import Sandbox
from devstack.tls import LocalCertificates, local_certificates
from messaging.names import OutboxStatus
from messaging.outbound import MAX_SEND_ATTEMPTS, OutboundProcessor, OutboundResult
from messaging.sweep import Sweeper
from solution.schema import load_schema
from tests.outbound.conftest import demo_contact, job, outbox, outbox_row, processor, texts
from tests.tls_front import tls_front
from twilio_bridge import MessageSender, SendFailed, TwilioClients, TwilioConfig

pytestmark = pytest.mark.azurite

QUEUE_DELIVERIES = 5  # host.json maxDequeueCount


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> LocalCertificates:
    return local_certificates(Path(tmp_path_factory.mktemp("tls")))


def worker_through(sandbox: Sandbox, base_url: str) -> OutboundProcessor:
    clients = TwilioClients(TwilioConfig(api_base_url=base_url, connect_timeout=5.0, read_timeout=10.0),
                            sleep=lambda _: None)
    return processor(sandbox, sender=MessageSender(clients))


def posts(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.twilio.requests if r.method == "POST" and r.path.endswith("/Messages.json"))


def deliver(worker: OutboundProcessor, outbox_id: uuid.UUID, times: int) -> list[OutboundResult | None]:
    """What the queue does with one job: deliver it again after every failure, up to `times`."""
    results: list[OutboundResult | None] = []
    for _ in range(times):
        try:
            results.append(worker.process(job(outbox_id)).result)
        except SendFailed:
            results.append(None)
            continue
        break
    return results


def sweep_and_deliver(sandbox: Sandbox, worker: OutboundProcessor, rounds: int,
                      clock: Callable[[int], datetime]) -> int:
    """The sweeper every few minutes, each re-queued job delivered as the queue would; returns the jobs queued."""
    app = sandbox.app
    queued = 0
    for n in range(rounds):
        report = Sweeper(app.dataverse, app.cipher, app.store, clock=lambda n=n: clock(n)).run()
        queued += len(report.jobs)
        for swept in report.jobs:
            deliver(worker, swept.outbox_id, QUEUE_DELIVERIES)
    return queued


def later(minutes: int) -> Callable[[int], datetime]:
    start = datetime.now(UTC)
    return lambda n: start + timedelta(minutes=minutes * (n + 1))


def test_a_tls_error_after_twilio_took_the_text_posts_it_once_through_queue_retries_and_sweeps(
    sandbox: Sandbox, certificates: LocalCertificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    assert sandbox.twilio_server is not None
    with tls_front(certificates, sandbox.twilio_server.url, mode="break-answer") as front:
        worker = worker_through(sandbox, front.url)
        first = deliver(worker, outbox_id, QUEUE_DELIVERIES)
        requeued = sweep_and_deliver(sandbox, worker, 5, later(5))

    assert (len(front.forwarded), posts(sandbox), len(texts(sandbox))) == (1, 1, 1)
    assert first[0] is OutboundResult.UNKNOWN
    assert requeued == 0
    row = outbox_row(sandbox, outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert "not sent again automatically" in row["smsb_failurereason"]
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="outbound")
    assert logged["smsb_relatedid"] == str(outbox_id)


def test_an_outbox_that_never_reaches_twilio_stops_after_its_attempts_and_is_never_requeued(
    sandbox: Sandbox,
) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    with socket.socket() as reserved:  # a port nobody listens on: every connection is refused
        reserved.bind(("127.0.0.1", 0))
        worker = worker_through(sandbox, f"http://127.0.0.1:{reserved.getsockname()[1]}")
        first = deliver(worker, outbox_id, QUEUE_DELIVERIES)
        requeued = sweep_and_deliver(sandbox, worker, 6, later(3))
        after = sweep_and_deliver(sandbox, worker, 3, later(60))

    assert first == [None] * QUEUE_DELIVERIES  # released each time: nothing was sent, the queue may retry
    assert requeued >= 1
    assert after == 0
    row = outbox_row(sandbox, outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert row["smsb_sendattempts"] == MAX_SEND_ATTEMPTS
    assert f"{MAX_SEND_ATTEMPTS} times" in row["smsb_failurereason"]
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="outbound")
    assert (logged["smsb_relatedid"], logged["smsb_severity"]) == (str(outbox_id), 2)
    assert "could not reach Twilio" in logged["smsb_details"]
    assert posts(sandbox) == 0
    described = load_schema().table("smsb_outbox").column("smsb_sendattempts").description
    assert f"after {MAX_SEND_ATTEMPTS} " in described  # what admins read says the same as the code


def test_an_outbox_released_once_keeps_its_count_and_is_sent_on_the_next_claim(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    sandbox.twilio.faults.inject(r"/Messages\.json$", method="POST", status=429, count=None)
    worker = processor(sandbox)
    with pytest.raises(SendFailed):
        worker.process(job(outbox_id))
    assert outbox_row(sandbox, outbox_id)["smsb_sendattempts"] == 1

    sandbox.twilio.faults.clear()
    assert worker.process(job(outbox_id)).result is OutboundResult.SENT
    assert outbox_row(sandbox, outbox_id)["smsb_sendattempts"] == 2
    assert len(texts(sandbox)) == 1
