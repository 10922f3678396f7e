"""Message templates and free-form texts filled in from a record (DESIGN 5, smsb_messagetemplate).

Grammar: `{column}` is the column's formatted value (what a user sees on the form: a choice's label, a lookup's
name, a date as Dataverse formats it), falling back to the raw value; `{column|fallback}` gives `fallback` when
the column is empty; `{{` and `}}` are literal braces. Anything else with a brace is an error that says where,
so an admin learns about a typo before a customer receives half a placeholder. Column names are Dataverse
logical names and are compared in lower case.

Pure: the outbound worker reads the record with exactly the columns `select_for` names, with the formatted values
(`Prefer: odata.include-annotations`) in the same request, and renders from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from messaging.customers import CustomerTable
from messaging.errors import TemplateError

__all__ = [
    "Literal",
    "Placeholder",
    "Record",
    "Template",
    "escape",
    "parse",
    "render",
    "select_for",
    "value_of",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Placeholder:
    column: str
    fallback: str | None = None


Part = Literal | Placeholder


@dataclass(frozen=True)
class Template:
    """A parsed text: literal runs and placeholders, in order."""

    parts: tuple[Part, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the placeholders name, each once, in order of first use."""
        return tuple(dict.fromkeys(p.column for p in self.parts if isinstance(p, Placeholder)))

    @property
    def is_plain(self) -> bool:
        return not self.columns


def parse(text: str) -> Template:
    """Split `text` into literals and placeholders; `TemplateError` names the first misplaced brace."""
    parts: list[Part] = []
    literal: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "}":
            if text.startswith("}}", index):
                literal.append("}")
                index += 2
                continue
            raise TemplateError(f"a lone '}}' at position {index + 1}; write '}}}}' for a literal brace")
        if char != "{":
            literal.append(char)
            index += 1
            continue
        if text.startswith("{{", index):
            literal.append("{")
            index += 2
            continue
        close = text.find("}", index + 1)
        if close < 0:
            raise TemplateError(f"the '{{' at position {index + 1} is never closed; write '{{{{' for a literal brace")
        inside = text[index + 1:close]
        if "{" in inside:
            raise TemplateError(f"the '{{' at position {index + 1} is never closed; write '{{{{' for a literal brace")
        name, bar, fallback = inside.partition("|")
        name = name.strip()
        if not _NAME.fullmatch(name):
            raise TemplateError(f"'{{{inside}}}' at position {index + 1} does not name a column "
                                "(use {column} or {column|fallback})", column=name or None)
        if literal:
            parts.append(Literal("".join(literal)))
            literal = []
        parts.append(Placeholder(name.lower(), fallback if bar else None))
        index = close + 1
    if literal:
        parts.append(Literal("".join(literal)))
    return Template(tuple(parts))


def escape(text: str) -> str:
    """`text` as a template that renders to exactly `text`."""
    return text.replace("{", "{{").replace("}", "}}")


def render(template: Template | str, values: dict[str, str | None]) -> str:
    """Fill in the placeholders from `values` (column → display text, None or "" when empty). A column missing
    from `values` is a `TemplateError` naming it."""
    parsed = parse(template) if isinstance(template, str) else template
    out: list[str] = []
    for part in parsed.parts:
        if isinstance(part, Literal):
            out.append(part.text)
            continue
        if part.column not in values:
            raise TemplateError(f"the placeholder {{{part.column}}} names no column of the record", column=part.column)
        value = values[part.column]
        if value is None or not value.strip():
            out.append(part.fallback if part.fallback is not None else "")
        else:
            out.append(value)
    return "".join(out)


# -- filling in from a record ----------------------------------------------------------------------------------
class Record(Protocol):
    """A record as the Web API answered it: raw values, and the formatted ones when they were asked for."""

    @property
    def formatted(self) -> Mapping[str, str]: ...

    def get(self, column: str, default: Any = None) -> Any: ...

    def __contains__(self, column: object) -> bool: ...


def select_for(columns: Iterable[str], table: CustomerTable | None, table_name: str = "") -> dict[str, str]:
    """Column → the property to `$select` (a lookup is read as `_x_value`). With the table's definition (read from
    Dataverse's metadata), an unknown column is a `TemplateError` before anything is read."""
    selected: dict[str, str] = {}
    for column in columns:
        if table is None:
            selected[column] = column
            continue
        if not table.has_column(column):
            raise TemplateError(f"the placeholder {{{column}}} names no column of {table_name or table.logical_name}",
                                column=column)
        selected[column] = table.value_name(column)
    return selected


def value_of(row: Record, prop: str) -> str | None:
    """What a user sees for a property: the formatted value when Dataverse sent one, else the raw value."""
    formatted = row.formatted.get(prop)
    if formatted is not None:
        return formatted
    raw: Any = row.get(prop)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    return str(raw)


def values_from(row: Record, selected: Mapping[str, str], table_name: str) -> dict[str, str | None]:
    """The display values of the selected columns; a column the answer lacks does not exist on that table."""
    values: dict[str, str | None] = {}
    for column, prop in selected.items():
        if prop not in row:
            raise TemplateError(f"the placeholder {{{column}}} names no column of {table_name}", column=column)
        values[column] = value_of(row, prop)
    return values
