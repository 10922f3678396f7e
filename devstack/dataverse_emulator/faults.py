"""Injected failures (429, 503, latency) and the log of requests the emulator answered."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from . import errors
from .errors import ODataError


@dataclass
class FaultRule:
    """Matches requests whose path (from ``/api/...``) matches ``path_pattern`` (a regular expression, searched)."""

    path_pattern: str
    status: int | None = 429
    retry_after: int | None = None
    count: int | None = None  # fire this many times, then retire; None = forever (or by share)
    share: float | None = None  # fire for this fraction of matching requests
    latency_ms: int = 0
    method: str | None = None
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """Rules are checked in order; the first that fires decides the response."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(
        self,
        path_pattern: str,
        status: int | None = 429,
        *,
        retry_after: int | None = None,
        count: int | None = None,
        share: float | None = None,
        latency_ms: int = 0,
        method: str | None = None,
    ) -> FaultRule:
        re.compile(path_pattern)  # fail now on a bad pattern, not on the first request
        if status is not None and status < 400:
            raise ValueError("a fault status must be 4xx or 5xx (or None for latency only)")
        if status == 429 and retry_after is None:
            retry_after = 1
        rule = FaultRule(
            path_pattern, status, retry_after, count, share, latency_ms, method.upper() if method else None
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def match(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.method and rule.method != method:
                    continue
                if not re.search(rule.path_pattern, path):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.share is not None and self._random.random() >= rule.share:
                    continue
                rule.fired += 1
                return rule
        return None


def fault_error(rule: FaultRule) -> ODataError | None:
    if rule.status is None:
        return None
    if rule.status == 429:
        # The service-protection error for the request-count limit
        # (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
        return ODataError(
            429,
            errors.RATE_LIMIT_REQUESTS,
            "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            {"Retry-After": str(rule.retry_after or 1)},
        )
    headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
    if rule.status == 503:
        return ODataError(503, errors.SERVICE_UNAVAILABLE, "The service is temporarily unavailable.", headers)
    return ODataError(rule.status, errors.SERVICE_UNAVAILABLE, f"Injected fault {rule.status}.", headers)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    fault: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """Every request answered, in order, with counters for assertions."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.records)

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        """How many requests match; ``path`` is a regular expression searched in the path."""
        return sum(
            1
            for r in self.records
            if (method is None or r.method == method.upper())
            and (path is None or re.search(path, r.path))
            and (status is None or r.status == status)
        )

    def counters(self) -> dict[str, int]:
        """``"METHOD path status"`` -> count."""
        return dict(Counter(f"{r.method} {r.path} {r.status}" for r in self.records))

    def describe(self) -> str:
        """Every request received, one a line, for failure messages."""
        lines = [f"{r.method} {r.path}{'?' + r.query if r.query else ''} -> {r.status}" for r in self.records]
        return "\n".join(lines) or "(no requests)"
