"""A 429 paces the whole client: no request leaves before its Retry-After, and fewer are kept in flight until
answers come back (dataverse/throttle.py; Microsoft: "the duration before any new requests from the user can be
processed", https://learn.microsoft.com/power-apps/developer/data-platform/api-limits#retry-operations)."""

from __future__ import annotations

import uuid

import pytest
import responses

from dataverse import DataverseClient, DataverseConfig, Throttled
from dataverse.throttle import Pace, answered, refused, start
from tests.dataverse.conftest import API, ORG, FakeClock, FakeTokens, InFlight, at_once

ROW = uuid.UUID("11111111-2222-3333-4444-555555555555")
CREATED = {"OData-EntityId": f"{API}smsb_messages({ROW})"}


def throttled(seconds: str) -> responses.Response:
    return responses.Response(
        "POST", f"{API}smsb_messages", status=429, headers={"Retry-After": seconds},
        json={"error": {"code": "0x80072322", "message": "Number of requests exceeded the limit"}},
    )


def test_a_refusal_holds_every_request_until_its_retry_after_and_halves_the_requests_in_flight() -> None:
    pace = refused(Pace(ceiling=8, allowed=8), now=100.0, retry_after=30.0)
    assert (pace.allowed, pace.resume_at) == (4, 130.0)
    assert start(pace, now=110.0, in_flight=0) == 20.0
    assert start(pace, now=130.0, in_flight=3) == 0.0
    assert start(pace, now=130.0, in_flight=4) is None  # a slot frees when a request in flight ends
    # a shorter Retry-After never shortens a wait already promised
    assert refused(pace, now=101.0, retry_after=1.0).resume_at == 130.0
    assert refused(refused(refused(pace, 0, 0), 0, 0), 0, 0).allowed == 1


def test_answers_give_back_one_request_in_flight_per_round_up_to_the_ceiling() -> None:
    pace = Pace(ceiling=4, allowed=1)
    allowed = []
    for _ in range(8):
        pace = answered(pace)
        allowed.append(pace.allowed)
    # one answer at 1 in flight, two at 2, three at 3: additive increase per round of answers
    assert allowed == [2, 2, 3, 3, 3, 4, 4, 4]


def budgeted(tokens: FakeTokens, clock: FakeClock, budget: float, concurrency: int = 8) -> DataverseClient:
    config = DataverseConfig(url=ORG, retry_budget_seconds=budget, max_concurrency=concurrency)
    return DataverseClient.from_config(config, tokens=tokens, clock=clock, wall_clock=clock, sleep=clock.sleep)


def test_no_request_leaves_before_a_refusals_retry_after_has_passed(tokens: FakeTokens, clock: FakeClock,
                                                                    mocked: responses.RequestsMock) -> None:
    client = budgeted(tokens, clock, budget=10.0)
    mocked.add(throttled("30"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    with pytest.raises(Throttled):  # 30 s is past this request's 10-second budget
        client.create("smsb_messages", {"smsb_name": "first"})
    clock.sleep(5)
    with pytest.raises(Throttled) as held:  # another request, 25 s early: not sent at all
        client.create("smsb_messages", {"smsb_name": "second"})
    assert held.value.retry_after == 25.0
    assert "not sent" in str(held.value)
    assert len(mocked.calls) == 1
    clock.sleep(25)
    assert client.create("smsb_messages", {"smsb_name": "third"}) == ROW
    assert len(mocked.calls) == 2


def test_a_request_within_its_budget_waits_for_another_requests_retry_after(
        tokens: FakeTokens, clock: FakeClock, mocked: responses.RequestsMock) -> None:
    client = budgeted(tokens, clock, budget=60.0)
    mocked.add("GET", f"{API}WhoAmI", status=429, headers={"Retry-After": "40"},
               json={"error": {"code": "0x80072322", "message": "Number of requests exceeded the limit"}})
    assert client.ping().ok is False  # a ping is never retried: it reports the refusal at once
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    assert client.create("smsb_messages", {"smsb_name": "second"}) == ROW
    assert clock.sleeps == [40.0]
    assert len(mocked.calls) == 2


def test_after_a_429_fewer_requests_are_in_flight_until_answers_come_back(tokens: FakeTokens,
                                                                         mocked: responses.RequestsMock) -> None:
    client = DataverseClient.from_config(DataverseConfig(url=ORG, max_concurrency=4), tokens=tokens)
    mocked.add(responses.Response("GET", f"{API}smsb_messages({ROW})", status=429, headers={"Retry-After": "0"},
                                  json={"error": {"code": "0x80072326", "message": "concurrent requests"}}))
    mocked.add(responses.Response("GET", f"{API}smsb_messages({ROW})", status=429, headers={"Retry-After": "0"},
                                  json={"error": {"code": "0x80072326", "message": "concurrent requests"}}))
    in_flight = InFlight()
    mocked.add_callback("GET", f"{API}smsb_messages({ROW})", callback=in_flight)
    client.retrieve("smsb_messages", ROW)  # two 429s: 4 -> 2 -> 1 in flight, then answered: 2
    assert client.pace.allowed == 2
    at_once(lambda: client.retrieve("smsb_messages", ROW), 6)
    # 2 in flight, then 3 after two more answers; the ceiling of 4 only after three more
    assert in_flight.highest <= 3
    assert client.pace.allowed == 4
