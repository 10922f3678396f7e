"""``$filter``: comparisons, ``and``/``or``/``not``, parentheses, ``null``, ``contains``/``startswith``/``endswith``
and the query functions of ``query_functions.py``, parsed into a predicate over a row getter.

Text compares case-insensitively, as Dataverse's collation does. Anything outside the subset raises an
:class:`ODataError` naming exactly what is not supported, so a test never gets a silently wrong answer.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from solution.schema import Column, ColumnType, Table

from . import conditions, errors
from .errors import ODataError
from .odata import Literal, Token, literal_of, tokenize
from .query_functions import take_query_functions
from .query_options import Getter, Predicate, comparable, resolve_property

__all__ = ["FilterParser", "coerce_literal", "parse_filter"]

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_STRING_FUNCTIONS = {"contains", "startswith", "endswith"}


class FilterParser:
    """Recursive descent over the token list; produces a predicate over a row getter."""

    def __init__(self, table: Table, text: str, context: conditions.QueryContext | None = None) -> None:
        self.table = table
        self.text = text
        # Dataverse's query functions take arguments (PropertyValues=[...]) outside the token grammar: each call
        # is evaluated into a predicate first and stands in the expression as a placeholder name.
        text, self.query_functions = take_query_functions(
            table, text, context or conditions.QueryContext(datetime.now(UTC), ""))
        # name functions before tokenizing: their arguments may use syntax outside this subset
        unquoted = re.sub(r"'(?:[^']|'')*'", "''", text)
        for m in re.finditer(r"([A-Za-z_][\w.]*)\s*\(", unquoted):
            if m.group(1) not in _STRING_FUNCTIONS | {"not", "and", "or"}:
                raise errors.unsupported(
                    f"the $filter function '{m.group(1)}' (supported: contains, startswith, endswith and the"
                    f" query functions {', '.join('Microsoft.Dynamics.CRM.' + n for n in conditions.QUERY_FUNCTIONS)})"
                )
        self.tokens = tokenize(text)
        self.pos = 0

    def parse(self) -> Predicate:
        if not self.tokens:
            raise errors.syntax("The $filter query option is empty.")
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise errors.syntax(
                f"Syntax error at position {self.pos}: unexpected '{self.tokens[self.pos].text}' in '{self.text}'."
            )
        return predicate

    def _peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> Token:
        token = self._peek()
        if token is None:
            raise errors.syntax(f"Unexpected end of $filter '{self.text}'.")
        self.pos += 1
        return token

    def _expect(self, kind: str) -> Token:
        token = self._take()
        if token.kind != kind:
            raise errors.syntax(f"Syntax error: expected {kind} but found '{token.text}' in '{self.text}'.")
        return token

    def _or(self) -> Predicate:
        left = self._and()
        while (t := self._peek()) is not None and t.kind == "name" and t.text == "or":
            self.pos += 1
            right = self._and()
            left = _or(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._not()
        while (t := self._peek()) is not None and t.kind == "name" and t.text == "and":
            self.pos += 1
            right = self._not()
            left = _and(left, right)
        return left

    def _not(self) -> Predicate:
        t = self._peek()
        if t is not None and t.kind == "name" and t.text == "not":
            self.pos += 1
            inner = self._not()
            return lambda row: not inner(row)
        return self._primary()

    def _primary(self) -> Predicate:
        t = self._peek()
        if t is None:
            raise errors.syntax(f"Unexpected end of $filter '{self.text}'.")
        if t.kind == "lparen":
            self.pos += 1
            inner = self._or()
            self._expect("rparen")
            return inner
        if t.kind == "name" and t.text in self.query_functions:
            self.pos += 1
            return self.query_functions[t.text]
        if t.kind == "name" and self._is_call():
            return self._call()
        return self._comparison()

    def _is_call(self) -> bool:
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
        return nxt is not None and nxt.kind == "lparen"

    def _call(self) -> Predicate:
        name = self._take().text
        if name not in _STRING_FUNCTIONS:
            raise errors.unsupported(f"the $filter function '{name}' (supported: contains, startswith, endswith)")
        self._expect("lparen")
        prop = self._property()
        self._expect("comma")
        lit_token = self._take()
        lit = literal_of(lit_token)
        if lit is None or lit.edm != "Edm.String":
            raise errors.syntax(f"The second argument of {name} must be a string literal in '{self.text}'.")
        self._expect("rparen")
        col, getter_name = prop
        if col.type not in (ColumnType.STRING, ColumnType.MEMO):
            raise ODataError(
                400,
                errors.BAD_PROPERTY,
                f"No function signature for the function with name '{name}' matches the specified arguments."
                f" The function signatures considered are: {name}(Edm.String Nullable=true, Edm.String).",
            )
        needle = str(lit.value).casefold()
        test = {
            "contains": lambda v: needle in v,
            "startswith": lambda v: v.startswith(needle),
            "endswith": lambda v: v.endswith(needle),
        }[name]

        def predicate(row: Getter) -> bool:
            value = row(getter_name)
            return value is not None and test(str(value).casefold())

        return predicate

    def _property(self) -> tuple[Column, str]:
        token = self._take()
        if token.kind != "name":
            raise errors.syntax(f"Expected a property name but found '{token.text}' in '{self.text}'.")
        return resolve_property(self.table, token.text)

    def _comparison(self) -> Predicate:
        col, getter_name = self._property()
        op_token = self._take()
        if op_token.kind != "name" or op_token.text not in _COMPARISONS:
            if op_token.kind == "name" and op_token.text in ("in", "has", "add", "sub", "mul", "div", "mod"):
                raise errors.unsupported(f"the $filter operator '{op_token.text}'")
            raise errors.syntax(
                f"Syntax error: expected a comparison operator after '{col.name}' but found '{op_token.text}'."
            )
        lit_token = self._take()
        lit = literal_of(lit_token)
        if lit is None:
            if lit_token.kind == "name":
                raise errors.unsupported(
                    f"comparing two properties in $filter ('{col.name} {op_token.text} {lit_token.text}')"
                )
            raise errors.syntax(f"Syntax error: bad literal '{lit_token.text}' in '{self.text}'.")
        value = coerce_literal(col, lit, op_token.text)
        return _compare(getter_name, op_token.text, value)


def _edm(col: Column) -> str:
    return {
        ColumnType.STRING: "Edm.String",
        ColumnType.MEMO: "Edm.String",
        ColumnType.INTEGER: "Edm.Int32",
        ColumnType.BIGINT: "Edm.Int64",
        ColumnType.DECIMAL: "Edm.Decimal",
        ColumnType.BOOLEAN: "Edm.Boolean",
        ColumnType.DATETIME: "Edm.DateTimeOffset",
        ColumnType.CHOICE: "Edm.Int32",
        ColumnType.STATE: "Edm.Int32",
        ColumnType.STATUS: "Edm.Int32",
        ColumnType.UNIQUEIDENTIFIER: "Edm.Guid",
        ColumnType.LOOKUP: "Edm.Guid",
        ColumnType.CUSTOMER: "Edm.Guid",
        ColumnType.OWNER: "Edm.Guid",
        ColumnType.FILE: "Edm.Guid",
        ColumnType.MONEY: "Edm.Decimal",
        ColumnType.DOUBLE: "Edm.Double",
        ColumnType.MULTISELECT: "Edm.String",
        ColumnType.ENTITYNAME: "Edm.String",
    }.get(col.type) or _no_query(col)


def _no_query(col: Column) -> str:
    raise errors.unsupported(f"comparing {col.type} columns in $filter ('{col.name}')")


def coerce_literal(col: Column, lit: Literal, op: str) -> Any:
    if lit.edm == "null":
        if op not in ("eq", "ne"):
            raise errors.unsupported(f"ordering comparison with null ('{col.name} {op} null')")
        return None
    expected = _edm(col)
    numeric = {"Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"}
    ok = lit.edm == expected or (expected in numeric and lit.edm in numeric)
    if not ok:
        kind = {
            "eq": "Equal",
            "ne": "NotEqual",
            "gt": "GreaterThan",
            "ge": "GreaterThanOrEqual",
            "lt": "LessThan",
            "le": "LessThanOrEqual",
        }[op]
        raise ODataError(
            400,
            errors.BAD_PROPERTY,
            f"A binary operator with incompatible types was detected. Found operand types '{expected}' and"
            f" '{lit.edm}' for operator kind '{kind}'.",
        )
    if col.type is ColumnType.MULTISELECT:
        return _multiselect_literal(col, str(lit.value), op)
    return lit.value


def _multiselect_literal(col: Column, text: str, op: str) -> tuple[int, ...]:
    # a multi-select column compares as the set of its values ("1,3" eq "3,1"); ordering makes no sense
    if op not in ("eq", "ne"):
        raise errors.unsupported(
            f"ordering comparison of the multi-select column '{col.name}'"
            " (use Microsoft.Dynamics.CRM.ContainValues, which the emulator does not support)"
        )
    try:
        return tuple(sorted({int(p) for p in text.split(",") if p.strip()}))
    except ValueError:
        raise errors.syntax(f"'{text}' is not a list of choice values for '{col.name}'.") from None



def _compare(name: str, op: str, literal: Any) -> Predicate:
    lit = comparable(literal)

    compare = _OPERATORS[op]

    def predicate(row: Getter) -> bool:
        value = comparable(row(name))
        if op not in ("eq", "ne") and (value is None or lit is None):
            return False  # an ordering comparison with null is never true, as in SQL
        return bool(compare(value, lit))

    return predicate


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def _or(left: Predicate, right: Predicate) -> Predicate:
    return lambda row: left(row) or right(row)


def _and(left: Predicate, right: Predicate) -> Predicate:
    return lambda row: left(row) and right(row)


def parse_filter(table: Table, text: str, context: conditions.QueryContext | None = None) -> Predicate:
    return FilterParser(table, text, context).parse()
