"""Configurations, their Record Types and team members: read from Dataverse, kept briefly in memory.

Every inbound webhook needs its Configuration (to check the signature) and every worker needs the Record
Types and the team; reading them per message would double the Dataverse traffic. Entries live for `ttl`
seconds, so an admin's change takes effect within a minute without a restart.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from dataverse import DataverseClient, F, NotFound
from messaging.errors import ConfigurationNotFound
from messaging.model import CONFIGURATION_COLUMNS, RECORD_TYPE_COLUMNS, Configuration, RecordType
from messaging.phones import normalize

__all__ = ["ConfigurationContext", "ConfigurationDirectory", "TtlCache"]

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


@dataclass(frozen=True)
class ConfigurationContext:
    configuration: Configuration
    record_types: tuple[RecordType, ...]


class ConfigurationDirectory:
    def __init__(self, client: DataverseClient, *, ttl: float = 60.0, negative_ttl: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._negative_ttl = negative_ttl
        self._by_account: TtlCache[str, tuple[Configuration, ...]] = TtlCache(ttl, clock=clock)
        self._contexts: TtlCache[uuid.UUID, ConfigurationContext] = TtlCache(ttl, clock=clock)
        self._teams: TtlCache[uuid.UUID, tuple[uuid.UUID, ...]] = TtlCache(ttl, clock=clock)

    def find_by_number(self, account_sid: str, number: str, messaging_service_sid: str | None = None) -> Configuration:
        """The active Configuration of this account that owns `number` (or, failing that, its Messaging
        Service). Numbers are compared in E.164, so an admin may type the number in any format."""
        configurations = self._by_account.get(account_sid)
        if configurations is None:
            rows = self._client.query(
                "smsb_configurations", select=CONFIGURATION_COLUMNS,
                filter=F.eq("smsb_accountsid", account_sid) & F.eq("statecode", 0),
            )
            configurations = tuple(Configuration.from_row(row) for row in rows)
            self._by_account.put(account_sid, configurations, None if configurations else self._negative_ttl)
        wanted = normalize(number).value
        for configuration in configurations:
            if configuration.mobile_number and normalize(configuration.mobile_number).value == wanted:
                return configuration
        if messaging_service_sid:
            for configuration in configurations:
                if configuration.messaging_service_sid == messaging_service_sid:
                    return configuration
        raise ConfigurationNotFound.for_number(account_sid, number)

    def context(self, configuration_id: uuid.UUID) -> ConfigurationContext:
        """The Configuration with its usable Record Types in priority order (one round trip when not cached)."""
        cached = self._contexts.get(configuration_id)
        if cached is not None:
            return cached
        batch = self._client.batch()
        config_ref = batch.retrieve("smsb_configurations", configuration_id, select=CONFIGURATION_COLUMNS)
        types_ref = batch.query(
            "smsb_recordtypes", select=RECORD_TYPE_COLUMNS,
            filter=F.eq("_smsb_configuration_value", configuration_id) & F.eq("statecode", 0),
            orderby=["smsb_priorityorder asc", "createdon asc"], top=50,
        )
        result = self._client.execute_batch(batch, continue_on_error=True)
        config_part = result.part(config_ref)
        if isinstance(config_part.error, NotFound):
            raise ConfigurationNotFound.for_id(configuration_id)
        result.raise_first_error()
        if config_part.row is None:
            raise ConfigurationNotFound.for_id(configuration_id)
        record_types = sorted(
            (RecordType.from_row(row) for row in result.part(types_ref).rows),
            key=lambda rt: rt.priority,
        )
        context = ConfigurationContext(Configuration.from_row(config_part.row),
                                       tuple(rt for rt in record_types if rt.usable and rt.entity and rt.phone_field))
        self._contexts.put(configuration_id, context)
        return context

    def cached_team_members(self, team_id: uuid.UUID) -> tuple[uuid.UUID, ...] | None:
        return self._teams.get(team_id)

    def remember_team_members(self, team_id: uuid.UUID, members: tuple[uuid.UUID, ...]) -> None:
        self._teams.put(team_id, members)

    def invalidate(self, configuration_id: uuid.UUID | None = None) -> None:
        if configuration_id is None:
            self._contexts.clear()
        else:
            self._contexts.discard(configuration_id)
        self._by_account.clear()
