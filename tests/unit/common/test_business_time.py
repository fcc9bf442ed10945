"""Business time: waits counted only in open hours, in the calendar's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicmo_common.business_time import (
    BusinessCalendar,
    add_business,
    business_between,
    calendar_errors,
    is_open,
    next_open,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone, *parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)


def local(calendar: BusinessCalendar, instant: dt.datetime) -> tuple:
    moment = instant.astimezone(ZoneInfo(calendar.zone))
    return (moment.date().isoformat(), moment.strftime("%H:%M"))


BERLIN_WEEK = BusinessCalendar("Europe/Berlin")


@pytest.mark.parametrize(("start", "days", "hours", "expected"), [
    # Friday 16:00 + 2 business hours: 1 h on Friday, 1 h on Monday.
    (at(BERLIN, 2026, 12, 4, 16, 0), 0, 2, ("2026-12-07", "10:00")),
    # Friday 10:00 + 2 business days: Monday, Tuesday.
    (at(BERLIN, 2026, 12, 4, 10, 0), 2, 0, ("2026-12-08", "10:00")),
    # Saturday: first the next opening, then the wait.
    (at(BERLIN, 2026, 12, 5, 12, 0), 0, 1, ("2026-12-07", "10:00")),
    # Before opening on a business day.
    (at(BERLIN, 2026, 12, 7, 6, 0), 0, 0, ("2026-12-07", "09:00")),
    # A wait ending exactly at closing ends at the next opening.
    (at(BERLIN, 2026, 12, 7, 16, 0), 0, 1, ("2026-12-08", "09:00")),
    # Two days and three hours.
    (at(BERLIN, 2026, 12, 3, 15, 0), 2, 3, ("2026-12-08", "10:00")),
])
def test_waits_count_business_time_only(start, days, hours, expected):
    assert local(BERLIN_WEEK, add_business(BERLIN_WEEK, start, days=days, hours=hours)) \
        == expected


def test_holidays_are_skipped():
    calendar = BusinessCalendar("Europe/Berlin",
                                holidays=frozenset({dt.date(2026, 12, 24),
                                                    dt.date(2026, 12, 25)}))
    # Wednesday 23 Dec + 1 day: the 24th and 25th are holidays, 26/27 a weekend.
    assert local(calendar, add_business(calendar, at(BERLIN, 2026, 12, 23, 11, 0), days=1)) \
        == ("2026-12-28", "11:00")


@pytest.mark.parametrize(("start", "expected_utc"), [
    # Berlin leaves summer time on Sunday 25 Oct 2026: Friday 10:00 CEST is 08:00 UTC,
    # Monday 10:00 CET is 09:00 UTC.
    (at(BERLIN, 2026, 10, 23, 10, 0), dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC)),
    # And enters it on Sunday 29 Mar 2026: Monday 10:00 CEST is 08:00 UTC.
    (at(BERLIN, 2026, 3, 27, 10, 0), dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)),
])
def test_days_keep_the_local_time_across_clock_changes(start, expected_utc):
    assert add_business(BERLIN_WEEK, start, days=1) == expected_utc


def test_a_business_day_that_loses_an_hour_is_shorter():
    # Open every day 00:00-24:00 in New York: the spring-forward Sunday has 23 hours.
    calendar = BusinessCalendar("America/New_York", days=frozenset(range(1, 8)),
                                start_minute=0, end_minute=1440)
    sunday = at(NEW_YORK, 2026, 3, 8, 0, 0)
    monday = at(NEW_YORK, 2026, 3, 9, 0, 0)
    assert business_between(calendar, sunday, monday) == dt.timedelta(hours=23)


def test_open_is_half_open():
    assert is_open(BERLIN_WEEK, at(BERLIN, 2026, 12, 7, 9, 0))
    assert not is_open(BERLIN_WEEK, at(BERLIN, 2026, 12, 7, 17, 0))
    assert not is_open(BERLIN_WEEK, at(BERLIN, 2026, 12, 6, 12, 0))
    assert local(BERLIN_WEEK, next_open(BERLIN_WEEK, at(BERLIN, 2026, 12, 7, 17, 0))) \
        == ("2026-12-08", "09:00")


def test_bad_parts_are_named():
    errors = dict(calendar_errors("Mars/Olympus", [1, 8, 1], 600, 540, ["2026-02-30"]))
    assert set(errors) == {"time_zone", "days[1]", "days[2]", "end_minute", "holidays[0]"}
    with pytest.raises(ValueError, match="days"):
        BusinessCalendar("Europe/Berlin", days=frozenset())


def test_a_calendar_without_business_days_is_an_error_not_a_loop():
    every_monday = frozenset(dt.date(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(600))
    calendar = BusinessCalendar("UTC", days=frozenset({1}), holidays=every_monday)
    with pytest.raises(ValueError, match="no business day"):
        next_open(calendar, at(dt.UTC, 2026, 1, 1, 0, 0))


instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 1, 1),
                        timezones=st.just(dt.UTC))


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(min_value=0, max_value=60), st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]))
def test_the_wait_added_is_the_wait_measured(start, hours, zone):
    calendar = BusinessCalendar(zone)
    opened = next_open(calendar, start)
    end = add_business(calendar, start, hours=hours)
    assert end >= opened
    assert business_between(calendar, opened, end) == dt.timedelta(hours=hours)
    assert is_open(calendar, end)


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(min_value=1, max_value=30))
def test_days_land_on_business_days(start, days):
    end = add_business(BERLIN_WEEK, start, days=days)
    assert is_open(BERLIN_WEEK, end)
    assert end > start
