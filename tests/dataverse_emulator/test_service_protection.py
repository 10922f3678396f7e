"""Dataverse's service protection limits in the emulator: the three limits with their codes, messages and
``Retry-After``, per authenticated account, a ``$batch`` as one request charged for every operation inside it, and
a time scale. The window moves with the fake clock, never with sleeps.

Source of every figure, code and message: Microsoft Learn, "Service protection API limits",
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits (MicrosoftDocs/powerapps-docs
``powerapps-docs/developer/data-platform/api-limits.md``, CC BY 4.0); the debugging headers' format from the responses
printed in ``powerapps-docs/developer/data-platform/webapi/use-ps-and-vscode-web-api.md`` (same repository).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.service_limits import Limit, Limits, decide, message, rate_limit_headers
from devstack.dataverse_emulator.service_protection import account_of

from .conftest import Api, Clock

TOKEN = "test-token"


def _emulator(clock: Clock, limits: Limits | bool = True) -> DataverseEmulator:
    return DataverseEmulator(clock=clock, service_protection=limits)


def _batch(*paths: str) -> tuple[bytes, dict[str, str]]:
    boundary = f"batch_{uuid.uuid4().hex}"
    parts = "".join(f"--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                    f"GET /api/data/v9.2/{path} HTTP/1.1\r\nAccept: application/json\r\n\r\n" for path in paths)
    return (parts + f"--{boundary}--\r\n").encode(), {"Content-Type": f"multipart/mixed; boundary={boundary}"}


# --- the decisions, over plain data, at Microsoft's figures ---

def test_the_6001st_request_inside_300_seconds_is_refused_until_the_oldest_leaves_the_window() -> None:
    limits = Limits()
    arrivals = [float(second) * 0.01 for second in range(6000)]  # 6,000 requests in the first minute
    assert decide(59.0, arrivals[:-1], [], 0, limits) is None
    refusal = decide(60.0, arrivals, [], 0, limits)
    assert refusal is not None
    assert refusal.limit is Limit.REQUESTS
    assert refusal.retry_after == 240  # the first request, sent at 0 s, leaves the window at 300 s
    assert decide(300.001, arrivals[1:], [], 0, limits) is None


def test_combined_execution_time_over_1200_seconds_is_refused_until_enough_has_aged_out() -> None:
    limits = Limits()
    executions = [(10.0, 600_000.0), (20.0, 400_000.0), (30.0, 200_000.0)]  # 1,200,000 ms in the window
    refusal = decide(40.0, [10.0, 20.0, 30.0], executions, 0, limits)
    assert refusal is not None
    assert refusal.limit is Limit.EXECUTION_TIME
    assert refusal.retry_after == 270  # once the first 600 s (ended at 10 s) leave the window at 310 s
    assert decide(40.0, [10.0, 20.0, 30.0], executions[1:], 0, limits) is None


def test_the_53rd_concurrent_request_is_refused_at_once() -> None:
    limits = Limits()
    assert decide(0.0, [], [], 51, limits) is None
    refusal = decide(0.0, [], [], 52, limits)
    assert refusal is not None
    assert refusal.limit is Limit.CONCURRENCY
    assert refusal.retry_after == 1


def test_codes_and_messages_are_microsofts() -> None:
    limits = Limits()
    assert [limit.value for limit in Limit] == ["0x80072322", "0x80072321", "0x80072326"]
    assert message(Limit.REQUESTS, limits) == (
        "Number of requests exceeded the limit of 6000 over time window of 300 seconds.")
    assert message(Limit.EXECUTION_TIME, limits) == (
        "Combined execution time of incoming requests exceeded limit of 1,200,000  milliseconds over time window of"
        " 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again"
        " later.")
    assert message(Limit.CONCURRENCY, limits) == "Number of concurrent requests exceeded the limit of 52."


def test_debugging_headers_are_written_as_the_service_writes_them() -> None:
    headers = dict(rate_limit_headers([1.0], [(1.0, 540.0)], Limits()))
    assert headers == {"x-ms-ratelimit-burst-remaining-xrm-requests": "5999",
                       "x-ms-ratelimit-time-remaining-xrm-requests": "1,199.46"}


# --- over HTTP ---

def test_service_protection_is_off_by_default(clock: Clock) -> None:
    api = Api(DataverseEmulator(clock=clock))
    answers = [api.get("WhoAmI") for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert "x-ms-ratelimit-burst-remaining-xrm-requests" not in answers[-1].headers


def test_a_refused_request_gets_429_its_code_and_the_wait_after_which_it_is_answered(clock: Clock) -> None:
    api = Api(_emulator(clock, Limits(requests=3)))
    for _ in range(3):
        assert api.get("WhoAmI").status_code == 200
        clock.advance(seconds=10)
    refused = api.get("WhoAmI")
    assert refused.status_code == 429
    assert refused.json["error"] == {"code": "0x80072322", "message":
                                     "Number of requests exceeded the limit of 3 over time window of 300 seconds."}
    assert refused.headers["Retry-After"] == "270"  # the first request (30 s ago) leaves the window in 270 s
    clock.advance(seconds=269)
    assert api.get("WhoAmI").status_code == 429  # still inside the wait; and this one counts too
    clock.advance(seconds=300)
    assert api.get("WhoAmI").status_code == 200


def test_a_client_that_keeps_sending_while_refused_waits_longer(clock: Clock) -> None:
    api = Api(_emulator(clock, Limits(requests=3)))
    for _ in range(3):
        api.get("WhoAmI")
    waits = []
    for _ in range(3):
        clock.advance(seconds=1)
        waits.append(int(api.get("WhoAmI").headers["Retry-After"]))
    assert waits == [299, 298, 297]  # each told to come back when the first three have left the window
    clock.advance(seconds=297)
    # the first three have left, but the refused requests were requests the user sent: they fill the window now
    assert api.get("WhoAmI").status_code == 429
    clock.advance(seconds=3)
    assert api.get("WhoAmI").status_code == 200


def test_every_answer_carries_the_accounts_remaining_budget(clock: Clock) -> None:
    api = Api(_emulator(clock))
    first = api.get("WhoAmI")
    second = api.get("WhoAmI")
    assert first.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "5999"
    assert second.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "5998"
    assert second.headers["x-ms-ratelimit-time-remaining-xrm-requests"] == "1,200.00"  # no time passed


def test_each_authenticated_account_has_its_own_budget(clock: Clock) -> None:
    api = Api(_emulator(clock, Limits(requests=2)))
    for _ in range(2):
        api.get("WhoAmI", token="app-registration")
    assert api.get("WhoAmI", token="app-registration").status_code == 429
    assert api.get("WhoAmI", token="another-user").status_code == 200


def test_impersonation_spends_the_budget_of_the_account_that_authenticated(clock: Clock) -> None:
    emulator = _emulator(clock, Limits(requests=2))
    api = Api(emulator)
    user = str(next(iter(emulator.seed_demo()["users"].values())))
    as_user = {"MSCRMCallerID": user}
    assert api.get("WhoAmI", headers=as_user).json["UserId"] == user
    assert api.get("WhoAmI").status_code == 200
    refused = api.get("WhoAmI", headers=as_user)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "0x80072322"
    assert emulator.protection.describe()["accounts"] == {
        account_of(f"Bearer {TOKEN}"): {"requests_in_window": 3, "execution_ms_in_window": 0.0, "in_flight": 0}}


def test_a_batch_is_one_request_charged_for_every_operation_inside_it(clock: Clock) -> None:
    emulator = _emulator(clock, Limits(requests=3, execution_ms=1000, operation_ms=100))
    emulator.protection.sleep = lambda seconds: clock.advance(seconds=seconds)
    api = Api(emulator)
    body, headers = _batch("WhoAmI", "contacts?$top=1", "accounts?$top=1", "WhoAmI", "WhoAmI")
    answer = api.post("$batch", data=body, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "2"  # five operations, one request
    assert answer.headers["x-ms-ratelimit-time-remaining-xrm-requests"] == "0.50"  # 5 x 100 ms of 1,000 ms
    again = api.post("$batch", data=body, headers=headers)
    assert again.status_code == 200
    assert again.headers["x-ms-ratelimit-time-remaining-xrm-requests"] == "0.00"
    over = api.get("WhoAmI")
    assert over.status_code == 429
    assert over.json["error"]["code"] == "0x80072321"
    assert emulator.protection.describe()["operations"] == 10


def test_the_53rd_request_in_flight_is_refused_at_once_and_the_next_one_after_an_answer_is_not(
        clock: Clock, emulator: DataverseEmulator) -> None:
    emulator.protection.configure(Limits())
    api = Api(emulator)
    with contextlib.ExitStack() as in_flight:
        held = [in_flight.enter_context(emulator.protection.request(f"Bearer {TOKEN}")) for _ in range(52)]
        assert all(admission is not None and admission.error is None for admission in held)
        refused = api.get("WhoAmI")
        assert refused.status_code == 429
        assert refused.json["error"] == {"code": "0x80072326",
                                         "message": "Number of concurrent requests exceeded the limit of 52."}
        assert refused.headers["Retry-After"] == "1"
    assert api.get("WhoAmI").status_code == 200
    assert emulator.protection.describe()["refused"] == {"0x80072326": 1}


def test_a_time_scale_compresses_the_window_and_the_wait(clock: Clock) -> None:
    api = Api(_emulator(clock, Limits(requests=1, time_scale=60)))
    assert api.get("WhoAmI").status_code == 200
    refused = api.get("WhoAmI")
    assert refused.headers["Retry-After"] == "5"  # 300 simulated seconds are 5 real ones at 60x
    clock.advance(seconds=4.9)
    assert api.get("WhoAmI").status_code == 429
    clock.advance(seconds=5.1)  # the refused requests leave the compressed window too
    assert api.get("WhoAmI").status_code == 200


def test_a_scaled_wait_keeps_its_fraction(clock: Clock) -> None:
    api = Api(_emulator(clock, Limits(requests=1, time_scale=8)))
    api.get("WhoAmI")
    clock.advance(seconds=1)  # 8 simulated seconds
    assert api.get("WhoAmI").headers["Retry-After"] == "36.5"  # 292 simulated seconds


@pytest.fixture
def served(clock: Clock) -> Iterator[Api]:
    emulator = DataverseEmulator(clock=clock)
    yield Api(emulator)
    emulator.webhooks.stop()


def test_service_protection_is_switched_and_read_under_devstack(served: Api) -> None:
    assert served.get("/_devstack/limits", token=None).json["enabled"] is False
    on = served.post("/_devstack/limits", json={"requests": 1, "time_scale": 10}, token=None)
    assert on.status_code == 200
    assert on.json["limits"]["requests"] == 1
    served.get("WhoAmI")
    assert served.get("WhoAmI").status_code == 429
    state = served.get("/_devstack/limits", token=None).json
    assert state["refused"] == {"0x80072322": 1}
    assert state["admitted"] == 1
    assert TOKEN not in json.dumps(state)
    assert served.delete("/_devstack/limits", token=None).status_code == 204
    assert served.get("WhoAmI").status_code == 200
    bad = served.post("/_devstack/limits", json={"burst": 5}, token=None)
    assert bad.status_code == 400
    assert "burst" in bad.json["error"]["message"]


def test_reset_forgets_the_windows_but_keeps_service_protection_on(clock: Clock) -> None:
    emulator = _emulator(clock, Limits(requests=1))
    api = Api(emulator)
    api.get("WhoAmI")
    assert api.get("WhoAmI").status_code == 429
    emulator.reset()
    assert api.get("WhoAmI").status_code == 200
    assert api.get("WhoAmI").status_code == 429
