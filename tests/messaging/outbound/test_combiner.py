"""Group commit: jobs that arrive while a round runs share the next round; a job alone goes at once; each caller
gets its own result or its own exception."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from messaging.outbound.combiner import Combiner, take_round

HANG = 30.0  # only a hang waits this long


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never became true")
        time.sleep(0.001)


class Work:
    """Records each round; the first round waits until the test lets it go."""

    def __init__(self, hold_first: bool = True) -> None:
        self.rounds: list[list[int]] = []
        self.release = threading.Event()
        self.started = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, jobs: Sequence[int]) -> list[int | BaseException]:
        self.rounds.append(list(jobs))
        self.started.set()
        if len(self.rounds) == 1:
            self.release.wait(HANG)
        return [ValueError(f"job {j}") if j < 0 else j * 10 for j in jobs]


def test_how_many_a_round_takes() -> None:
    assert take_round(0, 24) == 1
    assert take_round(5, 24) == 5
    assert take_round(100, 24) == 24


def test_a_job_alone_is_worked_on_at_once_in_the_caller_s_thread() -> None:
    work = Work(hold_first=False)
    combiner: Combiner[int, int] = Combiner(work, limit=24)
    assert combiner.submit(7) == 70
    assert work.rounds == [[7]]


def test_jobs_arriving_during_a_round_share_the_next_one_and_each_gets_its_own_result() -> None:
    work = Work()
    combiner: Combiner[int, int] = Combiner(work, limit=24)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, 1)
        assert work.started.wait(HANG)
        later: list[Future[int]] = [pool.submit(combiner.submit, n) for n in (2, -3, 4, 5)]
        until(lambda: combiner.waiting == 4)
        work.release.set()
        assert first.result(HANG) == 10
        assert [f.result(HANG) for f in later if f is not later[1]] == [20, 40, 50]
        with pytest.raises(ValueError, match="job -3"):
            later[1].result(HANG)
    assert work.rounds[0] == [1]
    assert sorted(work.rounds[1]) == [-3, 2, 4, 5]
    assert combiner.rounds == 2
    assert combiner.largest == 4


def test_a_round_takes_at_most_the_limit() -> None:
    work = Work()
    combiner: Combiner[int, int] = Combiner(work, limit=2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, 1)
        assert work.started.wait(HANG)
        later = [pool.submit(combiner.submit, n) for n in (2, 3, 4, 5, 6)]
        until(lambda: combiner.waiting == 5)
        work.release.set()
        assert [f.result(HANG) for f in (first, *later)] == [10, 20, 30, 40, 50, 60]
    assert [len(r) for r in work.rounds] == [1, 2, 2, 1]


def test_a_round_that_fails_as_a_whole_fails_each_of_its_callers() -> None:
    def broken(jobs: Sequence[int]) -> list[int | BaseException]:
        raise RuntimeError("the claim batch failed")

    combiner: Combiner[int, int] = Combiner(broken, limit=24)
    with pytest.raises(RuntimeError, match="claim batch"):
        combiner.submit(1)
    with pytest.raises(RuntimeError, match="claim batch"):
        combiner.submit(2)  # the failure did not leave the combiner stuck
