"""The one exception family of the Dataverse client.

Every failure, whatever its origin (HTTP status, socket, token endpoint, payload), reaches callers as a
:class:`DataverseError`. Messages carry the service's code and text and the request ids, never a token.

``is_transient`` says whether the same request may succeed later. Talking to a service mostly fails for reasons that
pass (the network, the token endpoint, an answer cut short), so that is the default; a configuration, a key value or
a webhook body that cannot work is not, and an HTTP error says which from its status (429 and 5xx are).
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "AuthError",
    "BatchError",
    "DataverseConnectionError",
    "DataverseError",
    "DataverseHttpError",
    "InvalidConfig",
    "InvalidKeyValue",
    "MalformedResponse",
    "MalformedWebhook",
    "NotFound",
    "PreconditionFailed",
    "Throttled",
]

# Service error codes the client reacts to (hex form as the Web API reports them).
DUPLICATE_KEY_CODE = "0x80040237"
NOT_FOUND_CODE = "0x80040217"


class DataverseError(Exception):
    """Base of every error raised by the ``dataverse`` package."""

    is_transient: bool = True


class InvalidConfig(DataverseError, ValueError):
    """The configuration cannot work (wrong URL, conflicting credentials)."""

    is_transient = False


class AuthError(DataverseError):
    """No access token could be obtained, or the service refused the one we sent."""


class InvalidKeyValue(DataverseError, ValueError):
    """A key value that Dataverse cannot address in a URL."""

    is_transient = False


class MalformedResponse(DataverseError):
    """The service answered with something the client cannot read."""


class MalformedWebhook(DataverseError, ValueError):
    """A webhook body is not a RemoteExecutionContext the client understands."""

    is_transient = False


class DataverseConnectionError(DataverseError):
    """The request failed below HTTP: DNS, connect, TLS, reset or timeout.

    ``sent`` is False only when the request certainly never reached the service (the connection was never
    established), which makes it safe to repeat even a non-idempotent write.
    """

    def __init__(self, message: str, *, sent: bool, correlation_id: str | None = None) -> None:
        super().__init__(message)
        self.sent = sent
        self.correlation_id = correlation_id


class DataverseHttpError(DataverseError):
    """The service answered with an unexpected status."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        is_transient: bool = False,
        retry_after: float | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.is_transient = is_transient
        self.retry_after = retry_after
        self.request_id = request_id
        self.correlation_id = correlation_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"Dataverse answered {self.status}"
        if self.code:
            text += f" ({self.code})"
        if self.message:
            text += f": {self.message}"
        ids = [f"request {self.request_id}" if self.request_id else "",
               f"correlation {self.correlation_id}" if self.correlation_id else ""]
        joined = ", ".join(i for i in ids if i)
        return f"{text} [{joined}]" if joined else text


class NotFound(DataverseHttpError):
    """404: the row (or column, or table) does not exist."""


class PreconditionFailed(DataverseHttpError):
    """412: an If-Match ETag no longer matches, or If-None-Match found an existing row."""


class AlreadyExists(DataverseHttpError):
    """The row is already there: duplicate key (0x80040237) or 412 on a create-only write."""


class Throttled(DataverseHttpError):
    """429: a service-protection limit; ``retry_after`` says how long the service wants us to wait."""


class BatchError(DataverseError):
    """A ``$batch`` as a whole failed, or its response could not be matched to its parts."""
