"""A round's grouping decisions: the same Outbox twice in a round, reads per owner, Twilio's rate limit."""

from __future__ import annotations

import uuid

from messaging.outbound.grouping import by_owner, distinct, is_rate_limited, retry_after
from twilio_bridge import SendFailed
from twilio_bridge.errors import RequestNotSent

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def test_the_same_outbox_twice_in_a_round_is_worked_on_once() -> None:
    grouped = distinct([A, B, A, C, B])
    assert grouped.first == (0, 1, 3)
    assert dict(grouped.copy_of) == {2: 0, 4: 1}


def test_records_read_as_their_owner_are_one_request_per_owner() -> None:
    owners = by_owner({0: A, 2: B, 3: A, 5: A})
    assert owners == {A: (0, 3, 5), B: (2,)}
    assert by_owner({}) == {}


def test_twilio_429_is_its_rate_limit_and_other_failures_are_not() -> None:
    assert is_rate_limited(SendFailed(20429, "Too Many Requests", is_transient=True, status=429))
    assert is_rate_limited(SendFailed(None, "busy", is_transient=True, status=429))
    assert not is_rate_limited(SendFailed(None, "read timeout", is_transient=False, ambiguous=True))
    assert not is_rate_limited(SendFailed(21610, "unsubscribed", is_transient=False, status=400))
    assert not is_rate_limited(SendFailed(None, "503", is_transient=True, ambiguous=True, status=503))


def test_retry_after_comes_from_the_transport_s_error_else_the_default() -> None:
    failure = SendFailed(20429, "Too Many Requests", is_transient=True, status=429)
    assert retry_after(failure, 2.0) == 2.0
    failure.__cause__ = RequestNotSent("429", status=429, code=20429, retry_after=7.0)  # as `raise ... from`
    assert retry_after(failure, 2.0) == 7.0
