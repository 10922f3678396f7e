"""A message Dataverse throttles for longer than a request waits goes back to its queue, hidden for the Retry-After,
instead of failing an attempt: five failed deliveries inside one long Retry-After would otherwise move it to poison
(messaging/worker.py, `Runtime.requeue`)."""

from __future__ import annotations

import base64
import time

import pytest

from devstack.sandbox import Sandbox
from messaging.envelopes import InboundEnvelope, read_inbound
from messaging.worker import Deferred
from tests.pipeline.conftest import inbound_params, post_signed, queued

pytestmark = pytest.mark.azurite

CUSTOMER = "+16565550142"


def waiting(sandbox: Sandbox, name: str) -> int:
    """Messages in the queue, hidden ones included."""
    return sandbox.queues().queue(name).get_queue_properties().approximate_message_count


def test_a_text_throttled_past_its_retry_budget_waits_in_its_queue_without_failing(sandbox: Sandbox) -> None:
    # Retry-After 120 s: longer than a request's 60-second retry budget, so the request gives up at once
    throttle = sandbox.dataverse.faults.add(r"\$batch", status=429, retry_after=120)
    assert post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, CUSTOMER, "Is it ready?")).ok
    assert queued(sandbox) == 1
    worker = sandbox.queue_worker("sms-inbound")
    assert worker.poll_once() == 1
    assert throttle.fired >= 1
    assert (worker.totals.processed, worker.totals.failed) == (1, 0)  # not a failed attempt on the way to poison
    assert queued(sandbox) == 0  # hidden until Dataverse said
    assert waiting(sandbox, "sms-inbound") == 1
    assert waiting(sandbox, "sms-inbound-poison") == 0
    assert sandbox.rows("smsb_errorlog") == []
    assert sandbox.rows("smsb_message") == []
    # meanwhile the client sends nothing to Dataverse: any request would be refused and lengthen the wait
    refused = throttle.fired
    assert sandbox.app.dataverse.pace.resume_at > time.monotonic() + 100
    assert throttle.fired == refused


def test_the_message_put_back_is_the_message_taken(sandbox: Sandbox) -> None:
    assert post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, CUSTOMER, "Is it ready?")).ok
    queue = sandbox.queues().queue("sms-inbound")
    [taken] = queue.receive_messages(max_messages=1)
    queue.delete_message(taken)
    body = base64.b64decode(taken.content)
    sandbox.app.requeue("sms-inbound", body)(1)
    assert queued(sandbox) == 0  # hidden for a second
    deadline = time.monotonic() + 30
    while queued(sandbox) == 0:
        assert time.monotonic() < deadline, "the message put back never became visible"
        time.sleep(0.1)
    [back] = queue.peek_messages(max_messages=1)
    again = read_inbound(base64.b64decode(back.content))
    assert isinstance(again, InboundEnvelope)
    assert again == read_inbound(body)
    assert sandbox.drain() == 1
    assert [r["smsb_body"] for r in sandbox.rows("smsb_message")] == ["Is it ready?"]


def test_a_worker_without_a_way_back_fails_the_attempt_as_before(sandbox: Sandbox) -> None:
    sandbox.dataverse.faults.add(r"\$batch", status=429, retry_after=120)
    assert post_signed(sandbox, "/api/twilio/messages", inbound_params(sandbox, CUSTOMER, "Is it ready?")).ok
    queue = sandbox.queues().queue("sms-inbound")
    [taken] = queue.peek_messages(max_messages=1)
    message = read_inbound(base64.b64decode(taken.content))
    put_back: list[tuple[float, str | None]] = []
    outcome = sandbox.app.inbound_worker.handle(message, 1, lambda seconds, replacement=None: put_back.append(
        (seconds, replacement)))
    assert outcome == Deferred(120.0)
    assert put_back == [(120.0, None)]  # the text goes back as it came
    with pytest.raises(Exception, match="429"):
        sandbox.app.inbound_worker.handle(message, 2)
