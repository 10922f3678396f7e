"""HTTP face of the emulator: routing, authentication, request checks against Twilio's OpenAPI description, faults,
and the log of answered requests. The handlers are in ``rest_routes.py`` (Twilio's paths) and
``control_routes.py`` (the CDN and ``/_devstack``).

Domain mapping: twilio-python builds every URL as ``<domain base URL>/<path>``; the emulator serves
``api.twilio.com`` paths (``/2010-04-01/...``) and ``messaging.twilio.com`` paths (``/v1/Services...``)
on the same server, which cannot collide. Point both domains at it::

    client.api.base_url = client.messaging.base_url = emulator_url
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from devstack.twilio_emulator.control_routes import CONTROL_ROUTES
from devstack.twilio_emulator.errors import ApiError, EmulatorError
from devstack.twilio_emulator.faults import Fault
from devstack.twilio_emulator.openapi import load_spec
from devstack.twilio_emulator.request_log import ApiRequest
from devstack.twilio_emulator.rest_routes import REST_ROUTES, fetch_account
from devstack.twilio_emulator.routing import NOBODY, Call, Handler, api_error, json_response

if TYPE_CHECKING:
    from devstack.twilio_emulator.core import EmulatorCore

__all__ = ["ApiRequest", "EmulatorApp"]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    spec_path: str | None  # the OpenAPI path of a 2010 operation
    auth: bool


class EmulatorApp:
    """The WSGI application; ``emulator.wsgi_app`` is an instance."""

    def __init__(self, emulator: EmulatorCore) -> None:
        self.emulator = emulator
        self._released = threading.Event()
        self._routes = [
            _Route(method, re.compile(pattern), handler, _spec_path(tail), auth=True)
            for method, pattern, handler, tail in REST_ROUTES
        ] + [
            _Route(method, re.compile(pattern), handler, None, auth=False)
            for method, pattern, handler in CONTROL_ROUTES
        ]

    @property
    def requests(self) -> list[ApiRequest]:
        return self.emulator.request_log.all()

    def clear_requests(self) -> None:
        self.emulator.request_log.clear()

    def _record(self, request: Request, status: int, faulted: bool) -> None:
        self.emulator.request_log.add(
            ApiRequest(request.method, request.path, request.query_string.decode("latin-1"), status, faulted))

    def release_hangs(self) -> None:
        """Let requests held by a ``hang`` fault finish now (the server is stopping)."""
        self._released.set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            faulted: list[Fault] = []
            try:
                response = self._run(route, request, match.groupdict(), faulted)
            except ApiError as error:
                headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else None
                response = api_error(error, headers)
            except EmulatorError as error:
                response = json_response({"error": str(error)}, 400)
            if route.auth:
                self._record(request, response.status_code, bool(faulted))
            return response
        if allowed:
            return api_error(
                ApiError(405, 20004, f"Method {request.method} not allowed; use {', '.join(allowed)}"),
                {"Allow": ", ".join(allowed)},
            )
        return api_error(ApiError(404, 20404, f"The requested resource {request.path} was not found"))

    def _run(self, route: _Route, request: Request, path: dict[str, str], faulted: list[Fault]) -> Response:
        if not route.auth:
            return route.handler(Call(self.emulator, request, NOBODY, path, None))
        auth = request.authorization
        caller = self.emulator.account_handler.authenticate(
            auth.username if auth else None, auth.password if auth and auth.type == "basic" else None
        )
        spec = load_spec().operation(route.method, route.spec_path) if route.spec_path else None
        if spec is not None:
            spec.check_path(path)
            if request.method == "POST":
                spec.check_form(request.form)
            else:
                spec.check_query(request.args)
        own_account = route.handler is fetch_account
        account_sid = path.get("AccountSid") or (path["Sid"] if own_account else caller.sid)
        account = self.emulator.account_handler.authorize(caller, account_sid, allow_inactive=own_account)
        call = Call(self.emulator, request, account, path, spec)
        fault = self.emulator.faults.take(request.method, request.path)
        if fault is None:
            return route.handler(call)
        faulted.append(fault)
        return self._faulty(fault, route, call)

    def _faulty(self, fault: Fault, route: _Route, call: Call) -> Response:
        response = route.handler(call) if fault.create_anyway else None
        if fault.hang > 0:
            self._released.wait(fault.hang)
        if fault.status is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            return api_error(ApiError(fault.status, fault.error_code, fault.error_message), headers)
        return response if response is not None else route.handler(call)


def _spec_path(tail: str | None) -> str | None:
    if tail is None:
        return None
    if tail.startswith("/Accounts/"):
        return "/2010-04-01" + tail
    if tail.startswith("/Media"):
        return "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}" + tail
    return "/2010-04-01/Accounts/{AccountSid}" + tail
