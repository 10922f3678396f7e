"""Service protection applied: each authenticated account's sliding windows, its requests in flight, the
operations inside its requests, and what was refused (the decisions are ``service_limits.py``'s).

Whose budget a request spends: the authenticated user's. Microsoft documents the limits per user account making the
requests ("Each authenticated user is limited independently", "Portal applications typically send requests from
anonymous users through a service principal account. Because the service protection API limits are based on a per
user basis, portal applications can hit service protection API limits";
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits). Impersonation (``MSCRMCallerID``)
changes who a request acts as, not who authenticated it, so it spends the caller's budget. The emulator accepts
bearer tokens without resolving them to users, so each distinct token stands for one authenticated account: every
worker of the function app, holding the app registration's token, shares one budget, as it does in Dataverse.

Off by default. On with ``DataverseEmulator(service_protection=True | Limits(...))``, ``configure(limits)`` at run
time, ``POST /_devstack/limits``, or for ``make run`` the ``DEVSTACK_DATAVERSE_LIMITS`` settings (``devstack``
README). Time comes from the emulator's clock, so tests move the window with a fake clock; ``sleep`` (the simulated
service time of ``Limits.operation_ms``) is injectable for the same reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .errors import ODataError
from .ports import Clock, Dispatch
from .protocol import Call, Outcome, WriteEvent
from .service_limits import Limits, decide, rate_limit_headers

__all__ = ["Admission", "MeteredRouter", "ServiceProtection", "account_of"]

Sleep = Callable[[float], None]


def account_of(authorization: str) -> str:
    """The authenticated account a request's ``Authorization`` header names: one per bearer token. Only a digest
    is kept, so no token sits in the emulator's state or in what ``/_devstack/limits`` shows."""
    return hashlib.sha256(authorization.strip().encode("utf-8")).hexdigest()[:12]


@dataclass
class _Budget:
    """One account's view: arrivals and executions inside the window (simulated seconds), requests in flight."""

    arrivals: deque[float] = field(default_factory=deque)
    executions: deque[tuple[float, float]] = field(default_factory=deque)
    in_flight: int = 0

    def forget_before(self, start: float) -> None:
        while self.arrivals and self.arrivals[0] <= start:
            self.arrivals.popleft()
        while self.executions and self.executions[0][0] <= start:
            self.executions.popleft()


@dataclass
class Admission:
    """A request let in (``error`` None) or refused; ``release`` it once answered."""

    account: str
    error: ODataError | None
    started: float = 0.0
    operations: list[int] = field(default_factory=lambda: [0])


_current: ContextVar[Admission | None] = ContextVar("dataverse_emulator_admission", default=None)


class ServiceProtection:
    """The limits of ``service_limits.py`` over every account that calls the emulator; thread-safe."""

    def __init__(self, clock: Clock, limits: Limits | None = None, *, sleep: Sleep = time.sleep) -> None:
        self._clock = clock
        self.sleep = sleep  # waits out the simulated service time; a test gives its fake clock's advance
        self._lock = threading.Lock()
        self._limits = limits
        self._budgets: dict[str, _Budget] = {}
        self._anchor: float | None = None
        self.refused: Counter[str] = Counter()  # by error code
        self.admitted = 0
        self.operations = 0

    @property
    def limits(self) -> Limits | None:
        """The limits in force; None while service protection is off."""
        return self._limits

    def configure(self, limits: Limits | None) -> None:
        """Turn service protection on with ``limits``, or off with None; forgets every window and counter."""
        with self._lock:
            self._limits = limits
            self._budgets.clear()
            self._anchor = None
            self.refused.clear()
            self.admitted = self.operations = 0

    def reset(self) -> None:
        self.configure(self._limits)

    # --- one request ---

    @contextlib.contextmanager
    def request(self, authorization: str) -> Iterator[Admission | None]:
        """Hold one Web API request for its whole answer: None while off, else its admission (refused or not)."""
        admission = self._admit(account_of(authorization))
        if admission is None or admission.error is not None:
            yield admission
            return
        token = _current.set(admission)
        try:
            yield admission
        finally:
            _current.reset(token)
            self._release(admission)

    def headers(self, admission: Admission | None) -> list[tuple[str, str]]:
        """The debugging headers for an answer to the account that made the request."""
        limits = self._limits
        if admission is None or limits is None:
            return []
        with self._lock:
            budget = self._budgets.get(admission.account, _Budget())
            return rate_limit_headers(budget.arrivals, budget.executions, limits)

    def _admit(self, account: str) -> Admission | None:
        limits = self._limits
        if limits is None:
            return None
        with self._lock:
            now = self._now(limits)
            budget = self._budgets.setdefault(account, _Budget())
            budget.forget_before(now - limits.window_seconds)
            refusal = decide(now, budget.arrivals, budget.executions, budget.in_flight, limits)
            budget.arrivals.append(now)  # refused or not, the user sent it
            if refusal is not None:
                self.refused[refusal.limit.value] += 1
                return Admission(account, refusal.error(limits))
            budget.in_flight += 1
            self.admitted += 1
            return Admission(account, None, started=now)

    def _release(self, admission: Admission) -> None:
        limits = self._limits
        if limits is None:
            return
        operations = admission.operations[0]
        if limits.operation_ms and operations:
            self.sleep(operations * limits.operation_ms / 1000 / limits.time_scale)
        with self._lock:
            now = self._now(limits)
            budget = self._budgets.setdefault(admission.account, _Budget())
            budget.in_flight = max(0, budget.in_flight - 1)
            budget.executions.append((now, max(0.0, now - admission.started) * 1000))
            self.operations += operations

    def _now(self, limits: Limits) -> float:
        """Simulated seconds: the clock's, run ``time_scale`` times faster from the first request on."""
        real = self._clock().timestamp()
        if self._anchor is None:
            self._anchor = real
        return self._anchor + (real - self._anchor) * limits.time_scale

    # --- inside a request ---

    def metered(self, dispatch: Dispatch) -> MeteredRouter:
        return MeteredRouter(dispatch)

    # --- what happened ---

    def describe(self) -> dict[str, Any]:
        """Settings, counters and each account's window, for ``GET /_devstack/limits`` and benchmarks."""
        limits = self._limits
        with self._lock:
            accounts = {account: {"requests_in_window": len(b.arrivals),
                                  "execution_ms_in_window": round(sum(s for _, s in b.executions), 1),
                                  "in_flight": b.in_flight}
                        for account, b in self._budgets.items()}
            return {"enabled": limits is not None, "limits": None if limits is None else limits.__dict__.copy(),
                    "admitted": self.admitted, "operations": self.operations, "refused": dict(self.refused),
                    "accounts": accounts}


class MeteredRouter:
    """Counts the operations a request runs (a single call, or each part of a ``$batch``) for its admission."""

    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    def dispatch(self, call: Call, events: list[WriteEvent]) -> Outcome:
        admission = _current.get()
        if admission is not None and call.path != "$batch":
            admission.operations[0] += 1
        return self._dispatch(call, events)
