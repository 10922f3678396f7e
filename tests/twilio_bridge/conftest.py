"""Fixtures for the Twilio bridge: the devstack Twilio emulator and small recording servers on loopback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioEmulator, serve
from devstack.twilio_emulator.server import RunningServer
from twilio_bridge.client import TwilioClients, TwilioConfig, TwilioCredentials


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


@dataclass
class Sleeps:
    """Records the backoff delays instead of sleeping."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    url: str
    headers: dict[str, str]
    form: MultiDict[str, str]
    body: bytes


@dataclass
class RecordingServer:
    """A loopback HTTP server answering with ``handler``; ``seen`` keeps every request."""

    server: BaseWSGIServer
    seen: list[SeenRequest]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def emulator_server() -> Iterator[RunningServer]:
    # The emulator renders a create answer after scheduling the status lifecycle; a small delay keeps
    # the answer at the initial status, as Twilio's is.
    with serve(TwilioEmulator(callback_delay=0.2)) as running:
        yield running


@pytest.fixture
def emulator(emulator_server: RunningServer) -> TwilioEmulator:
    return emulator_server.emulator


@pytest.fixture
def credentials() -> TwilioCredentials:
    return TwilioCredentials(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clients(emulator_server: RunningServer, sleeps: Sleeps) -> TwilioClients:
    config = TwilioConfig(api_base_url=emulator_server.url, connect_timeout=2.0, read_timeout=2.0)
    return TwilioClients(config, sleep=sleeps, jitter=lambda: 0.5)


@pytest.fixture
def recording_server() -> Iterator[Callable[[Callable[[Request], Response]], RecordingServer]]:
    started: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def start(handler: Callable[[Request], Response]) -> RecordingServer:
        seen: list[SeenRequest] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            request = Request(environ)
            body = request.get_data(cache=True)
            seen.append(SeenRequest(request.method, request.url, dict(request.headers), MultiDict(request.form), body))
            return handler(request)(environ, start_response)

        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        started.append((server, thread))
        return RecordingServer(server, seen)

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
