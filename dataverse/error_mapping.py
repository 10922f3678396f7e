"""From an error response to the typed error of :mod:`dataverse.errors`: the service's error code and message,
``Retry-After``, and which statuses are transient. Pure: the same answer gives the same error."""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from typing import Any, Final

from dataverse.errors import (
    DUPLICATE_KEY_CODE,
    AlreadyExists,
    DataverseHttpError,
    NotFound,
    PreconditionFailed,
    Throttled,
)

__all__ = ["TRANSIENT_STATUSES", "http_error", "parse_error_body", "parse_retry_after"]

TRANSIENT_STATUSES: Final = frozenset({502, 503, 504})


def http_error(status: int, headers: Mapping[str, str], body: bytes, reason: str, *, correlation_id: str,
               now: float) -> DataverseHttpError:
    """The typed error for an error response (alone, or one part of a ``$batch``); ``now`` is the wall clock an
    HTTP-date ``Retry-After`` is measured from."""
    code, message = parse_error_body(body, reason)
    kwargs: dict[str, Any] = {
        "request_id": headers.get("x-ms-service-request-id"),
        "correlation_id": correlation_id,
    }
    error: DataverseHttpError
    if status == 429:
        retry_after = parse_retry_after(headers.get("Retry-After"), now)
        error = Throttled(status, code, message, is_transient=True, retry_after=retry_after, **kwargs)
    elif code is not None and code.lower() == DUPLICATE_KEY_CODE:
        error = AlreadyExists(status, code, message, **kwargs)
    elif status == 404:
        error = NotFound(status, code, message, **kwargs)
    elif status == 412:
        error = PreconditionFailed(status, code, message, **kwargs)
    else:
        transient = status in TRANSIENT_STATUSES
        error = DataverseHttpError(status, code, message, is_transient=transient, **kwargs)
    return error


def parse_error_body(body: bytes, reason: str = "") -> tuple[str | None, str]:
    """The service error code and message from ``{"error": {"code", "message"}}``, tolerating other bodies."""
    try:
        payload = json.loads(body) if body.strip() else None
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return None, (text[:300] if text else reason)
    if isinstance(payload, Mapping) and isinstance(payload.get("error"), Mapping):
        error = payload["error"]
        code = error.get("code")
        message = str(error.get("message") or "")
        return (str(code) if code else None), message
    return None, reason


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` in seconds: either delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
