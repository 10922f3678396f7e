"""Status callbacks applied together (`messaging.status.coalescing`), against the emulators: a burst of sends whose
callbacks arrive shuffled and twice, under Dataverse 429 and 503, ends exactly as applying them one by one would;
a failure reaches only its own Outbox row; a callback signed by another Configuration is refused inside a group;
a change set that fails on its ETag goes back to its callbacks, which apply alone."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from devstack.sandbox import Sandbox, SandboxOptions
from messaging.ids import conversation_id
from messaging.names import StatusChoice
from messaging.status import StatusOutcome, StatusProcessor
from messaging.status.coalescing import StatusCoalescer
from messaging.status.group import Alone, GroupApplier
from messaging.store import Answer, Item, Store
from tests.pipeline.conftest import FAST_QUEUES, queued, unreliable
from tests.pipeline.test_status import OTHER_TOKEN, callback, other_configuration, outgoing_row, row, send, sent_row

pytestmark = pytest.mark.azurite

SENT_OUTBOX = 3  # smsb_sendstatus Sent, as the outbound worker leaves it
FAILED_OUTBOX = 4


def outbox_status(sandbox: Sandbox, outbox: uuid.UUID) -> tuple[Any, Any]:
    found = sandbox.dataverse.store.get("smsb_outbox", str(outbox))
    assert found is not None
    return found["smsb_sendstatus"], found["smsb_errorcode"]


def test_a_burst_of_shuffled_and_duplicated_callbacks_under_429_and_503_ends_as_one_by_one(make_sandbox: Any) -> None:
    sandbox = make_sandbox(twilio_shuffle_callbacks=True, twilio_duplicate_callbacks=True,
                           twilio_callback_delay=0.01)
    numbers = [f"+1656335{n:04d}" for n in range(40)]
    failing = numbers[7]
    sandbox.twilio.set_outcome(failing, "undelivered", 30003)
    sent: dict[uuid.UUID, tuple[str, uuid.UUID, str]] = {}
    for to in numbers:
        outbox = uuid.uuid4()
        sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox, {
            "subject": "Order ready", "smsb_freeform": "Your order is ready", "smsb_sendstatus": SENT_OUTBOX})
        message_id = outgoing_row(sandbox, to, outbox=outbox)
        sent[message_id] = (to, outbox, send(sandbox, to, message_id))
    assert sandbox.twilio.wait_idle(20)
    callbacks = [d for d in sandbox.twilio.deliveries.all() if d.kind == "status"]
    sandbox.dataverse.requests.clear()
    unreliable(sandbox)
    for _ in range(20):
        if sandbox.drain() == 0 and queued(sandbox) == 0:
            break
    sandbox.dataverse.faults.clear()

    for message_id, (to, outbox, sid) in sent.items():
        stored = row(sandbox, message_id)
        assert stored["smsb_sid"] == sid
        if to == failing:
            # Sent may have come before or after the failure (shuffled): its time is set only in the first case.
            assert (stored["smsb_status"], stored["smsb_errorcode"]) == (int(StatusChoice.UNDELIVERED), 30003)
            assert outbox_status(sandbox, outbox) == (FAILED_OUTBOX, 30003)
        else:
            assert (stored["smsb_status"], stored["smsb_errorcode"]) == (int(StatusChoice.DELIVERED), None), to
            assert stored["smsb_senton"] is not None
            assert stored["smsb_deliveredon"] is not None
            assert outbox_status(sandbox, outbox) == (SENT_OUTBOX, None), to
    assert queued(sandbox, "sms-inbound-poison") == 0
    assert queued(sandbox) == 0
    assert len(callbacks) > 2 * len(numbers)  # sent and delivered for each, some twice
    assert sandbox.dataverse.requests.count(status=429) > 0
    assert sandbox.dataverse.requests.count(status=503) > 0
    # One by one, every callback costs a read and most a write; in groups, two `$batch` requests per group.
    answered = sandbox.dataverse.requests.count(status=200) + sandbox.dataverse.requests.count(status=204)
    assert answered < len(callbacks) / 2, f"{answered} requests answered for {len(callbacks)} callbacks"


def _outcomes(results: Sequence[object]) -> list[StatusOutcome]:
    assert all(isinstance(result, StatusOutcome) for result in results), results
    return [result for result in results if isinstance(result, StatusOutcome)]


def test_a_failure_in_a_group_fails_only_its_own_outbox_row(sandbox: Sandbox) -> None:
    store = Store(sandbox.app.dataverse)
    applier = GroupApplier(StatusProcessor(sandbox.app.dataverse, store), store)
    rows = [sent_row(sandbox, f"+165633510{n:02d}") for n in range(5)]
    envelopes = [callback(sandbox, sid, "undelivered" if n == 2 else "delivered", message_id,
                          **({"ErrorCode": "30003"} if n == 2 else {}))
                 for n, (_, message_id, sid) in enumerate(rows)]
    sandbox.dataverse.requests.clear()

    outcomes = _outcomes(applier.apply(envelopes))

    assert [o.applied for o in outcomes] == [True] * 5
    assert [o.outbox_updated for o in outcomes] == [False, False, True, False, False]
    assert sandbox.dataverse.requests.count("POST", r"\$batch") == 2  # one read, one write
    assert sandbox.dataverse.requests.count() == 2
    for n, (outbox, message_id, _) in enumerate(rows):
        if n == 2:
            assert row(sandbox, message_id)["smsb_status"] == int(StatusChoice.UNDELIVERED)
            assert outbox_status(sandbox, outbox) == (FAILED_OUTBOX, 30003)
        else:
            assert row(sandbox, message_id)["smsb_status"] == int(StatusChoice.DELIVERED)
            assert outbox_status(sandbox, outbox) == (SENT_OUTBOX, None)


def test_inside_a_group_a_callback_signed_by_another_configuration_is_refused(sandbox: Sandbox) -> None:
    other = other_configuration(sandbox)
    store = Store(sandbox.app.dataverse)
    applier = GroupApplier(StatusProcessor(sandbox.app.dataverse, store), store)
    to = "+16563352000"
    outbox, message_id, sid = sent_row(sandbox, to)
    _, second_id, second_sid = sent_row(sandbox, "+16563352001")
    forged = dataclasses.replace(callback(sandbox, sid, "failed", message_id, ErrorCode="21610"),
                                 configuration_id=other)
    envelopes = [forged, callback(sandbox, sid, "delivered", message_id),
                 callback(sandbox, second_sid, "delivered", second_id)]

    outcomes = _outcomes(applier.apply(envelopes))

    assert [o.applied for o in outcomes] == [False, True, True]
    assert outcomes[0].dropped is not None
    assert str(other) in outcomes[0].dropped
    stored = row(sandbox, message_id)
    assert (stored["smsb_status"], stored["smsb_errorcode"]) == (int(StatusChoice.DELIVERED), None)
    assert outbox_status(sandbox, outbox) == (SENT_OUTBOX, None)
    conversation = sandbox.dataverse.store.get(
        "smsb_conversation", str(conversation_id(sandbox.product.configuration_id, to)))  # type: ignore[union-attr]
    assert conversation is not None
    assert conversation["smsb_optedout"] is not True
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="status")
    assert (logged["smsb_twiliosid"], logged["smsb_relatedid"]) == (sid, str(message_id))
    assert OTHER_TOKEN not in logged["smsb_details"]


class _RacingStore(Store):
    """Another worker changes one message right after the group read it: its conditional write must fail."""

    def __init__(self, sandbox: Sandbox, message_id: uuid.UUID) -> None:
        super().__init__(sandbox.app.dataverse)
        self._sandbox = sandbox
        self._message_id = message_id
        self.reads = 0

    def run(self, items: Sequence[Item], *, continue_on_error: bool = False) -> Answer:
        answer = super().run(items, continue_on_error=continue_on_error)
        if not continue_on_error and self.reads == 0:
            self.reads += 1
            self._sandbox.app.dataverse.update("smsb_messages", self._message_id, {"smsb_name": "changed meanwhile"})
        return answer


def test_a_change_set_failing_on_its_etag_goes_back_to_its_callbacks_which_apply_alone(sandbox: Sandbox) -> None:
    _, raced, raced_sid = sent_row(sandbox, "+16563353000")
    _, calm, calm_sid = sent_row(sandbox, "+16563353001")
    store = _RacingStore(sandbox, raced)
    processor = StatusProcessor(sandbox.app.dataverse, store)
    envelopes = [callback(sandbox, raced_sid, "delivered", raced), callback(sandbox, raced_sid, "delivered", raced),
                 callback(sandbox, calm_sid, "delivered", calm)]

    results = GroupApplier(processor, store).apply(envelopes)

    assert [type(result).__name__ for result in results] == ["Alone", "Alone", "StatusOutcome"]
    assert row(sandbox, raced)["smsb_status"] == int(StatusChoice.SENT)  # its change set was rolled back
    assert row(sandbox, calm)["smsb_status"] == int(StatusChoice.DELIVERED)
    alone = [processor.process(result.envelope) for result in results if isinstance(result, Alone)]
    assert [o.applied for o in alone] == [True, False]  # the duplicate finds it delivered
    assert row(sandbox, raced)["smsb_status"] == int(StatusChoice.DELIVERED)


def test_the_coalescer_applies_a_group_of_one_as_one_callback_always_was(sandbox: Sandbox) -> None:
    store = Store(sandbox.app.dataverse)
    coalescer = StatusCoalescer(StatusProcessor(sandbox.app.dataverse, store), store)
    message_id = outgoing_row(sandbox, "+16563354000")
    sid = send(sandbox, "+16563354000", message_id)
    sandbox.dataverse.requests.clear()

    outcome = coalescer.process(callback(sandbox, sid, "sent", message_id))

    assert outcome.applied
    assert sandbox.dataverse.requests.count("POST", r"\$batch") == 0  # a read and a write, as always
    with pytest.raises(ValueError, match="at least 2"):
        StatusCoalescer(StatusProcessor(sandbox.app.dataverse, store), store, limit=1)


@pytest.mark.parametrize(("setting", "grouped"), [(None, True), ("1", False)])
def test_smsb_status_batch_1_applies_each_callback_alone(azurite: Any, setting: str | None, grouped: bool) -> None:
    environ = {} if setting is None else {"SMSB_STATUS_BATCH": setting}
    sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES),
                      environ).start()
    try:
        for name in ("sms-inbound", "sms-inbound-poison"):
            sandbox.queues().queue(name).clear_messages()
        sent = {}
        for n in range(8):
            to = f"+16563355{n:03d}"
            message_id = outgoing_row(sandbox, to)
            sent[message_id] = send(sandbox, to, message_id)
        assert sandbox.twilio.wait_idle(20)
        sandbox.dataverse.requests.clear()
        for _ in range(10):
            if sandbox.drain() == 0 and queued(sandbox) == 0:
                break
        assert all(row(sandbox, m)["smsb_status"] == int(StatusChoice.DELIVERED) for m in sent)
        assert (sandbox.dataverse.requests.count("POST", r"\$batch") > 0) is grouped
    finally:
        sandbox.stop()
