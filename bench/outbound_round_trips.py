"""Dataverse round trips and Twilio calls per Outbox row sent, on the real processor, against the budgets.

Each Outbox row is created through the Web API as a workflow or the chat control creates it, then the outbound
processor (built from the app's runtime, as the `sms-outbound` queue function builds it) sends it through the
Twilio emulator. The Dataverse emulator's request log counts round trips (HTTP requests); operations are single
requests plus the parts inside each `$batch`; Twilio calls are the `POST .../Messages.json` the emulator answered.

Budgets (outbound worker, per text sent, Configuration and table definitions held): <= 4 Dataverse round trips
(read, claim + read context, write message, record result) and exactly 1 Twilio call, for Outbox rows the
application user owns (a row another user owns reads its To record as that user: one more round trip); a Case's
chat texting the Case's contact (a Related Record Type) included. Printed without a budget: the first text of a
freshly started worker (its Configuration, Record Types and their tables' definitions are not held yet), an Outbox
a workflow sets Regarding a Case without a chat (the contact's number is known only once the Case is read, so its
conversation and session are read after the claim: one more round trip), and a duplicate job (the webhook and the
sweeper both queued the row), which must send nothing.

Coalesced sends (`messaging/outbound/group.py`, the default unless `SMSB_OUTBOUND_BATCH=1`) keep the same budget for
a job that arrives alone (its round reads, claims, writes and records: 4 round trips), and a round of `--round` jobs
(free texts to numbers of their own, as a campaign sends) must cost <= 1.5 round trips per text; it is 4 for the
whole round, whatever its size.

    .venv/bin/python -m bench.outbound_round_trips [--texts 5]   (from the repository root)
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.inbound_sandbox import Traffic, TrafficMeter, emulator_of, fresh_runtime, running_sandbox
from devstack.sandbox import Sandbox
from messaging.envelopes import OutboxJob
from messaging.outbound import GroupSender, OutboundProcessor, OutboundResult, Pacer
from messaging.outbound.media_links import MediaLinks, media_key
from twilio_bridge import MessageSender

ROUND_TRIP_BUDGET = 4
ROUND_BUDGET_PER_TEXT = 1.5
TWILIO_BUDGET = 1
CONTACTS = ("Avery Park", "Blake Rivera", "Casey Nguyen", "Devon Hughes", "Emery Stone")


@dataclass
class Sample:
    result: OutboundResult | None
    dataverse: Traffic
    twilio_calls: int


@dataclass
class Line:
    scenario: str
    budget: bool
    expected: OutboundResult
    samples: list[Sample] = field(default_factory=list)

    def trips(self) -> list[int]:
        return [s.dataverse.round_trips for s in self.samples]

    def ok(self) -> bool:
        if not self.samples or any(s.result is not self.expected for s in self.samples):
            return False
        if self.expected is OutboundResult.NOT_PENDING:
            return all(s.twilio_calls == 0 for s in self.samples)
        if not self.budget:
            return True
        return max(self.trips()) <= ROUND_TRIP_BUDGET and all(s.twilio_calls == TWILIO_BUDGET for s in self.samples)


class Stage:
    """The sandbox, meters on its Dataverse and Twilio emulators, and an outbound processor on the current runtime."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.meter = TrafficMeter(emulator_of(sandbox))
        self.processor = self.build()
        self.template = sandbox.app.dataverse.create("smsb_messagetemplates", {
            "smsb_name": "Order ready", "smsb_templatetype": 1, "smsb_entitylogicalname": "contact",
            "smsb_body": "Hi {firstname}, your order is ready for pickup.", "smsb_publishstate": 2,
        })

    def build(self) -> OutboundProcessor:
        app = self.sandbox.app
        links = MediaLinks(media_key(app.settings.encryption_key), self.sandbox.url)
        return OutboundProcessor(app.dataverse, app.directory, app.cipher, MessageSender(app.twilio), app.store,
                                 links, public_url=self.sandbox.url)

    def twilio_posts(self) -> int:
        return sum(1 for r in self.sandbox.twilio.requests if r.method == "POST" and r.path.endswith("/Messages.json"))

    def case_of(self, contact: str) -> uuid.UUID:
        """A Case whose customer is the contact."""
        contact_id = self.sandbox.demo["contacts"][contact]
        return self.sandbox.app.dataverse.create("incidents", {
            "title": f"Case of {contact}", "customerid_contact@odata.bind": f"/contacts({contact_id})"})

    def session_with(self, contact: str) -> str:
        """The open session of the conversation with the contact (the chat's)."""
        contact_id = str(self.sandbox.demo["contacts"][contact])
        conversations = {row["smsb_conversationid"] for row in self.sandbox.rows("smsb_conversation")
                         if row.get("smsb_customerid") == contact_id}
        return next(str(row["activityid"]) for row in self.sandbox.rows("smsb_messagesession")
                    if row["smsb_conversation"].id in conversations and row["statecode"] == 0)

    def outbox(self, contact: str | None, **columns: Any) -> uuid.UUID:
        product = self.sandbox.product
        assert product is not None
        outbox_id = uuid.uuid4()
        body: dict[str, Any] = {
            "subject": "Order update",
            "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})", **columns,
        }
        if contact is not None:
            contact_id = self.sandbox.demo["contacts"][contact]
            body["smsb_outbox_activity_parties"] = [
                {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({contact_id})"}]
        self.sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, body)
        return outbox_id

    def send_round(self, outbox_ids: Sequence[uuid.UUID]) -> Sample:
        """The jobs as one coalesced round; the round's round trips and Twilio calls, all texts together."""
        group = GroupSender(self.processor, self.sandbox.app.store, MessageSender(self.sandbox.app.twilio),
                            Pacer(long_code_mps=1000.0, service_mps=1000.0))
        posts = self.twilio_posts()
        start = len(emulator_of(self.sandbox).requests.records)
        self.meter.take()
        outcomes = group.process_group([OutboxJob(o, correlation_id=str(uuid.uuid4())) for o in outbox_ids])
        traffic = self.meter.take()
        mine = len(emulator_of(self.sandbox).requests.records) - start
        results = {o.result for o in outcomes if not isinstance(o, BaseException)}
        result = results.pop() if len(results) == 1 and len(outcomes) == len(outbox_ids) else None
        return Sample(result, Traffic(mine, traffic.operations), self.twilio_posts() - posts)

    def send(self, outbox_id: uuid.UUID) -> Sample:
        posts = self.twilio_posts()
        records = emulator_of(self.sandbox).requests.records
        start = len(records)
        self.meter.take()
        correlation = str(uuid.uuid4())
        outcome = self.processor.process(OutboxJob(outbox_id, correlation_id=correlation))
        traffic = self.meter.take()
        # Round trips are the requests carrying this job's correlation id, so that a webhook the app answers
        # meanwhile (it may read its Configuration) is not counted against the worker.
        mine = sum(1 for r in emulator_of(self.sandbox).requests.records[start:]
                   if r.headers.get("X-Ms-Correlation-Id", r.headers.get("x-ms-correlation-id")) == correlation)
        return Sample(outcome.result, Traffic(mine, traffic.operations), self.twilio_posts() - posts)


def coalesced(stage: Stage, alone: Line, texts: int, round_size: int, sent: list[uuid.UUID]) -> Sample:
    """Jobs alone in their rounds, then one round of a campaign's texts, each to a number of its own."""
    for index in range(texts):
        outbox = stage.outbox(None, smsb_freeform=f"Alone {index + 1}", smsb_mobilenumber="(656) 555-0143")
        alone.samples.append(stage.send_round([outbox]))
        sent.append(outbox)
    campaign = [stage.outbox(None, smsb_freeform=f"Campaign {index + 1}",
                             smsb_mobilenumber=f"+1656{7_000_000 + index:07d}") for index in range(round_size)]
    sent.extend(campaign)
    return stage.send_round(campaign)


def run(texts: int, storage_connection: str | None = None,
        round_size: int = 20) -> tuple[list[Line], bool, Sample]:
    cold = Line("first text of a new worker (nothing cached)", False, OutboundResult.SENT)
    template = Line("template to a contact, first text to the number", True, OutboundResult.SENT)
    again = Line("free text, conversation and session exist", True, OutboundResult.SENT)
    elsewhere = Line("conversation filed by another worker", True, OutboundResult.SENT)
    chat = Line("free text to an explicit number (chat)", True, OutboundResult.SENT)
    picture = Line("text with an image (MMS, signed media link)", True, OutboundResult.SENT)
    case_chat = Line("from a Case's chat: its contact (Related)", True, OutboundResult.SENT)
    case_workflow = Line("Regarding a Case, no chat: its contact", False, OutboundResult.SENT)
    duplicate = Line("duplicate job (already sent)", False, OutboundResult.NOT_PENDING)
    alone = Line("coalesced: a job alone in its round", True, OutboundResult.SENT)
    sent: list[uuid.UUID] = []
    # Status callbacks are held back: each would make the app's webhook handler read Dataverse meanwhile.
    with running_sandbox(storage_connection, twilio_callback_delay=600.0) as sandbox:
        with fresh_runtime(sandbox):
            stage = Stage(sandbox)
            outbox = stage.outbox(CONTACTS[0], smsb_freeform="Welcome!")
            cold.samples.append(stage.send(outbox))
            sent.append(outbox)
        # Contact's Record Type names Case (incident) as its Related table: a chat or a workflow on a Case texts
        # the Case's contact.
        (contacts,) = [row for row in sandbox.rows("smsb_recordtype") if row["smsb_entitylogicalname"] == "contact"]
        sandbox.app.dataverse.update("smsb_recordtypes", uuid.UUID(str(contacts["smsb_recordtypeid"])),
                                     {"smsb_relatedentitylogicalname": "incident"})
        with fresh_runtime(sandbox):
            # Another worker's first texts: it warms its Configuration cache and its Record Types' table
            # definitions on the first one, and learns its own user id (WhoAmI) on the first that names a record.
            other = Stage(sandbox)
            other.send(other.outbox(None, smsb_freeform="Warm-up", smsb_mobilenumber="+16565550999"))
            other.processor.application_user()
            for name in CONTACTS[1:]:
                outbox = other.outbox(name, **{"smsb_messagetemplate@odata.bind":
                                               f"/smsb_messagetemplates({other.template})"})
                template.samples.append(other.send(outbox))
                sent.append(outbox)
            for index in range(texts):
                for name in CONTACTS[1:]:
                    outbox = other.outbox(name, smsb_freeform=f"Update {index + 1}")
                    again.samples.append(other.send(outbox))
                    sent.append(outbox)
            # The first worker texted this contact; this one has never seen the conversation.
            outbox = other.outbox(CONTACTS[0], smsb_freeform="Following up")
            elsewhere.samples.append(other.send(outbox))
            sent.append(outbox)
            for index in range(texts):
                outbox = other.outbox(None, smsb_freeform=f"Chat {index + 1}", smsb_mobilenumber="(656) 555-0142")
                chat.samples.append(other.send(outbox))
                sent.append(outbox)
            for index in range(texts):
                outbox = other.outbox(CONTACTS[1], smsb_freeform="Your receipt")
                sandbox.app.dataverse.upload_file("smsb_outboxes", outbox, "smsb_attachment", b"\x89PNG receipt",
                                                  f"receipt-{index}.png")
                picture.samples.append(other.send(outbox))
                sent.append(outbox)
            for name in CONTACTS[1:]:
                case = other.case_of(name)
                outbox = other.outbox(None, smsb_freeform="Your case is open",
                                      **{"regardingobjectid_incident_smsb_outbox@odata.bind": f"/incidents({case})"})
                case_workflow.samples.append(other.send(outbox))
                sent.append(outbox)
                outbox = other.outbox(None, smsb_freeform="Any questions?", **{
                    "regardingobjectid_incident_smsb_outbox@odata.bind": f"/incidents({case})",
                    "smsb_session@odata.bind": f"/smsb_messagesessions({other.session_with(name)})"})
                case_chat.samples.append(other.send(outbox))
                sent.append(outbox)
            for outbox in sent[:texts]:
                duplicate.samples.append(other.send(outbox))
            whole_round = coalesced(other, alone, texts, round_size, sent)
        outgoing = [m for m in sandbox.twilio.messages if m.direction == "outbound-api"]
        exact = len(outgoing) == len(sent) + 1 and len({m.status_callback for m in outgoing}) == len(outgoing)
    return [cold, template, again, elsewhere, chat, picture, case_chat, case_workflow, duplicate, alone], exact, \
        whole_round


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=5, help="texts per repeated scenario (default 5)")
    parser.add_argument("--round", type=int, default=20, help="jobs in the coalesced round (default 20)")
    parser.add_argument("--storage-connection", default=None,
                        help="queue storage to use (default: start Azurite from node_modules for the run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size = max(1, args.round)
    lines, exact, whole_round = run(max(1, args.texts), args.storage_connection, size)
    elapsed = time.perf_counter() - started
    print("Outbox rows sent by the outbound processor: Dataverse emulator -> OutboundProcessor -> Twilio emulator.")
    print("Round trips = HTTP requests the Dataverse emulator received; ops = single requests + $batch parts.")
    header = (f"{'scenario':48} {'texts':>5} {'RT min/avg/max':>14} {'ops/text':>8} {'Twilio/text':>11} "
              f"{'budget':>8} {'ok':>3}")
    print(header)
    print("-" * len(header))
    for line in lines:
        trips = line.trips()
        n = len(line.samples)
        ops = sum(s.dataverse.operations for s in line.samples) / n
        calls = sum(s.twilio_calls for s in line.samples) / n
        spread = f"{min(trips)}/{sum(trips) / n:.2f}/{max(trips)}"
        budget = f"<={ROUND_TRIP_BUDGET}, {TWILIO_BUDGET}" if line.budget else ("0 sent" if line.expected
                                                                               is OutboundResult.NOT_PENDING
                                                                               else "print")
        print(f"{line.scenario:48} {n:>5} {spread:>14} {ops:>8.2f} {calls:>11.2f} {budget:>8} "
              f"{'yes' if line.ok() else 'NO':>3}")
    round_ok = (whole_round is not None and whole_round.result is OutboundResult.SENT
                and whole_round.twilio_calls == size
                and whole_round.dataverse.round_trips / size <= ROUND_BUDGET_PER_TEXT)
    if whole_round is not None:
        print(f"coalesced round of {size} jobs: {whole_round.dataverse.round_trips} round trips"
              f" ({whole_round.dataverse.round_trips / size:.2f} per text, budget <= {ROUND_BUDGET_PER_TEXT}),"
              f" {whole_round.dataverse.operations / size:.2f} ops and {whole_round.twilio_calls / size:.2f}"
              f" Twilio calls per text: {'yes' if round_ok else 'NO'}")
    print(f"exactly one text per Outbox row, none for the duplicates: {'yes' if exact else 'NO'}")
    print(f"wall time {elapsed:.1f} s")
    ok = exact and round_ok and all(line.ok() for line in lines)
    print("budgets: met" if ok else "budgets: MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
