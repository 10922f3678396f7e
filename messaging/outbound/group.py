"""Outbox rows sent together: the Dataverse work of a round of jobs done in a few requests, whatever its size.

A round (`combiner.Combiner`: the jobs this process's invocations handed in meanwhile, at most `limit`) costs:

1. *Read*: the Outbox rows, one query with the same expansions as a single send's read.
2. *Claim*: one `$batch` with a changeset per row (Pending → Sending, conditional on the ETag read, so a row
   another worker claimed fails alone) and, beside each, exactly what its send needs (`reader.claim_request`).
   Rows whose records must be read with their owner's rights: one impersonated `$batch` per owner.
3. *Write*: one `$batch`, a changeset per row — its message row, conversation and session (or, for a row a gate
   stopped, why it is not sent). A row whose changeset met rows made meanwhile falls back to the single send's
   write, which reads what exists.
4. *Send*: one Twilio call per text, never two, each at its sender's turn (`pacing.Pacer`), up to `SEND_THREADS`
   at once. Twilio's 429 waits and asks again with the row still claimed; every other failure is judged as for a
   single send.
5. *Record*: one `$batch` with every outcome (message rows, Outbox status, conversation activity) — one more for
   every `RECORD_EVERY` seconds a slow sender's pacing keeps the round sending; a changeset that failed is asked
   once more, and a row whose outcome still cannot be written raises for its own job only.

Whatever fails for one row is that row's job's exception (its queue message is retried), never the others'; a
round-wide failure before any send (the claim `$batch` refused) is every claimed row's. The decisions are the single
send's (`OutboundProcessor`), so both paths end every row the same way.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from dataverse import AlreadyExists, PreconditionFailed
from messaging.combiner import Combiner
from messaging.envelopes import OutboxJob
from messaging.errors import ClaimKept
from messaging.ids import outbound_message_id
from messaging.outbound.gates import Stop
from messaging.outbound.grouping import by_owner, distinct, is_rate_limited, retry_after
from messaging.outbound.outcome import OutboundOutcome, OutboundResult
from messaging.outbound.pacing import Pacer
from messaging.outbound.processor import OutboundProcessor
from messaging.outbound.reader import ClaimRequest, claim_request
from messaging.outbound.results import Ending, recorded, refused, unconfirmed, unsent
from messaging.outbound.rules import Claimed, RecordRead, Send
from messaging.plans import Changeset
from messaging.store import Item, Store
from twilio_bridge import MessageSender, SendFailed, SendResult, TwilioCredentials

__all__ = ["CoalescedOutbound", "GroupSender"]

log = logging.getLogger("smsbridge.outbound")

# Seconds of sending after which a round records what it sent so far: Twilio's status callbacks wait for their
# message's SID (the inbound queue retries them a few times), and a crash leaves fewer rows Unknown.
RECORD_EVERY = 5.0
SEND_THREADS = 8  # Twilio calls of a round in flight at once; each still waits its sender's turn
_RATE_LIMIT_ROUNDS = 6  # Twilio 429s for one text, each waited out, before its claim is released


@dataclass
class _Row:
    job: OutboxJob
    outcome: OutboundOutcome
    claimed: Claimed | None = None
    request: ClaimRequest | None = None
    reader: uuid.UUID | None = None
    denied: Stop | None = None
    as_owner: tuple[RecordRead, RecordRead] | None = None
    send: Send | None = None
    credentials: TwilioCredentials | None = None
    stop: Stop | None = None
    result: Changeset | None = None
    ending: Ending | None = None
    sid: str | None = None
    error: BaseException | None = None
    extra: list[str] = field(default_factory=list)

    @property
    def taken(self) -> Claimed:
        if self.claimed is None:
            raise RuntimeError(f"outbox {self.job.outbox_id} was not claimed")
        return self.claimed

    @property
    def sending(self) -> tuple[Send, TwilioCredentials]:
        if self.send is None or self.credentials is None:
            raise RuntimeError(f"outbox {self.job.outbox_id} has nothing to send")
        return self.send, self.credentials

    @property
    def open(self) -> bool:
        """Still being worked on: neither ended nor failed."""
        return self.error is None and self.outcome.result is None


class GroupSender:
    """`process_group(jobs)`: one result per job, an outcome or the exception its invocation raises."""

    def __init__(self, processor: OutboundProcessor, store: Store, sender: MessageSender, pacer: Pacer, *,
                 record_every: float = RECORD_EVERY, send_threads: int = SEND_THREADS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._processor = processor
        self._send_threads = send_threads
        self._record_every = record_every
        self._clock = clock
        self._store = store
        self._sender = sender
        self._pacer = pacer
        self._client = processor.reader.client

    def process_group(self, jobs: Sequence[OutboxJob]) -> list[OutboundOutcome | BaseException]:
        unique = distinct([job.outbox_id for job in jobs])
        # of a row's copies, the one that may take back an unreleased claim is the one that works on it
        marked = {job.outbox_id: job for job in jobs if job.unsent_claim is not None}
        rows = [_Row(marked.get(jobs[i].outbox_id, jobs[i]), OutboundOutcome(outbox_id=jobs[i].outbox_id))
                for i in unique.first]
        with self._client.operation(jobs[0].correlation_id):
            self._claim(rows)
            self._prepare_sends([r for r in rows if r.open and r.claimed is not None])
            self._write([r for r in rows if r.open and (r.send is not None or r.stop is not None)])
            self._send_all(rows)
        results: dict[int, OutboundOutcome | BaseException] = {}
        for index, row in zip(unique.first, rows, strict=True):
            results[index] = row.error if row.error is not None else row.outcome
        for index in unique.copy_of:
            results[index] = OutboundOutcome(outbox_id=jobs[index].outbox_id).done(
                OutboundResult.NOT_PENDING, "queued twice; sent once by the same round")
        return [results[i] for i in range(len(jobs))]

    # -- read and claim ----------------------------------------------------------------------------------------
    def _claim(self, rows: list[_Row]) -> None:
        processor = self._processor
        found, round_trips = processor.reader.outboxes([r.job.outbox_id for r in rows])
        rows[0].outcome.round_trips += round_trips
        items: list[Item] = []
        for row in rows:
            try:
                row.claimed = processor.prepare(found.get(row.job.outbox_id), row.outcome, row.job.unsent_claim)
                if row.claimed is None:
                    continue
                row.reader, row.denied = processor.reader_for(row.claimed, row.outcome)
            except Exception as exc:  # noqa: BLE001 - nothing is claimed yet: the job is retried
                row.error = exc
                continue
            c = row.claimed
            row.request = claim_request(c.outbox, c.sender, c.plan, c.now,
                                        record_in_batch=row.reader is None and row.denied is None)
            items.extend(row.request.items)
        claiming = [r for r in rows if r.request is not None and r.open]
        if not claiming:
            return
        try:
            answer = self._store.run(items, continue_on_error=True)
        except Exception as exc:  # noqa: BLE001 - the claim $batch failed as a whole: none of these rows is sent
            for row in claiming:
                row.error = exc
            return
        rows[0].outcome.round_trips += answer.round_trips
        claims = {id(row): row.request.answered(answer) for row in claiming if row.request is not None}
        self._read_as_owners([r for r in claiming if r.reader is not None and claims[id(r)].error is None])
        for row in claiming:
            if row.claimed is None or not row.open:
                if row.claimed is not None and row.error is not None:
                    self._release(row, row.error)
                continue
            try:
                row.claimed = processor.claimed_with(row.claimed, claims[id(row)], row.denied, row.as_owner,
                                                     row.outcome)
            except Exception as exc:  # noqa: BLE001 - claimed_with released the claim when it held it
                row.error = exc

    def _read_as_owners(self, rows: list[_Row]) -> None:
        owners = by_owner({i: row.reader for i, row in enumerate(rows) if row.reader is not None})
        for owner, indexes in owners.items():
            wanted = [rows[i] for i in indexes]
            try:
                reads = self._processor.reader.read_as_many(
                    [(r.claimed.outbox, r.claimed.plan) for r in wanted
                     if r.claimed is not None and r.claimed.plan is not None], owner)
            except Exception as exc:  # noqa: BLE001 - these rows' claims are released below
                for row in wanted:
                    row.error = exc
                continue
            wanted[0].outcome.round_trips += 1
            for row, read in zip(wanted, reads, strict=True):
                row.as_owner = read

    # -- decide and write --------------------------------------------------------------------------------------
    def _prepare_sends(self, rows: list[_Row]) -> None:
        for row in rows:
            try:
                ready = self._processor.ready(row.taken, row.outcome)
            except Exception as exc:  # noqa: BLE001 - nothing was sent: released for the queue to retry
                self._release(row, exc)
                continue
            if isinstance(ready, Stop):
                row.stop = ready
            else:
                row.send, row.credentials = ready

    def _write(self, rows: list[_Row]) -> None:
        if not rows:
            return
        changesets: dict[int, Changeset] = {}
        for row in rows:
            if row.send is not None:
                changesets[id(row)] = self._processor.rows_before_send(row.send, row.taken.outbox)
            elif row.stop is not None:
                changesets[id(row)] = Changeset((unsent(row.taken.outbox.id, row.stop),))
        try:
            answer = self._store.run(list(changesets.values()), continue_on_error=True)
        except Exception as exc:  # noqa: BLE001 - nothing was sent: every claim goes back to Pending
            for row in rows:
                self._release(row, exc, message_written=None)
            return
        rows[0].outcome.round_trips += answer.round_trips
        for row in rows:
            self._written(row, answer.error(changesets[id(row)]))

    def _written(self, row: _Row, error: BaseException | None) -> None:
        claimed = row.taken
        if row.stop is not None:
            if error is not None:
                row.error = error  # still Sending: the sweeper reports it; nothing was sent
            else:
                self._processor.stopped(claimed, row.stop, row.outcome)
            return
        if error is None and row.send is not None:
            self._processor.remember_session(row.send)
            return
        if not isinstance(error, AlreadyExists | PreconditionFailed) or row.send is None:
            self._release(row, error or RuntimeError("no write planned"), message_written=None)
            return
        # Rows this plan meant to create exist (another worker, an inbound text, or a row of this round to the
        # same number): the single send's write reads them and writes what is left.
        try:
            written = self._processor.write(claimed, row.send, row.outcome)
        except Exception as exc:  # noqa: BLE001 - nothing was sent
            self._release(row, exc, message_written=None)
            return
        if isinstance(written, Stop):
            row.send, row.stop = None, written
            try:
                self._processor.finish_unsent(claimed, written, row.outcome)
            except Exception as exc:  # noqa: BLE001 - still Sending: the sweeper reports it
                row.error = exc
        else:
            row.send = written

    # -- send --------------------------------------------------------------------------------------------------
    def _send_all(self, rows: list[_Row]) -> None:
        """Each text at its sender's turn, up to `send_threads` calls at once; outcomes recorded at the end, or every
        `record_every` seconds while a slow sender paces the round, so that status callbacks find their message and
        a crash leaves less unknown."""
        sending = [r for r in rows if r.open and r.send is not None and r.credentials is not None]
        settled: list[_Row] = []
        since = self._clock()
        if sending:
            with ThreadPoolExecutor(max_workers=min(self._send_threads, len(sending)),
                                    thread_name_prefix="outbound-send") as pool:
                for done in as_completed([pool.submit(self._send_guarded, row) for row in sending]):
                    settled.append(done.result())
                    if self._clock() - since >= self._record_every:
                        self._record([r for r in settled if r.open and (r.result or r.ending) is not None])
                        settled, since = [], self._clock()
        self._record([r for r in rows if r.open and (r.result or r.ending) is not None])

    def _send_guarded(self, row: _Row) -> _Row:
        try:
            self._send(row)
        except Exception as exc:  # noqa: BLE001 - it may have reached Twilio: the row stays Sending
            log.error("outbox %s: the send failed unexpectedly (%s)", row.job.outbox_id, type(exc).__name__)
            row.error = exc
        return row

    def _send(self, row: _Row) -> None:
        claimed, (send, credentials) = row.taken, row.sending
        sent = claimed.outbox
        message = self._processor.message_for(claimed, send)
        configuration = send.sender.configuration
        row.outcome.message_id = outbound_message_id(sent.id)
        for attempt in range(1, _RATE_LIMIT_ROUNDS + 1):
            self._pacer.turn(configuration)
            row.outcome.twilio_calls += 1
            try:
                result: SendResult = self._sender.send(credentials, message)
            except SendFailed as exc:
                if is_rate_limited(exc) and attempt < _RATE_LIMIT_ROUNDS:
                    # Twilio did not take it: wait the sender's turn out, the row still claimed.
                    log.warning("outbox %s: Twilio is rate limiting its sender; waiting", sent.id)
                    self._pacer.hold_back(configuration, retry_after(exc, float(attempt)))
                    continue
                self._failed(row, exc)
                return
            row.sid = result.sid
            row.result = recorded(send, sent, result.sid, claimed.now, claimed.schedule_at)
            return

    def _failed(self, row: _Row, exc: SendFailed) -> None:
        claimed, (send, _) = row.taken, row.sending
        sent = claimed.outbox
        if exc.ambiguous:
            row.ending = unconfirmed(send, sent, exc.message)
            row.extra.append(OutboundResult.UNKNOWN)
            log.warning("outbox %s: outcome unknown (%s)", sent.id, type(exc.__cause__).__name__)
        elif exc.is_transient:
            log.warning("outbox %s: Twilio unavailable (%s); released for a retry", sent.id, exc.code)
            self._release(row, exc, message_written=True)
        else:
            row.ending = refused(send, sent, exc.code, exc.message, claimed.now)
            row.outcome.error_code = exc.code
            row.extra.append(OutboundResult.FAILED)

    # -- record ------------------------------------------------------------------------------------------------
    def _record(self, rows: list[_Row]) -> None:
        pending = {id(row): (row.result if row.result is not None else row.ending.changeset)  # type: ignore[union-attr]
                   for row in rows}
        failures: dict[int, BaseException] = {}
        for _ in range(2):  # a changeset that failed is asked once more; it writes the same values
            if not pending:
                break
            try:
                answer = self._store.run(list(pending.values()), continue_on_error=True)
            except Exception as exc:  # noqa: BLE001 - asked again below, then the jobs are retried
                failures = dict.fromkeys(pending, exc)
                continue
            rows[0].outcome.round_trips += answer.round_trips
            failures = {key: error for key, changeset in pending.items()
                        if (error := answer.error(changeset)) is not None}
            pending = {key: pending[key] for key in failures}
        for row in rows:
            failure = failures.get(id(row))
            if failure is not None:
                # Sent (or ended) but not recorded: the row stays Sending, never claimed again; the sweeper and
                # reconcile settle it. The job is retried and finds it so.
                log.error("outbox %s: its outcome could not be recorded (%s)", row.job.outbox_id,
                          type(failure).__name__)
                row.error = failure
                continue
            self._settled(row)

    def _settled(self, row: _Row) -> None:
        claimed = row.taken
        if row.ending is not None:
            if row.ending.error is not None:
                self._store.record(row.ending.error)
            result = OutboundResult.UNKNOWN if OutboundResult.UNKNOWN in row.extra else OutboundResult.FAILED
            row.outcome.done(result, row.ending.reason)
            return
        row.outcome.sid = row.sid
        log.info("outbox %s sent as %s", claimed.outbox.id, row.sid)
        if claimed.schedule_at is not None:
            row.outcome.done(OutboundResult.SCHEDULED, f"scheduled for {claimed.schedule_at.isoformat()}")
        else:
            row.outcome.done(OutboundResult.SENT)

    def _release(self, row: _Row, exc: BaseException, *, message_written: bool | None = False) -> None:
        """Nothing was sent: back to Pending (the job raises, for the queue to retry), or given up as Unknown at
        the last attempt (the job settles)."""
        if row.claimed is None:
            row.error = exc
            return
        try:
            released = self._processor.release(row.claimed, exc, row.outcome, message_written=message_written)
        except ClaimKept as kept:
            row.error = kept  # this row's job alone comes back for its claim; the round goes on
            return
        if released or row.outcome.result is None:
            row.error = exc



class CoalescedOutbound:
    """The outbound worker's `process(job)`, coalesced: each invocation's job joins this process's next round."""

    def __init__(self, group: GroupSender, limit: int, *, linger: float = 0.0) -> None:
        self._combiner: Combiner[OutboxJob, OutboundOutcome] = Combiner(group.process_group, limit=limit, linger=linger)

    @property
    def combiner(self) -> Combiner[OutboxJob, OutboundOutcome]:
        return self._combiner

    def process(self, job: OutboxJob) -> OutboundOutcome:
        return self._combiner.submit(job)
