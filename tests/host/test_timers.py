from __future__ import annotations

from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest

from devstack.functions import index_app
from devstack.timers import TimerRunner
from tests.host.sample_app import Journal, build_app


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def tick_spec():
    (spec,) = [s for s in index_app(build_app(Journal()), {}) if s.name == "tick"]
    return spec


START = datetime(2026, 11, 26, 12, 0, 0, 300_000, tzinfo=UTC)


def make_runner(clock: FakeClock) -> tuple[TimerRunner, list[TimerRequest]]:
    calls: list[TimerRequest] = []
    runner = TimerRunner(tick_spec(), clock=clock, call=lambda spec, request: calls.append(request))
    return runner, calls


def test_fires_on_schedule_and_not_before() -> None:
    clock = FakeClock(START)
    runner, calls = make_runner(clock)
    assert runner.next_due == datetime(2026, 11, 26, 12, 0, 2, tzinfo=UTC)
    assert runner.run_due(START + timedelta(seconds=1)) is False
    clock.now = datetime(2026, 11, 26, 12, 0, 2, 10_000, tzinfo=UTC)
    assert runner.run_due(clock.now) is True
    assert len(calls) == 1
    assert calls[0].past_due is False
    assert runner.next_due == datetime(2026, 11, 26, 12, 0, 4, tzinfo=UTC)


def test_late_run_is_past_due_and_missed_occurrences_collapse() -> None:
    clock = FakeClock(START)
    runner, calls = make_runner(clock)
    clock.now = START + timedelta(seconds=30)  # the host was suspended through 14 occurrences
    assert runner.run_due(clock.now) is True
    assert runner.run_due(clock.now) is False
    assert [c.past_due for c in calls] == [True]
    assert runner.next_due == datetime(2026, 11, 26, 12, 0, 32, tzinfo=UTC)


def test_schedule_status_reports_last_and_next() -> None:
    clock = FakeClock(START)
    runner, calls = make_runner(clock)
    for second in (2, 4):
        clock.now = datetime(2026, 11, 26, 12, 0, second, tzinfo=UTC)
        runner.run_due(clock.now)
    status = calls[1].schedule_status
    assert status["Last"] == "2026-11-26T12:00:02+00:00"
    assert status["Next"] == "2026-11-26T12:00:06+00:00"


def test_run_on_startup_fires_once_at_start_then_follows_the_schedule() -> None:
    clock = FakeClock(START)
    runner, calls = make_runner(clock)
    runner.start()
    try:
        assert len(calls) == 1
        assert calls[0].past_due is False
    finally:
        runner.stop()


def test_a_failing_run_does_not_stop_the_schedule() -> None:
    clock = FakeClock(START)
    attempts: list[datetime] = []

    def failing(spec, request):
        attempts.append(clock.now)
        raise RuntimeError("sweep failed")

    runner = TimerRunner(tick_spec(), clock=clock, call=failing)
    for second in (2, 4):
        clock.now = datetime(2026, 11, 26, 12, 0, second, tzinfo=UTC)
        assert runner.run_due(clock.now) is True
    assert len(attempts) == 2


def test_real_thread_invokes_the_function_with_a_timer_request() -> None:
    journal = Journal()
    (spec,) = [s for s in index_app(build_app(journal), {}) if s.name == "tick"]
    runner = TimerRunner(spec)
    runner.start()
    try:
        assert journal.done.wait(5)
        assert journal.timers[0] is False
    finally:
        runner.stop()
