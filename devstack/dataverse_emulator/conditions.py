"""Condition operators shared by the three ways a query names them: Web API query functions
(``Microsoft.Dynamics.CRM.In``…), FetchXML ``<condition operator="in">`` and a QueryExpression's
``ConditionOperator`` (``BulkDelete``'s query set).

Each operator is keyed by its FetchXML name; the tables below map the other two spellings onto it. Sources:
"Web API Query Function Reference" (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/queryfunctions),
"Filter rows using FetchXml" / condition element operators
(https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/operators) and the
``ConditionOperator`` enumeration of the SDK for .NET. Dates are judged in UTC (the emulator's users all have
the UTC time zone). An operator outside these tables is refused by name by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from solution.schema import Column

from . import errors
from .odata import Ref, normalize_guid, parse_datetime

__all__ = [
    "FETCH_OPERATORS",
    "QUERY_EXPRESSION_OPERATORS",
    "QUERY_FUNCTIONS",
    "Condition",
    "QueryContext",
    "build",
    "operand",
]


@dataclass(frozen=True)
class QueryContext:
    """What date and user conditions are judged against: the emulator's clock and the calling user."""

    now: datetime
    user_id: str


@dataclass(frozen=True)
class Condition:
    """One condition: the FetchXML operator, its operands already typed for the column, and the context it needs."""

    operator: str
    operands: tuple[Any, ...]
    now: datetime
    user_id: str

    def test(self, value: Any) -> bool:
        return _TESTS[self.operator](_plain(value), self)


# Web API query function -> (FetchXML operator, how its parameters are given)
QUERY_FUNCTIONS: dict[str, str] = {
    "In": "in",
    "NotIn": "not-in",
    "Between": "between",
    "NotBetween": "not-between",
    "Today": "today",
    "Yesterday": "yesterday",
    "Tomorrow": "tomorrow",
    "LastXDays": "last-x-days",
    "NextXDays": "next-x-days",
    "LastXHours": "last-x-hours",
    "NextXHours": "next-x-hours",
    "LastXWeeks": "last-x-weeks",
    "NextXWeeks": "next-x-weeks",
    "OlderThanXDays": "olderthan-x-days",
    "OlderThanXHours": "olderthan-x-hours",
    "On": "on",
    "OnOrAfter": "on-or-after",
    "OnOrBefore": "on-or-before",
    "EqualUserId": "eq-userid",
    "NotEqualUserId": "ne-userid",
}

# QueryExpression ConditionOperator -> FetchXML operator
QUERY_EXPRESSION_OPERATORS: dict[str, str] = {
    "Equal": "eq",
    "NotEqual": "ne",
    "GreaterThan": "gt",
    "GreaterEqual": "ge",
    "LessThan": "lt",
    "LessEqual": "le",
    "Like": "like",
    "NotLike": "not-like",
    "In": "in",
    "NotIn": "not-in",
    "Between": "between",
    "NotBetween": "not-between",
    "Null": "null",
    "NotNull": "not-null",
    "BeginsWith": "begins-with",
    "DoesNotBeginWith": "not-begin-with",
    "EndsWith": "ends-with",
    "DoesNotEndWith": "not-end-with",
    "Today": "today",
    "Yesterday": "yesterday",
    "Tomorrow": "tomorrow",
    "LastXDays": "last-x-days",
    "NextXDays": "next-x-days",
    "OlderThanXDays": "olderthan-x-days",
    "On": "on",
    "OnOrAfter": "on-or-after",
    "OnOrBefore": "on-or-before",
    "EqualUserId": "eq-userid",
    "NotEqualUserId": "ne-userid",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.id
    if isinstance(value, str):
        return value.casefold()  # Dataverse compares text case-insensitively
    return value


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Condition], bool]:
    def test(value: Any, c: Condition) -> bool:
        other = _plain(c.operands[0])
        if value is None or other is None:
            return False
        try:
            return op(value, other)
        except TypeError:
            return False

    return test


def _equal(value: Any, c: Condition) -> bool:
    return value is not None and value == _plain(c.operands[0])


def _like(value: Any, c: Condition) -> bool:
    if not isinstance(value, str):
        return False
    pattern = str(c.operands[0]).casefold()
    # SQL LIKE: % any run, _ one character, [..] a set; everything else literal
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _in(value: Any, c: Condition) -> bool:
    return value is not None and value in {_plain(v) for v in c.operands}


