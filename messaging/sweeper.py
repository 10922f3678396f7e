"""The sweep (DESIGN 6.7), run by a timer every minute: the work no event triggers.

1. Close sessions whose window has ended: Open → Completed (`statecode` 1, `statuscode` 2, as Dataverse's activity
   states go), `actualend` = the window's end.
2. Release Outbox rows still Pending whose `smsb_sendafter` has come, and re-enqueue Pending rows without one that
   are older than two minutes (their webhook never arrived, or its job was lost).
3. Mark Sending rows that have had no SID for ten minutes as Unknown, with their message and an Error Log row: the
   send may or may not have reached Twilio, and an unknown send is never repeated automatically. When the message
   row already carries a SID (the status callback arrived, the worker died before recording it) the Outbox row is
   completed as Sent instead.
4. Seal auth tokens still under `SMSB_ENCRYPTION_KEY_PREVIOUS` (or still in plaintext) under the current key.

Cost grows with the rows that need work, not with the tables: each action is one server-side filtered, paged
query that matches only rows needing work, and every write of the run travels in one `$batch`. An idle run is
four GETs. Each action takes at most `max_per_run` rows; the rest waits for the next minute (the report says
which actions had more).

Idempotent: every write removes its row from the query that found it. Released Outbox rows get `actualstart`
(when SMS Bridge handed the row to the send queue), so the next run leaves them alone for two minutes — long
enough for the queued job to claim the row — and re-releases them only if that job was lost. Writes that could
race a worker carry the row's ETag; a row changed meanwhile is skipped and looked at again next run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from dataverse import (
    Batch,
    BatchPartResult,
    DataverseClient,
    F,
    Filter,
    NotFound,
    PreconditionFailed,
    Reference,
    Row,
)
from messaging.errorlog import ErrorLog, ErrorSource, LoggedError
from messaging.errors import TokenDecryptionFailed
from messaging.ids import outbound_message_id
from messaging.jobs import OutboxJob
from messaging.model import OutboxStatus, Severity, StatusChoice
from messaging.tokens import PREFIX, TokenCipher, key_id

__all__ = ["REQUEUE_AFTER", "UNKNOWN_AFTER", "SweepReport", "Sweeper"]

log = logging.getLogger("smsbridge.sweep")

REQUEUE_AFTER = timedelta(minutes=2)
UNKNOWN_AFTER = timedelta(minutes=10)
ACTIVITY_OPEN = 0
ACTIVITY_COMPLETED = 1
STATUS_COMPLETED = 2  # statuscode "Completed", which belongs to statecode Completed
_REASON_LENGTH = 2000
_UNKNOWN_REASON = (
    "The send did not finish: no Twilio SID was recorded within ten minutes of starting it, so the text may or may "
    "not have been sent. Check the Twilio console's messaging logs for this number before sending it again; SMS "
    "Bridge never re-sends an unknown send by itself."
)


@dataclass(frozen=True)
class SweepReport:
    """What one run did; `jobs` are the Outbox rows to put on `sms-outbound`."""

    sessions_closed: int = 0
    outbox_released: int = 0
    outbox_requeued: int = 0
    outbox_unknown: int = 0
    outbox_recovered: int = 0
    tokens_resealed: int = 0
    skipped: int = 0
    failed: int = 0
    backlog: tuple[str, ...] = ()
    round_trips: int = 0
    operations: int = 0
    rows_read: int = 0
    jobs: tuple[OutboxJob, ...] = ()

    @property
    def actions(self) -> int:
        return (self.sessions_closed + self.outbox_released + self.outbox_requeued + self.outbox_unknown
                + self.outbox_recovered + self.tokens_resealed)

    def summary(self) -> str:
        counts = ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                           if f.name not in ("backlog", "jobs", "round_trips", "operations", "rows_read"))
        more = f"; more next run: {', '.join(self.backlog)}" if self.backlog else ""
        return (f"{counts}; {self.round_trips} round trips, {self.operations} operations, "
                f"{self.rows_read} rows read{more}")


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)
    backlog: list[str] = field(default_factory=list)
    jobs: list[OutboxJob] = field(default_factory=list)
    round_trips: int = 0
    operations: int = 0
    rows_read: int = 0

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def report(self) -> SweepReport:
        return SweepReport(**self.counts, backlog=tuple(self.backlog), round_trips=self.round_trips,
                           operations=self.operations, rows_read=self.rows_read, jobs=tuple(self.jobs))


@dataclass(frozen=True)
class _Found:
    rows: list[Row]
    more: bool


# A planned write: the batch parts it consists of, and what to count (and enqueue) if the first one succeeded.
@dataclass(frozen=True)
class _Write:
    refs: tuple[Reference, ...]
    counts_as: str
    job: OutboxJob | None = None


class Sweeper:
    def __init__(
        self,
        client: DataverseClient,
        cipher: TokenCipher,
        errors: ErrorLog,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = 500,
        max_per_run: int = 1000,
    ) -> None:
        if page_size < 1 or max_per_run < 1:
            raise ValueError("page_size and max_per_run must be positive")
        self._client = client
        self._cipher = cipher
        self._errors = errors
        self._clock = clock
        self._page_size = min(page_size, max_per_run, 5000)
        self._max = max_per_run

    def run(self, correlation_id: str | None = None) -> SweepReport:
        now = self._clock()
        tally = _Tally()
        with self._client.operation(correlation_id) as scope:
            correlation = scope.correlation_id
            batch = self._client.batch()
            writes: list[_Write] = []
            writes += self._close_sessions(now, batch, tally)
            writes += self._release_outbox(now, correlation, batch, tally)
            writes += self._settle_stale_sends(now, correlation, batch, tally)
            writes += self._reseal_tokens(batch, tally)
            if writes:
                tally.operations += batch.operation_count
                result = self._client.execute_batch(batch, continue_on_error=True)
                tally.round_trips += result.round_trips
                failures = [part for write in writes for part in self._account(write, result.part, tally)]
                if failures:
                    self._record_failures(failures, correlation)
        report = tally.report()
        log.debug("sweep: %s", report.summary())  # the timer logs the summary at INFO
        return report

    # -- 1. sessions -------------------------------------------------------------------------------------------
    def _close_sessions(self, now: datetime, batch: Batch, tally: _Tally) -> list[_Write]:
        found = self._find(tally, "sessions", "smsb_messagesessions", select=("activityid", "scheduledend"),
                           filter=F.eq("statecode", ACTIVITY_OPEN) & F.lt("scheduledend", now),
                           orderby=["scheduledend asc"])
        writes = []
        for row in found.rows:
            # The session ended when its window did, whenever the sweep got to it.
            ended = row.get("scheduledend") or now.isoformat()
            ref = batch.update("smsb_messagesessions", _id(row, "activityid"), {
                "statecode": ACTIVITY_COMPLETED, "statuscode": STATUS_COMPLETED, "actualend": ended,
            })
            writes.append(_Write((ref,), "sessions_closed"))
        return writes

    # -- 2. outbox rows waiting to be sent ---------------------------------------------------------------------
    def _release_outbox(self, now: datetime, correlation: str, batch: Batch, tally: _Tally) -> list[_Write]:
        cutoff = now - REQUEUE_AFTER
        due = F.le("smsb_sendafter", now) | (F.is_null("smsb_sendafter") & F.lt("createdon", cutoff))
        # actualstart marks a release: a row released less than two minutes ago has a job on its way.
        not_in_flight = F.is_null("actualstart") | F.lt("actualstart", cutoff)
        pending = F.eq("smsb_sendstatus", int(OutboxStatus.PENDING)) & F.eq("statecode", ACTIVITY_OPEN)
        found = self._find(tally, "outbox pending", "smsb_outboxes", select=("activityid", "smsb_sendafter"),
                           filter=pending & due & not_in_flight, orderby=["createdon asc"])
        writes = []
        for row in found.rows:
            outbox = _id(row, "activityid")
            ref = batch.update("smsb_outboxes", outbox, {"actualstart": now.isoformat()}, etag=row.etag)
            kind = "outbox_released" if row.get("smsb_sendafter") else "outbox_requeued"
            writes.append(_Write((ref,), kind, OutboxJob(outbox, correlation, "sweep")))
        return writes

    # -- 3. sends that never finished --------------------------------------------------------------------------
    def _settle_stale_sends(self, now: datetime, correlation: str, batch: Batch, tally: _Tally) -> list[_Write]:
        stale = (F.eq("smsb_sendstatus", int(OutboxStatus.SENDING)) & F.is_null("smsb_sid")
                 & F.lt("modifiedon", now - UNKNOWN_AFTER))
        found = self._find(tally, "outbox sending", "smsb_outboxes",
                           select=("activityid", "subject", "modifiedon", "_smsb_message_value"), filter=stale,
                           orderby=["modifiedon asc"],
                           expand=["smsb_message($select=smsb_messageid,smsb_sid,smsb_status)"])
        messages = self._messages_of(found.rows, tally)
        writes = []
        for row in found.rows:
            outbox = _id(row, "activityid")
            message = messages.get(outbox)
            if message is not None and message.get("smsb_sid"):
                ref = batch.update("smsb_outboxes", outbox, {
                    "smsb_sendstatus": int(OutboxStatus.SENT), "smsb_sid": message.get("smsb_sid"),
                }, etag=row.etag)
                writes.append(_Write((ref,), "outbox_recovered"))
                continue
            changeset = batch.changeset()
            refs = [changeset.update("smsb_outboxes", outbox, {
                "smsb_sendstatus": int(OutboxStatus.UNKNOWN), "smsb_failurereason": _UNKNOWN_REASON[:_REASON_LENGTH],
            }, etag=row.etag)]
            if message is not None:
                refs.append(changeset.update("smsb_messages", _id(message, "smsb_messageid"),
                                             {"smsb_status": int(StatusChoice.UNKNOWN)}, etag=message.etag))
            refs.append(changeset.create("smsb_errorlogs", ErrorLog.row(LoggedError(
                source=ErrorSource.SWEEP, name="Outbox send outcome unknown",
                details=(f"Outbox {outbox} ('{row.get('subject') or ''}') was Sending without a Twilio SID since "
                         f"{row.get('modifiedon')}; marked Unknown for a person to review, not re-sent."),
                severity=Severity.ERROR, correlation_id=correlation, related_entity="smsb_outbox",
                related_id=str(outbox),
            ), now)))
            writes.append(_Write(tuple(refs), "outbox_unknown"))
        return writes

    def _messages_of(self, rows: list[Row], tally: _Tally) -> dict[uuid.UUID, Row]:
        """Each stale Outbox row's message: the linked one, else the one the worker may have written under its
        deterministic id before it could link it (read in one batch, only for such rows)."""
        messages: dict[uuid.UUID, Row] = {}
        unlinked: dict[uuid.UUID, Reference] = {}
        batch = self._client.batch()
        for row in rows:
            outbox = _id(row, "activityid")
            linked = row.get("smsb_message")
            if isinstance(linked, Row):
                messages[outbox] = linked
            else:
                unlinked[outbox] = batch.retrieve("smsb_messages", outbound_message_id(outbox),
                                                  select=("smsb_messageid", "smsb_sid", "smsb_status"))
        if unlinked:
            tally.operations += batch.operation_count
            result = self._client.execute_batch(batch, continue_on_error=True)
            tally.round_trips += result.round_trips
            for outbox, ref in unlinked.items():
                part = result.part(ref)
                if part.error is not None and not isinstance(part.error, NotFound):
                    raise part.error
                if part.row is not None:
                    tally.rows_read += 1
                    messages[outbox] = part.row
        return messages

    # -- 4. tokens under the previous key ----------------------------------------------------------------------
    def _reseal_tokens(self, batch: Batch, tally: _Tally) -> list[_Write]:
        unsealed = F.not_null("smsb_authtoken") & ~F.startswith("smsb_authtoken", PREFIX)
        previous = self._cipher.previous_key
        wanted = unsealed if previous is None else (
            unsealed | F.startswith("smsb_authtoken", f"{PREFIX}{key_id(previous)}:"))
        found = self._find(tally, "tokens", "smsb_configurations",
                           select=("smsb_configurationid", "smsb_authtoken"), filter=wanted, orderby=["createdon asc"])
        writes = []
        for row in found.rows:
            configuration = _id(row, "smsb_configurationid")
            stored = str(row.get("smsb_authtoken") or "")
            try:
                plain = self._cipher.decrypt(stored, configuration) if stored.startswith(PREFIX) else stored.strip()
            except TokenDecryptionFailed as exc:
                # Damaged, or copied from another row: Validate reports it; an Error Log row a minute would not help.
                log.warning("auth token of Configuration %s cannot be resealed: %s", configuration, exc)
                tally.add("skipped")
                continue
            if not plain:
                continue
            ref = batch.update("smsb_configurations", configuration,
                               {"smsb_authtoken": self._cipher.encrypt(plain, configuration)}, etag=row.etag)
            writes.append(_Write((ref,), "tokens_resealed"))
        return writes

    # -- reading and accounting --------------------------------------------------------------------------------
    def _find(self, tally: _Tally, action: str, entity_set: str, *, select: Iterable[str], filter: Filter,
              orderby: list[str], expand: list[str] | None = None) -> _Found:
        rows: list[Row] = []
        for page in self._client.pages(entity_set, select=select, filter=filter, orderby=orderby, expand=expand,
                                       page_size=self._page_size):
            tally.round_trips += 1
            tally.operations += 1
            tally.rows_read += len(page.rows)
            rows.extend(page.rows)
            if len(rows) >= self._max:
                more = len(rows) > self._max or page.next_link is not None
                if more:
                    tally.backlog.append(action)
                return _Found(rows[: self._max], more)
        return _Found(rows, False)

    def _account(self, write: _Write, part_of: Callable[[Reference], BatchPartResult],
                 tally: _Tally) -> list[BatchPartResult]:
        first = part_of(write.refs[0])
        if first.ok:
            tally.add(write.counts_as)
            if write.job is not None:
                tally.jobs.append(write.job)
            return []
        if isinstance(first.error, NotFound | PreconditionFailed):
            tally.add("skipped")  # changed or deleted since it was read: the next run looks again
            return []
        tally.add("failed")
        return [first]

    def _record_failures(self, failures: list[BatchPartResult], correlation: str) -> None:
        first = failures[0].error
        log.error("sweep: %d writes failed (%s)", len(failures), type(first).__name__)
        self._errors.record(LoggedError(
            source=ErrorSource.SWEEP, name="Sweep writes failed",
            details=f"{len(failures)} writes failed; the first: {first}. They are tried again on the next run.",
            severity=Severity.ERROR, correlation_id=correlation,
        ))


def _id(row: Row, column: str) -> uuid.UUID:
    return uuid.UUID(str(row[column]))
