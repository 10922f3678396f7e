"""Inputs the emulator cannot honour are refused by name, never ignored: Dataverse headers, Prefer preferences and
query options on any kind of request; and answers name the address a TLS-terminating proxy was reached at."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.headers import public_base_url

from .conftest import Api


@pytest.mark.parametrize(("header", "value", "fragment"), [
    ("MSCRM.BypassCustomPluginExecution", "true", "MSCRM.BypassCustomPluginExecution"),
    ("MSCRM.BypassBusinessLogicExecution", "CustomSync,CustomAsync", "MSCRM.BypassBusinessLogicExecution"),
    ("MSCRM.SuppressDuplicateDetection", "false", "duplicate detection"),
    ("CallerObjectId", "6f0c1b3e-0000-4000-8000-000000000001", "CallerObjectId"),
    ("Consistency", "Eventual", "Consistency"),
    ("MSCRM.SolutionUniqueName", "SmsBridge", "MSCRM.SolutionUniqueName"),
    ("MSCRM.ReturnNotifications", "true", "MSCRM.Returnnotifications"),
    ("Prefer", "odata.track-changes", "odata.track-changes"),
    ("Prefer", "respond-async", "respond-async"),
    ("Prefer", "return=representation,odata.allow-entityreferences", "odata.allow-entityreferences"),
])
def test_dataverse_headers_the_emulator_cannot_honour_are_refused_by_name(
    api: Api, emulator: DataverseEmulator, header: str, value: str, fragment: str
) -> None:
    response = api.post("accounts", json={"name": "Contoso"}, headers={header: value})

    assert response.status_code == 501
    assert fragment in response.json["error"]["message"]
    assert emulator.store.rows("account") == []


@pytest.mark.parametrize(("header", "value"), [
    ("Consistency", "Strong"),
    ("MSCRM.SuppressDuplicateDetection", "true"),
    ("MSCRM.BypassCustomPluginExecution", "false"),
    ("Prefer", 'return=minimal,odata.include-annotations="*"'),
    ("OData-MaxVersion", "4.0"),
    ("x-ms-client-request-id", "6f0c1b3e-0000-4000-8000-000000000001"),
    ("If-None-Match", "null"),
])
def test_headers_the_emulator_honours_pass(api: Api, emulator: DataverseEmulator, header: str, value: str) -> None:
    response = api.post("accounts", json={"name": "Contoso"}, headers={header: value})

    assert response.status_code == 204, response.get_data(as_text=True)
    assert len(emulator.store.rows("account")) == 1


def test_a_refused_header_inside_a_batch_fails_that_request(api: Api, emulator: DataverseEmulator) -> None:
    body = (
        "--batch_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "POST /api/data/v9.2/accounts HTTP/1.1\r\nContent-Type: application/json\r\n"
        "MSCRM.BypassCustomPluginExecution: true\r\n\r\n{\"name\": \"Contoso\"}\r\n--batch_1--\r\n"
    )
    response = api.post("$batch", data=body, headers={"Content-Type": "multipart/mixed; boundary=batch_1"})

    assert response.status_code == 501
    assert "MSCRM.BypassCustomPluginExecution" in response.get_data(as_text=True)
    assert emulator.store.rows("account") == []


@pytest.mark.parametrize(("method", "path", "fragment"), [
    ("POST", "accounts?foo=bar", "'foo'"),
    ("DELETE", "accounts(6f0c1b3e-0000-4000-8000-000000000001)?$select=name", "'$select'"),
    ("GET", "WhoAmI?verbose=true", "'verbose'"),
    ("GET", "accounts/$count?$top=1", "$top"),
    ("GET", "accounts?$count=yes", "$count"),
    ("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple?x=1", "'x'"),
])
def test_query_options_a_request_does_not_take_are_refused(api: Api, method: str, path: str, fragment: str) -> None:
    response = api.request(method, path, json={"name": "x"} if method == "POST" else None)

    assert response.status_code in (400, 501)
    assert fragment in response.json["error"]["message"]


def test_answers_name_the_proxy_address(api: Api) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "org.example.test"}
    created = api.post("accounts", json={"name": "Contoso"}, headers=forwarded)
    listed = api.get("accounts?$select=name", headers={**forwarded, "Prefer": "odata.maxpagesize=1"})
    api.post("accounts", json={"name": "Fabrikam"})
    paged = api.get("accounts?$select=name", headers={**forwarded, "Prefer": "odata.maxpagesize=1"})

    assert created.headers["OData-EntityId"].startswith("https://org.example.test/api/data/v9.2/accounts(")
    assert listed.json["@odata.context"] == "https://org.example.test/api/data/v9.2/$metadata#accounts(name)"
    assert paged.json["@odata.nextLink"].startswith("https://org.example.test/api/data/v9.2/accounts?")


@pytest.mark.parametrize(("headers", "expected"), [
    ({}, "http://127.0.0.1:7072"),
    ({"X-Forwarded-Proto": "https"}, "https://127.0.0.1:7072"),
    ({"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.test, b.test"}, "https://a.test"),
    ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "a.test", "X-Forwarded-Port": "8443"}, "https://a.test:8443"),
    ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "a.test", "X-Forwarded-Port": "443"}, "https://a.test"),
    ({"Forwarded": 'for=10.0.0.1;proto=https;host="a.test:9443", for=10.0.0.2'}, "https://a.test:9443"),
])
def test_public_base_url(headers: dict[str, str], expected: str) -> None:
    assert public_base_url(Headers(headers), "http", "127.0.0.1:7072") == expected


def test_a_chunked_upload_may_name_the_file_in_the_query_string(api: Api, emulator: DataverseEmulator) -> None:
    message = api.create("smsb_messages", {"smsb_direction": 1})["smsb_messageid"]
    media = api.create("smsb_messagemedias", {"smsb_name": "x",
                                              "smsb_message@odata.bind": f"/smsb_messages({message})"})
    column = f"smsb_messagemedias({media['smsb_messagemediaid']})/smsb_file"

    started = api.patch(f"{column}?x-ms-file-name=scan%20one.pdf",
                        headers={"x-ms-transfer-mode": "chunked", "If-None-Match": "null"})
    location = started.headers["Location"]
    finished = api.patch(location, data=b"%PDF", headers={"Content-Range": "bytes 0-3/4"})
    refused = api.patch(column, data=b"x", headers={"x-ms-file-name": "a.txt", "If-None-Match": "*"})

    assert started.status_code == 200
    assert finished.status_code == 204
    stored = emulator.store.file("smsb_messagemedia", media["smsb_messagemediaid"], "smsb_file")
    assert stored is not None
    assert (stored.name, stored.content) == ("scan one.pdf", b"%PDF")
    assert refused.status_code == 501
    assert "If-None-Match" in refused.json["error"]["message"]
