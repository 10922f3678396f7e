"""When this client may send to Dataverse again, and how many requests it keeps in flight, once the service has
answered 429.

Microsoft's "Service protection API limits" (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits,
"Retry operations"): a 429 gives "the duration before any new requests from the user can be processed", and "if the
application continues to send such demanding requests, the duration will be extended"; the advice is to reach "a
consistent rate by starting with a lower number of requests and gradually increasing until you start hitting the
service protection API limits". So one refusal holds every request of the client, not only the refused one, until
its ``Retry-After`` has passed, and halves the requests allowed in flight; each round of answers then allows one
more, back up to ``max_concurrency`` (additive increase, multiplicative decrease).

The decisions are pure functions over :class:`Pace`; :class:`ThrottleGate` holds one ``Pace`` for a client's threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

__all__ = ["Pace", "ThrottleGate", "answered", "refused", "start"]


@dataclass(frozen=True)
class Pace:
    """``resume_at``: the clock reading before which nothing is sent; ``allowed``: requests in flight allowed now,
    between 1 and ``ceiling``; ``answered``: answers since ``allowed`` last changed."""

    ceiling: int
    allowed: int
    resume_at: float = 0.0
    answered: int = 0


def refused(pace: Pace, now: float, retry_after: float) -> Pace:
    """A 429 told the client to wait ``retry_after`` seconds from ``now``."""
    return replace(pace, resume_at=max(pace.resume_at, now + retry_after), allowed=max(1, pace.allowed // 2),
                   answered=0)


def answered(pace: Pace) -> Pace:
    """A request was answered (any answer but 429): after ``allowed`` answers in a row, one more may be in flight."""
    if pace.allowed >= pace.ceiling:
        return pace
    if pace.answered + 1 >= pace.allowed:
        return replace(pace, allowed=pace.allowed + 1, answered=0)
    return replace(pace, answered=pace.answered + 1)


def start(pace: Pace, now: float, in_flight: int) -> float | None:
    """May a request start at ``now``? 0: yes; seconds: not before then (a refusal's wait); None: when a request
    in flight ends."""
    if now < pace.resume_at:
        return pace.resume_at - now
    return 0.0 if in_flight < pace.allowed else None


class ThrottleGate:
    """One client's pace, shared by its threads. ``enter`` before sending, ``leave`` with whether the answer was a
    429, in that order, once each per request."""

    def __init__(self, ceiling: int, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._pace = Pace(ceiling=ceiling, allowed=ceiling)
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._changed = threading.Condition()

    @property
    def pace(self) -> Pace:
        with self._changed:
            return self._pace

    def enter(self, deadline: float) -> float | None:
        """Wait for a turn. Returns None once the request may go; or, without waiting, the seconds still to wait
        when a refusal's wait would end after ``deadline`` (the caller gives up instead)."""
        while True:
            with self._changed:
                now = self._clock()
                wait = start(self._pace, now, self._in_flight)
                if wait == 0.0:
                    self._in_flight += 1
                    return None
                if wait is None:
                    # a slot frees when a request in flight ends; leave() wakes the waiters
                    self._changed.wait()
                    continue
                if now + wait > deadline:
                    return wait
            self._sleep(wait)

    def leave(self, *, retry_after: float | None) -> None:
        with self._changed:
            self._in_flight -= 1
            if retry_after is None:
                self._pace = answered(self._pace)
            else:
                self._pace = refused(self._pace, self._clock(), retry_after)
            self._changed.notify_all()
