"""NCRONTAB schedules as the Azure Functions timer trigger reads them.

Six fields: `{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a number, a range `a-b`, a list
`a,b`, or a step `*/n` / `a-b/n`; months and days of the week may be written as names (`JAN`, `MON`). Sunday is
0 (7 is accepted too). Unlike Vixie cron, the NCrontab library the Functions host uses requires the day-of-month
*and* the day-of-week to match when both are restricted, so this does the same. The host also accepts a TimeSpan
(`hh:mm:ss`) meaning "every interval"; that form is supported for the App Service plan only, and here too.
All times are UTC, as in Azure unless WEBSITE_TIME_ZONE is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Schedule", "ScheduleError", "parse_schedule"]

_MONTHS = {
    n: i + 1
    for i, n in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
_DAYS = {n: i for i, n in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$")
# A schedule that cannot fire within this many years (e.g. 30 February) is rejected rather than looped on.
_SEARCH_YEARS = 5


class ScheduleError(ValueError):
    """The schedule expression is not valid NCRONTAB or TimeSpan."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; `next_after(t)` is the first occurrence strictly after `t`."""

    expression: str
    seconds: frozenset[int] = frozenset()
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    interval: timedelta | None = None

    def next_after(self, after: datetime) -> datetime:
        if self.interval is not None:
            return after + self.interval
        t = after.replace(microsecond=0) + timedelta(seconds=1)
        limit = after + timedelta(days=366 * _SEARCH_YEARS)
        while t <= limit:
            if t.month not in self.months:
                t = _first_of_next_month(t)
                continue
            # Python: Monday=0; NCRONTAB: Sunday=0.
            if t.day not in self.days or (t.weekday() + 1) % 7 not in self.weekdays:
                t = (t + timedelta(days=1)).replace(hour=0, minute=0, second=0)
                continue
            if t.hour not in self.hours:
                t = (t + timedelta(hours=1)).replace(minute=0, second=0)
                continue
            if t.minute not in self.minutes:
                t = (t + timedelta(minutes=1)).replace(second=0)
                continue
            if t.second not in self.seconds:
                t += timedelta(seconds=1)
                continue
            return t
        raise ScheduleError(f"schedule {self.expression!r} never fires within {_SEARCH_YEARS} years")


def _first_of_next_month(t: datetime) -> datetime:
    year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return t.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)


def parse_schedule(expression: str) -> Schedule:
    text = expression.strip()
    span = _TIMESPAN.match(text)
    if span:
        days, hours, minutes, seconds = (int(g) if g else 0 for g in span.groups())
        interval = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if interval <= timedelta(0):
            raise ScheduleError(f"TimeSpan schedule {expression!r} must be longer than zero")
        return Schedule(expression=text, interval=interval)
    parts = text.split()
    if len(parts) != 6:
        raise ScheduleError(
            f"NCRONTAB schedule {expression!r} must have six fields "
            "({second} {minute} {hour} {day} {month} {day-of-week}), it has " + str(len(parts))
        )
    sets = [_parse_field(part, *spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[5])
    return Schedule(
        expression=text,
        seconds=sets[0],
        minutes=sets[1],
        hours=sets[2],
        days=sets[3],
        months=sets[4],
        weekdays=weekdays,
    )


def _parse_field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"{name} field {text!r}: step must be a positive number")
            step = int(step_text)
        if base == "*":
            start, end = low, high if name != "day-of-week" else 6
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _value(first, name, low, high, names), _value(last, name, low, high, names)
            if start > end:
                raise ScheduleError(f"{name} field {text!r}: range {base} runs backwards")
        else:
            start = _value(base, name, low, high, names)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError(f"{name} field: {text!r} is not a number" + (" or a name" if names else ""))
    value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{name} field: {value} is outside {low}-{high}")
    return value
