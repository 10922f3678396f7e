"""Fixtures: an emulator, its loopback server, the official SDK pointed at it, and a webhook receiver."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.test import Client as WsgiClient
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    RunningServer,
    TwilioEmulator,
    serve,
)


@dataclass(frozen=True)
class Received:
    method: str
    url: str
    form: MultiDict[str, str]
    headers: dict[str, str]


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: object) -> None:
        pass


@dataclass
class Receiver:
    """A loopback HTTP endpoint standing in for the product: records requests, answers as told."""

    status: int = 200
    delay: float = 0.0
    body: str = '<?xml version="1.0" encoding="UTF-8"?><Response />'
    received: list[Received] = field(default_factory=list)
    _server: BaseWSGIServer | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ: dict[str, object], start_response: object) -> object:
        request = Request(environ)
        with self._cond:
            self.received.append(
                Received(request.method, request.url, MultiDict(request.form), dict(request.headers.items()))
            )
            self._cond.notify_all()
        if self.delay:
            time.sleep(self.delay)
        response = Response(self.body, status=self.status, content_type="text/xml")
        return response(environ, start_response)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    emulator = TwilioEmulator(callback_delay=0.01, seed=7)
    yield emulator
    emulator.close()


@pytest.fixture
def server(emulator: TwilioEmulator) -> Iterator[RunningServer]:
    running = serve(emulator)
    yield running
    running.stop()


@pytest.fixture
def http(emulator: TwilioEmulator) -> WsgiClient:
    return WsgiClient(emulator.wsgi_app)


@pytest.fixture
def auth() -> tuple[str, str]:
    return (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)


def sdk_client(url: str, sid: str = DEFAULT_ACCOUNT_SID, token: str = DEFAULT_AUTH_TOKEN) -> Client:
    # A non-empty environment keeps TWILIO_EDGE/TWILIO_REGION of the machine out of the URLs.
    client = Client(sid, token, http_client=TwilioHttpClient(timeout=5), environment={"TWILIO_EMULATOR": "1"})
    client.api.base_url = url
    client.messaging.base_url = url
    return client


@pytest.fixture
def sdk(server: RunningServer) -> Client:
    return sdk_client(server.url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver._server = make_server("127.0.0.1", 0, receiver, threaded=True, request_handler=_Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=receiver._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    receiver._server.shutdown()
    receiver._server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL nobody listens on: a port the OS just handed out and took back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def payload(response: TestResponse) -> Any:
    """The JSON body of a werkzeug test response (typed loosely, as JSON is)."""
    return response.json


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until it holds; fail with the timeout otherwise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.005)
