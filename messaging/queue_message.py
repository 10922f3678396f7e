"""Reading a queue message's JSON: an object or a permanent failure that says why, never a crash.

Both queues carry JSON objects this app wrote. Anything else (a list, a string, text nested past the parser's
recursion limit) was put there by something else and fails the same way on every retry, so it is a
`PermanentFailure` — recorded in the Error Log and kept in the poison queue, not lost.
"""

from __future__ import annotations

import json
from typing import Any

from messaging.errors import PermanentFailure

__all__ = ["load_object"]


def load_object(body: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise PermanentFailure("unreadable queue message: nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PermanentFailure(f"unreadable queue message: {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict):
        raise PermanentFailure(f"unreadable queue message: a JSON {type(data).__name__}, not a JSON object")
    return data
