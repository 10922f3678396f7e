"""What the sweep writes for the rows its queries found (`sweep.rules`), over plain values: each write takes its
row out of the query that found it, and a write that could race a worker carries the row's ETag."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

from messaging.names import ActivityState, OutboxStatus, Severity, StatusChoice
from messaging.plans import Changeset, Write
from messaging.sweep.rules import (
    DueSession,
    PendingOutbox,
    SentMessage,
    StaleSend,
    StoredToken,
    close_sessions,
    release_outbox,
    reseal_tokens,
    settle_stale_sends,
)
from messaging.tokens import TokenCipher
from tests.messaging.facts import NOW

OLD_KEY, NEW_KEY = os.urandom(32), os.urandom(32)


def test_sessions_whose_window_ended_are_completed_at_the_window_end() -> None:
    ended = NOW - timedelta(hours=3)

    (action,) = close_sessions([DueSession(uuid.uuid4(), ended.isoformat())], NOW)

    assert isinstance(action.item, Write)
    assert dict(action.item.values) == {"statecode": int(ActivityState.COMPLETED), "statuscode": 2,
                                        "actualend": ended.isoformat()}
    assert action.counts_as == "sessions_closed"


def test_released_rows_are_stamped_and_queued_and_a_worker_claiming_one_first_wins() -> None:
    scheduled, lost = uuid.uuid4(), uuid.uuid4()

    actions = release_outbox([PendingOutbox(scheduled, True, 'W/"3"'), PendingOutbox(lost, False, 'W/"4"')],
                             NOW, "run-1")

    assert [a.counts_as for a in actions] == ["outbox_released", "outbox_requeued"]
    assert [(a.job.outbox_id, a.job.origin) for a in actions if a.job] == [(scheduled, "sweep"), (lost, "sweep")]
    first = actions[0].item
    assert isinstance(first, Write)
    assert (dict(first.values), first.etag) == ({"actualstart": NOW.isoformat()}, 'W/"3"')


def test_a_send_without_sid_for_ten_minutes_becomes_unknown_with_its_message_and_an_error_log_row() -> None:
    stuck, message = uuid.uuid4(), uuid.uuid4()

    (action,) = settle_stale_sends([StaleSend(stuck, "Reminder", "2026-12-01T11:40:00Z", 'W/"9"')],
                                   {stuck: SentMessage(message, None, 'W/"2"')}, NOW, "run-1")

    assert isinstance(action.item, Changeset)
    outbox_write, message_write, error_row = action.item.writes
    assert (outbox_write.values["smsb_sendstatus"], outbox_write.etag) == (int(OutboxStatus.UNKNOWN), 'W/"9"')
    assert "never re-sends an unknown send" in outbox_write.values["smsb_failurereason"]
    assert (message_write.row_id, dict(message_write.values)) == (message, {"smsb_status": int(StatusChoice.UNKNOWN)})
    assert error_row.values["smsb_severity"] == int(Severity.ERROR)
    assert error_row.values["smsb_relatedid"] == str(stuck)


def test_a_send_whose_message_got_its_sid_from_a_status_callback_is_completed_as_sent() -> None:
    stuck = uuid.uuid4()

    (action,) = settle_stale_sends([StaleSend(stuck, "Reminder", None, None)],
                                   {stuck: SentMessage(uuid.uuid4(), "SM" + "5" * 32, None)}, NOW, "run-1")

    assert action.counts_as == "outbox_recovered"
    assert isinstance(action.item, Write)
    assert dict(action.item.values) == {"smsb_sendstatus": int(OutboxStatus.SENT), "smsb_sid": "SM" + "5" * 32}


def test_a_send_without_a_message_row_becomes_unknown_alone() -> None:
    (action,) = settle_stale_sends([StaleSend(uuid.uuid4(), "Reminder", None, None)], {}, NOW, "run-1")

    assert isinstance(action.item, Changeset)
    assert [w.table.logical_name for w in action.item.writes] == ["smsb_outbox", "smsb_errorlog"]


def test_tokens_in_plaintext_or_under_the_previous_key_are_sealed_under_the_current_one() -> None:
    rotated = TokenCipher(NEW_KEY, previous_key=OLD_KEY)
    plain, old, damaged, empty = (uuid.uuid4() for _ in range(4))
    tokens = [StoredToken(plain, " 0123456789abcdef0123456789abcdef\n", 'W/"1"'),
              StoredToken(old, TokenCipher(OLD_KEY).encrypt("fedcba9876543210fedcba9876543210", old), 'W/"2"'),
              StoredToken(damaged, TokenCipher(os.urandom(32)).encrypt("x", damaged), None),
              StoredToken(empty, "  ", None)]

    actions, problems = reseal_tokens(tokens, rotated)

    sealed = {a.item.row_id: a.item for a in actions if isinstance(a.item, Write)}
    assert set(sealed) == {plain, old}
    assert rotated.decrypt(sealed[plain].values["smsb_authtoken"], plain) == "0123456789abcdef0123456789abcdef"
    assert rotated.decrypt(sealed[old].values["smsb_authtoken"], old) == "fedcba9876543210fedcba9876543210"
    assert not rotated.needs_reencryption(sealed[old].values["smsb_authtoken"])
    assert sealed[old].etag == 'W/"2"'
    assert len(problems) == 1
    assert str(damaged) in problems[0]
