"""The resource handlers on their own, over a store, a clock of the test's choosing and the callback dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, ApiError
from devstack.twilio_emulator.accounts import AccountHandler
from devstack.twilio_emulator.callbacks import Callbacks
from devstack.twilio_emulator.messages import MessageHandler
from devstack.twilio_emulator.numbers import NumberHandler
from devstack.twilio_emulator.services import ServiceHandler
from devstack.twilio_emulator.store import EmulatorStore
from devstack.twilio_emulator.webhooks import DeliveryLog, WebhookRequest, WebhookResponse

NOW = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def refuse(_request: WebhookRequest) -> WebhookResponse:
    raise ConnectionRefusedError("no app in this test")


@pytest.fixture
def handlers() -> Iterator[tuple[MessageHandler, str]]:
    store = EmulatorStore()
    AccountHandler(store, clock).add(DEFAULT_ACCOUNT_SID, "token")
    numbers = NumberHandler(store, clock)
    services = ServiceHandler(store, clock, numbers)
    service = services.add(DEFAULT_ACCOUNT_SID, ["+15005550006"])
    callbacks = Callbacks(store, clock, refuse, DeliveryLog(), delay=0.0, shuffle=False, duplicate=False, seed=1)
    yield MessageHandler(store, clock, callbacks), service.sid
    callbacks.scheduler.stop()


def test_schedule_windows_are_measured_on_the_handlers_clock(handlers: tuple[MessageHandler, str]) -> None:
    messages, service_sid = handlers

    def form(send_at: datetime) -> MultiDict[str, str]:
        return MultiDict({"To": "+15551230000", "MessagingServiceSid": service_sid, "Body": "later",
                          "ScheduleType": "fixed", "SendAt": send_at.isoformat()})

    message, answer = messages.create(DEFAULT_ACCOUNT_SID, form(NOW + timedelta(hours=1)))
    assert answer["status"] == "scheduled"
    with pytest.raises(ApiError) as too_soon:
        messages.create(DEFAULT_ACCOUNT_SID, form(NOW + timedelta(minutes=1)))
    assert too_soon.value.code == 35114
    canceled = messages.update(DEFAULT_ACCOUNT_SID, message.sid, MultiDict({"Status": "canceled"}))
    assert (canceled.status, canceled.date_updated) == ("canceled", NOW)


def test_released_messages_run_their_lifecycle_on_the_dispatcher(handlers: tuple[MessageHandler, str]) -> None:
    messages, service_sid = handlers
    message, _ = messages.create(DEFAULT_ACCOUNT_SID, MultiDict({
        "To": "+15551230000", "MessagingServiceSid": service_sid, "Body": "later", "ScheduleType": "fixed",
        "SendAt": (NOW + timedelta(days=1)).isoformat()}))
    assert messages.release_scheduled() == [message.sid]
    assert messages.callbacks.scheduler.wait_idle(30)
    assert (message.status, message.date_sent) == ("delivered", NOW)
