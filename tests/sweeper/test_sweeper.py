"""The sweep: closes ended sessions, releases and recovers Outbox rows, settles unknown sends, reseals tokens —
touching only the rows that need it, a bounded number per run, and nothing on a second run."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest

from dataverse import Batch, BatchResult, DataverseClient
from devstack.sandbox import Sandbox
from messaging.ids import outbound_message_id
from messaging.names import OutboxStatus, StatusChoice
from messaging.store import Store
from messaging.sweep import Sweeper
from messaging.tokens import TokenCipher
from tests.sweeper.conftest import Clock, Rows

pytestmark = pytest.mark.azurite

OLD_KEY, NEW_KEY = b"o" * 32, b"n" * 32


def batches(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.dataverse.requests.records if r.path.endswith("$batch"))


# -- sessions --------------------------------------------------------------------------------------------------
def test_sessions_whose_window_ended_are_completed_at_the_window_end(
        sweeper: Sweeper, rows: Rows, sandbox: Sandbox) -> None:
    ended_at = rows.ago(minutes=5)
    ended = rows.session(ends=ended_at)
    current = rows.session(ends=rows.ago(minutes=-60))

    report = sweeper.run()

    assert report.sessions_closed == 1
    closed = rows.get("smsb_messagesession", ended)
    assert (closed["statecode"], closed["statuscode"]) == (1, 2)
    assert closed["actualend"] == ended_at
    assert rows.get("smsb_messagesession", current)["statecode"] == 0


# -- outbox rows waiting to be sent ----------------------------------------------------------------------------
def test_a_scheduled_row_is_released_once_its_send_after_has_come(
        sweeper: Sweeper, rows: Rows, clock: Clock) -> None:
    scheduled = rows.outbox(send_after=rows.ago(minutes=-5))
    assert sweeper.run().jobs == ()

    clock.advance(minutes=6)
    report = sweeper.run()

    assert report.outbox_released == 1
    (job,) = report.jobs
    assert (str(job.outbox_id), job.origin) == (scheduled, "sweep")
    assert rows.get("smsb_outbox", scheduled)["actualstart"] == clock.now


def test_a_pending_row_whose_webhook_never_arrived_is_requeued_after_two_minutes(
        sweeper: Sweeper, rows: Rows) -> None:
    recent = rows.outbox(created=rows.ago(seconds=90))
    forgotten = rows.outbox(created=rows.ago(minutes=3))

    report = sweeper.run()

    assert report.outbox_requeued == 1
    assert [str(job.outbox_id) for job in report.jobs] == [forgotten]
    assert rows.get("smsb_outbox", recent)["actualstart"] is None


def test_a_released_row_whose_job_was_lost_is_released_again_two_minutes_later(
        sweeper: Sweeper, rows: Rows, clock: Clock) -> None:
    forgotten = rows.outbox(created=rows.ago(minutes=3))
    assert len(sweeper.run().jobs) == 1
    clock.advance(minutes=1)
    assert sweeper.run().jobs == ()  # its job is on its way

    clock.advance(minutes=2)

    assert [str(job.outbox_id) for job in sweeper.run().jobs] == [forgotten]


def test_rows_already_sending_sent_or_canceled_are_left_alone(sweeper: Sweeper, rows: Rows) -> None:
    old = rows.ago(minutes=30)
    rows.outbox(OutboxStatus.SENT, created=old, sid="SM" + "1" * 32)
    rows.outbox(OutboxStatus.FAILED, created=old)
    rows.outbox(OutboxStatus.PENDING, created=old, state=2)  # canceled by a user
    rows.outbox(OutboxStatus.SENDING, created=old, modified=rows.ago(minutes=2))  # a worker is on it

    report = sweeper.run()

    assert report.actions == 0
    assert report.jobs == ()


class ClaimsBeforeTheSweepWrites:
    """The product's client, except that just before the sweep's writes a worker claims an Outbox row."""

    def __init__(self, client: DataverseClient, outbox: str) -> None:
        self._client, self._outbox, self.claimed = client, outbox, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def execute_batch(self, batch: Batch, *, continue_on_error: bool = False) -> BatchResult:
        if not self.claimed:
            self._client.update("smsb_outboxes", uuid.UUID(self._outbox), {"smsb_sendstatus": 2})
            self.claimed = True
        return self._client.execute_batch(batch, continue_on_error=continue_on_error)


def test_a_row_a_worker_claims_while_the_sweep_decides_is_skipped_not_released(
        sandbox: Sandbox, rows: Rows, clock: Clock) -> None:
    claimed = rows.outbox(created=rows.ago(minutes=5))
    other = rows.outbox(created=rows.ago(minutes=5))
    app = sandbox.app
    client = cast(DataverseClient, ClaimsBeforeTheSweepWrites(app.dataverse, claimed))

    report = Sweeper(client, app.cipher, Store(client), clock=clock).run()

    assert [str(job.outbox_id) for job in report.jobs] == [other]
    assert report.skipped == 1
    assert rows.get("smsb_outbox", claimed)["actualstart"] is None


# -- sends that never finished ---------------------------------------------------------------------------------
def test_a_send_without_sid_for_ten_minutes_becomes_unknown_with_its_message_and_an_error_log_row(
        sweeper: Sweeper, rows: Rows, sandbox: Sandbox) -> None:
    message = rows.message(StatusChoice.SENDING)
    stuck = rows.outbox(OutboxStatus.SENDING, created=rows.ago(minutes=12), message=message)
    busy = rows.outbox(OutboxStatus.SENDING, created=rows.ago(minutes=9))

    report = sweeper.run()

    assert report.outbox_unknown == 1
    assert report.jobs == ()
    outbox = rows.get("smsb_outbox", stuck)
    assert outbox["smsb_sendstatus"] == int(OutboxStatus.UNKNOWN)
    assert "may or may not have been sent" in outbox["smsb_failurereason"]
    assert rows.get("smsb_message", message)["smsb_status"] == int(StatusChoice.UNKNOWN)
    (logged,) = [r for r in sandbox.dataverse.store.rows("smsb_errorlog") if r.get("smsb_relatedid") == stuck]
    assert (logged["smsb_source"], logged["smsb_relatedentity"]) == ("sweep", "smsb_outbox")
    assert rows.get("smsb_outbox", busy)["smsb_sendstatus"] == int(OutboxStatus.SENDING)


def test_an_unlinked_message_is_found_by_its_deterministic_id(sweeper: Sweeper, rows: Rows) -> None:
    stuck = rows.outbox(OutboxStatus.SENDING, created=rows.ago(minutes=15))
    message = rows.message(StatusChoice.QUEUED, message_id=outbound_message_id(stuck))

    assert sweeper.run().outbox_unknown == 1
    assert rows.get("smsb_message", message)["smsb_status"] == int(StatusChoice.UNKNOWN)


def test_a_send_whose_message_got_its_sid_from_a_status_callback_is_completed_as_sent(
        sweeper: Sweeper, rows: Rows) -> None:
    sid = "SM" + uuid.uuid4().hex
    message = rows.message(StatusChoice.DELIVERED, sid=sid)
    stuck = rows.outbox(OutboxStatus.SENDING, created=rows.ago(minutes=20), message=message)

    report = sweeper.run()

    assert (report.outbox_recovered, report.outbox_unknown) == (1, 0)
    outbox = rows.get("smsb_outbox", stuck)
    assert (outbox["smsb_sendstatus"], outbox["smsb_sid"]) == (int(OutboxStatus.SENT), sid)
    assert rows.get("smsb_message", message)["smsb_status"] == int(StatusChoice.DELIVERED)


# -- tokens ----------------------------------------------------------------------------------------------------
def test_key_rotation_round_trip_reseals_under_the_new_key_only_what_the_old_key_sealed(
        sandbox: Sandbox, clock: Clock) -> None:
    app = sandbox.app
    product = sandbox.product
    assert product is not None
    configuration = uuid.UUID(sandbox.dataverse.store.insert("smsb_configuration", {
        "smsb_name": "Rotated", "smsb_mobilenumber": "+15005550006", "smsb_accountsid": "AC" + "1" * 32,
    }))
    token = sandbox.options.auth_token
    app.dataverse.update("smsb_configurations", configuration,
                         {"smsb_authtoken": TokenCipher(OLD_KEY).encrypt(token, configuration)})
    untouched = sandbox.dataverse.store.get("smsb_configuration", str(product.configuration_id))
    rotated = Sweeper(app.dataverse, TokenCipher(NEW_KEY, previous_key=OLD_KEY), app.store, clock=clock)

    report = rotated.run()

    assert report.tokens_resealed == 1
    sealed = sandbox.dataverse.store.get("smsb_configuration", str(configuration))
    assert sealed is not None
    assert TokenCipher(NEW_KEY).decrypt(sealed["smsb_authtoken"], configuration) == token
    # A token under a key this app does not hold is not the sweep's to touch (Validate reports it).
    after = sandbox.dataverse.store.get("smsb_configuration", str(product.configuration_id))
    assert after is not None
    assert untouched is not None
    assert after["smsb_authtoken"] == untouched["smsb_authtoken"]
    assert rotated.run().tokens_resealed == 0


def test_a_token_left_in_plaintext_by_a_missed_webhook_is_sealed(sweeper: Sweeper, sandbox: Sandbox) -> None:
    configuration = sandbox.dataverse.store.insert("smsb_configuration", {
        "smsb_name": "Typed", "smsb_mobilenumber": "+15005550006", "smsb_accountsid": "AC" + "1" * 32,
        "smsb_authtoken": sandbox.options.auth_token,
    })

    assert sweeper.run().tokens_resealed == 1

    sealed = sandbox.dataverse.store.get("smsb_configuration", configuration)
    assert sealed is not None
    assert sandbox.app.cipher.decrypt(sealed["smsb_authtoken"], configuration) == sandbox.options.auth_token


# -- idempotent, bounded, cheap --------------------------------------------------------------------------------
def test_a_second_run_finds_nothing_to_do(sweeper: Sweeper, rows: Rows, sandbox: Sandbox) -> None:
    rows.session(ends=rows.ago(hours=1))
    rows.outbox(created=rows.ago(minutes=5))
    rows.outbox(send_after=rows.ago(minutes=1))
    rows.outbox(OutboxStatus.SENDING, created=rows.ago(minutes=30), message=rows.message())
    sandbox.dataverse.store.insert("smsb_configuration", {
        "smsb_name": "Typed", "smsb_mobilenumber": "+15005550006", "smsb_accountsid": "AC" + "1" * 32,
        "smsb_authtoken": sandbox.options.auth_token,
    })
    first = sweeper.run()
    assert (first.sessions_closed, first.outbox_requeued, first.outbox_released, first.outbox_unknown,
            first.tokens_resealed) == (1, 1, 1, 1, 1)
    writes = batches(sandbox)

    second = sweeper.run()

    assert second.actions == 0
    assert second.jobs == ()
    assert second.skipped == 0
    assert batches(sandbox) == writes  # no write at all


def test_each_action_takes_at_most_max_per_run_rows_and_the_rest_waits(
        sandbox: Sandbox, rows: Rows, clock: Clock) -> None:
    for minutes in range(25):
        rows.session(ends=rows.ago(minutes=minutes + 1))
    app = sandbox.app
    bounded = Sweeper(app.dataverse, app.cipher, app.store, clock=clock, page_size=4, max_per_run=10)

    runs = [bounded.run() for _ in range(4)]

    assert [r.sessions_closed for r in runs] == [10, 10, 5, 0]
    assert [r.backlog for r in runs] == [("sessions",), ("sessions",), (), ()]
    assert runs[0].round_trips == 3 + 3 + 1  # sessions: 3 pages of 4; three idle queries; one $batch


def test_an_idle_run_costs_four_queries_and_no_writes(sweeper: Sweeper, sandbox: Sandbox) -> None:
    sandbox.dataverse.requests.clear()

    report = sweeper.run()

    assert (report.round_trips, report.operations, report.actions) == (4, 4, 0)
    assert [r.method for r in sandbox.dataverse.requests.records] == ["GET"] * 4
    assert "round trips" in report.summary()
