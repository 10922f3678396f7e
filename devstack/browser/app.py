"""The browser shell as a WSGI application of its own, and how it shares the Dataverse emulator's origin.

The shell reads the emulator's rows to draw its pages, and its pages call the emulator's Web API from the browser:
both must be one origin (no CORS, as in a model-driven app), so the devstack serves them on one port, the shell
under ``/devstack`` (``is_browser_path``) and the Web API everywhere else. The emulator knows nothing of the shell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from .handler import browser_response, is_browser_path

if TYPE_CHECKING:
    from devstack.dataverse_emulator import DataverseEmulator

__all__ = ["BrowserShell", "WsgiApp", "with_browser_shell"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BrowserShell:
    """``http://<dataverse>/devstack/``: the inbox pane, the record pages with the chat, the user switch."""

    def __init__(self, emulator: DataverseEmulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return browser_response(self.emulator, Request(environ))(environ, start_response)


def with_browser_shell(web_api: WsgiApp, shell: WsgiApp) -> WsgiApp:
    """One WSGI app answering ``/devstack`` with the shell and every other path with the Web API."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = shell if is_browser_path(environ.get("PATH_INFO") or "/") else web_api
        return target(environ, start_response)

    return app
