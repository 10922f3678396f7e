"""Group commit: jobs that arrive while a round runs share the next round; a job alone goes at once; each caller
gets its own result or its own exception."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from messaging.combiner import BUSY_WITHIN, Combiner, linger_for, take_round

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


def test_a_round_lingers_for_more_jobs_only_while_the_process_is_busy() -> None:
    assert linger_for(100.0, None, 1, 24, 0.5) == 0.0  # never ran a round: idle
    assert linger_for(100.0, 100.0 - BUSY_WITHIN - 0.1, 1, 24, 0.5) == 0.0  # idle for a while: at once
    assert linger_for(100.0, 99.9, 1, 24, 0.5) == 0.5  # a round just ended: wait for company
    assert linger_for(100.0, 99.9, 24, 24, 0.5) == 0.0  # already full
    assert linger_for(100.0, 99.9, 1, 24, 0.0) == 0.0  # lingering turned off


def test_under_load_jobs_trickling_in_share_a_round() -> None:
    work = Work(hold_first=False)
    # the clock never moves: every round after the first is "just after" one; only a full round ends the wait
    combiner: Combiner[int, int] = Combiner(work, limit=3, linger=HANG, clock=lambda: 0.0)
    assert combiner.submit(1) == 10  # idle: at once, alone
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(combiner.submit, 2)
        until(lambda: combiner.waiting == 1 and len(work.rounds) == 1)  # its leader lingers
        later = [pool.submit(combiner.submit, n) for n in (3, 4)]
        assert [f.result(HANG) for f in (first, *later)] == [20, 30, 40]
    assert work.rounds == [[1], [2, 3, 4]]
