"""Status ordering for monotonic message updates."""

from __future__ import annotations

import itertools

import pytest

from twilio_bridge.statuses import MessageStatus, is_final, is_forward

OUTBOUND_ORDER = [
    {"accepted", "scheduled"},
    {"queued"},
    {"sending"},
    {"sent"},
    {"delivered", "undelivered", "failed", "partially_delivered", "canceled"},
    {"read"},
]


def test_outbound_statuses_only_move_forward() -> None:
    for lower, higher in itertools.combinations(range(len(OUTBOUND_ORDER)), 2):
        for old, new in itertools.product(OUTBOUND_ORDER[lower], OUTBOUND_ORDER[higher]):
            assert is_forward(old, new), (old, new)
            assert not is_forward(new, old), (new, old)


def test_statuses_of_equal_rank_do_not_replace_each_other() -> None:
    for group in OUTBOUND_ORDER:
        for old, new in itertools.product(group, group):
            assert not is_forward(old, new), (old, new)


def test_late_sent_after_delivered_is_ignored() -> None:
    assert not is_forward(MessageStatus.DELIVERED, MessageStatus.SENT)


def test_inbound_chain_and_no_mixing_with_outbound() -> None:
    assert is_forward("receiving", "received")
    assert not is_forward("received", "receiving")
    assert not is_forward("received", "read")
    assert not is_forward("sent", "received")


def test_anything_is_forward_from_nothing() -> None:
    assert all(is_forward(None, status) for status in MessageStatus)


def test_final_statuses() -> None:
    final = {s.value for s in MessageStatus if is_final(s)}
    assert final == {"delivered", "undelivered", "failed", "partially_delivered", "canceled", "read", "received"}


def test_unknown_status_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="exploded"):
        is_forward("sent", "exploded")
