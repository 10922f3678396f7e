"""Group commit for queue invocations: each invocation hands its item in and waits for its own result, while one
of them at a time (the leader) takes what is waiting and does the work of all of it together.

Queue semantics stay per invocation: an item's result is delivered only to its own invocation, and a failure is
raised there (so the queue retries that message alone). Nothing waits for company: an item that arrives while no
work runs is taken at once, alone; whoever arrives while a flush runs joins the next one. `choose` decides which of
the waiting items go together (it must take at least one whenever any wait; without it, the first `limit` go); the
others stay for the next flush. Under load (a flush ended within the last second) a flush not yet full may wait up to
`linger` seconds for more items, so that items trickling in (several hosts sharing a queue) still share flushes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BUSY_WITHIN", "Combiner", "linger_for", "take_round"]

BUSY_WITHIN = 1.0  # a flush ended this recently: the process is under load

T = TypeVar("T")
R = TypeVar("R")


def take_round(waiting: int, limit: int) -> int:
    """How many of the waiting items the next flush takes: all of them, up to the limit (at least one)."""
    return max(1, min(waiting, limit))


def linger_for(now: float, last_flush: float | None, waiting: int, limit: int, linger: float) -> float:
    """Seconds a new flush waits for more items before it starts: none when the process was idle (no flush ended in
    the last `BUSY_WITHIN` seconds: an item alone goes at once) or the flush is full already; else up to `linger`,
    so that items trickling in under load share flushes instead of each paying a flush's requests."""
    if linger <= 0 or waiting >= limit or last_flush is None or now - last_flush > BUSY_WITHIN:
        return 0.0
    return linger


@dataclass(eq=False)
class _Slot(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = None


class Combiner(Generic[T, R]):
    """`submit` from any number of threads; `flush(items)` runs in one of them at a time and answers each item,
    in the order given, with its result or the exception its invocation raises."""

    def __init__(self, flush: Callable[[Sequence[T]], Sequence[R | BaseException]],
                 choose: Callable[[Sequence[T]], Sequence[int]] | None = None, *, limit: int = 32,
                 linger: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a flush takes at least one item")
        self._flush = flush
        self._choose = choose or (lambda items: range(take_round(len(items), limit)))
        self._limit = limit
        self._linger = linger
        self._clock = clock
        self._last_flush: float | None = None
        self._pending: list[_Slot[T, R]] = []
        self._flushing = False
        self._cond = threading.Condition()
        self.rounds = 0  # flushes run, for tests and telemetry
        self.largest = 0

    @property
    def waiting(self) -> int:
        """Items handed in and not yet taken by a flush."""
        with self._cond:
            return len(self._pending)

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._pending.append(slot)
            self._cond.notify_all()  # a leader lingering for a fuller flush counts it
        while True:
            with self._cond:
                while not slot.done and self._flushing:
                    self._cond.wait()
                if slot.done:
                    break
                self._flushing = True
                wait = linger_for(self._clock(), self._last_flush, len(self._pending), self._limit, self._linger)
                if wait > 0:
                    self._cond.wait_for(lambda: len(self._pending) >= self._limit, timeout=wait)
                group = self._take()
            self._run(group)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set whenever no error is

    def _take(self) -> list[_Slot[T, R]]:
        chosen = list(self._choose([slot.item for slot in self._pending]))
        if not chosen:
            raise RuntimeError("the grouping chose nothing from a non-empty queue")
        group = [self._pending[index] for index in chosen]
        taken = {id(slot) for slot in group}
        self._pending = [slot for slot in self._pending if id(slot) not in taken]
        return group

    def _run(self, group: list[_Slot[T, R]]) -> None:
        results: Sequence[R | BaseException] = [RuntimeError("the flush was interrupted")] * len(group)
        try:
            answered = self._flush([slot.item for slot in group])
            if len(answered) != len(group):
                raise RuntimeError(f"a flush of {len(group)} answered {len(answered)}")
            results = answered
        except Exception as exc:  # noqa: BLE001 - the whole flush failed: every invocation in it raises that
            results = [exc] * len(group)
        finally:
            # Results and the end of the flush in one step: a waiter woken now finds its slot answered.
            with self._cond:
                for slot, result in zip(group, results, strict=True):
                    if isinstance(result, BaseException):
                        slot.error = result
                    else:
                        slot.result = result
                    slot.done = True
                self._flushing = False
                self._last_flush = self._clock()
                self.rounds += 1
                self.largest = max(self.largest, len(group))
                self._cond.notify_all()
