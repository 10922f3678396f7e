"""The logical operation a call belongs to: one correlation id and the headers that act on the caller's behalf,
held in a context variable so every call inside :func:`operation` shares them."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["OperationScope", "current_scope", "operation"]


@dataclass(frozen=True)
class OperationScope:
    """Per logical operation: the correlation id and the headers that act on the caller's behalf."""

    correlation_id: str
    caller_object_id: str | None = None
    solution_unique_name: str | None = None
    caller_id: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"x-ms-correlation-id": self.correlation_id}
        # Impersonation; the application user needs the prvActOnBehalfOfAnotherUser privilege, and Dataverse
        # then allows only what both it and the impersonated user may do.
        if self.caller_object_id:
            headers["CallerObjectId"] = self.caller_object_id  # by Entra object id
        elif self.caller_id:
            headers["MSCRMCallerID"] = self.caller_id  # by systemuserid
        if self.solution_unique_name:
            headers["MSCRM.SolutionUniqueName"] = self.solution_unique_name
        return headers


_scope: contextvars.ContextVar[OperationScope | None] = contextvars.ContextVar(
    "dataverse_scope", default=None
)


def current_scope() -> OperationScope | None:
    return _scope.get()


@contextlib.contextmanager
def operation(
    correlation_id: str | None = None,
    *,
    caller_object_id: uuid.UUID | str | None = None,
    solution_unique_name: str | None = None,
    caller_id: uuid.UUID | str | None = None,
) -> Iterator[OperationScope]:
    """Run the enclosed calls as one logical operation (one correlation id, shared caller headers)."""
    outer = _scope.get()
    # A nested scope inherits what it does not override, so nested code can open its own scope freely.
    scope = OperationScope(
        correlation_id=correlation_id or (outer.correlation_id if outer else str(uuid.uuid4())),
        caller_object_id=(str(caller_object_id) if caller_object_id
                          else outer.caller_object_id if outer else None),
        solution_unique_name=solution_unique_name or (outer.solution_unique_name if outer else None),
        caller_id=(str(caller_id) if caller_id else outer.caller_id if outer else None),
    )
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
