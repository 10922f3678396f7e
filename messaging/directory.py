"""Configurations, their Record Types and team members: read from Dataverse, kept in memory.

Twilio's webhooks are anonymous until their signature is checked, and checking it needs the Configuration's auth
token. So the lookup a webhook makes must never reach Dataverse, or anyone could make the app query it at will:
every active Configuration is held in one map (`ConfigurationMap`), loaded whole and replaced whole by a background
refresh. A lookup reads the map as it is; an unknown account is simply not in it. Refreshes run one at a time, at
most one every `min_refresh_spacing` seconds when an anonymous caller prompted them, and a refresh that fails keeps
the last good map. Dataverse's webhook for a Configuration change asks for a refresh at once (`request_refresh`),
and the map is reloaded every `refresh_interval` seconds anyway, for changes another instance was told about.

Workers need more than the map: a Configuration's Record Types and its team's members, read on demand and kept
for `ttl` seconds so an admin's change takes effect within a minute without a restart.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dataverse import DataverseClient, DataverseError, F, NotFound
from messaging.caches import TtlCache
from messaging.errors import ConfigurationNotFound
from messaging.names import SMSB_CONFIGURATION, SMSB_RECORDTYPE, RowState, lookup_value
from messaging.phones import normalize
from messaging.rows.configuration import CONFIGURATION_COLUMNS, RECORD_TYPE_COLUMNS, Configuration, RecordType

__all__ = ["ConfigurationContext", "ConfigurationDirectory", "ConfigurationMap"]

log = logging.getLogger("smsbridge.directory")
# How long a worker waits for a background load of the map before loading it itself.
_BACKGROUND_LOAD_WAIT = 30.0

Spawn = Callable[[Callable[[], None]], object]


def _in_thread(work: Callable[[], None]) -> object:
    thread = threading.Thread(target=work, name="configuration-refresh", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class ConfigurationMap:
    """Every active Configuration, indexed by (account, E.164 number) and (account, Messaging Service).

    Built once per refresh and never changed, so readers need no lock; numbers are normalised here, once, rather
    than on every lookup."""

    configurations: tuple[Configuration, ...]
    loaded_at: float
    _by_number: Mapping[tuple[str, str], Configuration] = field(repr=False, compare=False)
    _by_service: Mapping[tuple[str, str], Configuration] = field(repr=False, compare=False)
    _accounts: frozenset[str] = field(repr=False, compare=False)

    @classmethod
    def of(cls, configurations: Iterable[Configuration], loaded_at: float) -> ConfigurationMap:
        every = tuple(configurations)
        by_number: dict[tuple[str, str], Configuration] = {}
        by_service: dict[tuple[str, str], Configuration] = {}
        for configuration in every:
            number = _e164(configuration.mobile_number)
            # The first one wins, as the old per-account lookup did: two rows for one number is an admin's mistake.
            if number:
                by_number.setdefault((configuration.account_sid, number), configuration)
            if configuration.messaging_service_sid:
                by_service.setdefault((configuration.account_sid, configuration.messaging_service_sid), configuration)
        return cls(every, loaded_at, MappingProxyType(by_number), MappingProxyType(by_service),
                   frozenset(c.account_sid for c in every))

    def knows_account(self, account_sid: str) -> bool:
        return account_sid in self._accounts

    def find(self, account_sid: str, number: str, messaging_service_sid: str | None = None) -> Configuration | None:
        """The Configuration of this account that owns `number` or, failing that, its Messaging Service."""
        if account_sid not in self._accounts:
            return None
        wanted = _e164(number)
        found = self._by_number.get((account_sid, wanted)) if wanted else None
        if found is None and messaging_service_sid:
            found = self._by_service.get((account_sid, messaging_service_sid))
        return found


def _e164(number: str | None) -> str | None:
    if not number:
        return None
    return normalize(number).value or None


@dataclass(frozen=True)
class ConfigurationContext:
    configuration: Configuration
    record_types: tuple[RecordType, ...]


class ConfigurationDirectory:
    def __init__(self, client: DataverseClient, *, lookup_client: DataverseClient | None = None, ttl: float = 60.0,
                 refresh_interval: float = 30.0, min_refresh_spacing: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, spawn: Spawn = _in_thread) -> None:
        """`lookup_client` loads the map: give it short timeouts and no retries, since a webhook may be waiting
        for the first load (the worker's `client` keeps the usual ones)."""
        self._client = client
        self._lookup_client = lookup_client or client
        self._refresh_interval = refresh_interval
        self._min_spacing = min_refresh_spacing
        self._clock = clock
        self._spawn = spawn
        self._map: ConfigurationMap | None = None
        self._load_lock = threading.Lock()  # one load at a time, whoever asked for it
        self._state = threading.Lock()
        self._settled = threading.Condition(self._state)  # notified when a background refresh ends
        self._scheduled = False  # a background refresh is queued or running
        self._again = False  # a change was reported while it was: load once more afterwards
        self._last_attempt: float | None = None
        self.last_error: str | None = None
        self._contexts: TtlCache[uuid.UUID, ConfigurationContext] = TtlCache(ttl, clock=clock)
        self._teams: TtlCache[uuid.UUID, tuple[uuid.UUID, ...]] = TtlCache(ttl, clock=clock)

    # -- the map of every active Configuration -----------------------------------------------------------------

    def cached(self) -> ConfigurationMap | None:
        """The map as it is, without waiting (None until the first load); a missing or stale map asks for a
        background refresh. This is the only lookup the HTTP path makes."""
        snapshot = self._map
        if snapshot is None or self._clock() - snapshot.loaded_at >= self._refresh_interval:
            self._schedule(prompted_by_caller=True)
        return snapshot

    def note_miss(self, account_sid: str) -> None:
        """A lookup found nothing. For an account the map knows, the number may be new: refresh, within the
        spacing. An unknown account prompts nothing, so random AccountSids cost Dataverse nothing."""
        snapshot = self._map
        if snapshot is not None and snapshot.knows_account(account_sid):
            self._schedule(prompted_by_caller=True)

    def request_refresh(self) -> None:
        """A Configuration changed (Dataverse's webhook said so): reload in the background as soon as possible,
        once more after a load already under way, since that one may have read the row before the change."""
        self._schedule(prompted_by_caller=False)

    def refresh(self) -> ConfigurationMap:
        """Load every active Configuration now, waiting for a load already under way first. Raises
        `DataverseError` when Dataverse does not answer; the last good map stays in place."""
        with self._load_lock:
            with self._state:
                self._last_attempt = self._clock()
            try:
                rows = self._lookup_client.query(SMSB_CONFIGURATION.entity_set, select=CONFIGURATION_COLUMNS,
                                                 filter=F.eq(SMSB_CONFIGURATION.columns.statecode,
                                                             int(RowState.ACTIVE)))
                snapshot = ConfigurationMap.of((Configuration.from_row(row) for row in rows), self._clock())
            except DataverseError as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("the Configuration map was not refreshed (%s); the last one stays in use",
                            type(exc).__name__)
                raise
            self._map = snapshot
            self.last_error = None
            return snapshot

    def _schedule(self, *, prompted_by_caller: bool) -> None:
        with self._state:
            if self._scheduled:
                if not prompted_by_caller:
                    self._again = True
                return
            recent = self._last_attempt is not None and self._clock() - self._last_attempt < self._min_spacing
            if prompted_by_caller and recent:
                return
            self._scheduled = True
        self._spawn(self._refresh_in_background)

    def _refresh_in_background(self) -> None:
        while True:
            try:
                self.refresh()
            except DataverseError:
                pass  # logged by refresh(); the next lookup after the spacing tries again
            except Exception:  # a background thread has no caller to raise to
                log.exception("the Configuration map could not be refreshed")
            with self._state:
                if not self._again:
                    self._scheduled = False
                    self._settled.notify_all()
                    return
                self._again = False

    def wait_for_background_load(self, timeout: float) -> bool:
        """Wait until no background refresh is queued or running; False if one still is after ``timeout``.
        A worker uses it so that it never repeats a load a webhook already asked for."""
        with self._state:
            return self._settled.wait_for(lambda: not self._scheduled, timeout)

    def find_by_number(self, account_sid: str, number: str, messaging_service_sid: str | None = None) -> Configuration:
        """For workers, which may wait: the Configuration from the map (loaded here if there is none yet, and
        reloaded once for a known account whose number it lacks), or `ConfigurationNotFound`."""
        snapshot = self._map
        if snapshot is None:
            # The webhook that was deferred asked for a load; one queued or under way is waited for, not repeated
            # (the bound is for a load that hangs: Dataverse's own timeouts end it well before).
            self.wait_for_background_load(_BACKGROUND_LOAD_WAIT)
            with self._load_lock:
                snapshot = self._map
        if snapshot is None:
            snapshot = self.refresh()
        found = snapshot.find(account_sid, number, messaging_service_sid)
        if found is None and snapshot.knows_account(account_sid) and self._may_reload():
            with contextlib.suppress(DataverseError):  # the map in hand is then the best answer there is
                snapshot = self.refresh()
            found = snapshot.find(account_sid, number, messaging_service_sid)
        if found is None:
            raise ConfigurationNotFound.for_number(account_sid, number)
        return found

    def _may_reload(self) -> bool:
        with self._state:
            return self._last_attempt is None or self._clock() - self._last_attempt >= self._min_spacing

    # -- what workers read per Configuration -------------------------------------------------------------------

    def context(self, configuration_id: uuid.UUID) -> ConfigurationContext:
        """The Configuration with its usable Record Types in priority order (one round trip when not cached)."""
        cached = self._contexts.get(configuration_id)
        if cached is not None:
            return cached
        batch = self._client.batch()
        config_ref = batch.retrieve(SMSB_CONFIGURATION.entity_set, configuration_id, select=CONFIGURATION_COLUMNS)
        types = SMSB_RECORDTYPE.columns
        types_ref = batch.query(
            SMSB_RECORDTYPE.entity_set, select=RECORD_TYPE_COLUMNS,
            filter=(F.eq(lookup_value(types.smsb_configuration), configuration_id)
                    & F.eq(types.statecode, int(RowState.ACTIVE))),
            orderby=[f"{types.smsb_priorityorder} asc", f"{types.createdon} asc"], top=50,
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
        """Forget what is held about one Configuration (or all) and reload the map in the background."""
        if configuration_id is None:
            self._contexts.clear()
        else:
            self._contexts.discard(configuration_id)
        self.request_refresh()
