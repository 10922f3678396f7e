"""The OData subset the emulator understands.

Literals, key predicates, ``$filter``, ``$orderby``, ``$select`` and ``$expand``. ``$filter`` also takes
Dataverse's query functions (``Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["a","b"])``, the date and
user functions; "Filter rows" in https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
and the "Web API Query Function Reference"), evaluated by ``conditions.py``.

Anything outside the subset raises an :class:`ODataError` naming exactly what is not supported, so a
test never gets a silently wrong answer.
"""

from __future__ import annotations

import json
import operator
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from solution.schema import Column, ColumnType, Table

from . import conditions, errors
from .errors import ODataError


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


# --- key predicates ---------------------------------------------------------------------------------------


def parse_key(table: Table, text: str) -> str | dict[str, Any]:
    """``(guid)`` gives the id; ``(k1=v,k2='v')`` gives column -> value of an alternate key."""
    guid = normalize_guid(text)
    if guid is not None:
        return guid
    values: dict[str, Any] = {}
    parts = _split_top_level(text, ",")
    for part in parts:
        if "=" not in part:
            raise ODataError(
                400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: key '({text})' of {table.entity_set}."
            )
        name, raw = part.split("=", 1)
        name = name.strip()
        if name.startswith("_") and name.endswith("_value"):
            name = name[1:-6]
        toks = tokenize(raw.strip())
        lit = literal_of(toks[0]) if len(toks) == 1 else None
        if lit is None:
            raise ODataError(400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: key value '{raw}'.")
        values[name] = lit.value
    if not values:
        raise ODataError(
            400, errors.QUERY_SYNTAX, f"Bad Request - Error in query syntax: empty key of {table.entity_set}."
        )
    return values


def _split_top_level(text: str, sep: str) -> list[str]:
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


# --- $filter --------------------------------------------------------------------------------------------

Getter = Callable[[str], Any]  # property name -> value of the row being tested
Predicate = Callable[[Getter], bool]

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_STRING_FUNCTIONS = {"contains", "startswith", "endswith"}


class FilterParser:
    """Recursive descent over the token list; produces a predicate over a row getter."""

    def __init__(self, table: Table, text: str, context: conditions.QueryContext | None = None) -> None:
        self.table = table
        self.text = text
        # Dataverse's query functions take arguments (PropertyValues=[...]) outside the token grammar: each call
        # is evaluated into a predicate first and stands in the expression as a placeholder name.
        self.query_functions: dict[str, Predicate] = {}
        text = self._take_query_functions(text, context or conditions.QueryContext(datetime.now(UTC), ""))
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

    def _take_query_functions(self, text: str, context: conditions.QueryContext) -> str:
        out: list[str] = []
        pos = 0
        for start, end, name, args in _query_function_calls(text):
            placeholder = f"__query_function_{len(self.query_functions)}__"
            self.query_functions[placeholder] = self._query_function(name, args, context)
            out.append(text[pos:start])
            out.append(placeholder)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _query_function(self, name: str, args: str, context: conditions.QueryContext) -> Predicate:
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
        col, getter_name = _function_property(self.table, prop)
        values = params.pop("PropertyValues", params.pop("PropertyValue", None))
        if params:
            raise errors.syntax(f"Unknown parameter(s) {', '.join(sorted(params))} of Microsoft.Dynamics.CRM.{name}.")
        operands = [] if values is None else values if isinstance(values, list) else [values]
        condition = conditions.build(operator, col, operands, context, where=f"Microsoft.Dynamics.CRM.{name}")
        return lambda row: condition.test(row(getter_name))

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


def resolve_property(table: Table, name: str) -> tuple[Column, str]:
    """Map a query property name to its column and the name the row getter understands."""
    if "/" in name:
        raise errors.unsupported(f"navigation paths in queries ('{name}')")
    if name.startswith("_") and name.endswith("_value"):
        col = table.find_column(name[1:-6])
        if col is None or not col.type.is_reference:
            raise errors.unknown_query_property(table.logical_name, name)
        return col, name
    col = table.find_column(name)
    if col is None:
        raise errors.unknown_query_property(table.logical_name, name)
    if col.type.is_reference:
        # Dataverse exposes the lookup itself as a navigation property; the value is _x_value.
        raise ODataError(
            400,
            errors.BAD_PROPERTY,
            f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{table.logical_name}'."
            f" Use '_{name}_value' for the lookup's id.",
        )
    return col, name


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


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()  # Dataverse compares text case-insensitively
    if isinstance(value, Ref):
        return value.id
    return value


def _compare(name: str, op: str, literal: Any) -> Predicate:
    lit = _normal(literal)

    compare = _OPERATORS[op]

    def predicate(row: Getter) -> bool:
        value = _normal(row(name))
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


# --- $orderby, $select, $expand ----------------------------------------------------------------------


def parse_orderby(table: Table, text: str) -> list[tuple[str, bool]]:
    """``a asc, b desc`` -> [(getter name, descending)]."""
    result: list[tuple[str, bool]] = []
    for part in _split_top_level(text, ","):
        words = part.split()
        if len(words) not in (1, 2) or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise errors.syntax(f"Syntax error in $orderby '{text}'.")
        _, name = resolve_property(table, words[0])
        result.append((name, len(words) == 2 and words[1] == "desc"))
    return result


def sort_key(value: Any) -> tuple[int, Any]:
    # nulls sort first in ascending order, as in SQL Server
    value = _normal(value)
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)


def parse_select(table: Table, text: str) -> list[str]:
    names: list[str] = []
    for name in _split_top_level(text, ","):
        col, _ = resolve_property(table, name)
        names.append(col.name)
    return names


def parse_expand(text: str) -> list[tuple[str, dict[str, str]]]:
    """``nav($select=a,b),other`` -> [(nav, {option: value})]."""
    items: list[tuple[str, dict[str, str]]] = []
    for part in _split_top_level(text, ","):
        m = re.fullmatch(r"([\w]+)(?:\((.*)\))?", part, re.DOTALL)
        if m is None:
            raise errors.syntax(f"Syntax error in $expand '{text}'.")
        options: dict[str, str] = {}
        if m.group(2):
            for opt in _split_top_level(m.group(2), ";"):
                if "=" not in opt:
                    raise errors.syntax(f"Syntax error in $expand options '{m.group(2)}'.")
                key, value = opt.split("=", 1)
                options[key.strip()] = value.strip()
        items.append((m.group(1), options))
    return items
