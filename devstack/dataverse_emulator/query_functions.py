"""Dataverse's query functions in ``$filter``: ``Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["a","b"])``,
the date and user functions ("Filter rows",
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows, and the "Web API Query
Function Reference").

Their arguments lie outside the ``$filter`` token grammar, so each call is cut out of the text first, evaluated
into a predicate by ``conditions.py``, and stands in the expression as a placeholder name.
"""

from __future__ import annotations

import json
import re
from typing import Any

from solution.schema import Column, Table

from . import conditions, errors
from .query_options import Predicate, resolve_property

__all__ = ["take_query_functions"]


def take_query_functions(table: Table, text: str, context: conditions.QueryContext) -> tuple[str, dict[str, Predicate]]:
    """``text`` with each query function call replaced by a placeholder name, and the predicate of each placeholder."""
    predicates: dict[str, Predicate] = {}
    out: list[str] = []
    pos = 0
    for start, end, name, args in _query_function_calls(text):
        placeholder = f"__query_function_{len(predicates)}__"
        predicates[placeholder] = _query_function(table, name, args, context)
        out.append(text[pos:start])
        out.append(placeholder)
        pos = end
    out.append(text[pos:])
    return "".join(out), predicates


def _query_function(table: Table, name: str, args: str, context: conditions.QueryContext) -> Predicate:
    """``Microsoft.Dynamics.CRM.<name>(PropertyName='col',PropertyValue(s)=...)`` as a predicate."""
    operator = conditions.QUERY_FUNCTIONS.get(name)
    if operator is None:
        raise errors.unsupported(f"the query function 'Microsoft.Dynamics.CRM.{name}'")
    params: dict[str, Any] = {}
    for part in _split_arguments(args):
        key, sep, raw = part.partition("=")
        if not sep:
            raise errors.syntax(f"Bad parameter '{part}' of Microsoft.Dynamics.CRM.{name}.")
        params[key.strip()] = _function_argument(raw.strip(), name)
    prop = params.pop("PropertyName", None)
    if not isinstance(prop, str):
        raise errors.syntax(f"Microsoft.Dynamics.CRM.{name} needs PropertyName='<column>'.")
    col, getter_name = _function_property(table, prop)
    values = params.pop("PropertyValues", params.pop("PropertyValue", None))
    if params:
        raise errors.syntax(f"Unknown parameter(s) {', '.join(sorted(params))} of Microsoft.Dynamics.CRM.{name}.")
    operands = [] if values is None else values if isinstance(values, list) else [values]
    condition = conditions.build(operator, col, operands, context, where=f"Microsoft.Dynamics.CRM.{name}")
    return lambda row: condition.test(row(getter_name))


_QUERY_FUNCTION_RE = re.compile(r"Microsoft\.Dynamics\.CRM\.(\w+)\s*\(")


def _query_function_calls(text: str) -> list[tuple[int, int, str, str]]:
    """Each ``Microsoft.Dynamics.CRM.Name(args)`` outside quotes: (start, end, name, args)."""
    calls: list[tuple[int, int, str, str]] = []
    pos = 0
    quote: str | None = None
    while pos < len(text):
        ch = text[pos]
        if quote is not None:
            if ch == quote:
                quote = None
            pos += 1
            continue
        if ch == "'":
            quote = ch
            pos += 1
            continue
        m = _QUERY_FUNCTION_RE.match(text, pos)
        if m is None:
            pos += 1
            continue
        depth, end, inner_quote = 1, m.end(), None
        while end < len(text) and depth:
            c = text[end]
            if inner_quote is not None:
                inner_quote = None if c == inner_quote else inner_quote
            elif c in "'\"":
                inner_quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            end += 1
        if depth:
            raise errors.syntax(f"Unclosed call of Microsoft.Dynamics.CRM.{m.group(1)} in '{text}'.")
        calls.append((pos, end, m.group(1), text[m.end() : end - 1]))
        pos = end
    return calls


def _split_arguments(text: str) -> list[str]:
    """Split at commas outside quotes, parentheses and brackets (PropertyValues=["a","b"] is one argument)."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _function_argument(raw: str, name: str) -> Any:
    """A query-function parameter: 'text', a number, or a collection ["a","b"] / ['a','b']."""
    if raw.startswith("[") and raw.endswith("]"):
        try:
            parsed = json.loads(raw)  # Collection(Edm.String) as JSON: ["a","b"]
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
        items: list[str] = []
        for item in _split_arguments(raw[1:-1]):
            if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
                items.append(item[1:-1].replace(item[0] * 2, item[0]))
            else:
                items.append(item)
        return items
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return raw
    if raw.startswith("@"):
        raise errors.unsupported(f"parameter aliases ('{raw}') in Microsoft.Dynamics.CRM.{name}")
    raise errors.syntax(f"Bad value '{raw}' for a parameter of Microsoft.Dynamics.CRM.{name}.")


def _function_property(table: Table, name: str) -> tuple[Column, str]:
    """A query function names a column by logical name; a lookup may also be named by its _x_value property."""
    col = table.find_column(name)
    if col is not None and col.type.is_reference:
        return col, name
    return resolve_property(table, name)
