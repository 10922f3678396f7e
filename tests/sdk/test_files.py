"""``client.files.upload`` against the emulator: a single request, the chunked protocol (the file named in the first
request's query string), and the column the SDK creates when it is missing; downloads read back over raw https."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from PowerPlatform.Dataverse.client import DataverseClient

from devstack.dataverse_emulator import DataverseEmulator, RunningServer
from devstack.dataverse_emulator.files import CHUNK_SIZE

from .conftest import TOKEN


@pytest.fixture
def media_id(emulator: DataverseEmulator) -> str:
    message = emulator.store.insert("smsb_message", {"smsb_direction": 1})
    return emulator.store.insert("smsb_messagemedia", {"smsb_name": "scan", "smsb_message": message})


def _download(server: RunningServer, path: str) -> requests.Response:
    return requests.get(f"{server.api_url}{path}/$value", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)


def test_a_small_file_is_uploaded_in_one_request(
    client: DataverseClient, emulator: DataverseEmulator, server: RunningServer, media_id: str, tmp_path: Path,
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(bytes(range(256)) * 40)

    client.files.upload("smsb_messagemedia", media_id, "smsb_file", str(path), mode="small", mime_type="image/jpeg")

    stored = emulator.store.file("smsb_messagemedia", media_id, "smsb_file")
    assert stored is not None
    assert (stored.name, stored.content, stored.content_type) == ("photo.jpg", path.read_bytes(), "image/jpeg")
    download = _download(server, f"smsb_messagemedias({media_id})/smsb_file")
    assert download.status_code == 200
    assert download.content == path.read_bytes()
    assert download.headers["x-ms-file-name"] == "photo.jpg"


def test_a_large_file_is_uploaded_in_chunks_named_in_the_first_request(
    client: DataverseClient, emulator: DataverseEmulator, server: RunningServer, media_id: str, tmp_path: Path,
) -> None:
    path = tmp_path / "scan of the contract.pdf"
    content = os.urandom(CHUNK_SIZE + 1234)
    path.write_bytes(content)

    client.files.upload("smsb_messagemedia", media_id, "smsb_file", str(path), mode="chunk")

    stored = emulator.store.file("smsb_messagemedia", media_id, "smsb_file")
    assert stored is not None
    assert stored.name == "scan of the contract.pdf"
    assert stored.content == content
    started = next(r for r in emulator.requests.records if r.method == "PATCH" and "x-ms-file-name" in r.query)
    started_headers = {k.lower(): v for k, v in started.headers.items()}
    assert started_headers["x-ms-transfer-mode"] == "chunked"
    assert "x-ms-file-name" not in started_headers
    chunks = [r for r in emulator.requests.records if r.method == "PATCH" and "sessiontoken" in r.query]
    assert [r.status for r in chunks] == [206, 204]
    assert _download(server, f"smsb_messagemedias({media_id})/smsb_file").content == content


def test_uploading_to_a_missing_file_column_creates_it_first(
    client: DataverseClient, emulator: DataverseEmulator, server: RunningServer, tmp_path: Path,
) -> None:
    account_id = emulator.store.insert("account", {"name": "Contoso"})
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.7 contract")

    client.files.upload("account", account_id, "new_Contract", str(path))

    download = _download(server, f"accounts({account_id})/new_contract")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 contract"
