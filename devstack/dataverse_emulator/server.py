"""Running the emulator: on a loopback port in a thread, or in-process behind ``responses``."""

from __future__ import annotations

import re
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

from .protocol import API_PREFIX
from .service import DataverseEmulator


@dataclass
class RunningServer:
    """A served emulator. ``url`` is the organization URL (as ``DATAVERSE_URL``); ``api_url`` the Web API root."""

    emulator: DataverseEmulator
    url: str
    _server: BaseWSGIServer
    _thread: threading.Thread

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.emulator.webhooks.stop()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    emulator: DataverseEmulator, host: str = "127.0.0.1", port: int = 0, *, ssl_context: ssl.SSLContext | None = None
) -> RunningServer:
    """Serve on ``host:port`` (0 = an ephemeral port) from a daemon thread; over TLS with ``ssl_context``."""
    server = make_server(host, port, emulator.wsgi_app, threaded=True, ssl_context=ssl_context)
    # A short poll interval lets stop() return at once instead of after werkzeug's default half second.
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05),
                              name=f"dataverse-emulator:{server.server_port}", daemon=True)
    thread.start()
    scheme = "https" if ssl_context is not None else "http"
    return RunningServer(emulator, f"{scheme}://{host}:{server.server_port}", server, thread)


def mount_responses(emulator: DataverseEmulator, responses_mock: Any, base_url: str) -> None:
    """Route every request to ``base_url`` (any method) through the emulator in-process.

    ``responses_mock`` is a ``responses.RequestsMock`` (or the ``responses`` module when activated);
    ``base_url`` is the organization URL, e.g. ``https://contoso.crm.dynamics.com``. The mock's
    ``assert_all_requests_are_fired`` is turned off, since the callbacks cover every method.
    """
    client = Client(emulator.wsgi_app)
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"(/.*)?$")

    def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = b"".join(body) if hasattr(body, "__iter__") else body.read()
        response = client.open(
            url.path,
            base_url=root,
            method=request.method,
            query_string=url.query,
            headers=list(request.headers.items()),
            data=body or b"",
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return response.status_code, headers, response.get_data()

    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        responses_mock.add_callback(method, pattern, callback=callback)
    # A test rarely uses every method; the unused callbacks must not fail the mock's "all fired" check.
    if hasattr(responses_mock, "assert_all_requests_are_fired"):
        responses_mock.assert_all_requests_are_fired = False
