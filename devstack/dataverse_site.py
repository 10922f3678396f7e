"""The Dataverse port as the product, Microsoft's SDK and people see it: the Web API emulator and the browser shell
(``/devstack/``) on one origin, served from a thread (http, or https with the devstack's certificate)."""

from __future__ import annotations

import ssl
import threading

from werkzeug.serving import make_server

from devstack.browser import BrowserShell, WsgiApp, with_browser_shell
from devstack.dataverse_emulator import DataverseEmulator, RunningServer

__all__ = ["dataverse_site", "serve_dataverse_site"]


def dataverse_site(emulator: DataverseEmulator) -> WsgiApp:
    return with_browser_shell(emulator.wsgi_app, BrowserShell(emulator))


def serve_dataverse_site(emulator: DataverseEmulator, host: str = "127.0.0.1", port: int = 0, *,
                         ssl_context: ssl.SSLContext | None = None) -> RunningServer:
    """Serve on ``host:port`` (0 = an ephemeral port); ``stop()`` as for the emulator served alone."""
    server = make_server(host, port, dataverse_site(emulator), threaded=True, ssl_context=ssl_context)
    # A short poll interval lets stop() return at once instead of after werkzeug's default half second.
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05),
                              name=f"dataverse-site:{server.server_port}", daemon=True)
    thread.start()
    scheme = "https" if ssl_context is not None else "http"
    return RunningServer(emulator, f"{scheme}://{host}:{server.server_port}", server, thread)
