"""Several callbacks for one message merged into one write (`status.merging`), over plain values: merging then
applying leaves the rows exactly as applying the callbacks one by one, in every order they may arrive in."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import pytest

from messaging.envelopes import StatusEnvelope
from messaging.names import StatusChoice, choice_of
from messaging.plans import Write
from messaging.rows.message import StoredMessage
from messaging.status.coalescing import choose
from messaging.status.merging import merge
from messaging.status.rules import Apply, Ignore, Refuse, WaitForSender, decide
from tests.messaging.facts import CONFIGURATION_ID, NOW
from tests.messaging.status.test_rules import CONVERSATION, MESSAGE, OUTBOX, SID, stored
from twilio_bridge import parse_status_callback

OTHER_CONFIGURATION = uuid.UUID("00000000-0000-0000-0000-0000000000f9")

Rows = dict[tuple[str, uuid.UUID], dict[str, Any]]


def callback(status: str, second: int, *, signed_by: uuid.UUID = CONFIGURATION_ID, **extra: str) -> StatusEnvelope:
    params = {"MessageSid": SID, "AccountSid": "AC" + "1" * 32, "MessageStatus": status, **extra}
    return StatusEnvelope(signed_by, NOW + timedelta(seconds=second), f"c{second}",
                          parse_status_callback(params.items()), MESSAGE)


def _row_of(first: StoredMessage, row: dict[str, Any]) -> StoredMessage:
    """The message as a re-read would find it after the writes so far (built from the columns, not `merging`)."""
    status = row.get("smsb_status")
    return StoredMessage(
        id=first.id, status=choice_of(StatusChoice, status) if status is not None else first.status,
        sid=row.get("smsb_sid") or first.sid, sent_on_set=first.sent_on_set or bool(row.get("smsb_senton")),
        delivered_on_set=first.delivered_on_set or bool(row.get("smsb_deliveredon")), outbox_id=first.outbox_id,
        conversation_id=first.conversation_id, configuration_id=first.configuration_id,
        created_on=first.created_on, etag=first.etag)


def _write(rows: Rows, write: Write) -> None:
    rows.setdefault((write.table.logical_name, write.key), {}).update(write.values)


def one_by_one(first: StoredMessage, envelopes: list[StatusEnvelope]) -> tuple[Rows, list[type]]:
    rows: Rows = {}
    kinds: list[type] = []
    for envelope in envelopes:
        decision = decide(_row_of(first, rows.get(("smsb_message", MESSAGE), {})), envelope)
        kinds.append(type(decision))
        if isinstance(decision, Apply):
            _write(rows, decision.message)
            for follow_up in decision.follow_ups:
                _write(rows, follow_up)
    return rows, kinds


def merged(first: StoredMessage, envelopes: list[StatusEnvelope]) -> tuple[Rows, list[type]]:
    result = merge(first, envelopes)
    rows: Rows = {}
    if result.write is not None:
        assert result.write.etag == first.etag  # conditional on the row as read
        _write(rows, result.write)
    for follow_up in result.follow_ups:
        _write(rows, follow_up)
    return rows, [type(decision) for decision in result.decisions]


CALLBACKS = [
    callback("queued", 0), callback("sent", 1), callback("sent", 2), callback("delivered", 3),
    callback("delivered", 4), callback("undelivered", 5, ErrorCode="30003"),
    callback("failed", 6, ErrorCode="21610"), callback("read", 7),
    callback("delivered", 8, signed_by=OTHER_CONFIGURATION),
]
STARTS = [
    stored(StatusChoice.QUEUED), stored(StatusChoice.SENT, sent_on_set=True), stored(StatusChoice.UNKNOWN),
    stored(StatusChoice.QUEUED, sid=None),  # the sender never recorded its SID: the callback fills it in
    stored(StatusChoice.QUEUED, sid=None, created_on=NOW),  # the sender may still be recording it: wait
    stored(None, outbox_id=None, conversation_id=None),
]


@pytest.mark.parametrize("first", STARTS)
@pytest.mark.parametrize("picked", list(itertools.combinations(range(len(CALLBACKS)), 3)))
def test_merging_then_applying_equals_applying_one_by_one_in_every_order(first: StoredMessage,
                                                                         picked: tuple[int, ...]) -> None:
    for order in itertools.permutations(picked):
        envelopes = [CALLBACKS[index] for index in order]
        assert merged(first, envelopes) == one_by_one(first, envelopes), order


def test_a_burst_of_one_message_leaves_the_highest_status_with_its_first_times() -> None:
    result = merge(stored(StatusChoice.QUEUED), [callback("sent", 1), callback("delivered", 3),
                                                 callback("sent", 2), callback("delivered", 4)])

    assert result.write is not None
    assert result.write.values["smsb_status"] == int(StatusChoice.DELIVERED)
    assert result.write.values["smsb_senton"] == (NOW + timedelta(seconds=1)).isoformat()
    assert result.write.values["smsb_deliveredon"] == (NOW + timedelta(seconds=3)).isoformat()
    assert [type(decision) for decision in result.decisions] == [Apply, Apply, Ignore, Ignore]
    assert result.follow_ups == ()


def test_a_failure_fails_the_outbox_row_and_a_stop_opts_out_the_conversation() -> None:
    result = merge(stored(StatusChoice.QUEUED), [callback("sent", 1), callback("failed", 2, ErrorCode="21610")])

    assert result.write is not None
    assert result.write.values["smsb_errorcode"] == 21610
    assert [(write.table.logical_name, write.key) for write in result.follow_ups] == [
        ("smsb_outbox", OUTBOX), ("smsb_conversation", CONVERSATION)]


def test_a_callback_signed_by_another_configuration_is_refused_alone() -> None:
    result = merge(stored(StatusChoice.QUEUED), [callback("delivered", 1, signed_by=OTHER_CONFIGURATION),
                                                 callback("sent", 2)])

    assert isinstance(result.decisions[0], Refuse)
    assert result.decisions[0].error is not None  # it smells of tampering: the Error Log hears of it
    assert result.write is not None
    assert result.write.values["smsb_status"] == int(StatusChoice.SENT)


def test_nothing_to_write_when_no_callback_is_newer_or_all_wait() -> None:
    assert merge(stored(StatusChoice.DELIVERED), [callback("sent", 1), callback("delivered", 2)]).write is None
    waiting = merge(stored(StatusChoice.QUEUED, sid=None, created_on=NOW), [callback("sent", 1)])
    assert waiting.write is None
    assert isinstance(waiting.decisions[0], WaitForSender)


def test_a_group_takes_the_first_callbacks_up_to_its_limit() -> None:
    assert choose(CALLBACKS[:3], 32) == [0, 1, 2]
    assert choose(CALLBACKS, 4) == [0, 1, 2, 3]
    assert choose(CALLBACKS[:1], 0) == [0]
