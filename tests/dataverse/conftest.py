"""Fixtures for the Dataverse client tests: a fake clock, a fake token provider, a client on `responses`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests
import responses

from dataverse import DataverseClient, DataverseConfig, StaticTokenProvider
from devstack.dataverse_emulator import DataverseEmulator, mount_responses

ORG = "https://contoso.crm.dynamics.com"
API = f"{ORG}/api/data/v9.2/"


class InFlight:
    """A `responses` callback that holds each answer a moment and counts the requests it answers at once."""

    def __init__(self, body: str = '{"smsb_name": "x"}', hold: float = 0.02) -> None:
        self._body, self._hold = body, hold
        self._lock = threading.Lock()
        self._now = 0
        self.highest = 0

    def __call__(self, _: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        with self._lock:
            self._now += 1
            self.highest = max(self.highest, self._now)
        time.sleep(self._hold)
        with self._lock:
            self._now -= 1
        return 200, {}, self._body


def at_once(call: Callable[[], object], times: int) -> None:
    """`call` from `times` threads started together; returns when all have finished."""
    threads = [threading.Thread(target=call) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class FakeClock:
    """Monotonic and wall clock in one; ``sleep`` advances time instead of waiting."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeTokens:
    """Hands out numbered tokens; ``force_refresh`` moves to the next one."""

    def __init__(self) -> None:
        self.issued = 1
        self.forced = 0

    def get_token(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.forced += 1
            self.issued += 1
        return f"token-{self.issued}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def config() -> DataverseConfig:
    return DataverseConfig(url=ORG, retry_budget_seconds=120.0)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client(config: DataverseConfig, tokens: FakeTokens, clock: FakeClock,
           mocked: responses.RequestsMock) -> Iterator[DataverseClient]:
    with DataverseClient.from_config(config, tokens=tokens, clock=clock, wall_clock=clock, sleep=clock.sleep,
                                     jitter=lambda: 0.5) as built:
        yield built


@pytest.fixture
def emulator() -> DataverseEmulator:
    return DataverseEmulator()


@pytest.fixture
def emulated(emulator: DataverseEmulator, clock: FakeClock) -> Iterator[DataverseClient]:
    """A client wired in-process to the Dataverse emulator; retries sleep on the fake clock."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount_responses(emulator, mock, ORG)
        config = DataverseConfig(url=ORG, retry_budget_seconds=300.0)
        with DataverseClient.from_config(config, tokens=StaticTokenProvider("emulator-token"), clock=clock,
                                         wall_clock=clock, sleep=clock.sleep, jitter=lambda: 0.5) as built:
            yield built
