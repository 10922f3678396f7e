"""Outbox rows sent end to end: Dataverse emulator → outbound processor → Twilio emulator → Dataverse."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from devstack.sandbox import Sandbox
from messaging.ids import conversation_id, outbound_message_id
from messaging.names import OutboxStatus, StatusChoice
from messaging.outbound import OutboundResult
from tests.outbound.conftest import (
    contact,
    demo_contact,
    job,
    links,
    outbox,
    outbox_row,
    processor,
    template,
    texts,
    warm,
)
from twilio_bridge import SendFailed

pytestmark = pytest.mark.azurite

AVERY = "+16562185892"  # contact Avery Park, mobilephone '+1 (656) 218-5892'


def dataverse_requests(sandbox: Sandbox) -> int:
    return len(sandbox.dataverse.requests.records)


def test_template_text_reaches_the_contact_once_and_is_recorded(sandbox: Sandbox) -> None:
    avery = demo_contact(sandbox, "Avery Park")
    greeting = template(sandbox, "Hi {firstname}, your order is ready. Questions? Reply here {{24/7}}.")
    outbox_id = outbox(sandbox, avery, template=greeting)
    worker = processor(sandbox)
    warm(sandbox, worker)  # a new worker asks WhoAmI once, reads its Record Types and their tables once
    before = dataverse_requests(sandbox)

    outcome = worker.process(job(outbox_id))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    assert dataverse_requests(sandbox) - before == outcome.round_trips <= 4
    sent = texts(sandbox)
    assert len(sent) == 1
    text = sent[0]
    message_id = outbound_message_id(outbox_id)
    assert (text.to, text.body) == (AVERY, "Hi Avery, your order is ready. Questions? Reply here {24/7}.")
    assert text.status_callback == f"{sandbox.url}/api/twilio/status?m={message_id}"
    row = outbox_row(sandbox, outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.SENT)
    assert row["smsb_sid"] == text.sid == outcome.sid
    assert row["smsb_message"].id == str(message_id)
    message = sandbox.dataverse.store.get("smsb_message", str(message_id))
    assert message is not None
    assert message["smsb_direction"] == 2
    assert message["smsb_sid"] == text.sid
    assert message["smsb_body"] == text.body
    assert (message["smsb_to"], message["smsb_from"]) == (AVERY, sandbox.options.number)
    assert message["smsb_numsegments"] == 1
    assert message["smsb_encoding"] == 1
    assert message["smsb_outbox"].id == str(outbox_id)
    conversation = sandbox.dataverse.store.get(
        "smsb_conversation", str(conversation_id(sandbox.product.configuration_id, AVERY)))  # type: ignore[union-attr]
    assert conversation is not None
    assert conversation["smsb_customerid"] == str(avery)
    assert conversation["smsb_lastoutboundon"] is not None
    assert conversation["smsb_lastmessagepreview"].startswith("Hi Avery")
    assert message["smsb_session"].id == str(sandbox.rows("smsb_messagesession")[0]["activityid"])


def test_free_text_with_an_image_sends_a_signed_expiring_media_link(sandbox: Sandbox) -> None:
    avery = demo_contact(sandbox, "Avery Park")
    outbox_id = outbox(sandbox, avery, text="Here is your receipt")
    sandbox.app.dataverse.upload_file("smsb_outboxes", outbox_id, "smsb_attachment", b"\x89PNG fake", "receipt.png")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    (text,) = texts(sandbox)
    assert text.sid.startswith("MM")
    (url,) = text.media_urls
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == sandbox.url
    assert parts.path == f"/api/media/{outbox_id}"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert links(sandbox).verify(str(outbox_id), query["exp"], query["sig"]) == outbox_id
    assert int(query["exp"]) - datetime.now(UTC).timestamp() == pytest.approx(3600, abs=60)
    message = sandbox.dataverse.store.get("smsb_message", str(outbound_message_id(outbox_id)))
    assert message is not None
    assert message["smsb_nummedia"] == 1


def test_duplicate_jobs_for_one_outbox_send_one_text(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    worker = processor(sandbox)

    first = worker.process(job(outbox_id))
    second = worker.process(job(outbox_id))

    assert first.result is OutboundResult.SENT
    assert second.result is OutboundResult.NOT_PENDING
    assert second.twilio_calls == 0
    assert len(texts(sandbox)) == 1


def test_the_webhook_and_the_sweeper_racing_on_many_workers_send_one_text(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    workers = [processor(sandbox) for _ in range(8)]
    start = threading.Barrier(len(workers))
    results: list[Any] = []

    def run(index: int) -> None:
        start.wait()
        results.append(workers[index].process(job(outbox_id)).result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(texts(sandbox)) == 1
    assert results.count(OutboundResult.SENT) == 1
    assert set(results) <= {OutboundResult.SENT, OutboundResult.CLAIMED_ELSEWHERE, OutboundResult.NOT_PENDING}
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.SENT)


def test_a_worker_dying_after_twilio_accepted_leaves_sending_and_a_retry_sends_nothing(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    real = processor(sandbox)._sender

    class DiesAfterSending:
        def send(self, credentials: Any, message: Any) -> Any:
            real.send(credentials, message)
            raise SystemExit("the worker process was killed")

    with pytest.raises(SystemExit):
        processor(sandbox, sender=DiesAfterSending()).process(job(outbox_id))
    retry = processor(sandbox).process(job(outbox_id))

    assert retry.result is OutboundResult.NOT_PENDING
    assert len(texts(sandbox)) == 1
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.SENDING)
    message = sandbox.dataverse.store.get("smsb_message", str(outbound_message_id(outbox_id)))
    assert message is not None
    assert message["smsb_status"] == int(StatusChoice.QUEUED)


def test_a_429_storm_at_twilio_is_ridden_out_and_sends_once(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    sandbox.twilio.faults.inject(r"/Messages\.json$", method="POST", status=429, count=3)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    assert len(texts(sandbox)) == 1
    posts = [r for r in sandbox.twilio.requests if r.method == "POST" and r.path.endswith("/Messages.json")]
    assert [r.status for r in posts] == [429, 429, 429, 201]


def test_twilio_unavailable_throughout_releases_the_claim_for_the_queue_to_retry(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    sandbox.twilio.faults.inject(r"/Messages\.json$", method="POST", status=429, count=None)
    worker = processor(sandbox)

    with pytest.raises(SendFailed) as raised:
        worker.process(job(outbox_id))
    assert raised.value.is_transient
    assert not raised.value.ambiguous
    assert outbox_row(sandbox, outbox_id)["smsb_sendstatus"] == int(OutboxStatus.PENDING)

    sandbox.twilio.faults.clear()
    assert worker.process(job(outbox_id)).result is OutboundResult.SENT
    assert len(texts(sandbox)) == 1


def test_a_timeout_after_twilio_took_the_text_is_unknown_logged_and_never_resent(sandbox: Sandbox) -> None:
    outbox_id = outbox(sandbox, demo_contact(sandbox, "Avery Park"), text="Your order is ready")
    sandbox.twilio.faults.inject(r"/Messages\.json$", method="POST", hang=2.0, create_anyway=True)
    worker = processor(sandbox, read_timeout=0.5)

    outcome = worker.process(job(outbox_id))
    again = worker.process(job(outbox_id))

    assert outcome.result is OutboundResult.UNKNOWN
    assert again.result is OutboundResult.NOT_PENDING
    assert len(texts(sandbox)) == 1  # Twilio did take it; it was not sent a second time
    row = outbox_row(sandbox, outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert "not sent again automatically" in row["smsb_failurereason"]
    message = sandbox.dataverse.store.get("smsb_message", str(outbound_message_id(outbox_id)))
    assert message is not None
    assert message["smsb_status"] == int(StatusChoice.UNKNOWN)
    (logged,) = sandbox.rows("smsb_errorlog", smsb_source="outbound")
    assert logged["smsb_relatedid"] == str(outbox_id)
    assert "Your order is ready" not in logged["smsb_details"]


def test_a_recipient_who_replied_stop_fails_with_21610_and_the_conversation_is_opted_out(sandbox: Sandbox) -> None:
    opted_out = "+15005550004"  # Twilio's magic number: 21610
    outbox_id = outbox(sandbox, contact(sandbox, "Sam", "Stop", opted_out), text="Your order is ready")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED
    row = outbox_row(sandbox, outbox_id)
    assert (row["smsb_sendstatus"], row["smsb_errorcode"]) == (int(OutboxStatus.FAILED), 21610)
    assert row["smsb_failurereason"] == "Twilio 21610: The recipient replied STOP and has unsubscribed from this number"
    conversation = sandbox.dataverse.store.get(
        "smsb_conversation", str(conversation_id(sandbox.product.configuration_id, opted_out)))  # type: ignore[union-attr]
    assert conversation is not None
    assert conversation["smsb_optedout"] is True
    message = sandbox.dataverse.store.get("smsb_message", str(outbound_message_id(outbox_id)))
    assert message is not None
    assert (message["smsb_status"], message["smsb_errorcode"]) == (int(StatusChoice.FAILED), 21610)

    # The next text to that number is not even offered to Twilio.
    later = processor(sandbox).process(job(outbox(sandbox, text="Still there?", smsb_mobilenumber=opted_out)))
    assert later.result is OutboundResult.SKIPPED
    assert "opted out" in later.reason
    assert len(texts(sandbox)) == 0
