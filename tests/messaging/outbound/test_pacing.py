"""Each sender's texts leave at its rate: a token bucket per long code or Messaging Service, and Twilio's 429 waited
out."""

from __future__ import annotations

import uuid

import pytest

from messaging.outbound.pacing import Bucket, Pacer, held_back, sender_key, take
from messaging.rows.configuration import Configuration


def configuration(number: str | None = "+15005550006", service: str | None = None) -> Configuration:
    return Configuration(id=uuid.uuid4(), name="Main", mobile_number=number, messaging_service_sid=service,
                         account_sid="AC" + "0" * 32, auth_token_sealed=None, session_timeout_minutes=60,
                         idle_timeout_minutes=30, team_id=None, send_app_notifications=True,
                         delete_twilio_media=False, active=True)


def test_a_long_code_sends_one_text_a_second_and_callers_queue_in_turn() -> None:
    bucket = Bucket.full(1.0, now=100.0)
    waits = []
    for _ in range(3):  # three arrive together
        bucket, wait = take(bucket, 100.0)
        waits.append(wait)
    assert waits == [0.0, 1.0, 2.0]


def test_an_idle_sender_saves_no_more_than_its_burst() -> None:
    bucket = Bucket.full(1.0, now=0.0)
    bucket, _ = take(bucket, 0.0)
    bucket, first = take(bucket, 3600.0)  # an hour idle: one turn ready, not 3,600
    bucket, second = take(bucket, 3600.0)
    assert (first, second) == (0.0, 1.0)


def test_a_messaging_service_with_a_higher_rate_sends_a_second_s_worth_at_once() -> None:
    bucket = Bucket.full(10.0, now=0.0)
    waits = []
    for _ in range(11):
        bucket, wait = take(bucket, 0.0)
        waits.append(wait)
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1)


def test_after_twilio_answered_429_the_sender_waits_its_retry_after() -> None:
    bucket = held_back(Bucket.full(1.0, now=0.0), 0.0, 5.0)
    _, wait = take(bucket, 0.0)
    assert wait == pytest.approx(5.0)
    _, later = take(bucket, 5.0)
    assert later == pytest.approx(0.0)


def test_the_bucket_is_the_messaging_service_when_there_is_one_else_the_number() -> None:
    assert sender_key(configuration(service="MG" + "1" * 32), long_code_mps=1, service_mps=30) == ("MG" + "1" * 32, 30)
    assert sender_key(configuration(), long_code_mps=1, service_mps=30) == ("+15005550006", 1)


def test_the_pacer_waits_each_sender_separately() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(long_code_mps=1.0, service_mps=1.0, clock=lambda: now[0], sleep=sleep)
    one, other = configuration("+15005550006"), configuration("+15005550007")
    assert [pacer.turn(one), pacer.turn(other), pacer.turn(one)] == [0.0, 0.0, 1.0]
    pacer.hold_back(other, 4.0)
    assert pacer.turn(other) == pytest.approx(4.0)
    assert slept == [1.0, pytest.approx(4.0)]


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="above zero"):
        Pacer(long_code_mps=0)
