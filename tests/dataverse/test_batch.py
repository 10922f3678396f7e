"""$batch: multipart serialisation, reading answers (shapes from Microsoft's "Execute batch operations
using the Web API" page), splitting at 1,000 operations, and execution over `responses`."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
import responses

from dataverse import AlreadyExists, BatchError, DataverseClient, UpsertMode
from dataverse.batch import Batch, parse_batch_response, plan_batches, serialize_batch
from dataverse.operations import retrieve_request
from tests.dataverse.conftest import API

TASK_1 = "a59c24f3-fafc-e411-80dd-00155d2a68cb"
TASK_2 = "a69c24f3-fafc-e411-80dd-00155d2a68cb"
ACCOUNT = uuid.UUID("00000000-0000-0000-0000-000000000001")

# The response example of https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
# (a changeset creating two tasks, then a GET), with the placeholders filled in.
DOC_RESPONSE = (
    "--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f\r\n"
    "Content-Type: multipart/mixed; boundary=changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc\r\n"
    "\r\n"
    "--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-ID: 1\r\n"
    "\r\n"
    "HTTP/1.1 204 No Content\r\n"
    "OData-Version: 4.0\r\n"
    f"Location: {API}tasks({TASK_1})\r\n"
    f"OData-EntityId: {API}tasks({TASK_1})\r\n"
    "\r\n"
    "\r\n"
    "--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-ID: 2\r\n"
    "\r\n"
    "HTTP/1.1 204 No Content\r\n"
    "OData-Version: 4.0\r\n"
    f"Location: {API}tasks({TASK_2})\r\n"
    f"OData-EntityId: {API}tasks({TASK_2})\r\n"
    "\r\n"
    "\r\n"
    "--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc--\r\n"
    "--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "\r\n"
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json; odata.metadata=minimal\r\n"
    "OData-Version: 4.0\r\n"
    "\r\n"
    '{"@odata.context":"x","@odata.etag":"W/\\"1\\"","subject":"Task 1 in batch","activityid":"'
    + TASK_1 + '"}\r\n'
    "--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f--\r\n"
)
DOC_CONTENT_TYPE = "multipart/mixed; boundary=batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f"


def doc_batch() -> Batch:
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.create("tasks", {"subject": "Task 1 in batch"})
        changeset.create("tasks", {"subject": "Task 2 in batch"})
    batch.retrieve("tasks", uuid.UUID(TASK_1), select=["subject"])
    return batch


def test_serialisation_follows_the_documented_multipart_layout() -> None:
    content_type, body = serialize_batch(doc_batch().items, API, boundary="batch_AAA123")
    assert content_type == "multipart/mixed; boundary=batch_AAA123"
    text = body.decode()
    assert text == (
        "--batch_AAA123\r\n"
        "Content-Type: multipart/mixed; boundary=changeset_AAA123_0\r\n"
        "\r\n"
        "--changeset_AAA123_0\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n"
        "\r\n"
        f"POST {API}tasks HTTP/1.1\r\n"
        "Content-Type: application/json; type=entry\r\n"
        "\r\n"
        '{"subject":"Task 1 in batch"}\r\n'
        "--changeset_AAA123_0\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n"
        "\r\n"
        f"POST {API}tasks HTTP/1.1\r\n"
        "Content-Type: application/json; type=entry\r\n"
        "\r\n"
        '{"subject":"Task 2 in batch"}\r\n'
        "--changeset_AAA123_0--\r\n"
        "--batch_AAA123\r\n"
        "Content-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "\r\n"
        f"GET {API}tasks({TASK_1})?$select=subject HTTP/1.1\r\n"
        "\r\n"
        "\r\n"
        "--batch_AAA123--\r\n"
    )


def test_content_id_references_and_conditional_headers_travel_in_the_parts() -> None:
    batch = Batch()
    with batch.changeset() as changeset:
        conversation = changeset.upsert("smsb_conversations", ACCOUNT, {"smsb_state": 1},
                                        mode=UpsertMode.CREATE_ONLY)
        changeset.create("smsb_messages", {"smsb_conversation@odata.bind": conversation.bind})
    _, body = serialize_batch(batch.items, API, boundary="batch_x")
    text = body.decode()
    assert f"PATCH {API}smsb_conversations({ACCOUNT}) HTTP/1.1\r\nIf-None-Match: *\r\n" in text
    assert '{"smsb_conversation@odata.bind":"$1"}' in text


def test_a_changeset_cannot_hold_a_get() -> None:
    batch = Batch()
    changeset = batch.changeset()
    changeset._add(retrieve_request("tasks", ACCOUNT))
    with pytest.raises(BatchError, match="GET"):
        serialize_batch(batch.items, API)


def test_the_documented_response_is_matched_to_each_operation(client: DataverseClient,
                                                              mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", body=DOC_RESPONSE, content_type=DOC_CONTENT_TYPE)
    result = client.execute_batch(doc_batch())
    assert result.ok
    assert result.round_trips == 1
    assert [part.status for part in result] == [204, 204, 200]
    assert [str(part.entity_id) for part in result.parts[:2]] == [TASK_1, TASK_2]
    row = result[2].row
    assert row is not None
    assert row["subject"] == "Task 1 in batch"
    request = mocked.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/mixed; boundary=batch_")
    assert "Prefer" not in request.headers


def test_parser_accepts_bare_newlines_too() -> None:
    parts = parse_batch_response(DOC_CONTENT_TYPE, DOC_RESPONSE.replace("\r\n", "\n").encode())
    assert len(parts) == 2
    assert [child.response.status for child in parts[0].children if child.response] == [204, 204]


def failed_changeset_response(code: str, status: int = 412) -> str:
    return (
        "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        f"HTTP/1.1 {status} Precondition Failed\r\nContent-Type: application/json; odata.metadata=minimal\r\n\r\n"
        + json.dumps({"error": {"code": code, "message": "A record with matching key values already exists."}})
        + "\r\n--batchresponse_1--\r\n"
    )


def test_a_failed_changeset_reports_its_error_on_every_operation(client: DataverseClient,
                                                                 mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", body=failed_changeset_response("0x80040237"),
               content_type="multipart/mixed; boundary=batchresponse_1")
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.create_with_id("smsb_messages", "smsb_messageid", ACCOUNT, {"smsb_name": "m"})
        changeset.update("smsb_conversations", ACCOUNT, {"smsb_lastmessagepreview": "hi"})
    result = client.execute_batch(batch)
    assert not result.ok
    assert all(isinstance(part.error, AlreadyExists) for part in result)
    with pytest.raises(AlreadyExists):
        result.raise_first_error()


def test_a_lone_create_only_write_that_finds_its_row_is_an_outcome_not_an_error(
        client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", body=failed_changeset_response("0x80040237"),
               content_type="multipart/mixed; boundary=batchresponse_1")
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.create_with_id("smsb_messages", "smsb_messageid", ACCOUNT, {"smsb_name": "m"})
    result = client.execute_batch(batch)
    assert result.ok
    assert result[0].status == 412


def test_splitting_keeps_changesets_whole() -> None:
    batch = Batch()
    for index in range(600):
        batch.update("smsb_messages", uuid.UUID(int=index), {"smsb_status": 3})
    with batch.changeset() as changeset:
        for index in range(500):
            changeset.update("smsb_messages", uuid.UUID(int=index), {"smsb_status": 4})
    for index in range(10):
        batch.delete("smsb_dismissals", uuid.UUID(int=index))
    plans = plan_batches(batch.items)
    sizes = [sum(len(i.operations) if hasattr(i, "operations") else 1 for i in plan) for plan in plans]
    assert sizes == [600, 510]
    assert batch.operation_count == 1110


def test_a_changeset_over_the_limit_is_refused() -> None:
    batch = Batch()
    with batch.changeset() as changeset:
        for index in range(1001):
            changeset.delete("smsb_dismissals", uuid.UUID(int=index))
    with pytest.raises(BatchError, match="1000"):
        plan_batches(batch.items)


def echo_batch(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    """Answers every single part of a batch with 204, in order (no changesets)."""
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
    count = len(re.findall(r"^(PATCH|DELETE|POST) ", body, flags=re.MULTILINE))
    parts = "".join("--r\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n\r\n"
                    for _ in range(count))
    return 200, {"Content-Type": "multipart/mixed; boundary=r"}, parts + "--r--\r\n"


def test_large_batches_go_out_in_several_requests(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add_callback("POST", f"{API}$batch", callback=echo_batch)
    batch = Batch()
    for index in range(2500):
        batch.update("smsb_messages", uuid.UUID(int=index), {"smsb_status": 3})
    result = client.execute_batch(batch)
    assert result.round_trips == 3
    assert len(result) == 2500
    assert result.ok
    correlation = {call.request.headers["x-ms-correlation-id"] for call in mocked.calls}
    assert len(correlation) == 1


def test_without_continue_on_error_later_requests_are_not_sent(client: DataverseClient,
                                                               mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", body=failed_changeset_response("0x80040265", status=400),
               content_type="multipart/mixed; boundary=batchresponse_1")
    batch = Batch()
    for index in range(1500):
        batch.update("smsb_messages", uuid.UUID(int=index), {"smsb_status": 3})
    result = client.execute_batch(batch)
    assert result.round_trips == 1
    assert result[0].error is not None
    assert not result[1].executed
    assert not result[1499].executed


def test_continue_on_error_is_requested_with_prefer(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add_callback("POST", f"{API}$batch", callback=echo_batch)
    batch = Batch()
    batch.delete("smsb_dismissals", ACCOUNT)
    client.execute_batch(batch, continue_on_error=True)
    assert mocked.calls[0].request.headers["Prefer"] == "odata.continue-on-error"


def test_a_batch_of_plain_creates_is_not_repeated_after_a_503(client: DataverseClient,
                                                              mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", status=503)
    batch = Batch()
    with batch.changeset() as changeset:
        changeset.create("smsb_errorlogs", {"smsb_name": "x"})
    with pytest.raises(Exception, match="503"):
        client.execute_batch(batch)
    assert len(mocked.calls) == 1


def test_a_batch_of_idempotent_writes_is_repeated_after_a_503(client: DataverseClient,
                                                              mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}$batch", status=503)
    mocked.add_callback("POST", f"{API}$batch", callback=echo_batch)
    batch = Batch()
    batch.create_with_id("smsb_messages", "smsb_messageid", ACCOUNT, {"smsb_name": "m"})
    batch.upsert("smsb_conversations", ACCOUNT, {"smsb_state": 1}, mode=UpsertMode.CREATE_ONLY)
    result = client.execute_batch(batch)
    assert result.ok
    assert len(mocked.calls) == 2
