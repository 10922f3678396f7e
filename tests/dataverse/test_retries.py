"""Retry policy of the transport, driven by scripted responses and a fake clock (no real sleeping)."""

from __future__ import annotations

import email.utils
import uuid

import pytest
import requests
import responses

from dataverse import (
    AlreadyExists,
    AuthError,
    DataverseClient,
    DataverseConfig,
    DataverseConnectionError,
    DataverseHttpError,
    NotFound,
    PreconditionFailed,
    Throttled,
)
from tests.dataverse.conftest import API, ORG, FakeClock, FakeTokens, InFlight, at_once

ROW = uuid.UUID("11111111-2222-3333-4444-555555555555")
CREATED = {"OData-EntityId": f"{API}smsb_messages({ROW})"}


def throttled(seconds: str = "7") -> responses.Response:
    return responses.Response(
        "POST", f"{API}smsb_messages", status=429, headers={"Retry-After": seconds},
        json={"error": {"code": "0x80072322", "message": "Number of requests exceeded the limit"}},
    )


def test_retry_after_is_honoured_to_the_second(client: DataverseClient, mocked: responses.RequestsMock,
                                                clock: FakeClock) -> None:
    mocked.add(throttled("7"))
    mocked.add(throttled("13"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    assert client.create("smsb_messages", {"smsb_name": "x"}) == ROW
    assert clock.sleeps == [7.0, 13.0]
    assert client.stats.retries == 2
    assert client.stats.throttled == 2


def test_retry_after_as_an_http_date_waits_until_that_moment(client: DataverseClient,
                                                              mocked: responses.RequestsMock,
                                                              clock: FakeClock) -> None:
    mocked.add(throttled(email.utils.formatdate(clock.now + 42, usegmt=True)))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    client.create("smsb_messages", {"smsb_name": "x"})
    assert clock.sleeps == [pytest.approx(42.0, abs=1.0)]


def test_a_throttled_plain_create_is_repeated_because_the_service_never_ran_it(
        client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add(throttled("1"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    assert client.create("smsb_messages", {"smsb_name": "x"}) == ROW
    assert len(mocked.calls) == 2


def test_a_wait_that_would_overrun_the_budget_is_not_started(tokens: FakeTokens, clock: FakeClock,
                                                              mocked: responses.RequestsMock) -> None:
    config = DataverseConfig(url=ORG, retry_budget_seconds=30.0)
    client = DataverseClient.from_config(config, tokens=tokens, clock=clock, wall_clock=clock, sleep=clock.sleep)
    mocked.add(throttled("20"))
    mocked.add(throttled("20"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    with pytest.raises(Throttled) as caught:
        client.create("smsb_messages", {"smsb_name": "x"})
    assert caught.value.retry_after == 20.0
    assert clock.sleeps == [20.0]
    assert len(mocked.calls) == 2


def test_the_budget_bounds_a_503_storm(tokens: FakeTokens, clock: FakeClock,
                                       mocked: responses.RequestsMock) -> None:
    config = DataverseConfig(url=ORG, retry_budget_seconds=10.0)
    client = DataverseClient.from_config(config, tokens=tokens, clock=clock, wall_clock=clock, sleep=clock.sleep,
                                         jitter=lambda: 1.0)
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=503)
    started = clock.now
    with pytest.raises(DataverseHttpError) as caught:
        client.retrieve("smsb_messages", ROW)
    assert caught.value.status == 503
    assert caught.value.is_transient
    assert clock.now - started <= 10.0
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]  # the next wait (8 s) would end past the budget


def test_backoff_grows_exponentially_with_jitter(client: DataverseClient, mocked: responses.RequestsMock,
                                                 clock: FakeClock) -> None:
    for _ in range(3):
        mocked.add("GET", f"{API}smsb_messages({ROW})", status=502)
    mocked.add("GET", f"{API}smsb_messages({ROW})", json={"smsb_name": "x"})
    assert client.retrieve("smsb_messages", ROW)["smsb_name"] == "x"
    # equal jitter with the jitter source fixed at 0.5: 3/4 of 0.5, 1, 2 seconds
    assert clock.sleeps == [0.375, 0.75, 1.5]


def test_a_400_is_never_retried(client: DataverseClient, mocked: responses.RequestsMock,
                                clock: FakeClock) -> None:
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=400,
               json={"error": {"code": "0x80048d19", "message": "Error identified in Payload"}},
               headers={"x-ms-service-request-id": "req-1"})
    with pytest.raises(DataverseHttpError) as caught:
        client.update("smsb_messages", ROW, {"smsb_nope": 1})
    error = caught.value
    assert (error.status, error.code, error.request_id) == (400, "0x80048d19", "req-1")
    assert not error.is_transient
    assert "Error identified in Payload" in str(error)
    assert len(mocked.calls) == 1
    assert clock.sleeps == []


def test_a_plain_create_is_not_repeated_after_an_ambiguous_503(client: DataverseClient,
                                                              mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_messages", status=503)
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    with pytest.raises(DataverseHttpError) as caught:
        client.create("smsb_messages", {"smsb_name": "x"})
    assert caught.value.status == 503
    assert len(mocked.calls) == 1


def test_a_create_carrying_its_own_id_is_repeated_after_a_503(client: DataverseClient,
                                                             mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_messages", status=503)
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    assert client.create("smsb_messages", {"smsb_messageid": str(ROW)}, id_column="smsb_messageid") == ROW
    assert len(mocked.calls) == 2


def test_a_503_storm_leaves_exactly_one_row_when_the_first_write_actually_landed(
        client: DataverseClient, mocked: responses.RequestsMock) -> None:
    # The first attempt is stored but its answer is lost (503 from the gateway); the repeat meets the
    # duplicate-key check, which create-with-id reports as "already there".
    stored: list[dict[str, object]] = []

    def service(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        import json
        body = json.loads(request.body or b"{}")
        if any(row["smsb_messageid"] == body["smsb_messageid"] for row in stored):
            return 412, {}, json.dumps({"error": {"code": "0x80040237", "message": "duplicate key"}})
        stored.append(body)
        return (503, {}, "") if len(stored) == 1 else (204, CREATED, "")

    mocked.add_callback("POST", f"{API}smsb_messages", callback=service)
    result = client.create_with_id("smsb_messages", "smsb_messageid", ROW, {"smsb_name": "hello"})
    assert result.created is False
    assert result.id == ROW
    assert len(stored) == 1
    assert len(mocked.calls) == 2


def test_a_read_timeout_is_retried_for_idempotent_requests_only(client: DataverseClient,
                                                                mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", body=requests.ReadTimeout("slow"))
    mocked.add("GET", f"{API}smsb_messages({ROW})", json={"smsb_name": "x"})
    assert client.retrieve("smsb_messages", ROW)["smsb_name"] == "x"

    mocked.add("POST", f"{API}smsb_messages", body=requests.ReadTimeout("slow"))
    with pytest.raises(DataverseConnectionError) as caught:
        client.create("smsb_messages", {"smsb_name": "x"})
    assert caught.value.sent is True


def test_a_connection_never_made_is_retried_even_for_a_plain_create(client: DataverseClient,
                                                                     mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_messages", body=requests.ConnectTimeout("no route"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    assert client.create("smsb_messages", {"smsb_name": "x"}) == ROW


def test_status_codes_map_to_typed_errors(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=404,
               json={"error": {"code": "0x80040217", "message": "smsb_message With Id = x Does Not Exist"}})
    with pytest.raises(NotFound, match="Does Not Exist"):
        client.retrieve("smsb_messages", ROW)
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=412,
               json={"error": {"code": "0x80060882", "message": "The version of the existing record doesn't "
                                                                "match the RowVersion property provided."}})
    with pytest.raises(PreconditionFailed):
        client.update("smsb_messages", ROW, {"smsb_status": 3}, etag='W/"1"')
    mocked.add("POST", f"{API}smsb_messages", status=412,
               json={"error": {"code": "0x80040237", "message": "A record with matching key values already "
                                                                "exists."}})
    with pytest.raises(AlreadyExists):
        client.create("smsb_messages", {"smsb_sid": "SM1"})


def test_error_text_never_contains_the_token(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=500, body="oops")
    with pytest.raises(DataverseHttpError) as caught:
        client.retrieve("smsb_messages", ROW)
    assert "token-" not in str(caught.value)
    assert "oops" in str(caught.value)


def test_a_401_gets_one_fresh_token_then_gives_up_with_auth_error(client: DataverseClient,
                                                                   mocked: responses.RequestsMock,
                                                                   tokens: FakeTokens) -> None:
    mocked.add("GET", f"{API}WhoAmI", status=401)
    mocked.add("GET", f"{API}WhoAmI", json={"UserId": str(ROW), "BusinessUnitId": str(ROW),
                                            "OrganizationId": str(ROW)})
    assert client.who_am_i().user_id == ROW
    assert [call.request.headers["Authorization"] for call in mocked.calls] == ["Bearer token-1",
                                                                                "Bearer token-2"]
    mocked.replace("GET", f"{API}WhoAmI", status=401)
    with pytest.raises(AuthError) as caught:
        client.who_am_i()
    assert "token-" not in str(caught.value)


def test_every_request_carries_the_odata_headers_and_one_correlation_id_per_operation(
        client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", json={"smsb_name": "x"})
    with client.operation("corr-1"):
        client.retrieve("smsb_messages", ROW)
        client.retrieve("smsb_messages", ROW)
    client.retrieve("smsb_messages", ROW)
    client.retrieve("smsb_messages", ROW)
    headers = [call.request.headers for call in mocked.calls]
    assert all(h["OData-Version"] == "4.0" and h["OData-MaxVersion"] == "4.0" for h in headers)
    assert all(h["Accept"] == "application/json" for h in headers)
    ids = [h["x-ms-correlation-id"] for h in headers]
    assert ids[:2] == ["corr-1", "corr-1"]
    assert ids[2] != ids[3]
    assert str(uuid.UUID(ids[2])) == ids[2]


def test_retries_keep_the_operation_correlation_id(client: DataverseClient,
                                                   mocked: responses.RequestsMock) -> None:
    mocked.add(throttled("1"))
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    client.create("smsb_messages", {"smsb_name": "x"})
    first, second = (call.request.headers["x-ms-correlation-id"] for call in mocked.calls)
    assert first == second


def test_impersonation_and_solution_headers_apply_inside_the_operation_only(
        client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_messages", status=204, headers=CREATED)
    caller = uuid.uuid4()
    with client.operation(caller_object_id=caller, solution_unique_name="SmsBridge"):
        client.create("smsb_messages", {"smsb_name": "x"})
    client.create("smsb_messages", {"smsb_name": "y"})
    inside, outside = (call.request.headers for call in mocked.calls)
    assert inside["CallerObjectId"] == str(caller)
    assert inside["MSCRM.SolutionUniqueName"] == "SmsBridge"
    assert "CallerObjectId" not in outside
    assert "MSCRM.SolutionUniqueName" not in outside


def test_concurrency_is_capped_by_the_configuration(tokens: FakeTokens, mocked: responses.RequestsMock) -> None:
    config = DataverseConfig(url=ORG, max_concurrency=3)
    client = DataverseClient.from_config(config, tokens=tokens)
    in_flight = InFlight()
    mocked.add_callback("GET", f"{API}smsb_messages({ROW})", callback=in_flight)
    at_once(lambda: client.retrieve("smsb_messages", ROW), 12)
    assert len(mocked.calls) == 12
    assert in_flight.highest == 3


def test_ping_reports_failure_quickly_without_retrying(client: DataverseClient, mocked: responses.RequestsMock,
                                                       clock: FakeClock) -> None:
    mocked.add("GET", f"{API}WhoAmI", status=503)
    result = client.ping(timeout=1.0)
    assert result.ok is False
    assert result.error is not None
    assert "503" in result.error
    assert len(mocked.calls) == 1
    assert clock.sleeps == []


def test_ping_reports_who_answered(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    user, unit, org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    mocked.add("GET", f"{API}WhoAmI", json={"UserId": str(user), "BusinessUnitId": str(unit),
                                            "OrganizationId": str(org)})
    result = client.ping()
    assert result.ok
    assert result.who is not None
    assert (result.who.user_id, result.who.business_unit_id, result.who.organization_id) == (user, unit, org)


def test_a_429_without_retry_after_backs_off_exponentially(client: DataverseClient, mocked: responses.RequestsMock,
                                                           clock: FakeClock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=429)
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=429, headers={"Retry-After": "soon"})
    mocked.add("GET", f"{API}smsb_messages({ROW})", json={"smsb_name": "x"})
    client.retrieve("smsb_messages", ROW)
    assert clock.sleeps == [0.375, 0.75]


@pytest.mark.parametrize(("header", "expected"), [
    ("0", 0.0), ("120", 120.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), ("", None), (None, None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
])
def test_retry_after_values_are_read_as_seconds_or_http_dates(header: str | None, expected: float | None) -> None:
    from dataverse.transport import parse_retry_after
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:27:30 GMT").timestamp()
    assert parse_retry_after(header, now) == expected


def test_logs_name_the_call_and_its_ids_but_never_the_token_or_the_body(
        client: DataverseClient, mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=503)
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=204, headers={"x-ms-service-request-id": "req-42"})
    with caplog.at_level(logging.DEBUG, logger="dataverse"), client.operation("corr-7"):
        client.update("smsb_messages", ROW, {"smsb_body": "private words"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "corr-7" in text
    assert "req-42" in text
    assert "token-1" not in text
    assert "private words" not in text
    assert any(record.levelno == logging.WARNING and "503" in record.getMessage() for record in caplog.records)


def test_a_request_that_cannot_be_built_fails_at_once(client: DataverseClient, mocked: responses.RequestsMock,
                                                      clock: FakeClock) -> None:
    from dataverse import DataverseError
    with pytest.raises(DataverseError, match="could not be built"):
        client.update("smsb_messages", ROW, {"smsb_name": "x"}, etag="bad\r\nvalue")
    assert clock.sleeps == []
