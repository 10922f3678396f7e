"""Group commit for queue invocations: each invocation hands its item in and waits for its own result, while one
of them at a time (the leader) takes what is waiting and does the work of all of it together.

Queue semantics stay per invocation: an item's result is delivered only to its own invocation, and a failure is
raised there (so the queue retries that message alone). Nothing waits for company: an item that arrives while no
work runs is taken at once, alone; whoever arrives while a flush runs joins the next one. `choose` decides which of
the waiting items go together (it must take at least one whenever any wait); the others stay for the next flush.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Combiner"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False)
class _Slot(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = None


class Combiner(Generic[T, R]):
    """`submit` from any number of threads; `flush(items)` runs in one of them at a time and answers each item,
    in the order given, with its result or the exception its invocation raises."""

    def __init__(self, flush: Callable[[Sequence[T]], Sequence[R | Exception]],
                 choose: Callable[[Sequence[T]], Sequence[int]]) -> None:
        self._flush = flush
        self._choose = choose
        self._pending: list[_Slot[T, R]] = []
        self._flushing = False
        self._cond = threading.Condition()

    @property
    def waiting(self) -> int:
        """Items handed in and not yet taken by a flush."""
        with self._cond:
            return len(self._pending)

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._pending.append(slot)
        while True:
            with self._cond:
                while not slot.done and self._flushing:
                    self._cond.wait()
                if slot.done:
                    break
                self._flushing = True
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
                self._cond.notify_all()
