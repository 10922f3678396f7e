"""HTTP plumbing shared by every blueprint: the correlation scope and the one place that maps exceptions to
HTTP responses. Handlers raise typed errors; nothing else decides status codes for failures."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from app.logs import correlation_id, invocation
from app.settings import SettingsError
from dataverse import DataverseError, NotFound
from dataverse import MalformedWebhook as MalformedDataverseWebhook
from messaging.errors import (
    ConfigurationNotFound,
    InvalidMediaLink,
    LookupUnavailable,
    TokenDecryptionFailed,
    UnhandledEvent,
)
from twilio_bridge import InvalidSignature, MalformedWebhook

__all__ = ["error_response", "http_endpoint", "json_response"]

log = logging.getLogger("smsbridge.http")

CORRELATION_HEADER = "x-correlation-id"
_MAX_CORRELATION_LENGTH = 64


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    all_headers = {"Cache-Control": "no-store", **(headers or {})}
    cid = correlation_id()
    if cid:
        all_headers[CORRELATION_HEADER] = cid
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False), status_code=status, mimetype="application/json",
        charset="utf-8", headers=all_headers,
    )


@dataclass(frozen=True)
class _Mapping:
    exception: type[BaseException]
    status: int
    error: str
    message: str | None  # None: the exception's own text, for errors whose text is meant for the caller
    level: int
    headers: tuple[tuple[str, str], ...] = ()


# Most specific first. Messages never echo secrets or request content.
_MAPPINGS = (
    _Mapping(InvalidSignature, 403, "invalid_signature",
             "The X-Twilio-Signature header does not match this request.", logging.WARNING),
    _Mapping(MalformedWebhook, 400, "malformed", None, logging.WARNING),
    _Mapping(MalformedDataverseWebhook, 400, "malformed", None, logging.WARNING),
    _Mapping(UnhandledEvent, 400, "unhandled_event", None, logging.WARNING),
    _Mapping(InvalidMediaLink, 403, "invalid_link", "This media link is not valid or has expired.", logging.WARNING),
    _Mapping(ConfigurationNotFound, 404, "unknown_number", "No active Configuration owns this number.",
             logging.WARNING),
    _Mapping(LookupUnavailable, 503, "busy", "Too many requests are waiting; try again shortly.", logging.WARNING,
             (("Retry-After", "5"),)),
    _Mapping(TokenDecryptionFailed, 500, "configuration",
             "The Configuration's auth token cannot be read; see the logs.", logging.ERROR),
    _Mapping(SettingsError, 503, "configuration", "The function app is not configured correctly; see its logs.",
             logging.ERROR),
    _Mapping(NotFound, 404, "not_found", "Nothing is stored here.", logging.INFO),
    _Mapping(DataverseError, 503, "unavailable", "Dataverse is not answering; try again shortly.", logging.ERROR),
)


def error_response(exc: BaseException) -> func.HttpResponse:
    """The response for an exception that escaped a handler."""
    for mapping in _MAPPINGS:
        if isinstance(exc, mapping.exception):
            log.log(mapping.level, "request answered %s: %s: %s", mapping.status, type(exc).__name__, exc)
            return json_response({"error": mapping.error, "message": mapping.message or str(exc)}, mapping.status,
                                 dict(mapping.headers))
    log.exception("unhandled error in an HTTP function")
    return json_response({"error": "internal", "message": "Something went wrong; the log has the details.",
                          "correlationId": correlation_id()}, 500)


def http_endpoint(handler: Callable[..., func.HttpResponse]) -> Callable[..., func.HttpResponse]:
    """Give an HTTP function its correlation scope and the shared error mapping. The wrapper keeps the
    handler's signature (the Functions worker binds parameters by name)."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest, *args: Any, **kwargs: Any) -> func.HttpResponse:
        incoming = req.headers.get(CORRELATION_HEADER)
        with invocation(incoming if incoming and len(incoming) <= _MAX_CORRELATION_LENGTH else None):
            try:
                return handler(req, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the one place failures become responses
                return error_response(exc)

    return wrapper
