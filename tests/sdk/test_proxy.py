"""Behind a proxy that terminates TLS, the emulator's absolute URLs name the address the client used: the SDK pages
through results by following ``@odata.nextLink``, which must be https on the proxy's port, not http on the
emulator's own."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import requests
from PowerPlatform.Dataverse.client import DataverseClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.dataverse_emulator import DataverseEmulator, RunningServer, serve
from devstack.tls import LocalCertificates

from .conftest import TOKEN, StaticCredential


class TlsTerminatingProxy:
    """https on 127.0.0.1 in front of a plain-http backend, forwarding as reverse proxies do: the backend sees its
    own Host, and X-Forwarded-Proto / X-Forwarded-Host tell it the client's."""

    def __init__(self, backend_port: int, certificates: LocalCertificates,
                 forwarded: Callable[[str], dict[str, str]]) -> None:
        self.backend_port = backend_port
        self.forwarded = forwarded
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True,
                                  ssl_context=certificates.server_context())
        self.url = f"https://127.0.0.1:{self.server.server_port}"

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        headers.update(self.forwarded(request.host))
        connection = http.client.HTTPConnection("127.0.0.1", self.backend_port, timeout=60)
        try:
            target = request.full_path if request.query_string else request.path
            connection.request(request.method, target, body=request.get_data(), headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            kept = [(k, v) for k, v in answer.getheaders()
                    if k.lower() not in ("transfer-encoding", "connection", "content-length")]
            response = Response(body, status=answer.status, headers=kept)
        finally:
            connection.close()
        return response(environ, start_response)

    def __enter__(self) -> TlsTerminatingProxy:
        self.thread = threading.Thread(target=lambda: self.server.serve_forever(poll_interval=0.05), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def plain_server(emulator: DataverseEmulator) -> Iterator[RunningServer]:
    with serve(emulator) as running:  # http only, as the product's own port
        yield running


def _x_forwarded(host: str) -> dict[str, str]:
    return {"X-Forwarded-Proto": "https", "X-Forwarded-Host": host}


def _rfc7239(host: str) -> dict[str, str]:
    return {"Forwarded": f'for=127.0.0.1;proto=https;host="{host}"'}


@pytest.mark.parametrize("forwarded", [_x_forwarded, _rfc7239], ids=["X-Forwarded", "Forwarded"])
def test_the_sdk_pages_through_a_tls_terminating_proxy(
    emulator: DataverseEmulator, plain_server: RunningServer, certificates: LocalCertificates,
    monkeypatch: pytest.MonkeyPatch, forwarded: Callable[[str], dict[str, str]],
) -> None:
    for n in range(5):
        emulator.store.insert("contact", {"lastname": f"Proxied {n}"})
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))

    with TlsTerminatingProxy(plain_server.port, certificates, forwarded) as proxy, \
            DataverseClient(proxy.url, StaticCredential()) as client:
        pages = list(client.query.builder("contact").select("lastname").order_by("lastname").page_size(2)
                     .execute_pages())
        raw = requests.get(f"{proxy.url}/api/data/v9.2/contacts?$select=lastname&$top=1",
                           headers={"Authorization": f"Bearer {TOKEN}", "Prefer": "odata.maxpagesize=1"}, timeout=30)

    assert [r["lastname"] for page in pages for r in page] == [f"Proxied {n}" for n in range(5)]
    assert len(pages) == 3
    body = raw.json()
    assert body["@odata.context"].startswith(f"{proxy.url}/api/data/v9.2/$metadata#contacts")
    assert body["@odata.nextLink"].startswith(f"{proxy.url}/api/data/v9.2/contacts?")
    followed = [r for r in emulator.requests.records if "$skiptoken" in r.query]
    assert len(followed) == 2
    # every follow-up came through the proxy (an http nextLink would have been refused by the SDK)
    assert all({"x-forwarded-proto", "forwarded"} & {k.lower() for k in r.headers} for r in followed)


def test_created_records_are_named_by_the_proxy_address(
    emulator: DataverseEmulator, plain_server: RunningServer, certificates: LocalCertificates,
) -> None:
    with TlsTerminatingProxy(plain_server.port, certificates, _x_forwarded) as proxy:
        created = requests.post(f"{proxy.url}/api/data/v9.2/accounts", json={"name": "Contoso"},
                                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30,
                                verify=str(certificates.ca_file))
        direct = requests.post(f"{plain_server.api_url}accounts", json={"name": "Fabrikam"},
                               headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    assert created.status_code == 204
    assert created.headers["OData-EntityId"].startswith(f"{proxy.url}/api/data/v9.2/accounts(")
    assert direct.headers["OData-EntityId"].startswith(f"{plain_server.url}/api/data/v9.2/accounts(")
