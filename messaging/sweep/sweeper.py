"""The sweep (DESIGN 6.7), run by a timer every minute: the work no event triggers.

1. Close sessions whose window has ended (Open → Completed, `actualend` = the window's end).
2. Release Outbox rows still Pending whose `smsb_sendafter` has come, and re-enqueue Pending rows without one that
   are older than two minutes (their webhook never arrived, or its job was lost).
3. Mark Sending rows that have had no SID for ten minutes as Unknown (or Sent, when their message got its SID).
4. Seal auth tokens still under `SMSB_ENCRYPTION_KEY_PREVIOUS` (or still in plaintext) under the current key.

Cost grows with the rows that need work, not with the tables: each action is one server-side filtered, paged
query that matches only rows needing work (read here), `sweep.rules` decides, and every write of the run travels
in one `$batch`. An idle run is four GETs. Each action takes at most `max_per_run` rows; the rest waits for the
next minute (the report says which actions had more).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from dataverse import DataverseClient, F, Filter, NotFound, PreconditionFailed, Row
from messaging.envelopes import OutboxJob
from messaging.ids import outbound_message_id
from messaging.names import (
    SMSB_CONFIGURATION,
    SMSB_MESSAGE,
    SMSB_MESSAGESESSION,
    SMSB_OUTBOX,
    ActivityState,
    OutboxStatus,
    Severity,
    lookup_value,
)
from messaging.rows.errorlog import ErrorSource, LoggedError
from messaging.store import Answer, Get, Store
from messaging.sweep.rules import (
    REQUEUE_AFTER,
    UNKNOWN_AFTER,
    Action,
    DueSession,
    PendingOutbox,
    SentMessage,
    StaleSend,
    StoredToken,
    close_sessions,
    release_outbox,
    reseal_tokens,
    settle_stale_sends,
)
from messaging.tokens import PREFIX, TokenCipher, key_id

__all__ = ["SweepReport", "Sweeper"]

log = logging.getLogger("smsbridge.sweep")

_S = SMSB_MESSAGESESSION.columns
_O = SMSB_OUTBOX.columns
_M = SMSB_MESSAGE.columns
_T = SMSB_CONFIGURATION.columns
_MESSAGE_COLUMNS = (_M.smsb_messageid, _M.smsb_sid, _M.smsb_status)


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


class Sweeper:
    def __init__(
        self,
        client: DataverseClient,
        cipher: TokenCipher,
        store: Store,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = 500,
        max_per_run: int = 1000,
    ) -> None:
        if page_size < 1 or max_per_run < 1:
            raise ValueError("page_size and max_per_run must be positive")
        self._client = client
        self._cipher = cipher
        self._store = store
        self._clock = clock
        self._page_size = min(page_size, max_per_run, 5000)
        self._max = max_per_run

    def run(self, correlation_id: str | None = None) -> SweepReport:
        now = self._clock()
        tally = _Tally()
        with self._client.operation(correlation_id) as scope:
            correlation = scope.correlation_id
            actions = close_sessions(self._due_sessions(now, tally), now)
            actions += release_outbox(self._pending_outbox(now, tally), now, correlation)
            stale = self._stale_sends(now, tally)
            actions += settle_stale_sends([send for send, _ in stale], self._messages_of(stale, tally), now,
                                          correlation)
            resealed, problems = reseal_tokens(self._tokens(tally), self._cipher)
            for problem in problems:  # Validate reports it; an Error Log row a minute would not help
                log.warning("%s", problem)
                tally.add("skipped")
            actions += resealed
            if actions:
                answer = self._store.run([action.item for action in actions], continue_on_error=True)
                tally.round_trips += answer.round_trips
                tally.operations += answer.operations
                failures = [error for action in actions if (error := self._account(action, answer, tally))]
                if failures:
                    self._record_failures(failures, correlation)
        report = tally.report()
        log.debug("sweep: %s", report.summary())  # the timer logs the summary at INFO
        return report

    # -- reading what needs work -------------------------------------------------------------------------------
    def _due_sessions(self, now: datetime, tally: _Tally) -> list[DueSession]:
        rows = self._find(tally, "sessions", SMSB_MESSAGESESSION.entity_set, select=(_S.activityid, _S.scheduledend),
                          filter=F.eq(_S.statecode, int(ActivityState.OPEN)) & F.lt(_S.scheduledend, now),
                          orderby=[f"{_S.scheduledend} asc"])
        return [DueSession(_id(row, _S.activityid), row.get(_S.scheduledend)) for row in rows]

    def _pending_outbox(self, now: datetime, tally: _Tally) -> list[PendingOutbox]:
        cutoff = now - REQUEUE_AFTER
        due = F.le(_O.smsb_sendafter, now) | (F.is_null(_O.smsb_sendafter) & F.lt(_O.createdon, cutoff))
        # actualstart marks a release: a row released less than two minutes ago has a job on its way.
        not_in_flight = F.is_null(_O.actualstart) | F.lt(_O.actualstart, cutoff)
        pending = F.eq(_O.smsb_sendstatus, int(OutboxStatus.PENDING)) & F.eq(_O.statecode, int(ActivityState.OPEN))
        rows = self._find(tally, "outbox pending", SMSB_OUTBOX.entity_set, select=(_O.activityid, _O.smsb_sendafter),
                          filter=pending & due & not_in_flight, orderby=[f"{_O.createdon} asc"])
        return [PendingOutbox(_id(row, _O.activityid), bool(row.get(_O.smsb_sendafter)), row.etag) for row in rows]

    def _stale_sends(self, now: datetime, tally: _Tally) -> list[tuple[StaleSend, Row | None]]:
        stale = (F.eq(_O.smsb_sendstatus, int(OutboxStatus.SENDING)) & F.is_null(_O.smsb_sid)
                 & F.lt(_O.modifiedon, now - UNKNOWN_AFTER))
        rows = self._find(tally, "outbox sending", SMSB_OUTBOX.entity_set,
                          select=(_O.activityid, _O.subject, _O.modifiedon, lookup_value(_O.smsb_message)),
                          filter=stale, orderby=[f"{_O.modifiedon} asc"],
                          expand=[f"{SMSB_OUTBOX.navigation.smsb_message}($select={','.join(_MESSAGE_COLUMNS)})"])
        found = []
        for row in rows:
            linked = row.get(SMSB_OUTBOX.navigation.smsb_message)
            found.append((StaleSend(_id(row, _O.activityid), str(row.get(_O.subject) or ""), row.get(_O.modifiedon),
                                    row.etag), linked if isinstance(linked, Row) else None))
        return found

    def _messages_of(self, stale: list[tuple[StaleSend, Row | None]], tally: _Tally) -> dict[uuid.UUID, SentMessage]:
        """Each stale Outbox row's message: the linked one, else the one the worker may have written under its
        deterministic id before it could link it (read in one batch, only for such rows)."""
        messages: dict[uuid.UUID, SentMessage] = {}
        unlinked: dict[uuid.UUID, Get] = {}
        for send, linked in stale:
            if linked is not None:
                messages[send.id] = _sent(linked)
            else:
                unlinked[send.id] = Get(SMSB_MESSAGE.entity_set, outbound_message_id(send.id), _MESSAGE_COLUMNS)
        if unlinked:
            answer = self._store.run(list(unlinked.values()), continue_on_error=True)
            tally.operations += answer.operations
            tally.round_trips += answer.round_trips
            for outbox_id, read in unlinked.items():
                error = answer.error(read)
                if error is not None and not isinstance(error, NotFound):
                    raise error
                row = answer.row(read)
                if row is not None:
                    tally.rows_read += 1
                    messages[outbox_id] = _sent(row)
        return messages

    def _tokens(self, tally: _Tally) -> list[StoredToken]:
        unsealed = F.not_null(_T.smsb_authtoken) & ~F.startswith(_T.smsb_authtoken, PREFIX)
        previous = self._cipher.previous_key
        wanted = unsealed if previous is None else (
            unsealed | F.startswith(_T.smsb_authtoken, f"{PREFIX}{key_id(previous)}:"))
        rows = self._find(tally, "tokens", SMSB_CONFIGURATION.entity_set,
                          select=(_T.smsb_configurationid, _T.smsb_authtoken), filter=wanted,
                          orderby=[f"{_T.createdon} asc"])
        return [StoredToken(_id(row, _T.smsb_configurationid), row.get(_T.smsb_authtoken), row.etag) for row in rows]

    def _find(self, tally: _Tally, action: str, entity_set: str, *, select: Iterable[str], filter: Filter,
              orderby: list[str], expand: list[str] | None = None) -> list[Row]:
        rows: list[Row] = []
        for page in self._client.pages(entity_set, select=select, filter=filter, orderby=orderby, expand=expand,
                                       page_size=self._page_size):
            tally.round_trips += 1
            tally.operations += 1
            tally.rows_read += len(page.rows)
            rows.extend(page.rows)
            if len(rows) >= self._max:
                if len(rows) > self._max or page.next_link is not None:
                    tally.backlog.append(action)
                return rows[: self._max]
        return rows

    # -- accounting --------------------------------------------------------------------------------------------
    def _account(self, action: Action, answer: Answer, tally: _Tally) -> Exception | None:
        error = answer.error(action.item)
        if error is None:
            tally.add(action.counts_as)
            if action.job is not None:
                tally.jobs.append(action.job)
            return None
        if isinstance(error, NotFound | PreconditionFailed):
            tally.add("skipped")  # changed or deleted since it was read: the next run looks again
            return None
        tally.add("failed")
        return error

    def _record_failures(self, failures: list[Exception], correlation: str) -> None:
        first = failures[0]
        log.error("sweep: %d writes failed (%s)", len(failures), type(first).__name__)
        self._store.record(LoggedError(
            source=ErrorSource.SWEEP, name="Sweep writes failed",
            details=f"{len(failures)} writes failed; the first: {first}. They are tried again on the next run.",
            severity=Severity.ERROR, correlation_id=correlation,
        ))


def _sent(row: Row) -> SentMessage:
    return SentMessage(_id(row, _M.smsb_messageid), row.get(_M.smsb_sid) or None, row.etag)


def _id(row: Row, column: str) -> uuid.UUID:
    return uuid.UUID(str(row[column]))
