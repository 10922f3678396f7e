"""Group commit for one process: invocations that arrive together share one round of work.

Each caller hands its job in (`Combiner.submit`) and waits for its own result. When no round is running, the
caller leads one: it takes what is waiting (at most `limit`, in arrival order), does the work for all of them at
once, hands each caller its result (or the exception to raise), and lets the next waiting caller lead the next
round. A job that arrives while the process is idle is led at once, alone: no added latency when the load is idle.
Under load (a round ended within the last second) a round not yet full waits up to `linger` seconds for more jobs,
so that jobs trickling in (several hosts sharing a queue) still share rounds.

The queue semantics stay the caller's: each queue message's invocation returns (the message is deleted) or raises
(the message is retried) only once its own job has settled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BUSY_WITHIN", "Combiner", "linger_for", "take_round"]

BUSY_WITHIN = 1.0  # a round ended this recently: the process is under load

J = TypeVar("J")
R = TypeVar("R")


def take_round(waiting: int, limit: int) -> int:
    """How many of the waiting jobs the next round takes: all of them, up to the limit (at least one)."""
    return max(1, min(waiting, limit))


def linger_for(now: float, last_round: float | None, waiting: int, limit: int, linger: float) -> float:
    """Seconds a new round waits for more jobs before it starts: none when the process was idle (no round ended in
    the last `BUSY_WITHIN` seconds: a job alone goes at once) or the round is full already; else up to `linger`,
    so that jobs trickling in under load share rounds instead of each paying a round's requests."""
    if linger <= 0 or waiting >= limit or last_round is None or now - last_round > BUSY_WITHIN:
        return 0.0
    return linger


@dataclass
class _Slot(Generic[J, R]):
    job: J
    done: bool = False
    result: R | None = None
    error: BaseException | None = None


class Combiner(Generic[J, R]):
    """`work(jobs)` returns one result per job, in order: a value, or the exception that job's caller raises."""

    def __init__(self, work: Callable[[Sequence[J]], Sequence[R | BaseException]], limit: int, *,
                 linger: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a round takes at least one job")
        self._work = work
        self._limit = limit
        self._linger = linger
        self._clock = clock
        self._last_round: float | None = None
        self._changed = threading.Condition()
        self._waiting: list[_Slot[J, R]] = []
        self._leading = False
        self.rounds = 0  # rounds run, for tests and telemetry
        self.largest = 0

    @property
    def waiting(self) -> int:
        """Jobs handed in and not yet taken by a round."""
        with self._changed:
            return len(self._waiting)

    def submit(self, job: J) -> R:
        slot: _Slot[J, R] = _Slot(job)
        with self._changed:
            self._waiting.append(slot)
            self._changed.notify_all()  # a leader lingering for a fuller round counts it
        while True:
            with self._changed:
                self._changed.wait_for(lambda: slot.done or not self._leading)
                if slot.done:
                    break
                self._leading = True
                wait = linger_for(self._clock(), self._last_round, len(self._waiting), self._limit, self._linger)
                if wait > 0:
                    self._changed.wait_for(lambda: len(self._waiting) >= self._limit, timeout=wait)
                count = take_round(len(self._waiting), self._limit)
                taken, self._waiting = self._waiting[:count], self._waiting[count:]
            self._lead(taken)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _lead(self, taken: list[_Slot[J, R]]) -> None:
        try:
            results: Sequence[R | BaseException] = self._work([s.job for s in taken])
            if len(results) != len(taken):
                raise RuntimeError(f"a round of {len(taken)} jobs answered {len(results)} results")
        except BaseException as exc:  # noqa: BLE001 - every caller of the round gets the failure to raise
            results = [exc] * len(taken)
        with self._changed:
            for slot, result in zip(taken, results, strict=True):
                if isinstance(result, BaseException):
                    slot.error = result
                else:
                    slot.result = result
                slot.done = True
            self._leading = False
            self._last_round = self._clock()
            self.rounds += 1
            self.largest = max(self.largest, len(taken))
            self._changed.notify_all()  # the callers of this round return; one of the others leads the next
