"""A queue message's JSON, read once: an object, or why it is not one.

Both queues carry JSON objects this app wrote. Anything else (a list, a string, text nested past the parser's
recursion limit) was put there by something else and fails the same way on every retry: it is `Unreadable`, which
the worker records in the Error Log and leaves in the poison queue — never a crash, never lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messaging.errors import PermanentFailure
from messaging.times import parse_datetime

__all__ = ["VERSION", "Unreadable", "load_object", "received_at"]

# The envelope format; a newer worker reads messages an older one queued during a deployment.
VERSION = 1


@dataclass(frozen=True)
class Unreadable:
    """A queue message that cannot be read; `correlation_id` when the message still named one."""

    reason: str
    correlation_id: str | None = None

    def failure(self) -> PermanentFailure:
        return PermanentFailure(self.reason)


def load_object(body: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise PermanentFailure("unreadable queue message: nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PermanentFailure(f"unreadable queue message: {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict):
        raise PermanentFailure(f"unreadable queue message: a JSON {type(data).__name__}, not a JSON object")
    if data.get("v") != VERSION:
        raise PermanentFailure(f"queue message version {data.get('v')!r} is not {VERSION}")
    return data


def received_at(data: dict[str, Any]) -> datetime:
    moment = parse_datetime(data["received_at"])
    if moment is None:
        raise PermanentFailure("queue message has no received_at")
    return moment


def correlation_of(data: dict[str, Any]) -> str | None:
    value = data.get("correlation_id")
    return str(value) if value else None
