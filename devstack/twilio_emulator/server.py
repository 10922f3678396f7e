"""Serve an emulator on loopback ports in background threads.

Two sockets: the API and, like Twilio's ``mms.twiliocdn.com``, a separate origin (another port) for the
media CDN that media content URLs redirect to, so a client that follows the redirect can be seen to
drop (or leak) its credentials. Both serve the same WSGI application.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devstack.twilio_emulator.emulator import TwilioEmulator

__all__ = ["RunningServer", "serve"]

log = logging.getLogger(__name__)


class _QuietRequestHandler(WSGIRequestHandler):
    # werkzeug prints every request to stderr; test runs of other suites share that stream.
    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("%s " + message, type, *args)


@dataclass
class RunningServer:
    """A served emulator: ``url`` is ``http://127.0.0.1:<port>`` (no trailing slash)."""

    emulator: TwilioEmulator
    server: BaseWSGIServer
    cdn_server: BaseWSGIServer
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def cdn_url(self) -> str:
        return f"http://{self.cdn_server.host}:{self.cdn_server.port}"

    @property
    def port(self) -> int:
        return int(self.server.port)

    def stop(self) -> None:
        self.emulator.wsgi_app.release_hangs()
        for server in (self.server, self.cdn_server):
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)
        self.emulator.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(emulator: TwilioEmulator, host: str = "127.0.0.1", port: int = 0, cdn_port: int = 0) -> RunningServer:
    """Start serving ``emulator`` (port 0 picks a free port); the emulator learns its public URLs."""
    servers = [
        make_server(host, number, emulator.wsgi_app, threaded=True, request_handler=_QuietRequestHandler)
        for number in (port, cdn_port)
    ]
    running = RunningServer(emulator, servers[0], servers[1])
    if emulator.base_url is None:
        emulator.base_url = running.url
    if emulator.cdn_base_url is None:
        emulator.cdn_base_url = running.cdn_url
    for server in servers:
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"twilio-emulator-{server.port}",
            daemon=True,
        )
        thread.start()
        running.threads.append(thread)
    return running
