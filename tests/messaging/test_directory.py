"""The Configuration map: loaded whole, replaced whole, refreshed in the background one load at a time; a lookup
never reaches Dataverse, and a refresh that fails keeps the last good map."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from dataverse import DataverseClient, DataverseConfig, DataverseError, StaticTokenProvider
from devstack.dataverse_emulator import DataverseEmulator, mount_responses
from messaging.directory import ConfigurationDirectory, ConfigurationMap
from messaging.errors import ConfigurationNotFound
from messaging.rows.configuration import Configuration

ORG = "https://contoso.crm.dynamics.com"
ACCOUNT = "AC" + "1" * 32
OTHER_ACCOUNT = "AC" + "2" * 32
SERVICE = "MG" + "3" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Background:
    """Work the directory hands to the background, run when the test says so."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self.pending.append(work)

    def run(self) -> int:
        ran = 0
        while self.pending:
            self.pending.pop(0)()
            ran += 1
        return ran


@pytest.fixture
def emulator() -> DataverseEmulator:
    return DataverseEmulator()


@pytest.fixture
def client(emulator: DataverseEmulator) -> Iterator[DataverseClient]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount_responses(emulator, mock, ORG)
        config = DataverseConfig(url=ORG, retry_budget_seconds=0.0)
        with DataverseClient.from_config(config, tokens=StaticTokenProvider("emulator-token")) as built:
            yield built


def add_configuration(emulator: DataverseEmulator, number: str | None, account: str = ACCOUNT,
                      service: str | None = None, active: bool = True) -> uuid.UUID:
    configuration = uuid.uuid4()
    emulator.store.insert("smsb_configuration", {
        "smsb_configurationid": str(configuration), "smsb_name": f"Sender {number}", "smsb_mobilenumber": number,
        "smsb_accountsid": account, "smsb_messagingservicesid": service,
        "statecode": 0 if active else 1, "statuscode": 1 if active else 2,
    })
    return configuration


def reads(emulator: DataverseEmulator) -> int:
    return emulator.requests.count(method="GET", path="smsb_configurations")


def directory_for(client: DataverseClient, clock: Clock, background: Background, **options: float
                  ) -> ConfigurationDirectory:
    return ConfigurationDirectory(client, clock=clock, spawn=background, **options)  # type: ignore[arg-type]


def test_the_map_finds_by_number_in_any_format_then_by_messaging_service() -> None:
    by_number = Configuration(uuid.uuid4(), "a", "+1 (500) 555-0006", None, ACCOUNT, None, 1440, 5, None, True,
                              False, True)
    by_service = Configuration(uuid.uuid4(), "b", None, SERVICE, ACCOUNT, None, 1440, 5, None, True, False, True)
    snapshot = ConfigurationMap.of([by_number, by_service], loaded_at=0.0)
    assert snapshot.find(ACCOUNT, "+15005550006") == by_number
    assert snapshot.find(ACCOUNT, "+15005550099", SERVICE) == by_service
    assert snapshot.find(OTHER_ACCOUNT, "+15005550006") is None
    assert snapshot.knows_account(ACCOUNT)
    assert not snapshot.knows_account(OTHER_ACCOUNT)


