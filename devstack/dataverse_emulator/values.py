"""Column values: JSON payload -> stored value (with Dataverse's validation errors), stored value -> JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from solution.schema import Column, ColumnType, Table

from . import errors
from .odata import Ref, format_datetime, normalize_guid, parse_datetime

READ_ONLY = frozenset({"createdon", "modifiedon", "createdby", "modifiedby", "versionnumber"})
_INT32 = (-2147483648, 2147483647)
# Dataverse's widest ranges for money and floating point columns (MoneyAttributeMetadata.MinValue/MaxValue,
# DoubleAttributeMetadata.MinValue/MaxValue), used when a column names none.
_MONEY = (-922337203685477.0, 922337203685477.0)
_DOUBLE = (-100000000000.0, 100000000000.0)


def coerce(table: Table, col: Column, raw: Any) -> Any:
    """The stored value for a payload value, or the error Dataverse gives for it."""
    if col.type.is_reference and raw is not None:
        raise errors.payload_error(
            table.entity_set,
            "A 'PrimitiveValue' node with non-null value was found when trying to read the value of the navigation"
            f" property '{col.name}'; bind it with '{col.name}@odata.bind' instead.",
        )
    if col.name in READ_ONLY:
        raise errors.payload_error(table.entity_set, f"The property '{col.name}' is read-only.")
    if col.type is ColumnType.FILE:
        raise errors.payload_error(
            table.entity_set,
            f"The file column '{col.name}' is uploaded with PATCH {table.entity_set}(id)/{col.name},"
            " not in the record's body.",
        )
    if raw is None:
        return None
    convert = _CONVERTERS.get(col.type)
    if convert is None:
        raise errors.unsupported(f"writing columns of type {col.type}")
    return convert(table, col, raw)


def _mismatch(table: Table, raw: Any, edm: str) -> errors.ODataError:
    return errors.payload_error(table.entity_set, f"Cannot convert the literal '{raw}' to the expected type '{edm}'.")


def _text(table: Table, col: Column, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _mismatch(table, raw, "Edm.String")
    if col.max_length is not None and len(raw) > col.max_length:
        raise errors.validation(
            f"The length of the '{col.name}' attribute of the '{table.logical_name}' entity exceeded the maximum"
            f" allowed length of '{col.max_length}'."
        )
    return raw


def _whole(table: Table, col: Column, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _mismatch(table, raw, "Edm.Int64" if col.type is ColumnType.BIGINT else "Edm.Int32")
    if col.type is ColumnType.INTEGER:
        _check_range(table, col, raw)
    return raw


def _decimal(table: Table, col: Column, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _mismatch(table, raw, "Edm.Decimal")
    _check_range(table, col, raw)
    return raw


def _boolean(table: Table, _col: Column, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _mismatch(table, raw, "Edm.Boolean")
    return raw


def _datetime(table: Table, _col: Column, raw: Any) -> datetime:
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _mismatch(table, raw, "Edm.DateTimeOffset")
    return parsed


def _choice(table: Table, col: Column, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _mismatch(table, raw, "Edm.Int32")
    # Microsoft's definitions leave the values of a few choices out; those take any whole number
    if col.choices and raw not in {c.value for c in col.choices}:
        raise errors.validation(
            f"The value {raw} of '{col.name}' on record of type '{table.logical_name}' is outside the valid range."
        )
    return raw


def _guid(table: Table, _col: Column, raw: Any) -> str:
    guid = normalize_guid(raw) if isinstance(raw, str) else None
    if guid is None:
        raise _mismatch(table, raw, "Edm.Guid")
    return guid


def _money(table: Table, col: Column, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _mismatch(table, raw, "Edm.Decimal")
    _check_range(table, col, raw, _MONEY)
    return float(raw)


def _double(table: Table, col: Column, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _mismatch(table, raw, "Edm.Double")
    _check_range(table, col, raw, _DOUBLE)
    return float(raw)


def _multiselect(table: Table, col: Column, raw: Any) -> tuple[int, ...]:
    """A multi-select choice travels as the values joined by commas: ``"100000000,100000002"``."""
    if not isinstance(raw, str):
        raise _mismatch(table, raw, "Edm.String")
    values: list[int] = []
    for part in (p.strip() for p in raw.split(",")):
        if not re.fullmatch(r"-?\d+", part):
            raise _mismatch(table, raw, "Edm.String")
        values.append(int(part))
    for value in values:
        if col.choices and value not in {c.value for c in col.choices}:
            raise errors.validation(
                f"The value {value} of '{col.name}' on record of type '{table.logical_name}' is outside the valid"
                " range."
            )
    return tuple(sorted(set(values)))


def _check_range(table: Table, col: Column, value: float, default: tuple[float, float] = _INT32) -> None:
    low = col.min_value if col.min_value is not None else default[0]
    high = col.max_value if col.max_value is not None else default[1]
    if not low <= value <= high:
        raise errors.validation(
            f"The value {value} of '{col.name}' on record of type '{table.logical_name}' is outside the valid"
            f" range. Accepted range: {_number(low)} to {_number(high)}"
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_CONVERTERS: dict[ColumnType, Callable[[Table, Column, Any], Any]] = {
    ColumnType.STRING: _text,
    ColumnType.MEMO: _text,
    ColumnType.INTEGER: _whole,
    ColumnType.BIGINT: _whole,
    ColumnType.DECIMAL: _decimal,
    ColumnType.BOOLEAN: _boolean,
    ColumnType.DATETIME: _datetime,
    ColumnType.CHOICE: _choice,
    ColumnType.STATE: _choice,
    ColumnType.STATUS: _choice,
    ColumnType.UNIQUEIDENTIFIER: _guid,
    ColumnType.MONEY: _money,
    ColumnType.DOUBLE: _double,
    ColumnType.MULTISELECT: _multiselect,
    ColumnType.ENTITYNAME: _text,
}


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Ref):
        return value.id
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)  # a multi-select choice reads back as its values joined by commas
    return value


def formatted(col: Column, value: Any, currency_symbol: str = "$") -> str | None:
    """The FormattedValue annotation, as an en-US user in UTC sees it.

    Money carries the record's currency symbol and two decimals ("$20,000.00", the Web API query docs:
    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values);
    a multi-select choice lists its labels joined by "; " (https://learn.microsoft.com/power-apps/developer/
    data-platform/multi-select-picklist); a floating point number shows its precision (default 2).
    """
    if col.type.has_choices:
        return col.choice_label(int(value) if isinstance(value, bool) else value)
    if isinstance(value, datetime):
        v = value.astimezone(UTC)
        return f"{v.month}/{v.day}/{v.year} {(v.hour % 12) or 12}:{v.minute:02d} {'AM' if v.hour < 12 else 'PM'}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = _NUMBER_FORMATS.get(col.type)
    return None if number is None else number(col, value, currency_symbol)


def _money_text(_col: Column, value: float, symbol: str) -> str:
    return f"{'-' if value < 0 else ''}{symbol}{abs(value):,.2f}"


_NUMBER_FORMATS: dict[ColumnType, Callable[[Column, float, str], str]] = {
    ColumnType.INTEGER: lambda _c, v, _s: f"{int(v):,}",
    ColumnType.BIGINT: lambda _c, v, _s: f"{int(v):,}",
    ColumnType.DECIMAL: lambda _c, v, _s: f"{v:,.2f}",
    ColumnType.DOUBLE: lambda c, v, _s: f"{v:,.{c.precision if c.precision is not None else 2}f}",
    ColumnType.MONEY: _money_text,
}


def key_equal(stored: Any, given: Any) -> bool:
    """Alternate-key comparison: text case-insensitively, lookups by id."""
    if isinstance(stored, Ref):
        stored = stored.id
    if isinstance(stored, str) and isinstance(given, str):
        return stored.casefold() == given.casefold()
    return bool(stored == given)


def describe_key(key: dict[str, Any]) -> str:
    return ",".join(f"{k}={json_value(v)!r}" for k, v in key.items())
