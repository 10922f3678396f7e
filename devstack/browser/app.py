"""The browser shell as a WSGI application of its own, and how it shares the Dataverse emulator's origin.

The shell reads the emulator's rows to draw its pages, and its pages call the emulator's Web API from the browser:
both must be one origin (no CORS, as in a model-driven app), so the devstack serves them on one port, the shell
under ``/devstack`` (``is_browser_path``) and the Web API everywhere else. The emulator knows nothing of the shell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request

from .handler import CALLER_COOKIE, SESSION_COOKIE, browser_response, is_browser_path

if TYPE_CHECKING:
    from devstack.dataverse_emulator import DataverseEmulator

__all__ = ["BrowserShell", "WsgiApp", "with_browser_shell", "with_session"]

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
        if is_browser_path(environ.get("PATH_INFO") or "/"):
            return shell(environ, start_response)
        return web_api(with_session(environ), start_response)

    return app


def with_session(environ: dict[str, Any]) -> dict[str, Any]:
    """A Web API request from one of the shell's pages without a token of its own (an image's file) carries the
    page's session cookie; it becomes the bearer token and caller the page's own requests send. Requests with an
    Authorization header (the product, the SDK, the pages' fetch calls) are untouched."""
    if environ.get("HTTP_AUTHORIZATION"):
        return environ
    cookies = parse_cookie(environ)
    token = cookies.get(SESSION_COOKIE)
    if not token:
        return environ
    environ = {**environ, "HTTP_AUTHORIZATION": f"Bearer {token}"}
    caller = cookies.get(CALLER_COOKIE)
    if caller and "HTTP_MSCRMCALLERID" not in environ:
        environ["HTTP_MSCRMCALLERID"] = caller
    return environ
