from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack.ncrontab import ScheduleError, parse_schedule

T0 = datetime(2026, 11, 26, 22, 15, 30, 500_000, tzinfo=UTC)  # a Thursday


def occurrences(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = parse_schedule(expression)
    found, t = [], start
    for _ in range(count):
        t = schedule.next_after(t)
        found.append(t)
    return found


def test_every_minute_fires_on_second_zero() -> None:
    assert occurrences("0 */1 * * * *", T0, 3) == [
        datetime(2026, 11, 26, 22, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 22, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 22, 18, 0, tzinfo=UTC),
    ]


def test_next_is_strictly_after_the_given_time() -> None:
    exact = datetime(2026, 11, 26, 22, 16, 0, tzinfo=UTC)
    assert parse_schedule("0 * * * * *").next_after(exact) == exact + timedelta(minutes=1)


def test_ranges_lists_and_steps() -> None:
    assert occurrences("0 0,30 9-10 * * *", T0, 4) == [
        datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 10, 30, tzinfo=UTC),
    ]


def test_weekday_names_and_sunday_as_seven() -> None:
    mondays = occurrences("0 0 8 * * MON", T0, 2)
    assert [d.weekday() for d in mondays] == [0, 0]
    assert mondays[0] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert parse_schedule("0 0 0 * * 7").next_after(T0) == datetime(2026, 11, 29, tzinfo=UTC)


def test_day_and_weekday_must_both_match_like_ncrontab() -> None:
    # Friday the 13th: day 13 AND Friday, not "13th or any Friday" as Vixie cron would read it.
    first = parse_schedule("0 0 0 13 * FRI").next_after(T0)
    assert (first.day, first.weekday()) == (13, 4)
    assert first.year >= 2027


def test_month_names_and_year_rollover() -> None:
    assert parse_schedule("0 0 0 1 JAN *").next_after(T0) == datetime(2027, 1, 1, tzinfo=UTC)


def test_timespan_form_means_every_interval() -> None:
    assert parse_schedule("00:05:00").next_after(T0) == T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("* * * * *", "six fields"),
        ("60 * * * * *", "outside 0-59"),
        ("0 */0 * * * *", "step must be a positive number"),
        ("0 0 0 * * FUNDAY", "not a number or a name"),
        ("0 5-1 * * * *", "runs backwards"),
        ("0 0 0 30 FEB *", "never fires"),
    ],
)
def test_invalid_schedules_are_explained(expression: str, fragment: str) -> None:
    with pytest.raises(ScheduleError, match=fragment):
        parse_schedule(expression).next_after(T0)
