"""The OData lexical layer the emulator's parsers share: literals, tokens, and the lookup value :class:`Ref`.

Literals are written as the Web API writes them (``'text'`` with ``''`` for a quote, GUIDs unquoted, dates as
ISO 8601, numbers with an optional type suffix); the parsers built on these tokens are ``filters.py`` (``$filter``),
``query_options.py`` (``$select``, ``$orderby``, ``$expand``), ``key_predicates.py`` (``set(key)``) and
``metadata_query.py`` (the metadata ``$filter``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from . import errors

__all__ = ["GUID_RE", "Literal", "Ref", "Token", "format_datetime", "literal_of", "normalize_guid", "parse_datetime",
           "split_top_level", "tokenize"]


@dataclass(frozen=True)
class Ref:
    """A lookup value: the target table and row id."""

    table: str
    id: str


# --- literals --------------------------------------------------------------------------------------------

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalize_guid(text: str) -> str | None:
    text = text.strip().strip("{}")
    if not GUID_RE.match(text):
        return None
    return str(uuid.UUID(text))


def parse_datetime(text: str) -> datetime | None:
    if _DATE_RE.match(text):
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    if not _DATETIME_RE.match(text):
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- tokens ---------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?(?![\w:]))
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<name>[A-Za-z_$@][\w.$@/]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


class Literal:
    """A parsed literal with the OData type it was written as."""

    def __init__(self, value: Any, edm: str) -> None:
        self.value = value
        self.edm = edm


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise errors.syntax(f"Syntax error at position {pos} in '{text}'.")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group()))
    return tokens


_KEYWORDS = {
    "null": Literal(None, "null"),
    "true": Literal(True, "Edm.Boolean"),
    "false": Literal(False, "Edm.Boolean"),
}


def literal_of(token: Token) -> Literal | None:
    if token.kind == "name":
        return _KEYWORDS.get(token.text)
    parse = _LITERALS.get(token.kind)
    return parse(token.text) if parse is not None else None


def _string_literal(text: str) -> Literal:
    return Literal(text[1:-1].replace("''", "'"), "Edm.String")


def _guid_literal(text: str) -> Literal:
    return Literal(str(uuid.UUID(text)), "Edm.Guid")


def _datetime_literal(text: str) -> Literal:
    parsed = parse_datetime(text)
    if parsed is None:
        raise errors.syntax(f"Unrecognized date literal '{text}'.")
    return Literal(parsed, "Edm.DateTimeOffset")


def _number_literal(text: str) -> Literal:
    text = text.rstrip("mMdDfFlL")
    if re.fullmatch(r"-?\d+", text):
        return Literal(int(text), "Edm.Int32")
    return Literal(float(text), "Edm.Decimal")


_LITERALS: dict[str, Callable[[str], Literal]] = {
    "string": _string_literal,
    "guid": _guid_literal,
    "datetime": _datetime_literal,
    "number": _number_literal,
}



# --- lists ----------------------------------------------------------------------------------------------


def split_top_level(text: str, sep: str) -> list[str]:
    """``text`` cut at ``sep`` outside quotes and parentheses, each part stripped; empty parts dropped."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current or parts:
        parts.append("".join(current))
    return [p for p in (x.strip() for x in parts) if p]
