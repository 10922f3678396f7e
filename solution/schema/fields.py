"""Checks of single fields of a definition file: an enum's value, and keys the format does not know."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from .model import SchemaError

StrEnumT = TypeVar("StrEnumT", bound=StrEnum)


def parse_enum(where: str, what: str, enum: type[StrEnumT], value: Any) -> StrEnumT:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise SchemaError(f"{where}: unknown {what} {value!r} (one of: {allowed})") from None


def reject_unknown(file: str, where: str, doc: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise SchemaError(f"{file}: {where}: unknown field(s) {', '.join(unknown)}")
