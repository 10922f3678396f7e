"""Client operations against hand-written Web API answers (shapes from the Dataverse documentation)."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
import responses
from responses import matchers

from dataverse import F, InvalidKeyValue, NotFound, UpsertMode, bind
from dataverse.client import DataverseClient
from tests.dataverse.conftest import API

ROW = uuid.UUID("11111111-2222-3333-4444-555555555555")
ENTITY_ID = {"OData-EntityId": f"{API}smsb_conversations({ROW})"}


def test_create_returns_the_id_from_odata_entityid(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_conversations", status=204, headers=ENTITY_ID,
               match=[matchers.json_params_matcher({"smsb_name": "+15551230100",
                                                    "smsb_configuration@odata.bind": bind("smsb_configurations",
                                                                                          ROW)})])
    created = client.create("smsb_conversations", {
        "smsb_name": "+15551230100",
        "smsb_configuration@odata.bind": bind("smsb_configurations", ROW),
    })
    assert created == ROW
    assert mocked.calls[0].request.headers["Content-Type"] == "application/json"


def test_create_returning_asks_for_the_representation(client: DataverseClient,
                                                     mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_conversations", status=201, headers=ENTITY_ID,
               json={"@odata.etag": 'W/"100"', "smsb_conversationid": str(ROW), "smsb_state": 1},
               match=[matchers.query_param_matcher({"$select": "smsb_conversationid,smsb_state"}),
                      matchers.header_matcher({"Prefer": "return=representation"})])
    row = client.create_returning("smsb_conversations", {"smsb_state": 1},
                                  select=["smsb_conversationid", "smsb_state"])
    assert row["smsb_state"] == 1
    assert row.guid("smsb_conversationid") == ROW
    assert row.etag == 'W/"100"'


def test_retrieve_by_alternate_key_with_select_and_formatted_values(client: DataverseClient,
                                                                   mocked: responses.RequestsMock) -> None:
    mocked.add(
        "GET", f"{API}smsb_messages(smsb_sid='SM123')", json={
            "@odata.context": "x", "@odata.etag": 'W/"7"',
            "smsb_status": 4, "smsb_status@OData.Community.Display.V1.FormattedValue": "Delivered",
            "_smsb_session_value": str(ROW),
            "_smsb_session_value@Microsoft.Dynamics.CRM.lookuplogicalname": "smsb_messagesession",
            "_smsb_session_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "smsb_Session",
            "_smsb_session_value@OData.Community.Display.V1.FormattedValue": "Chat 1",
        },
        match=[matchers.query_param_matcher({"$select": "smsb_status,_smsb_session_value"}),
               matchers.header_matcher({"Prefer": 'odata.include-annotations="*"'})],
    )
    row = client.retrieve("smsb_messages", {"smsb_sid": "SM123"}, select=["smsb_status", "_smsb_session_value"],
                          formatted=True)
    assert row["smsb_status"] == 4
    assert row.formatted["smsb_status"] == "Delivered"
    assert row.formatted["_smsb_session_value"] == "Chat 1"
    assert row.lookup_tables["_smsb_session_value"] == "smsb_messagesession"
    assert row.navigation_properties["_smsb_session_value"] == "smsb_Session"
    assert row.guid("_smsb_session_value") == ROW
    assert "@odata.context" not in row.values
    assert row.etag == 'W/"7"'


def test_retrieve_with_expand_returns_nested_rows(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", json={
        "smsb_name": "m", "smsb_Session": {"subject": "Chat"}, "smsb_message_media": [{"smsb_name": "a.png"}],
    }, match=[matchers.query_param_matcher({"$expand": "smsb_Session($select=subject)"})])
    row = client.retrieve("smsb_messages", ROW, expand=["smsb_Session($select=subject)"])
    assert row["smsb_Session"]["subject"] == "Chat"
    assert row["smsb_message_media"][0]["smsb_name"] == "a.png"


def test_find_returns_none_for_a_missing_row(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages({ROW})", status=404, json={"error": {"code": "0x80040217",
                                                                                "message": "missing"}})
    assert client.find("smsb_messages", ROW) is None


def test_alternate_keys_dataverse_cannot_address_fail_before_any_request(client: DataverseClient,
                                                                          mocked: responses.RequestsMock) -> None:
    with pytest.raises(InvalidKeyValue):
        client.retrieve("smsb_conversations", {"smsb_phonenumber": "+15551230100"})
    assert len(mocked.calls) == 0


def test_update_never_creates_by_accident(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=204,
               match=[matchers.header_matcher({"If-Match": "*"})])
    client.update("smsb_messages", ROW, {"smsb_status": 3})
    mocked.add("PATCH", f"{API}smsb_outboxes({ROW})", status=204,
               match=[matchers.header_matcher({"If-Match": 'W/"42"'})])
    client.update("smsb_outboxes", ROW, {"smsb_sendstatus": 2}, etag='W/"42"')
    assert len(mocked.calls) == 2


def test_upsert_create_only_reports_created_then_existing(client: DataverseClient,
                                                          mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_conversations({ROW})", status=204, headers=ENTITY_ID,
               match=[matchers.header_matcher({"If-None-Match": "*"})])
    mocked.add("PATCH", f"{API}smsb_conversations({ROW})", status=412,
               json={"error": {"code": "0x80040237", "message": "A record with matching key values already "
                                                                "exists."}})
    first = client.upsert("smsb_conversations", ROW, {"smsb_state": 1}, mode=UpsertMode.CREATE_ONLY)
    second = client.upsert("smsb_conversations", ROW, {"smsb_state": 1}, mode=UpsertMode.CREATE_ONLY)
    assert (first.created, first.id) == (True, ROW)
    assert (second.created, second.id) == (False, ROW)
    assert "If-Match" not in mocked.calls[0].request.headers


def test_upsert_update_only_raises_not_found_for_a_missing_row(client: DataverseClient,
                                                               mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_conversations({ROW})", status=404,
               json={"error": {"code": "0x80040217", "message": "missing"}},
               match=[matchers.header_matcher({"If-Match": "*"})])
    with pytest.raises(NotFound):
        client.upsert("smsb_conversations", ROW, {"smsb_state": 2}, mode=UpsertMode.UPDATE_ONLY)


def test_upsert_either_tells_created_from_updated_by_status(client: DataverseClient,
                                                           mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_messages(smsb_sid='SM1')", status=201, headers=ENTITY_ID,
               json={"smsb_status": 1})
    mocked.add("PATCH", f"{API}smsb_messages(smsb_sid='SM1')", status=200, headers=ENTITY_ID,
               json={"smsb_status": 1})
    created = client.upsert("smsb_messages", {"smsb_sid": "SM1"}, {"smsb_status": 1})
    updated = client.upsert("smsb_messages", {"smsb_sid": "SM1"}, {"smsb_status": 1})
    assert (created.created, updated.created) == (True, False)
    assert created.id == ROW
    request = mocked.calls[0].request
    assert request.headers["Prefer"] == "return=representation"
    assert "If-Match" not in request.headers
    assert "If-None-Match" not in request.headers
    assert "%24select=smsb_status" in (request.url or "")


def test_create_with_id_posts_the_chosen_id(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("POST", f"{API}smsb_outboxes", status=204, headers=ENTITY_ID,
               match=[matchers.json_params_matcher({"subject": "Hi", "activityid": str(ROW)})])
    result = client.create_with_id("smsb_outboxes", "activityid", ROW, {"subject": "Hi"})
    assert (result.id, result.created) == (ROW, True)


def test_delete_and_missing_ok(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("DELETE", f"{API}smsb_dismissals({ROW})", status=204)
    mocked.add("DELETE", f"{API}smsb_dismissals({ROW})", status=404, json={"error": {"code": "0x80040217",
                                                                                     "message": "gone"}})
    assert client.delete("smsb_dismissals", ROW) is True
    assert client.delete("smsb_dismissals", ROW, missing_ok=True) is False
    with pytest.raises(NotFound):
        client.delete("smsb_dismissals", ROW)


def test_paging_follows_next_link_untouched_and_keeps_the_prefer_header(client: DataverseClient,
                                                                       mocked: responses.RequestsMock) -> None:
    next_link = (f"{API}smsb_messages?$select=smsb_name&$filter=smsb_direction%20eq%201"
                 "&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E")
    mocked.add("GET", f"{API}smsb_messages", json={"value": [{"smsb_name": "a"}, {"smsb_name": "b"}],
                                                   "@odata.nextLink": next_link},
               match=[matchers.query_param_matcher({"$select": "smsb_name", "$filter": "smsb_direction eq 1"})])
    mocked.add("GET", next_link, json={"value": [{"smsb_name": "c"}]},
               match=[matchers.query_string_matcher(next_link.split("?", 1)[1])])
    pages = list(client.pages("smsb_messages", select=["smsb_name"], filter=F.eq("smsb_direction", 1),
                              page_size=2))
    assert [len(page) for page in pages] == [2, 1]
    assert pages[0].next_link == next_link
    assert pages[1].next_link is None
    assert mocked.calls[1].request.url == next_link
    assert all(call.request.headers["Prefer"] == "odata.maxpagesize=2" for call in mocked.calls)
    correlation = {call.request.headers["x-ms-correlation-id"] for call in mocked.calls}
    assert len(correlation) == 1


def test_query_iterates_rows_lazily_across_pages(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages", json={"value": [{"n": 1}], "@odata.nextLink": f"{API}smsb_messages?p=2"})
    mocked.add("GET", f"{API}smsb_messages?p=2", json={"value": [{"n": 2}]})
    rows = client.query("smsb_messages")
    assert next(rows)["n"] == 1
    assert len(mocked.calls) == 1
    assert [row["n"] for row in rows] == [2]
    assert len(mocked.calls) == 2


def test_first_returns_none_when_nothing_matches(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_conversations", json={"value": []},
               match=[matchers.query_param_matcher({"$filter": "smsb_phonenumber eq '+1555'", "$top": "1"})])
    assert client.first("smsb_conversations", filter=F.eq("smsb_phonenumber", "+1555")) is None


def test_small_files_upload_in_one_patch(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_messagemedias({ROW})/smsb_file", status=204)
    client.upload_file("smsb_messagemedias", ROW, "smsb_file", b"\x89PNG...", "photo.png")
    request = mocked.calls[0].request
    assert request.body == b"\x89PNG..."
    assert request.headers["Content-Type"] == "application/octet-stream"
    assert request.headers["x-ms-file-name"] == "photo.png"


def test_large_files_upload_in_chunks(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    content = bytes(range(256)) * 40_000  # 10,240,000 bytes: three chunks of at most 4 MiB
    location = f"{API}smsb_messagemedias({ROW})/smsb_file?sessiontoken=abc"
    received: list[tuple[str, bytes]] = []

    def chunk(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = request.body if isinstance(request.body, bytes) else b""
        received.append((request.headers["Content-Range"], body))
        end = int(request.headers["Content-Range"].split("-")[1].split("/")[0])
        return (204 if end + 1 == len(content) else 206), {}, ""

    mocked.add("PATCH", f"{API}smsb_messagemedias({ROW})/smsb_file", status=200,
               headers={"Location": location, "x-ms-chunk-size": str(4 * 1024 * 1024)},
               match=[matchers.header_matcher({"x-ms-transfer-mode": "chunked", "x-ms-file-name": "video.mp4"})])
    mocked.add_callback("PATCH", location, callback=chunk,
                        match=[matchers.query_param_matcher({"sessiontoken": "abc"})])
    client.upload_file("smsb_messagemedias", ROW, "smsb_file", content, "video.mp4")
    assert [r for r, _ in received] == ["bytes 0-4194303/10240000", "bytes 4194304-8388607/10240000",
                                        "bytes 8388608-10239999/10240000"]
    assert b"".join(body for _, body in received) == content


def test_download_reads_ranges_until_the_whole_file_is_there(client: DataverseClient,
                                                             mocked: responses.RequestsMock) -> None:
    content = b"0123456789"

    def ranged(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        start, end = (int(x) for x in request.headers["Range"].removeprefix("bytes=").split("-"))
        part = content[start:end + 1]
        return 206, {"x-ms-file-size": str(len(content)), "Content-Range": f"bytes {start}-{end}/10"}, part

    mocked.add_callback("GET", f"{API}smsb_messagemedias({ROW})/smsb_file/$value", callback=ranged)
    assert client.download_file("smsb_messagemedias", ROW, "smsb_file", chunk_size=4) == content
    assert len(mocked.calls) == 3


def test_download_of_a_whole_file_answered_with_200(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messagemedias({ROW})/smsb_file/$value", body=b"abc")
    assert client.download_file("smsb_messagemedias", ROW, "smsb_file") == b"abc"


def test_request_bodies_are_json(client: DataverseClient, mocked: responses.RequestsMock) -> None:
    mocked.add("PATCH", f"{API}smsb_messages({ROW})", status=204)
    client.update("smsb_messages", ROW, {"smsb_body": "héllo ✓"})
    assert json.loads(mocked.calls[0].request.body or b"") == {"smsb_body": "héllo ✓"}


def test_a_paused_query_does_not_lend_its_correlation_id_to_other_calls(client: DataverseClient,
                                                                       mocked: responses.RequestsMock) -> None:
    mocked.add("GET", f"{API}smsb_messages", json={"value": [{"n": 1}], "@odata.nextLink": f"{API}smsb_messages?p=2"})
    mocked.add("GET", f"{API}smsb_messages?p=2", json={"value": [{"n": 2}]})
    mocked.add("GET", f"{API}smsb_outboxes({ROW})", json={"subject": "x"})
    rows = client.query("smsb_messages")
    next(rows)
    client.retrieve("smsb_outboxes", ROW)
    list(rows)
    first_page, other, second_page = (call.request.headers["x-ms-correlation-id"] for call in mocked.calls)
    assert first_page == second_page
    assert other != first_page