def _between(value: Any, c: Condition) -> bool:
    low, high = (_plain(v) for v in c.operands[:2])
    if value is None:
        return False
    try:
        return bool(low <= value <= high)
    except TypeError:
        return False


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _within(start: Callable[[Condition], datetime], end: Callable[[Condition], datetime]) -> Callable[
        [Any, Condition], bool]:
    def test(value: Any, c: Condition) -> bool:
        return isinstance(value, datetime) and start(c) <= value < end(c)

    return test


def _count(c: Condition) -> int:
    return int(c.operands[0])


def _older(unit: timedelta) -> Callable[[Any, Condition], bool]:
    def test(value: Any, c: Condition) -> bool:
        return isinstance(value, datetime) and value < c.now - unit * _count(c)

    return test


def _on(compare: Callable[[datetime, datetime], bool]) -> Callable[[Any, Condition], bool]:
    def test(value: Any, c: Condition) -> bool:
        day = c.operands[0]
        return isinstance(value, datetime) and isinstance(day, datetime) and compare(_day(value), _day(day))

    return test


_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)

_TESTS: dict[str, Callable[[Any, Condition], bool]] = {
    "eq": _equal,
    "ne": lambda v, c: not _equal(v, c) and v is not None,
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "like": _like,
    "not-like": lambda v, c: v is not None and not _like(v, c),
    "begins-with": lambda v, c: isinstance(v, str) and v.startswith(_plain(c.operands[0])),
    "not-begin-with": lambda v, c: isinstance(v, str) and not v.startswith(_plain(c.operands[0])),
    "ends-with": lambda v, c: isinstance(v, str) and v.endswith(_plain(c.operands[0])),
    "not-end-with": lambda v, c: isinstance(v, str) and not v.endswith(_plain(c.operands[0])),
    "in": _in,
    "not-in": lambda v, c: v is not None and not _in(v, c),
    "between": _between,
    "not-between": lambda v, c: v is not None and not _between(v, c),
    "null": lambda v, _c: v is None,
    "not-null": lambda v, _c: v is not None,
    "today": _within(lambda c: _day(c.now), lambda c: _day(c.now) + _DAY),
    "yesterday": _within(lambda c: _day(c.now) - _DAY, lambda c: _day(c.now)),
    "tomorrow": _within(lambda c: _day(c.now) + _DAY, lambda c: _day(c.now) + 2 * _DAY),
    # "last X days" runs from midnight X days ago up to now; "next X days" from now to the end of day X
    "last-x-days": _within(lambda c: _day(c.now) - _DAY * _count(c), lambda c: c.now + timedelta(microseconds=1)),
    "next-x-days": _within(lambda c: c.now, lambda c: _day(c.now) + _DAY * (_count(c) + 1)),
    "last-x-hours": _within(lambda c: c.now - _HOUR * _count(c), lambda c: c.now + timedelta(microseconds=1)),
    "next-x-hours": _within(lambda c: c.now, lambda c: c.now + _HOUR * _count(c)),
    "last-x-weeks": _within(lambda c: _day(c.now) - 7 * _DAY * _count(c), lambda c: c.now + timedelta(microseconds=1)),
    "next-x-weeks": _within(lambda c: c.now, lambda c: _day(c.now) + _DAY * (7 * _count(c) + 1)),
    "olderthan-x-days": _older(_DAY),
    "olderthan-x-hours": _older(_HOUR),
    "on": _on(lambda a, b: a == b),
    "on-or-after": _on(lambda a, b: a >= b),
    "on-or-before": _on(lambda a, b: a <= b),
    "eq-userid": lambda v, c: v == c.user_id,
    "ne-userid": lambda v, c: v is not None and v != c.user_id,
}

FETCH_OPERATORS = frozenset(_TESTS)

# How many operands each operator takes: None = one or more (a list)
_ARITY: dict[str, int | None] = {
    **dict.fromkeys(("null", "not-null", "today", "yesterday", "tomorrow", "eq-userid", "ne-userid"), 0),
    **dict.fromkeys(("in", "not-in"), None),
    **dict.fromkeys(("between", "not-between"), 2),
}
_COUNTED = frozenset(op for op in _TESTS if "-x-" in op)
_DATE_ONLY = frozenset({"today", "yesterday", "tomorrow", "on", "on-or-after", "on-or-before", *_COUNTED})
_TEXT_ONLY = frozenset({"like", "not-like", "begins-with", "not-begin-with", "ends-with", "not-end-with"})


