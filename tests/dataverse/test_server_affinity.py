"""The web server affinity cookie: kept by default, dropped when DATAVERSE_SERVER_AFFINITY is false.

Dataverse's service-protection limits are per user and per web server, and Microsoft advises removing the
`ARRAffinity` cookie so a high-throughput client's requests spread over every web server
(https://learn.microsoft.com/power-apps/developer/data-platform/api-limits#remove-the-affinity-cookie). The server here
sets cookies the way Dataverse's front end does and records what each request brought back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.settings import Settings, SettingsError
from dataverse import DataverseClient, DataverseConfig
from dataverse.odata import DataverseRequest

pytestmark = pytest.mark.loopback


class _Server(ThreadingHTTPServer):
    cookies_seen: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.cookies_seen.append(self.headers.get("Cookie", ""))
        body = b'{"value": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "ARRAffinity=web-server-7; Path=/; HttpOnly")
        self.send_header("Set-Cookie", "ARRAffinitySameSite=web-server-7; Path=/; HttpOnly; SameSite=None")
        self.send_header("Set-Cookie", "ReqClientId=4c0b; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.cookies_seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def _two_reads(server: _Server, *, affinity: bool) -> str:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    client = DataverseClient.from_config(DataverseConfig(url=url, static_token="t", server_affinity=affinity))
    try:
        for _ in range(2):
            client.send(DataverseRequest("GET", "contacts", idempotent=True))
    finally:
        client.close()
    assert server.cookies_seen[0] == ""
    return server.cookies_seen[1]


def test_the_affinity_cookie_is_sent_back_by_default(server: _Server) -> None:
    second = _two_reads(server, affinity=True)
    assert "ARRAffinity=web-server-7" in second
    assert "ReqClientId=4c0b" in second


def test_without_server_affinity_only_the_affinity_cookies_are_dropped(server: _Server) -> None:
    second = _two_reads(server, affinity=False)
    assert "ARRAffinity" not in second
    assert "ReqClientId=4c0b" in second


def _settings(**extra: str) -> dict[str, str]:
    return {"DATAVERSE_URL": "http://127.0.0.1:7072", "SMSB_PUBLIC_URL": "http://127.0.0.1:7071",
            "AzureWebJobsStorage": "UseDevelopmentStorage=true", "DATAVERSE_TOKEN": "t",
            "SMSB_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", **extra}


def test_the_setting_is_read_and_checked() -> None:
    assert Settings.from_env(_settings()).dataverse_server_affinity is True
    assert Settings.from_env(_settings(DATAVERSE_SERVER_AFFINITY="False")).dataverse_server_affinity is False
    with pytest.raises(SettingsError, match="DATAVERSE_SERVER_AFFINITY must be true or false"):
        Settings.from_env(_settings(DATAVERSE_SERVER_AFFINITY="sometimes"))
