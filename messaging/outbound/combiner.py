"""Group commit for one process: invocations that arrive together share one round of work.

Each caller hands its job in (`Combiner.submit`) and waits for its own result. When no round is running, the
caller leads one: it takes what is waiting (at most `limit`, in arrival order), does the work for all of them at
once, hands each caller its result (or the exception to raise), and lets the next waiting caller lead the next
round. A job that arrives while nothing runs is led at once, alone: no added latency when the load is idle.

The queue semantics stay the caller's: each queue message's invocation returns (the message is deleted) or raises
(the message is retried) only once its own job has settled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Combiner", "take_round"]

J = TypeVar("J")
R = TypeVar("R")


def take_round(waiting: int, limit: int) -> int:
    """How many of the waiting jobs the next round takes: all of them, up to the limit (at least one)."""
    return max(1, min(waiting, limit))


@dataclass
class _Slot(Generic[J, R]):
    job: J
    done: bool = False
    result: R | None = None
    error: BaseException | None = None


class Combiner(Generic[J, R]):
    """`work(jobs)` returns one result per job, in order: a value, or the exception that job's caller raises."""

    def __init__(self, work: Callable[[Sequence[J]], Sequence[R | BaseException]], limit: int) -> None:
        if limit < 1:
            raise ValueError("a round takes at least one job")
        self._work = work
        self._limit = limit
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
        while True:
            with self._changed:
                self._changed.wait_for(lambda: slot.done or not self._leading)
                if slot.done:
                    break
                self._leading = True
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
            self.rounds += 1
            self.largest = max(self.largest, len(taken))
            self._changed.notify_all()  # the callers of this round return; one of the others leads the next
