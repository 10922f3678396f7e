"""Impersonation as Dataverse does it: the ``MSCRMCallerID: <systemuserid>`` header makes a request act as that user.

WhoAmI answers the impersonated user, and rows the request creates default ``ownerid``, ``createdby`` and
``modifiedby`` to that user (updates set ``modifiedby``). Without the header the request acts as the
emulator's integration user (the application user of the app registration). Naming oneself is no impersonation.
What the impersonated user may do is ``access.py``'s business: the integration user must hold
``prvActOnBehalfOfAnotherUser``, and both must hold each privilege used.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from werkzeug.datastructures import Headers

from . import errors
from .errors import ODataError
from .store import Store

__all__ = ["CALLER_HEADER", "acting_user", "impersonating"]

CALLER_HEADER = "MSCRMCallerID"

_caller: ContextVar[str | None] = ContextVar("dataverse_emulator_caller", default=None)


def acting_user(application_user: str) -> str:
    """The systemuserid the current request acts as: the impersonated user, else the application user."""
    return _caller.get() or application_user


@contextlib.contextmanager
def impersonating(store: Store, headers: Headers) -> Iterator[None]:
    """Act as the user named by the request's ``MSCRMCallerID`` header (if any) while the request runs."""
    raw = (headers.get(CALLER_HEADER) or "").strip().strip("{}")
    if not raw:
        yield
        return
    try:
        user = str(uuid.UUID(raw))
    except ValueError:
        message = f"The {CALLER_HEADER} header '{raw}' is not a systemuserid."
        raise ODataError(400, errors.BAD_PROPERTY, message) from None
    if store.get("systemuser", user) is None:
        raise ODataError(
            404, errors.NOT_FOUND, f"The user with SystemUserId={user} named by {CALLER_HEADER} does not exist."
        )
    token = _caller.set(user)
    try:
        yield
    finally:
        _caller.reset(token)
