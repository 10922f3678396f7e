"""$batch: changesets all-or-nothing, Content-ID references, ordering, continue-on-error, limits."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, ApiResponse, stored


class Batch:
    def __init__(self) -> None:
        self.boundary = f"batch_{uuid.uuid4()}"
        self.chunks: list[str] = []

    @staticmethod
    def request(method: str, url: str, body: dict[str, Any] | None = None, content_id: str | None = None) -> str:
        head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        if content_id:
            head += f"Content-ID: {content_id}\r\n"
        text = f"{head}\r\n{method} {url} HTTP/1.1\r\n"
        if body is not None:
            text += f"Content-Type: application/json; type=entry\r\n\r\n{json.dumps(body)}\r\n"
        else:
            text += "Accept: application/json\r\n\r\n"
        return text

    def add(self, method: str, url: str, body: dict[str, Any] | None = None) -> Batch:
        self.chunks.append(self.request(method, url, body))
        return self

    def changeset(self, *requests: tuple[Any, ...]) -> Batch:
        cs = f"changeset_{uuid.uuid4()}"
        inner = "".join(f"--{cs}\r\n" + self.request(*r) for r in requests) + f"--{cs}--\r\n"
        self.chunks.append(f"Content-Type: multipart/mixed; boundary={cs}\r\n\r\n{inner}")
        return self

    def body(self) -> str:
        return "".join(f"--{self.boundary}\r\n{c}" for c in self.chunks) + f"--{self.boundary}--\r\n"

    def send(self, api: Api, prefer: str | None = None) -> ApiResponse:
        headers = {"Content-Type": f"multipart/mixed; boundary={self.boundary}"}
        if prefer:
            headers["Prefer"] = prefer
        return api.post("$batch", data=self.body(), headers=headers)


def statuses(response: ApiResponse) -> list[int]:
    return [int(s) for s in re.findall(r"^HTTP/1\.1 (\d{3})", response.get_data(as_text=True), re.MULTILINE)]


def test_a_changeset_commits_together_and_content_id_references_resolve(api: Api, emulator: DataverseEmulator) -> None:
    response = (
        Batch()
        .changeset(
            ("POST", "/api/data/v9.2/smsb_configurations", {"smsb_name": "cfg"}, "1"),
            ("POST", "smsb_recordtypes", {"smsb_name": "rt", "smsb_configuration@odata.bind": "$1"}, "2"),
            ("PATCH", "$1", {"smsb_description": "patched through $1"}, "3"),
        )
        .send(api)
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    text = response.get_data(as_text=True)
    assert "changesetresponse_" in text
    assert statuses(response) == [204, 204, 204]
    (cfg,) = emulator.store.rows("smsb_configuration")
    (rt,) = emulator.store.rows("smsb_recordtype")
    assert rt["smsb_configuration"].id == cfg["smsb_configurationid"]
    assert cfg["smsb_description"] == "patched through $1"
    assert re.search(r"Content-ID: 2\r\n\r\nHTTP/1\.1 204 No Content\r\n", text)


def test_a_failing_changeset_rolls_back_every_write_in_it(api: Api, emulator: DataverseEmulator) -> None:
    response = (
        Batch()
        .changeset(
            ("POST", "smsb_errorlogs", {"smsb_name": "first"}, "1"),
            ("POST", "smsb_errorlogs", {"smsb_name": "second", "smsb_nonsense": 1}, "2"),
        )
        .send(api)
    )
    # without continue-on-error the batch answers with the failing request's status (batch docs, "Handling errors")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("multipart/mixed")
    assert statuses(response) == [400]
    assert "smsb_nonsense" in response.get_data(as_text=True)
    assert emulator.store.rows("smsb_errorlog") == []


def test_requests_run_in_order_and_the_batch_stops_at_the_first_failure(api: Api, emulator: DataverseEmulator) -> None:
    response = (
        Batch()
        .add("POST", "smsb_errorlogs", {"smsb_name": "one"})
        .add("POST", "smsb_errorlogs", {"smsb_bad": 1})
        .add("POST", "smsb_errorlogs", {"smsb_name": "three"})
        .send(api)
    )
    assert response.status_code == 400
    assert statuses(response) == [204, 400]
    assert [r["smsb_name"] for r in emulator.store.rows("smsb_errorlog")] == ["one"]


def test_continue_on_error_runs_every_request(api: Api, emulator: DataverseEmulator) -> None:
    response = (
        Batch()
        .add("POST", "smsb_errorlogs", {"smsb_name": "one"})
        .add("POST", "smsb_errorlogs", {"smsb_bad": 1})
        .add("GET", "smsb_errorlogs?$select=smsb_name")
        .send(api, prefer="odata.continue-on-error")
    )
    assert response.status_code == 200
    assert statuses(response) == [204, 400, 200]
    assert response.headers["Preference-Applied"] == "odata.continue-on-error"
    assert '"smsb_name":"one"' in response.get_data(as_text=True)


def test_a_get_inside_a_changeset_is_refused(api: Api) -> None:
    response = Batch().changeset(("GET", "smsb_errorlogs", None, "1")).send(api)
    assert statuses(response) == [400]


def test_more_than_a_thousand_requests_are_refused(api: Api, emulator: DataverseEmulator) -> None:
    batch = Batch()
    for n in range(1001):
        batch.add("POST", "smsb_errorlogs", {"smsb_name": f"e{n}"})
    response = batch.send(api)
    assert response.status_code == 400
    assert "1000" in response.json["error"]["message"]
    assert emulator.store.rows("smsb_errorlog") == []


def test_upsert_with_if_none_match_in_a_changeset_reports_412_and_rolls_back(
    api: Api, emulator: DataverseEmulator
) -> None:
    existing = str(uuid.uuid4())
    emulator.store.insert("smsb_errorlog", {"smsb_errorlogid": existing, "smsb_name": "there"})
    batch = Batch()
    cs = f"changeset_{uuid.uuid4()}"
    create = Batch.request("POST", "smsb_errorlogs", {"smsb_name": "new"}, "1")
    upsert = (
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n"
        f"PATCH smsb_errorlogs({existing}) HTTP/1.1\r\nContent-Type: application/json\r\nIf-None-Match: *\r\n\r\n"
        '{"smsb_name":"overwritten"}\r\n'
    )
    batch.chunks.append(
        f"Content-Type: multipart/mixed; boundary={cs}\r\n\r\n--{cs}\r\n{create}--{cs}\r\n{upsert}--{cs}--\r\n"
    )
    response = batch.send(api)
    assert statuses(response) == [412]
    assert [r["smsb_name"] for r in emulator.store.rows("smsb_errorlog")] == ["there"]


def test_a_body_without_the_closing_boundary_is_rejected(api: Api) -> None:
    response = api.post("$batch", data="--b\r\nnonsense", headers={"Content-Type": "multipart/mixed; boundary=b"})
    assert response.status_code == 400


def test_a_reference_to_an_undeclared_content_id_is_refused(api: Api, emulator: DataverseEmulator) -> None:
    response = (
        Batch()
        .changeset(
            ("POST", "smsb_recordtypes", {"smsb_name": "rt", "smsb_configuration@odata.bind": "$1"}, "2"),
        )
        .send(api)
    )
    assert response.status_code == 400
    assert "Content-ID Reference: '$1' does not exist in the batch context." in response.get_data(as_text=True)
    assert emulator.store.rows("smsb_recordtype") == []


def test_a_rolled_back_changeset_restores_updated_rows_deleted_rows_and_key_lookups(
    api: Api, emulator: DataverseEmulator
) -> None:
    kept = emulator.store.insert("smsb_message", {"smsb_direction": 1, "smsb_sid": "SMold", "smsb_body": "before"})
    doomed = emulator.store.insert("smsb_errorlog", {"smsb_name": "still here"})
    before = api.get(f"smsb_messages({kept})").json["@odata.etag"]
    response = (
        Batch()
        .changeset(
            ("PATCH", f"smsb_messages({kept})", {"smsb_sid": "SMnew", "smsb_body": "after"}, "1"),
            ("DELETE", f"smsb_errorlogs({doomed})", None, "2"),
            ("POST", "smsb_messages", {"smsb_direction": 9}, "3"),
        )
        .send(api)
    )
    assert statuses(response) == [400]
    assert api.get("smsb_messages(smsb_sid='SMold')?$select=smsb_body").json["smsb_body"] == "before"
    assert api.get("smsb_messages(smsb_sid='SMnew')").status_code == 404
    assert stored(emulator, "smsb_errorlog", doomed)["smsb_name"] == "still here"
    assert api.get(f"smsb_messages({kept})").json["@odata.etag"] == before
