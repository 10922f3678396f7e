"""Timer triggers on their NCRONTAB schedules, with `past_due` and `run_on_startup` as the Functions host sets them.

The clock is injected: `TimerRunner.run_due(now)` is the whole scheduling decision, so tests drive it with any
time they like, and the thread that runs it in the host only sleeps until the next occurrence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.functions.timer import TimerRequest

from devstack.functions import FunctionSpec, TriggerKind
from devstack.invocation import invoke
from devstack.ncrontab import Schedule, parse_schedule

__all__ = ["Clock", "TimerRunner", "utc_now"]

log = logging.getLogger("devstack.timers")

Clock = Callable[[], datetime]

# An occurrence that starts later than this after its scheduled time is reported as past due: the host was
# suspended, or the previous run overran the interval.
PAST_DUE_TOLERANCE = timedelta(seconds=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class TimerRunner:
    """Schedules one timer-triggered function."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        clock: Clock = utc_now,
        call: Callable[[FunctionSpec, TimerRequest], Any] | None = None,
    ) -> None:
        if spec.kind is not TriggerKind.TIMER or spec.schedule is None:
            raise ValueError(f"{spec.name} is not a timer-triggered function")
        self.spec = spec
        self.schedule: Schedule = parse_schedule(spec.schedule)
        self._clock = clock
        self._call = call or (lambda s, request: invoke(s, request).value)
        self.last: datetime | None = None
        self.next_due: datetime = self.schedule.next_after(clock())
        self.invocations = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.spec.run_on_startup:
            self._fire(past_due=False, scheduled=self._clock())
        self._thread = threading.Thread(target=self._loop, name=f"timer:{self.spec.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_due(self, now: datetime) -> bool:
        """Fire if the next occurrence has come; returns whether the function ran. Occurrences missed while the
        host could not run collapse into one past-due invocation, as in Azure."""
        if now < self.next_due:
            return False
        scheduled = self.next_due
        self._fire(past_due=now - scheduled > PAST_DUE_TOLERANCE, scheduled=scheduled)
        self.next_due = self.schedule.next_after(max(now, scheduled))
        return True

    def _fire(self, *, past_due: bool, scheduled: datetime) -> None:
        now = self._clock()
        request = TimerRequest(
            past_due=past_due,
            schedule_status={
                "Last": _iso(self.last),
                "Next": _iso(self.schedule.next_after(max(now, scheduled))),
                "LastUpdated": _iso(now),
            },
            schedule={"AdjustForDST": True},
        )
        self.invocations += 1
        self.last = scheduled
        try:
            self._call(self.spec, request)
        except Exception:
            log.exception("timer function %s failed", self.spec.name)

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = (self.next_due - self._clock()).total_seconds()
            if wait > 0 and self._stop.wait(min(wait, 60.0)):
                return
            self.run_due(self._clock())
