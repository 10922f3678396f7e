"""Group commit (`messaging.combiner`): an item alone is flushed at once, items that arrive during a flush go
together in the next one, each invocation gets its own result or raises its own error, a whole flush's failure is
raised in every invocation of it, and an item the grouping leaves waits for a later flush."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

import pytest

from messaging.combiner import Combiner

HANG = 30.0  # a generous bound for a hang, never a timing assumption


def until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(int(HANG / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the condition never came true")


class Recorder:
    """A flush that records its groups; the first one is held until released, so that others can arrive."""

    def __init__(self, *, hold_first: bool = False, fail: Callable[[str], Exception | None] = lambda _: None) -> None:
        self.groups: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self._fail = fail

    def __call__(self, items: Sequence[str]) -> list[str | Exception]:
        self.groups.append(list(items))
        self.entered.set()
        assert self.release.wait(HANG)
        return [self._fail(item) or item.upper() for item in items]


def take_all(items: Sequence[str]) -> list[int]:
    return list(range(len(items)))


def test_an_item_alone_is_flushed_at_once_by_its_own_invocation() -> None:
    flush = Recorder()
    combiner: Combiner[str, str] = Combiner(flush, take_all)
    assert combiner.submit("a") == "A"
    assert flush.groups == [["a"]]


def test_items_arriving_during_a_flush_go_together_in_the_next() -> None:
    flush = Recorder(hold_first=True)
    combiner: Combiner[str, str] = Combiner(flush, take_all)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(combiner.submit, "first")
        assert flush.entered.wait(HANG)
        later = [pool.submit(combiner.submit, name) for name in ("b", "c", "d", "e")]
        until(lambda: combiner.waiting == 4)
        flush.release.set()
        assert first.result(HANG) == "FIRST"
        assert [f.result(HANG) for f in later] == ["B", "C", "D", "E"]
    assert flush.groups[0] == ["first"]
    assert sorted(flush.groups[1]) == ["b", "c", "d", "e"]
    assert len(flush.groups) == 2


def test_each_invocation_raises_only_its_own_error() -> None:
    flush = Recorder(hold_first=True, fail=lambda item: ValueError(item) if item == "bad" else None)
    combiner: Combiner[str, str] = Combiner(flush, take_all)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(combiner.submit, "first")
        assert flush.entered.wait(HANG)
        futures = {name: pool.submit(combiner.submit, name) for name in ("ok1", "bad", "ok2")}
        until(lambda: combiner.waiting == 3)
        flush.release.set()
        first.result(HANG)
        assert futures["ok1"].result(HANG) == "OK1"
        assert futures["ok2"].result(HANG) == "OK2"
        with pytest.raises(ValueError, match="bad"):
            futures["bad"].result(HANG)


def test_a_flush_that_fails_as_a_whole_fails_every_invocation_in_it_and_no_other() -> None:
    calls: list[list[str]] = []

    def flush(items: Sequence[str]) -> list[str | Exception]:
        calls.append(list(items))
        if "boom" in items:
            raise ConnectionError("the request failed")
        return [item.upper() for item in items]

    combiner: Combiner[str, str] = Combiner(flush, take_all)
    with pytest.raises(ConnectionError):
        combiner.submit("boom")
    assert combiner.submit("fine") == "FINE"  # the combiner is usable after a failed flush
    assert calls == [["boom"], ["fine"]]


def test_items_the_grouping_leaves_wait_for_a_later_flush_in_order() -> None:
    flush = Recorder(hold_first=True)

    def one_per_letter(items: Sequence[str]) -> list[int]:
        seen: set[str] = set()
        chosen = []
        for index, item in enumerate(items):
            if item[0] not in seen:
                seen.add(item[0])
                chosen.append(index)
        return chosen

    combiner: Combiner[str, str] = Combiner(flush, one_per_letter)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(combiner.submit, "z")
        assert flush.entered.wait(HANG)
        futures: list[Future[str]] = []
        for name in ("a1", "a2", "b1", "a3"):
            futures.append(pool.submit(combiner.submit, name))
            until(partial(lambda n: combiner.waiting == n, len(futures)))
        flush.release.set()
        assert first.result(HANG) == "Z"
        assert [f.result(HANG) for f in futures] == ["A1", "A2", "B1", "A3"]
    assert flush.groups == [["z"], ["a1", "b1"], ["a2"], ["a3"]]


def test_a_grouping_that_chooses_nothing_is_a_fault_not_a_hang() -> None:
    combiner: Combiner[str, str] = Combiner(list, lambda items: [])
    with pytest.raises(RuntimeError, match="chose nothing"):
        combiner.submit("a")
