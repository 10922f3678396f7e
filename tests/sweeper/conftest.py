"""The product on loopback (devstack sandbox) with a Dataverse clock the test moves, and rows put straight into the
emulator's store as they would be after hours of traffic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from devstack.sandbox import Sandbox, SandboxOptions
from messaging.names import OutboxStatus, StatusChoice
from messaging.sweep import Sweeper


class Clock:
    """Now, for Dataverse (createdon, modifiedon) and the sweeper alike."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(azurite: Any, clock: Clock) -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string,
                                     dataverse_factory=lambda: DataverseEmulator(clock=clock))).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sweeper(sandbox: Sandbox, clock: Clock) -> Sweeper:
    app = sandbox.app
    return Sweeper(app.dataverse, app.cipher, app.store, clock=clock)


class Rows:
    """Rows written directly into the emulator's store (no webhooks), with the timestamps a test needs."""

    def __init__(self, sandbox: Sandbox, clock: Clock) -> None:
        self.store = sandbox.dataverse.store
        self.clock = clock

    def ago(self, **kwargs: float) -> datetime:
        return self.clock.now - timedelta(**kwargs)

    def session(self, *, ends: datetime, state: int = 0) -> str:
        return self.store.insert("smsb_messagesession", {
            "subject": "SMS with a customer", "actualstart": ends - timedelta(days=1), "scheduledend": ends,
            "statecode": state, "statuscode": 1 if state == 0 else 2,
        })

    def outbox(self, status: OutboxStatus = OutboxStatus.PENDING, *, created: datetime | None = None,
               modified: datetime | None = None, send_after: datetime | None = None, sid: str | None = None,
               message: str | None = None, state: int = 0, released: datetime | None = None) -> str:
        created = created or self.clock.now
        return self.store.insert("smsb_outbox", {
            "subject": "Appointment reminder", "smsb_sendstatus": int(status), "createdon": created,
            "modifiedon": modified or created, "smsb_sendafter": send_after, "smsb_sid": sid,
            "smsb_message": message, "statecode": state, "statuscode": {0: 1, 1: 2, 2: 3}[state],
            "actualstart": released,
        })

    def message(self, status: StatusChoice = StatusChoice.SENDING, *, sid: str | None = None,
                message_id: uuid.UUID | None = None) -> str:
        return self.store.insert("smsb_message", {
            "smsb_messageid": str(message_id or uuid.uuid4()), "smsb_name": "reminder", "smsb_direction": 2,
            "smsb_status": int(status), "smsb_sid": sid, "smsb_body": "See you at 10",
        })

    def get(self, table: str, row_id: str) -> dict[str, Any]:
        row = self.store.get(table, row_id)
        assert row is not None, f"no {table} row {row_id}"
        return row


@pytest.fixture
def rows(sandbox: Sandbox, clock: Clock) -> Rows:
    return Rows(sandbox, clock)
