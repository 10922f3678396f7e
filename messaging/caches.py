"""Small thread-safe memories a worker keeps between invocations; each is bounded, so no flood can grow it."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["KnownRows", "TtlCache"]

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A small thread-safe cache whose entries expire; bounded so a flood of unknown keys cannot grow it."""

    def __init__(self, ttl: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= self._clock():
                del self._entries[key]
                return None
            return value

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        with self._lock:
            if len(self._entries) >= self._max:
                now = self._clock()
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self._max:
                    self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (self._clock() + (self._ttl if ttl is None else ttl), value)

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class KnownRows:
    """Ids of create-once rows (conversations, sessions) known to exist; bounded, oldest forgotten first.
    Forgetting one only costs a retry: the create meets the existing row and the plan shrinks."""

    def __init__(self, limit: int = 50_000) -> None:
        self._ids: OrderedDict[uuid.UUID, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def __contains__(self, item: uuid.UUID) -> bool:
        with self._lock:
            return item in self._ids

    def add(self, item: uuid.UUID) -> None:
        with self._lock:
            self._ids[item] = None
            self._ids.move_to_end(item)
            while len(self._ids) > self._limit:
                self._ids.popitem(last=False)

    def discard(self, item: uuid.UUID) -> None:
        with self._lock:
            self._ids.pop(item, None)
