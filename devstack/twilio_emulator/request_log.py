"""Every Twilio API request the emulator answered, for tests that count calls (was a send retried?)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devstack.twilio_emulator.resources import utcnow

__all__ = ["ApiRequest", "RequestLog"]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request the emulator answered (``/_devstack`` and CDN requests are not recorded)."""

    method: str
    path: str
    query: str
    status: int
    faulted: bool
    at: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "faulted": self.faulted,
            "at": self.at.isoformat(),
        }


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[ApiRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: ApiRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def all(self) -> list[ApiRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
