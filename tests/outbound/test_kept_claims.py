"""A claim that sent nothing and could not be released (the release write failed, as it does while Dataverse
throttles the worker) is taken back by its own job, marked with the claim's count (`OutboxJob.unsent_claim`), and by
no other: the Outbox is sent once instead of ending Unknown."""

from __future__ import annotations

import pytest

from devstack.sandbox import Sandbox
from messaging.envelopes import OutboxJob, read_outbound
from messaging.errors import ClaimKept
from messaging.names import OutboxStatus
from messaging.outbound import OutboundResult
from messaging.worker import Deferred
from tests.outbound.conftest import demo_contact, job, outbox, outbox_row, processor, texts

pytestmark = pytest.mark.azurite

MESSAGES = r"/Messages\.json$"
RELEASE = r"/smsb_outboxes\([0-9a-f-]+\)$"  # the release is the one write of the Outbox outside a $batch


def kept(sandbox: Sandbox) -> tuple[OutboxJob, int]:
    """An Outbox whose send failed certainly unsent (Twilio refused every try) and whose release failed."""
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    sandbox.twilio.faults.inject(MESSAGES, method="POST", status=429, count=None)
    sandbox.dataverse.faults.add(RELEASE, status=500, method="PATCH", count=1)
    first = job(outbox_id)
    with pytest.raises(ClaimKept) as raised:
        processor(sandbox).process(first)
    sandbox.twilio.faults.clear()
    return first, raised.value.attempts


def test_only_the_job_that_made_the_claim_takes_it_back_and_the_text_goes_once(sandbox: Sandbox) -> None:
    first, attempts = kept(sandbox)
    row = outbox_row(sandbox, first.outbox_id)
    assert (row["smsb_sendstatus"], row["smsb_sendattempts"], attempts) == (int(OutboxStatus.SENDING), 1, 1)
    assert texts(sandbox) == []

    worker = processor(sandbox)
    other = worker.process(job(first.outbox_id))  # the webhook's or the sweep's copy knows nothing of the claim
    assert other.result is OutboundResult.NOT_PENDING
    stale = worker.process(OutboxJob(first.outbox_id, first.correlation_id, unsent_claim=attempts + 1))
    assert stale.result is OutboundResult.NOT_PENDING
    assert texts(sandbox) == []

    again = worker.process(OutboxJob(first.outbox_id, first.correlation_id, unsent_claim=attempts))
    assert again.result is OutboundResult.SENT, again.reason
    assert [t.body for t in texts(sandbox)] == ["Your order is ready"]
    row = outbox_row(sandbox, first.outbox_id)
    assert (row["smsb_sendstatus"], row["smsb_sendattempts"]) == (int(OutboxStatus.SENT), 2)
    # the same marked job delivered twice sends nothing more
    assert worker.process(OutboxJob(first.outbox_id, first.correlation_id, unsent_claim=attempts)).result \
        is OutboundResult.NOT_PENDING
    assert len(texts(sandbox)) == 1


def test_the_queue_worker_puts_the_job_back_marked_and_its_round_sends_it(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    product = sandbox.product
    assert product is not None
    context = sandbox.app.directory.context(product.configuration_id)  # warm: the round's $batches come next
    sandbox.app.customer_tables.load({rt.entity: rt.version for rt in context.record_types})
    sandbox.dataverse.faults.add(r"\$batch$", status=None, count=1)  # the round's claim goes through
    sandbox.dataverse.faults.add(r"\$batch$", status=400, count=1)  # its write is refused: nothing is sent
    sandbox.dataverse.faults.add(RELEASE, status=500, method="PATCH", count=1)
    worker = sandbox.app.outbound_worker  # coalesced rounds, as deployed
    put_back: list[tuple[float, str | None]] = []

    outcome = worker.handle(job(outbox_id), 1, lambda seconds, replacement=None: put_back.append(
        (seconds, replacement)))

    assert isinstance(outcome, Deferred)
    [(seconds, replacement)] = put_back
    assert seconds == 10.0  # no Retry-After to wait: host.json's visibilityTimeout
    assert replacement is not None
    marked = read_outbound(replacement)
    assert isinstance(marked, OutboxJob)
    assert (marked.outbox_id, marked.unsent_claim) == (outbox_id, 1)
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.SENDING)
    assert texts(sandbox) == []

    assert worker.handle(job(outbox_id), 1).result is OutboundResult.NOT_PENDING  # type: ignore[union-attr]
    sent = worker.handle(marked, 1)
    assert sent.result is OutboundResult.SENT  # type: ignore[union-attr]
    assert [t.body for t in texts(sandbox)] == ["Your order is ready"]
