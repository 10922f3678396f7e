"""The `sweep` timer function on the local host: it runs the sweeper and queues what it releases."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.functions import TriggerKind
from devstack.sandbox import Sandbox
from messaging.envelopes import OutboxJob, read_outbound

pytestmark = pytest.mark.azurite


def test_sweep_timer_releases_a_due_scheduled_outbox_onto_the_queue(make_sandbox: Any) -> None:
    sandbox: Sandbox = make_sandbox()
    sandbox.queues().queue("sms-outbound").clear_messages()
    outbox = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox, {
        "subject": "Later", "smsb_freeform": "It is time", "smsb_sendstatus": 1,
        "smsb_sendafter": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    })
    sandbox.dataverse.webhooks.drain(5)
    sandbox.queues().queue("sms-outbound").clear_messages()  # only the sweep's own job counts here
    assert sandbox.host is not None
    timers = {spec.name: spec for spec in sandbox.host.of_kind(TriggerKind.TIMER)}
    assert {name: spec.schedule for name, spec in timers.items()} == {
        "sweep": "0 */1 * * * *", "reconcile": "0 7 * * * *"}
    spec = timers["sweep"]
    runner = sandbox.host.timer_runner(spec)
    assert runner.run_due(runner.next_due) is True
    messages = list(sandbox.queues().queue("sms-outbound").peek_messages(max_messages=32))
    jobs = [read_outbound(base64.b64decode(m.content)) for m in messages]
    assert [(type(j), j.outbox_id, j.origin) for j in jobs if isinstance(j, OutboxJob)] == [
        (OutboxJob, outbox, "sweep")]

