"""What a failed call to Twilio tells its caller, whatever raised it: the one place the SDK's exceptions and the
transport's are read. ``sender`` turns the answer into ``SendFailed``, ``client.call_api`` into ``TwilioApiError``.

- ``RequestNotSent`` (the transport's: the request never left, or 429 until the retries ran out): transient, and
  Twilio certainly has nothing;
- ``ResponseLost`` (the request may have left; no usable answer came back): transient and ambiguous;
- an HTTP error answer (``TwilioRestException``, or ``TwilioServiceException`` of the newer APIs): Twilio's status,
  code and message; a 5xx is transient and ambiguous (Twilio may have acted before failing), a 4xx is neither;
- anything else twilio-python raises while reading a success answer (``TwilioException``, ``ValueError``): the
  call went through but its answer could not be read, so it is transient and ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

from twilio_bridge.errors import RequestNotSent, ResponseLost

__all__ = ["CallFailure", "call_failure"]


@dataclass(frozen=True, slots=True)
class CallFailure:
    detail: str  # Twilio's own message (without twilio-python's "Unable to …: " prefix), or what went wrong
    status: int | None
    code: int | None
    is_transient: bool  # trying again later may succeed
    ambiguous: bool  # the request may have reached Twilio: a send must never be repeated automatically
    answered: bool  # Twilio answered with an HTTP error status


def call_failure(exc: BaseException) -> CallFailure | None:
    """The failure ``exc`` stands for; None when it is not a failure of the call (a fault of the caller's)."""
    if isinstance(exc, RequestNotSent):
        return CallFailure(exc.reason, exc.status, exc.code, is_transient=True, ambiguous=False, answered=False)
    if isinstance(exc, ResponseLost):
        return CallFailure(exc.reason, None, None, is_transient=True, ambiguous=True, answered=False)
    if isinstance(exc, TwilioRestException):
        return _answered(exc.status, exc.code, _strip_prefix(str(exc.msg)))
    if isinstance(exc, TwilioServiceException):
        return _answered(exc.status, exc.code, str(exc.detail or exc.title))
    if isinstance(exc, TwilioException | ValueError):
        return CallFailure(f"unreadable answer from Twilio: {type(exc).__name__}", None, None, is_transient=True,
                           ambiguous=True, answered=False)
    return None


def _answered(status: int, code: int | None, detail: str) -> CallFailure:
    server = status >= 500
    return CallFailure(detail, status, code, is_transient=server, ambiguous=server, answered=True)


def _strip_prefix(message: str) -> str:
    # twilio-python prefixes Twilio's own message with its operation ("Unable to create record: ").
    head, separator, tail = message.partition(": ")
    return tail if separator and head.startswith("Unable to") else message
