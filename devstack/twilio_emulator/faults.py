"""Fault injection: make chosen API requests fail, or hang, the way Twilio sometimes does."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from devstack.twilio_emulator.errors import EmulatorError

__all__ = ["Fault", "FaultPlan"]

_DEFAULT_CODES = {429: 20429, 500: 20500, 503: 20503}
_MESSAGES = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do with matching requests.

    ``path`` is a regular expression searched in the request path; ``method`` limits it to one verb.
    ``status`` answers with a Twilio error body (code 20429 for 429 unless ``code`` says otherwise);
    ``hang`` holds the answer that many seconds first, enough to trip a client's read timeout.
    ``count`` is how many matching requests it applies to (None: all) and ``share`` the chance that a
    matching request is hit. With ``create_anyway`` the request is carried out before the fault is
    applied: the resource exists although the client saw an error or a timeout (the ambiguous case).
    """

    path: str
    method: str | None = None
    status: int | None = None
    code: int | None = None
    hang: float = 0.0
    count: int | None = 1
    share: float = 1.0
    create_anyway: bool = False
    retry_after: int | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.status is None and self.hang <= 0:
            raise EmulatorError("a fault needs a status, a hang time, or both")
        if not 0.0 <= self.share <= 1.0:
            raise EmulatorError("share must be between 0 and 1")
        object.__setattr__(self, "_pattern", re.compile(self.path))

    @property
    def error_code(self) -> int:
        if self.code is not None:
            return self.code
        return _DEFAULT_CODES.get(self.status or 0, 20500)

    @property
    def error_message(self) -> str:
        return _MESSAGES.get(self.status or 0, "Injected fault")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._pattern.search(path) is not None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        allowed = {"path", "method", "status", "code", "hang", "count", "share", "create_anyway", "retry_after"}
        unknown = set(data) - allowed
        if unknown:
            raise EmulatorError(f"unknown fault fields: {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "path" not in data:
            raise EmulatorError("a fault needs a 'path' pattern")
        return cls(**dict(data))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "method": self.method,
            "status": self.status,
            "code": self.code,
            "hang": self.hang,
            "count": self.count,
            "share": self.share,
            "create_anyway": self.create_anyway,
            "retry_after": self.retry_after,
        }


class FaultPlan:
    """The active faults, first match wins; thread-safe."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def inject(self, path: str, **options: Any) -> Fault:
        """Shorthand for ``add(Fault(path, ...))``."""
        return self.add(Fault(path=path, **options))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, using up one of its count."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if not fault.matches(method, path):
                    continue
                if fault.share < 1.0 and self._random.random() >= fault.share:
                    continue
                if fault.count is not None:
                    remaining = fault.count - 1
                    if remaining <= 0:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, count=remaining)
                return fault
            return None
