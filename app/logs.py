"""Structured logging with a correlation id per invocation, and a filter that keeps secrets out of every line.

The redaction filter works on the *rendered* message and on every extra field, so a secret cannot slip through
as a `%s` argument, an exception text or a structured attribute. It removes two kinds of secret:
- literal values the app knows are secret (settings such as the encryption key or a client secret, Twilio auth
  tokens once decrypted), registered with `RedactionFilter.add_secret`;
- anything shaped like a credential: Authorization headers, bearer tokens, JWTs, function keys in `code=` query
  parameters or `x-functions-key` headers, storage account keys and SAS signatures, and bare 32-hex-digit
  strings (the shape of a Twilio auth token; SIDs keep their two-letter prefix and are left alone).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

__all__ = [
    "REDACTED",
    "JsonFormatter",
    "RedactionFilter",
    "configure_logging",
    "correlation_id",
    "invocation",
]

REDACTED = "[REDACTED]"
# Shorter values would redact ordinary words (a path, a host name); real secrets are far longer.
_MIN_SECRET_LENGTH = 12

_correlation: contextvars.ContextVar[str | None] = contextvars.ContextVar("smsb_correlation_id", default=None)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Authorization: Bearer abc", "authorization=Basic abc", and header dicts rendered as text.
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^\s'\",;]+"), r"\1\2 " + REDACTED),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(?i)([?&](?:code|sig|signature)=)[^&\s'\"]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(x-functions-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",;]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(x-twilio-signature['\"]?\s*[:=]\s*['\"]?)[^\s'\",;]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)((?:AccountKey|SharedAccessSignature|client_secret|auth_?token)['\"]?\s*[:=]\s*['\"]?)"
                r"[^\s'\",;&]+"), r"\1" + REDACTED),
    (re.compile(r"(?<![A-Za-z0-9])[0-9a-fA-F]{32}(?![0-9a-fA-F])"), REDACTED),
)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message", "asctime"}


def correlation_id() -> str | None:
    """The correlation id of the invocation running in this context, if any."""
    return _correlation.get()


@contextlib.contextmanager
def invocation(cid: str | None = None) -> Iterator[str]:
    """Scope one function invocation: every record logged inside carries the same correlation id."""
    value = cid or str(uuid.uuid4())
    token = _correlation.set(value)
    try:
        yield value
    finally:
        _correlation.reset(token)


class RedactionFilter(logging.Filter):
    """Rewrites each record so that no secret reaches a handler. Attach it to handlers, not loggers, so that
    records from every library (requests, msal, azure) pass through it."""

    _secrets: ClassVar[set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def add_secret(cls, value: str | None) -> None:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            with cls._lock:
                cls._secrets.add(value)

    @classmethod
    def scrub(cls, text: str) -> str:
        with cls._lock:
            secrets = sorted(cls._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            rendered = record.getMessage()
        except (TypeError, ValueError):
            rendered = f"{record.msg} {record.args}"
        record.msg = self.scrub(rendered)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self.scrub(value))
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = _correlation.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, then any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or _correlation.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in payload:
                payload[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_text:
            payload["exception"] = record.exc_text
        elif record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, *, secrets: tuple[str, ...] = ()) -> None:
    """Install the JSON formatter and the redaction filter on every handler of the root logger.

    In Azure the Functions worker owns the root handlers; adding the filter to them (rather than replacing them)
    keeps its Application Insights plumbing intact. Idempotent.
    """
    for secret in secrets:
        RedactionFilter.add_secret(secret)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(RedactionFilter())
        if not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
    root.setLevel(level)
    # The Azure SDK logs every HTTP request and its headers at INFO; that is noise at our level, not signal.
    logging.getLogger("azure").setLevel(max(level, logging.WARNING))
