"""What a failed request to Twilio proves: did the request certainly never leave, or may Twilio have it?

This is the one place that decides it. A send may be repeated only when it certainly never left; anything else is
*unknown* (the text may exist in Twilio) and must never be repeated automatically (DESIGN 2, 6.4).

``fate(error, written)`` looks at two things:

- ``written``: what the transport saw on the wire for this attempt — ``True`` once any byte of the request was
  handed to the socket, ``False`` when the connection was used and not a byte of the request was written, ``None``
  when the transport could not watch (another adapter, a test double).
- the exception chain requests and urllib3 build (read in requests 2.34 ``adapters.py`` and urllib3 2.8
  ``connectionpool.py`` / ``connection.py``):

  - DNS failure: ``ConnectionError(MaxRetryError(reason=NameResolutionError))`` — never left;
  - connection refused or unreachable: ``ConnectionError(MaxRetryError(reason=NewConnectionError))`` — never left;
  - TCP connect timeout: ``ConnectTimeout(MaxRetryError(reason=ConnectTimeoutError))`` — never left;
  - certificate refused in the handshake: ``SSLError(MaxRetryError(reason=SSLError(SSLCertVerificationError)))``
    — never left;
  - any other TLS failure in the handshake, *and* a TLS failure while reading the answer:
    ``SSLError(MaxRetryError(reason=SSLError(ssl.SSLError)))`` — see below;
  - a TLS failure while reading the body: ``SSLError(urllib3 SSLError(ssl.SSLError))`` — unknown;
  - connection reset or closed before the answer: ``ConnectionError(ProtocolError(...))`` — unknown;
  - read timeout: ``ReadTimeout`` or ``ConnectionError(MaxRetryError(reason=ReadTimeoutError))`` — unknown.

  The two TLS cases raise the very same chain (urllib3 wraps a handshake error in ``_validate_conn`` and an error
  in ``getresponse`` alike; even the reason can be the same: ``UNEXPECTED_EOF_WHILE_READING`` appears both when a
  handshake is cut and when an answer is), so the exception cannot tell them apart: only ``written`` can. Without
  it, a TLS error is unknown unless it is a certificate verification failure, which only a handshake raises.

urllib3 draws the same line for its own retries: ``Retry._is_connection_error`` counts only
``ConnectTimeoutError`` (of which ``NewConnectionError`` and ``NameResolutionError`` are subclasses) as "fairly
sure that the server did not receive the request" (urllib3 2.8 ``util/retry.py``); TLS errors are neither connect
nor read errors there.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Iterator

import urllib3.exceptions
from urllib3.util.ssl_match_hostname import CertificateError

__all__ = ["Fate", "fate"]

_MAX_DEPTH = 12


class Fate(enum.Enum):
    NEVER_LEFT = "never-left"  # provably not sent: safe to try again
    UNKNOWN = "unknown"  # may have reached Twilio: never repeat automatically


def fate(error: BaseException, written: bool | None) -> Fate:
    """The fate of one failed request attempt (see the module docstring); a pure function."""
    if written is True:
        return Fate.UNKNOWN
    if written is False:
        # The connection was in use and not one byte of the request reached the socket.
        return Fate.NEVER_LEFT
    for cause in _chain(error):
        if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
            # Raised only while opening the socket (urllib3 connection._new_conn), before any request byte.
            return Fate.NEVER_LEFT
        if isinstance(cause, ssl.SSLCertVerificationError | CertificateError):
            # Certificates are checked only in the handshake, which ends before the request is written.
            return Fate.NEVER_LEFT
    return Fate.UNKNOWN


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps, explicitly: exception arguments (requests and urllib3 pass the wrapped error
    as an argument), ``MaxRetryError.reason``, ``ProxyError.original_error`` and ``raise … from``. Implicit
    context (an error raised while handling another) is not followed: it says nothing about this request."""
    seen: set[int] = set()
    pending: list[tuple[BaseException, int]] = [(error, 0)]
    while pending:
        current, depth = pending.pop(0)
        if id(current) in seen or depth > _MAX_DEPTH:
            continue
        seen.add(id(current))
        yield current
        inner: list[object] = [*current.args, getattr(current, "reason", None),
                               getattr(current, "original_error", None), current.__cause__]
        pending.extend((item, depth + 1) for item in inner if isinstance(item, BaseException))
