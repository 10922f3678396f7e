"""A change of owner on a conversation or a session, brought in step (DESIGN 6.6): read the chat, decide
(`ownership.rules`), write the moves in one changeset. A write that meets a row changed meanwhile (its ETag) is
read and decided again; after a few such rounds the queue retries the job later."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from dataverse import NotFound, PreconditionFailed
from messaging.envelopes import OwnershipJob
from messaging.errors import OwnersKeptChanging
from messaging.ownership.reader import OwnershipReader
from messaging.ownership.rules import InStep, Reassigned, decide, membership_question
from messaging.rows.conversation import Holding
from messaging.rows.owner import Owner
from messaging.store import Store

__all__ = ["OwnershipOutcome", "OwnershipProcessor"]

log = logging.getLogger("smsbridge.ownership")

_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class OwnershipOutcome:
    in_step: bool  # nothing was written
    reason: str = ""
    owner: Owner | None = None
    sessions_moved: int = 0
    conversation_moved: bool = False
    holding: Holding | None = None
    clock_restarted: bool = False
    round_trips: int = 0


class OwnershipProcessor:
    def __init__(self, store: Store, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._reader = OwnershipReader(store)
        self._clock = clock

    def process(self, job: OwnershipJob) -> OwnershipOutcome:
        event = Reassigned(job.table, job.row_id, Owner(job.owner_user, job.owner_team), job.at, job.restarts_clock)
        round_trips = 0
        for _ in range(_MAX_ATTEMPTS):
            read = self._reader.read(event)
            facts, round_trips = read.facts, round_trips + read.round_trips
            question = membership_question(facts)
            if question is not None:
                facts = dataclasses.replace(facts, holder_in_team=self._reader.is_member(*question))
                round_trips += 1
            decision = decide(facts, now=self._clock())
            if isinstance(decision, InStep):
                log.info("%s %s: %s", job.table, job.row_id, decision.reason)
                return OwnershipOutcome(True, decision.reason, round_trips=round_trips)
            answer = self._store.run([decision.changeset])
            round_trips += answer.round_trips
            error = answer.error(decision.changeset)
            if error is None:
                log.info("%s %s: %d session(s) and %s conversation brought in step", job.table, job.row_id,
                         len(decision.sessions), "the" if decision.conversation else "not the")
                return OwnershipOutcome(False, owner=decision.owner, sessions_moved=len(decision.sessions),
                                        conversation_moved=decision.conversation, holding=decision.holding,
                                        clock_restarted=decision.restarts_clock, round_trips=round_trips)
            if not isinstance(error, PreconditionFailed | NotFound):
                raise error
        raise OwnersKeptChanging(f"the chat of {job.table} {job.row_id} kept changing while its owners were being "
                                 "brought in step")
