"""Queue messages are read once, at the edge, into frozen values; one that cannot be read becomes `Unreadable`,
which says why — never an exception on the way in."""

from __future__ import annotations

import json
import uuid

import pytest

from messaging.envelopes import (
    ConfigurationJob,
    InboundEnvelope,
    OutboxJob,
    OwnershipJob,
    RecordTypeJob,
    StatusEnvelope,
    Unreadable,
    read_inbound,
    read_outbound,
)
from tests.messaging.facts import CONFIGURATION_ID, NOW
from twilio_bridge import parse_inbound_message, parse_status_callback

SID = "SM" + "1" * 32
INBOUND = {"MessageSid": SID, "AccountSid": "AC" + "1" * 32, "From": "+16562185892", "To": "+15005550006",
           "Body": "Hi there", "NumMedia": "0"}


def test_an_inbound_envelope_comes_out_of_the_queue_equal_to_what_went_in() -> None:
    envelope = InboundEnvelope(CONFIGURATION_ID, NOW, "c-1", parse_inbound_message(INBOUND.items()))

    assert read_inbound(envelope.to_json()) == envelope


def test_a_status_envelope_keeps_the_message_id_of_our_callback_url() -> None:
    callback = parse_status_callback({"MessageSid": SID, "AccountSid": "AC" + "1" * 32,
                                      "MessageStatus": "delivered"}.items())
    envelope = StatusEnvelope(CONFIGURATION_ID, NOW, "c-2", callback, uuid.uuid4())

    assert read_inbound(envelope.to_json().encode()) == envelope


@pytest.mark.parametrize("job", [OutboxJob(uuid.uuid4(), "c-3", "sweep"),
                                 OutboxJob(uuid.uuid4(), "c-12", unsent_claim=3),
                                 ConfigurationJob(uuid.uuid4(), "c-4", validate=True),
                                 RecordTypeJob(uuid.uuid4(), "c-5"),
                                 OwnershipJob("session", uuid.uuid4(), "c-8", owner_team=uuid.uuid4(), at=NOW),
                                 OwnershipJob("conversation", uuid.uuid4(), "c-9", owner_user=uuid.uuid4(),
                                              restarts_clock=True),
                                 OwnershipJob("conversation", uuid.uuid4(), "c-10")])
def test_jobs_come_out_of_the_queue_equal_to_what_went_in(
    job: OutboxJob | ConfigurationJob | RecordTypeJob | OwnershipJob,
) -> None:
    assert read_outbound(job.to_json()) == job


@pytest.mark.parametrize("unsent", [0, -1, "2", True, 1.5])
def test_an_outbox_job_marked_with_anything_but_a_claim_count_is_unreadable(unsent: object) -> None:
    read = read_outbound(json.dumps({"v": 1, "kind": "outbox", "outbox_id": str(uuid.uuid4()),
                                     "correlation_id": "c-13", "unsent_claim": unsent}))

    assert isinstance(read, Unreadable)
    assert "unsent_claim must be a positive count" in read.reason


def test_an_ownership_job_for_a_table_without_chats_is_unreadable() -> None:
    read = read_outbound(json.dumps({"v": 1, "kind": "ownership", "table": "contact", "row_id": str(uuid.uuid4()),
                                     "correlation_id": "c-11"}))

    assert isinstance(read, Unreadable)
    assert "an ownership job for 'contact'" in read.reason


@pytest.mark.parametrize(("body", "reason"), [
    (b"[1, 2]", "a JSON list, not a JSON object"),
    (b"not json", "unreadable queue message: JSONDecodeError"),
    (b"[" * 100_000, "nested too deeply to read"),
    (json.dumps({"v": 2, "kind": "inbound"}).encode(), "queue message version 2 is not 1"),
    (json.dumps({"v": 1, "kind": "carrier-pigeon", "received_at": NOW.isoformat()}).encode(),
     "unknown queue message kind 'carrier-pigeon'"),
    (json.dumps({"v": 1, "kind": "inbound", "received_at": NOW.isoformat(), "configuration_id": "x",
                 "correlation_id": "c-6", "message": {}}).encode(), "unreadable queue message: ValueError"),
])
def test_a_message_that_cannot_be_read_says_why(body: bytes, reason: str) -> None:
    read = read_inbound(body)

    assert isinstance(read, Unreadable)
    assert reason in read.reason
    assert reason in str(read.failure())


def test_an_unreadable_message_keeps_the_correlation_id_it_named() -> None:
    read = read_outbound(json.dumps({"v": 1, "kind": "outbox", "correlation_id": "c-7", "outbox_id": "nope"}))

    assert isinstance(read, Unreadable)
    assert read.correlation_id == "c-7"


def test_a_message_without_a_correlation_id_gets_one_for_its_logs_and_its_work() -> None:
    body = json.dumps({"v": 1, "kind": "recordtype", "record_type_id": str(uuid.uuid4())})

    first, second = read_outbound(body), read_outbound(body)

    assert isinstance(first, RecordTypeJob)
    assert isinstance(second, RecordTypeJob)
    assert uuid.UUID(first.correlation_id) != uuid.UUID(second.correlation_id)
