"""HTTP plumbing shared by every blueprint: the correlation scope and the one place that maps exceptions to
HTTP responses. Handlers raise typed errors; nothing else decides status codes for failures."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func

from app.logs import correlation_id, invocation
from app.settings import SettingsError

__all__ = ["error_response", "http_endpoint", "json_response"]

log = logging.getLogger("smsbridge.http")

CORRELATION_HEADER = "x-correlation-id"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    all_headers = {"Cache-Control": "no-store", **(headers or {})}
    cid = correlation_id()
    if cid:
        all_headers[CORRELATION_HEADER] = cid
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False), status_code=status, mimetype="application/json",
        charset="utf-8", headers=all_headers,
    )


def error_response(exc: BaseException) -> func.HttpResponse:
    """The response for an exception that escaped a handler. Bodies never echo secrets or request content."""
    if isinstance(exc, SettingsError):
        log.error("request refused: the function app's settings are invalid: %s", exc)
        return json_response(
            {"error": "configuration", "message": "The function app is not configured correctly; see its logs."},
            503,
        )
    log.exception("unhandled error in an HTTP function")
    return json_response({"error": "internal", "message": "Something went wrong; the log has the details.",
                          "correlationId": correlation_id()}, 500)


def http_endpoint(
    handler: Callable[[func.HttpRequest], func.HttpResponse],
) -> Callable[[func.HttpRequest], func.HttpResponse]:
    """Give an HTTP function its correlation scope and the shared error mapping."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        incoming = req.headers.get(CORRELATION_HEADER)
        with invocation(incoming if incoming and len(incoming) <= 64 else None):
            try:
                return handler(req)
            except Exception as exc:  # noqa: BLE001 - the one place failures become responses
                return error_response(exc)

    return wrapper
