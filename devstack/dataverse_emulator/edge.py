"""The HTTP edge: a WSGI request becomes a :class:`~.protocol.Call` and its :class:`~.protocol.Outcome` a response.

On the way in: ``/_devstack/`` goes to the control routes (``devstack_api.py``), anything else outside
``/api/data/v9.2/`` is 404, a request without a bearer token (or with another than the only accepted one) is 401,
a request over one of Dataverse's service protection limits is refused with 429 (``service_protection.py``, when
on), and an injected fault (``faults.py``) answers instead of the API. On the way out: every Web API answer is logged
(``requests``, without the Authorization header) and carries an ``x-ms-service-request-id``, the id support would
ask for, and, while service protection is on, the account's ``x-ms-ratelimit-*`` headers; absolute URLs in answers
use the address the client used (``headers.public_base_url``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from .faults import Faults, RequestLog, RequestRecord, fault_error
from .headers import public_base_url
from .protocol import API_PREFIX, Call, Outcome
from .service_protection import Admission, ServiceProtection

__all__ = ["respond"]

_CONTROL_PREFIX = "/_devstack/"


def respond(request: Request, *, api: Callable[[Call], Outcome], control: Callable[[Request], Outcome],
            faults: Faults, log: RequestLog, token: str | None, protection: ServiceProtection) -> Response:
    """Answer one HTTP request; ``token`` is the only bearer token accepted (None: any non-empty one)."""
    path = request.path
    fault = False
    admission: Admission | None = None
    if path.startswith(_CONTROL_PREFIX):
        outcome = control(request)
    elif not path.startswith(API_PREFIX.rstrip("/")):
        outcome = Outcome.json(
            404,
            {"error": {"code": "0x80060888", "message": f"No resource at {path}; the Web API is under {API_PREFIX}."}},
        )
    elif not _authorized(request, token):
        outcome = Outcome(
            401, [("WWW-Authenticate", 'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"')]
        )
    else:
        # the whole answer, injected latency included, is the request's execution time and keeps it in flight
        with protection.request(request.headers.get("Authorization", "")) as admission:
            if admission is not None and admission.error is not None:
                outcome = Outcome.error(admission.error)
            else:
                outcome, fault = _answer(request, api, faults, path)
    if not path.startswith(_CONTROL_PREFIX):  # the log is about Web API traffic, not test control
        log.append(
            RequestRecord(
                method=request.method,
                path=path,
                query=request.query_string.decode("latin-1"),
                status=outcome.status,
                fault=fault,
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            )
        )
    response = Response(outcome.body, status=outcome.status, headers=outcome.headers)
    if outcome.content_type:
        response.headers["Content-Type"] = outcome.content_type
    elif not outcome.body:
        response.headers.pop("Content-Type", None)
    if path.startswith(API_PREFIX.rstrip("/")):
        response.headers["x-ms-service-request-id"] = str(uuid.uuid4())
        for name, value in protection.headers(admission):
            response.headers[name] = value
    return response


def _answer(request: Request, api: Callable[[Call], Outcome], faults: Faults, path: str) -> tuple[Outcome, bool]:
    """The API's answer, or an injected fault's (with its latency first); and whether a fault answered."""
    rule = faults.match(request.method, path)
    error = None
    if rule is not None:
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        error = fault_error(rule)
    if error is not None:
        return Outcome.error(error), True
    return api(_call_of(request)), False


def _authorized(request: Request, token: str | None) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return token is None or given.strip() == token


def _call_of(request: Request) -> Call:
    return Call(
        method=request.method.upper(),
        path=request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else "",
        query=parse_qsl(request.query_string.decode("utf-8"), keep_blank_values=True),
        headers=Headers(request.headers),
        body=request.get_data(),
        base_url=public_base_url(request.headers, request.scheme, request.host) + API_PREFIX,
    )
