"""Fault injection and the request log, from tests and over HTTP under /_devstack/."""

from __future__ import annotations

import time

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, Clock


def test_a_429_fault_answers_with_retry_after_and_the_service_protection_error(
    api: Api, emulator: DataverseEmulator
) -> None:
    emulator.faults.add(r"/smsb_messages", status=429, retry_after=2, count=1)
    first = api.get("smsb_messages")
    second = api.get("smsb_messages")
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "2"
    assert first.json["error"]["code"] == "0x80072322"
    assert "Number of requests exceeded the limit" in first.json["error"]["message"]
    assert second.status_code == 200


def test_a_fault_only_hits_matching_paths_and_methods(api: Api, emulator: DataverseEmulator) -> None:
    emulator.faults.add(r"/smsb_messages", status=503, method="POST")
    assert api.get("smsb_messages").status_code == 200
    assert api.get("contacts").status_code == 200
    assert api.post("smsb_messages", json={"smsb_direction": 1}).status_code == 503
    assert emulator.store.rows("smsb_message") == []


def test_a_share_of_requests_fails(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock, fault_seed=7)
    api = Api(emulator)
    emulator.faults.add(r"/contacts", status=503, share=0.3)
    failures = sum(api.get("contacts").status_code == 503 for _ in range(200))
    assert 30 <= failures <= 90


def test_latency_delays_the_answer(api: Api, emulator: DataverseEmulator) -> None:
    emulator.faults.add(r"/contacts", status=None, latency_ms=150, count=1)
    started = time.monotonic()
    response = api.get("contacts")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.14


def test_request_log_counts_by_method_path_and_status(api: Api, emulator: DataverseEmulator) -> None:
    api.get("contacts")
    api.get("contacts")
    api.post("smsb_errorlogs", json={"smsb_name": "x"})
    api.get("nothing_here")
    assert emulator.requests.count(method="GET", path=r"/contacts$") == 2
    assert emulator.requests.count(status=204) == 1
    assert emulator.requests.count(status=404) == 1
    assert emulator.requests.counters()["GET /api/data/v9.2/contacts 200"] == 2
    assert "POST /api/data/v9.2/smsb_errorlogs -> 204" in emulator.requests.describe()


def test_the_log_never_keeps_the_authorization_header(api: Api, emulator: DataverseEmulator) -> None:
    api.get("contacts", token="secret-token")
    assert all("Authorization" not in r.headers for r in emulator.requests.records)
    assert "secret-token" not in repr(emulator.requests.records)


def test_faults_and_log_are_controlled_over_http(api: Api, emulator: DataverseEmulator) -> None:
    added = api.post(
        "/_devstack/faults", json={"path_pattern": "/contacts", "status": 429, "retry_after": 3, "count": 1}, token=None
    )
    assert added.status_code == 201
    assert api.get("contacts").status_code == 429
    assert api.get("contacts").status_code == 200
    log = api.get("/_devstack/requests", token=None).json
    assert [r["status"] for r in log["requests"]] == [429, 200]
    assert log["requests"][0]["fault"] is True
    emulator.faults.add("/contacts", status=503)
    assert api.delete("/_devstack/faults", token=None).status_code == 204
    assert api.get("contacts").status_code == 200


def test_a_bad_fault_specification_is_rejected(api: Api) -> None:
    response = api.post("/_devstack/faults", json={"path_pattern": "/x", "colour": "red"}, token=None)
    assert response.status_code == 400
    assert "colour" in response.json["error"]["message"]


def test_reset_forgets_rows_faults_and_log_but_keeps_the_bootstrap(api: Api, emulator: DataverseEmulator) -> None:
    api.post("smsb_errorlogs", json={"smsb_name": "x"})
    emulator.faults.add("/contacts", status=503)
    assert api.post("/_devstack/reset", token=None).status_code == 204
    assert emulator.store.rows("smsb_errorlog") == []
    assert emulator.faults.rules == []
    assert api.get("WhoAmI").status_code == 200
    assert emulator.store.get("systemuser", emulator.user_id) is not None


def test_an_unknown_devstack_route_lists_the_routes(api: Api) -> None:
    response = api.get("/_devstack/nope", token=None)
    assert response.status_code == 404
    assert "/_devstack/faults" in response.json["error"]["message"]