def test_random_account_sids_cost_no_dataverse_request(emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    clock, background = Clock(), Background()
    directory = directory_for(client, clock, background)
    directory.refresh()
    emulator.requests.clear()
    for _ in range(500):
        snapshot = directory.cached()
        assert snapshot is not None
        assert snapshot.find("AC" + secrets.token_hex(16), "+15005550006") is None
        directory.note_miss("AC" + secrets.token_hex(16))
    assert background.run() == 0
    assert reads(emulator) == 0
    snapshot = directory.cached()
    assert snapshot is not None
    assert snapshot.find(ACCOUNT, "+15005550006") is not None


def test_an_inactive_configuration_is_not_in_the_map(emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006", active=False)
    directory = directory_for(client, Clock(), Background())
    assert directory.refresh().find(ACCOUNT, "+15005550006") is None


def test_a_cold_directory_answers_none_at_once_and_loads_in_the_background(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    background = Background()
    directory = directory_for(client, Clock(), background)
    assert directory.cached() is None
    assert directory.cached() is None
    assert reads(emulator) == 0
    assert background.run() == 1  # two callers, one load
    snapshot = directory.cached()
    assert snapshot is not None
    assert snapshot.find(ACCOUNT, "+15005550006") is not None
    assert reads(emulator) == 1


def test_a_refresh_that_fails_keeps_the_last_good_map(emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    clock, background = Clock(), Background()
    directory = directory_for(client, clock, background, refresh_interval=30.0)
    good = directory.refresh()
    emulator.faults.add("smsb_configurations", status=503)
    with pytest.raises(DataverseError):
        directory.refresh()
    assert directory.cached() is good
    clock.now += 31  # stale: served as it is while a background refresh is tried
    assert directory.cached() is good
    assert background.run() == 1
    assert directory.cached() is good
    assert directory.last_error is not None


def test_a_stale_map_is_served_and_replaced_by_one_background_refresh(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    clock, background = Clock(), Background()
    directory = directory_for(client, clock, background, refresh_interval=30.0)
    first = directory.refresh()
    add_configuration(emulator, "+15005550007")
    clock.now += 10
    assert directory.cached() is first
    assert background.pending == []
    clock.now += 25
    for _ in range(10):
        assert directory.cached() is first
    assert len(background.pending) == 1
    background.run()
    snapshot = directory.cached()
    assert snapshot is not None
    assert snapshot.find(ACCOUNT, "+15005550007") is not None


def test_a_change_reported_during_a_refresh_is_loaded_again_after_it(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    background = Background()
    directory = directory_for(client, Clock(), background)
    directory.request_refresh()
    directory.request_refresh()  # a second change while the first load has not run: one more load, not two
    directory.request_refresh()
    assert len(background.pending) == 1
    background.run()
    assert reads(emulator) == 2


def test_a_miss_on_a_known_account_refreshes_at_most_once_per_spacing(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    clock, background = Clock(), Background()
    directory = directory_for(client, clock, background, min_refresh_spacing=10.0)
    directory.refresh()
    emulator.requests.clear()
    clock.now += 11
    for _ in range(50):
        directory.note_miss(ACCOUNT)
    background.run()
    for _ in range(50):
        directory.note_miss(ACCOUNT)
    background.run()
    assert reads(emulator) == 1
    clock.now += 11
    directory.note_miss(ACCOUNT)
    background.run()
    assert reads(emulator) == 2


def test_the_worker_lookup_loads_a_cold_map_itself_and_names_what_is_missing(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    configuration = add_configuration(emulator, "+15005550006")
    directory = directory_for(client, Clock(), Background())
    assert directory.find_by_number(ACCOUNT, "+1 (500) 555-0006").id == configuration
    with pytest.raises(ConfigurationNotFound):
        directory.find_by_number(OTHER_ACCOUNT, "+15005550006")


class HeldLoad:
    """A lookup client whose Configuration query waits until the test lets it answer."""

    def __init__(self, client: DataverseClient) -> None:
        self._client = client
        self.inside, self.go = threading.Event(), threading.Event()

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.inside.set()
        assert self.go.wait(30), "the test never let the load answer"
        return self._client.query(*args, **kwargs)


class WatchedLock:
    """The directory's load lock, noting when a caller finds it held (and so will wait for the load under way)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waited = threading.Event()

    def __enter__(self) -> None:
        if self._lock.locked():
            self.waited.set()
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_worker_checking_a_deferred_webhook_shares_the_load_already_under_way(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    held = HeldLoad(client)
    directory = ConfigurationDirectory(client, lookup_client=held, clock=Clock(),  # type: ignore[arg-type]
                                       spawn=Background())
    lock = WatchedLock()
    directory._load_lock = lock  # type: ignore[assignment]
    loading = threading.Thread(target=directory.refresh)
    loading.start()
    assert held.inside.wait(30)  # the background load holds the lock, its query not answered yet
    found: list[Configuration] = []
    worker = threading.Thread(target=lambda: found.append(directory.find_by_number(ACCOUNT, "+15005550006")))
    worker.start()
    assert lock.waited.wait(30)  # the worker waits for that load...

    held.go.set()
    loading.join(30)
    worker.join(30)

    assert [c.mobile_number for c in found] == ["+15005550006"]
    assert reads(emulator) == 1  # ...and does not load again


def test_a_worker_waits_for_a_load_a_webhook_queued_but_not_yet_started(
        emulator: DataverseEmulator, client: DataverseClient) -> None:
    add_configuration(emulator, "+15005550006")
    background = Background()
    directory = directory_for(client, Clock(), background)
    assert directory.cached() is None  # the webhook's lookup: cold, a load queued for the background
    found: list[Configuration] = []
    worker = threading.Thread(target=lambda: found.append(directory.find_by_number(ACCOUNT, "+15005550006")))
    worker.start()
    worker.join(0.2)
    assert worker.is_alive()  # waiting for the queued load rather than loading itself

    assert background.run() == 1
    worker.join(30)

    assert [c.mobile_number for c in found] == ["+15005550006"]
    assert reads(emulator) == 1
