"""Twilio resource identifiers: two letters naming the kind, then 32 hex digits."""

from __future__ import annotations

import re
import uuid

__all__ = ["is_sid", "new_sid"]

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def is_sid(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and _SID.match(value) is not None
