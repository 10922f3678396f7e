"""The one exception family of the Twilio edge.

Every failure leaves ``twilio_bridge`` as a ``TwilioBridgeError`` subclass carrying the facts a caller
needs to react: which check failed and why, which field was malformed, whether a failed send may be
retried or may already have reached Twilio.

``is_transient`` says whether trying again later may succeed. A signature, a webhook, credentials or a number that
are wrong stay wrong, so that is the default; failures of a call to Twilio say which they are.
"""

from __future__ import annotations

__all__ = [
    "CredentialsInvalid",
    "InvalidSignature",
    "MalformedWebhook",
    "MediaDownloadFailed",
    "NumberNotFound",
    "RequestNotSent",
    "ResponseLost",
    "SendFailed",
    "TwilioApiError",
    "TwilioBridgeError",
]


class TwilioBridgeError(Exception):
    """Base of every error raised by ``twilio_bridge``."""

    is_transient: bool = False


class InvalidSignature(TwilioBridgeError):
    """The request is not proven to come from Twilio (answer 403)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedWebhook(TwilioBridgeError):
    """A signed webhook does not have the shape Twilio documents (answer 400)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field


class SendFailed(TwilioBridgeError):
    """Twilio did not accept a message.

    ``is_transient``: trying again later may succeed (rate limiting, Twilio unreachable).
    ``ambiguous``: the request may have reached Twilio, so the message may exist; never re-send it
    automatically.
    ``code`` is Twilio's error code (21610, 20429…) when Twilio answered with one.
    """

    def __init__(
        self,
        code: int | None,
        message: str,
        *,
        is_transient: bool,
        ambiguous: bool = False,
        status: int | None = None,
    ) -> None:
        prefix = f"Twilio error {code}: " if code is not None else ""
        super().__init__(prefix + message)
        self.code = code
        self.message = message
        self.is_transient = is_transient
        self.ambiguous = ambiguous
        self.status = status


class TwilioApiError(TwilioBridgeError):
    """A Twilio REST call other than a send failed, or Twilio could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None, is_transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.is_transient = is_transient


class CredentialsInvalid(TwilioBridgeError):
    """The Account SID / Auth Token pair cannot be used; ``reason`` says why, for the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NumberNotFound(TwilioBridgeError):
    """The phone number (or Messaging Service) is not in the account."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MediaDownloadFailed(TwilioBridgeError):
    """Inbound media could not be fetched, or was refused (size, type, host); ``status`` is the HTTP status
    Twilio (or its CDN) answered with, when there was one (404: Twilio no longer has it)."""

    def __init__(self, reason: str, *, is_transient: bool = False, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.is_transient = is_transient
        self.status = status


class RequestNotSent(TwilioBridgeError):
    """Twilio certainly did not process the request (it never left, or Twilio answered 429), retries exhausted.
    Raised by the transport; callers see it as ``SendFailed`` or ``TwilioApiError``."""

    is_transient = True

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code
        self.retry_after = retry_after


class ResponseLost(TwilioBridgeError):
    """The request may have reached Twilio but no usable answer came back. Raised by the transport; callers see it
    as ``SendFailed`` (ambiguous) or ``TwilioApiError``."""

    is_transient = True

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
