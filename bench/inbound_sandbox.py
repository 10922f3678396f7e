"""What the inbound benchmarks share: the product on loopback (the devstack `Sandbox`) over a Dataverse emulator
that also counts operations, a fresh worker runtime on demand (cold caches), and Twilio-shaped webhooks.

Not a benchmark itself; `bench/README.md` lists the benchmarks.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app import runtime
from app.runtime import Runtime
from app.settings import Settings
from devstack.azurite import Azurite, free_port
from devstack.config import azurite_connection_string
from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.protocol import Call, Outcome, WriteEvent
from devstack.sandbox import Sandbox, SandboxOptions
from twilio_bridge import sign

HOST = "127.0.0.1"
INBOUND_PATH = "/api/twilio/messages"


class CountingDataverse(DataverseEmulator):
    """The Dataverse emulator, counting operations: every request outside `$batch` and every part inside one.
    Its request log (`requests`) counts round trips: the HTTP requests it received."""

    def __init__(self) -> None:
        super().__init__()
        self.operations = 0
        self._count_lock = threading.Lock()

    def execute(self, call: Call, events: list[WriteEvent]) -> Outcome:
        if call.path != "$batch":
            with self._count_lock:
                self.operations += 1
        return super().execute(call, events)


@dataclass(frozen=True)
class Traffic:
    """Dataverse traffic between two moments: HTTP round trips, and operations (single requests + batch parts)."""

    round_trips: int = 0
    operations: int = 0

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(self.round_trips + other.round_trips, self.operations + other.operations)


class TrafficMeter:
    def __init__(self, emulator: CountingDataverse) -> None:
        self._emulator = emulator
        self._mark = self._now()

    def _now(self) -> Traffic:
        return Traffic(len(self._emulator.requests.records), self._emulator.operations)

    def take(self) -> Traffic:
        """Traffic since the previous `take()` (or since the meter was made)."""
        now = self._now()
        delta = Traffic(now.round_trips - self._mark.round_trips, now.operations - self._mark.operations)
        self._mark = now
        return delta


def quiet_logs() -> None:
    """The app logs every text at INFO and werkzeug every request; a benchmark prints its own table instead."""
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def unused_storage() -> str:
    """A queue connection string for runs that never touch a queue: nothing listens there, so a stray queue
    call would fail at once instead of being measured."""
    return azurite_connection_string(HOST, free_port(HOST))


@contextlib.contextmanager
def running_sandbox(storage_connection: str | None = None, **options: Any) -> Iterator[Sandbox]:
    """The whole product on loopback with ephemeral ports. Without `storage_connection`, Azurite is started
    (from `node_modules`) for the run and stopped afterwards."""
    with contextlib.ExitStack() as stack:
        if storage_connection is None:
            azurite = Azurite(HOST, free_port(HOST))
            azurite.start()
            stack.callback(azurite.stop)
            storage_connection = azurite_connection_string(azurite.host, azurite.port)
        sandbox = Sandbox(SandboxOptions(storage_connection=storage_connection, host=HOST,
                                         dataverse_factory=CountingDataverse, **options))
        stack.callback(sandbox.stop)
        quiet_logs()
        sandbox.start()
        quiet_logs()
        yield sandbox


def emulator_of(sandbox: Sandbox) -> CountingDataverse:
    emulator = sandbox.dataverse
    if not isinstance(emulator, CountingDataverse):
        raise TypeError("the sandbox was not started by running_sandbox()")
    return emulator


@contextlib.contextmanager
def fresh_runtime(sandbox: Sandbox) -> Iterator[Runtime]:
    """A new worker runtime for the app (HTTP and queue functions alike), as in a process that just started:
    every cache (Configurations, Record Types, team members, conversations) is cold."""
    environ = sandbox.environ
    with runtime.use(lambda: Runtime.from_settings(Settings.from_env(environ))):
        current = runtime.current()
        quiet_logs()
        try:
            yield current
        finally:
            current.dataverse.close()


def new_message_sid() -> str:
    return "SM" + uuid.uuid4().hex


def inbound_form(sandbox: Sandbox, from_: str, body: str, sid: str) -> list[tuple[str, str]]:
    """The parameters of Twilio's incoming-message webhook, as Twilio sends them for an SMS."""
    product = sandbox.product
    if product is None:
        raise RuntimeError("the sandbox is not running")
    return [
        ("ToCountry", "US"), ("ToState", ""), ("SmsMessageSid", sid), ("NumMedia", "0"), ("ToCity", ""),
        ("FromZip", ""), ("SmsSid", sid), ("FromState", ""), ("SmsStatus", "received"), ("FromCity", ""),
        ("Body", body), ("FromCountry", "US"), ("To", product.number), ("ToZip", ""), ("NumSegments", "1"),
        ("MessageSid", sid), ("AccountSid", product.account_sid), ("From", from_), ("ApiVersion", "2010-04-01"),
    ]


def signature(sandbox: Sandbox, form: list[tuple[str, str]]) -> str:
    """`X-Twilio-Signature` for a POST of `form` to the inbound route, with the account's auth token."""
    return sign(sandbox.url + INBOUND_PATH, form, sandbox.options.auth_token)
