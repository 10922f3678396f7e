"""File columns: single upload, chunked upload, download whole or by range, delete, limits."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api


@pytest.fixture
def media(api: Api) -> dict[str, Any]:
    message = api.create("smsb_messages", {"smsb_direction": 1})
    return api.create(
        "smsb_messagemedias",
        {"smsb_name": "photo.jpg", "smsb_message@odata.bind": f"/smsb_messages({message['smsb_messageid']})"},
    )


def url(media: dict[str, Any]) -> str:
    return f"smsb_messagemedias({media['smsb_messagemediaid']})/smsb_file"


def test_single_request_upload_then_download(api: Api, media: dict[str, Any]) -> None:
    data = bytes(range(256)) * 4
    response = api.patch(
        url(media), data=data, headers={"Content-Type": "application/octet-stream", "x-ms-file-name": "photo.jpg"}
    )
    assert response.status_code == 204
    download = api.get(url(media) + "/$value?size=full")
    assert download.status_code == 200
    assert download.get_data() == data
    assert download.headers["x-ms-file-name"] == "photo.jpg"
    assert download.headers["x-ms-file-size"] == str(len(data))
    row = api.get(f"smsb_messagemedias({media['smsb_messagemediaid']})?$select=smsb_file").json
    assert row["smsb_file"] is not None
    assert row["smsb_file_name"] == "photo.jpg"


def test_upload_needs_a_file_name(api: Api, media: dict[str, Any]) -> None:
    response = api.patch(url(media), data=b"abc", headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 400
    assert "x-ms-file-name" in response.json["error"]["message"]


def test_chunked_upload_uses_the_location_and_content_range(
    api: Api, media: dict[str, Any], emulator: DataverseEmulator
) -> None:
    data = b"0123456789" * 100
    start = api.patch(url(media), headers={"x-ms-transfer-mode": "chunked", "x-ms-file-name": "big.bin"})
    assert start.status_code == 200
    assert int(start.headers["x-ms-chunk-size"]) == 4 * 1024 * 1024
    location = start.headers["Location"]
    assert "sessiontoken=" in location
    path = location.replace("http://localhost", "")
    statuses = []
    for first in range(0, len(data), 300):
        chunk = data[first : first + 300]
        r = api.patch(
            path,
            data=chunk,
            headers={
                "Content-Type": "application/octet-stream",
                "x-ms-file-name": "big.bin",
                "Content-Range": f"bytes {first}-{first + len(chunk) - 1}/{len(data)}",
            },
        )
        statuses.append(r.status_code)
    assert statuses == [206, 206, 206, 204]
    assert api.get(url(media) + "/$value").get_data() == data
    saved = emulator.store.file("smsb_messagemedia", media["smsb_messagemediaid"], "smsb_file")
    assert saved is not None
    assert saved.name == "big.bin"


def test_a_chunk_whose_range_does_not_match_its_bytes_is_refused(api: Api, media: dict[str, Any]) -> None:
    start = api.patch(url(media), headers={"x-ms-transfer-mode": "chunked", "x-ms-file-name": "a.bin"})
    path = start.headers["Location"].replace("http://localhost", "")
    response = api.patch(path, data=b"abc", headers={"Content-Range": "bytes 0-9/20"})
    assert response.status_code == 400


def test_download_by_range(api: Api, media: dict[str, Any]) -> None:
    api.patch(url(media), data=b"abcdefghij", headers={"x-ms-file-name": "a.txt"})
    response = api.get(url(media) + "/$value", headers={"Range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.get_data() == b"cdef"
    assert response.headers["Content-Range"] == "bytes 2-5/10"


def test_delete_removes_the_file(api: Api, media: dict[str, Any]) -> None:
    api.patch(url(media), data=b"abc", headers={"x-ms-file-name": "a.txt"})
    assert api.delete(url(media)).status_code == 204
    assert api.get(url(media) + "/$value").status_code == 404
    assert api.delete(url(media)).status_code == 404


def test_a_file_larger_than_the_column_allows_is_refused(api: Api) -> None:
    outbox = api.create("smsb_outboxes", {"subject": "with image"})
    too_big = b"x" * (5 * 1024 * 1024 + 1)  # smsb_attachment accepts 5 MB
    response = api.patch(
        f"smsb_outboxes({outbox['activityid']})/smsb_attachment", data=too_big, headers={"x-ms-file-name": "huge.png"}
    )
    assert response.status_code == 400
    assert "5120 KB" in response.json["error"]["message"]


def test_file_columns_are_not_written_in_the_record_body(api: Api, media: dict[str, Any]) -> None:
    response = api.patch(f"smsb_messagemedias({media['smsb_messagemediaid']})", json={"smsb_file": "abc"})
    assert response.status_code == 400


def test_upload_to_a_missing_row_is_not_found(api: Api) -> None:
    response = api.patch(
        "smsb_messagemedias(00000000-0000-0000-0000-000000000001)/smsb_file", data=b"a", headers={"x-ms-file-name": "a"}
    )
    assert response.status_code == 404