def arity(operator: str) -> int | None:
    return _ARITY.get(operator, 1)


def build(operator: str, col: Column, raw: Sequence[Any], context: QueryContext, *, where: str) -> Condition:
    """A condition on ``col`` from untyped operands (FetchXML text, query-function strings, QueryExpression
    values); ``where`` names the query for error messages."""
    if operator not in _TESTS:
        raise errors.unsupported(f"the condition operator '{operator}' in {where}")
    expected = arity(operator)
    if expected is None and not raw:
        raise errors.syntax(f"The operator '{operator}' on '{col.name}' needs at least one value in {where}.")
    if expected is not None and len(raw) != expected:
        raise errors.syntax(
            f"The operator '{operator}' on '{col.name}' takes {expected} value(s), not {len(raw)}, in {where}.")
    kind = column_kind(col)
    if operator in _DATE_ONLY and kind != "datetime":
        raise errors.syntax(f"The operator '{operator}' applies to date columns; '{col.name}' is {col.type}.")
    if operator in _TEXT_ONLY and kind != "text":
        raise errors.syntax(f"The operator '{operator}' applies to text columns; '{col.name}' is {col.type}.")
    if operator in ("eq-userid", "ne-userid") and kind != "guid":
        raise errors.syntax(f"The operator '{operator}' applies to lookups to users; '{col.name}' is {col.type}.")
    if operator in _COUNTED:
        operands: tuple[Any, ...] = (_number_of_units(raw[0], operator),)
    elif operator in _TEXT_ONLY:
        operands = (str(raw[0]),)
    else:
        operands = tuple(operand(col, value) for value in raw)
    return Condition(operator, operands, context.now, context.user_id)


def _number_of_units(raw: Any, operator: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise errors.syntax(f"The operator '{operator}' needs a whole number, not '{raw}'.") from None
    if value < 0:
        raise errors.syntax(f"The operator '{operator}' needs a number of zero or more, not {value}.")
    return value


def column_kind(col: Column) -> str:
    """How values of ``col`` compare: text, number, bool, datetime or guid (lookups compare by id)."""
    name = str(col.type)
    if name in ("string", "memo", "entityname"):
        return "text"
    if name in ("integer", "bigint", "choice", "state", "status"):
        return "int"
    if name in ("decimal", "money", "double"):
        return "number"
    if name == "boolean":
        return "bool"
    if name == "datetime":
        return "datetime"
    if name in ("uniqueidentifier", "lookup", "customer", "owner"):
        return "guid"
    raise errors.unsupported(f"conditions on {col.type} columns ('{col.name}')")


def operand(col: Column, raw: Any) -> Any:
    """``raw`` (text or a JSON value) as a value of ``col``'s type, or the error Dataverse gives for it."""
    if raw is None:
        return None
    try:
        return _OPERANDS[column_kind(col)](raw)
    except ValueError:
        raise errors.syntax(f"The value '{raw}' is not valid for the {col.type} column '{col.name}'.") from None


def _int_operand(raw: Any) -> int:
    if isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip().lstrip("-").isdigit()):
        raise ValueError(raw)
    return int(raw)


def _number_operand(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(raw)
    return float(raw)


def _bool_operand(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    flag = str(raw).strip().lower()
    if flag not in ("true", "1", "false", "0"):
        raise ValueError(raw)
    return flag in ("true", "1")


def _datetime_operand(raw: Any) -> datetime:
    parsed = parse_datetime(str(raw).strip())
    if parsed is None:
        raise ValueError(raw)
    return parsed


def _guid_operand(raw: Any) -> str:
    guid = normalize_guid(str(raw))
    if guid is None:
        raise ValueError(raw)
    return guid


_OPERANDS: dict[str, Callable[[Any], Any]] = {
    "text": str,
    "int": _int_operand,
    "number": _number_operand,
    "bool": _bool_operand,
    "datetime": _datetime_operand,
    "guid": _guid_operand,
}
