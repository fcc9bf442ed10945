"""Local days, send windows and next openings, daylight-saving changes included."""

from __future__ import annotations

import datetime as dt

from aicmo_venture.domain.model import SendWindow, Weekday
from aicmo_venture.domain.send_window import (
    first_instant_at,
    is_known_timezone,
    is_open,
    next_opening,
    quota_day,
)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


WEEKDAYS_9_TO_17 = SendWindow(frozenset({Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY,
                                         Weekday.THURSDAY, Weekday.FRIDAY}), 9 * 60, 17 * 60)


def test_quota_day_follows_the_venture_wall_clock_across_dst():
    zone = "America/New_York"
    assert quota_day(utc(2024, 3, 10, 4, 59, 59), zone) == dt.date(2024, 3, 9)
    assert quota_day(utc(2024, 3, 10, 5, 0), zone) == dt.date(2024, 3, 10)
    # After the change, local midnight is 04:00 UTC: the day was 23 hours long.
    assert quota_day(utc(2024, 3, 11, 3, 59, 59), zone) == dt.date(2024, 3, 10)
    assert quota_day(utc(2024, 3, 11, 4, 0), zone) == dt.date(2024, 3, 11)
    # Autumn: a 25 hour day.
    assert quota_day(utc(2024, 11, 4, 4, 59, 59), zone) == dt.date(2024, 11, 3)
    assert quota_day(utc(2024, 11, 4, 5, 0), zone) == dt.date(2024, 11, 4)


def test_the_window_compares_wall_clock_times_on_listed_days():
    zone = "Europe/Berlin"
    assert is_open(None, utc(2025, 6, 7, 3, 0), zone)
    assert not is_open(WEEKDAYS_9_TO_17, utc(2025, 6, 2, 6, 59), zone)  # Mon 08:59 CEST
    assert is_open(WEEKDAYS_9_TO_17, utc(2025, 6, 2, 7, 0), zone)       # Mon 09:00 CEST
    assert is_open(WEEKDAYS_9_TO_17, utc(2025, 1, 6, 8, 0), zone)       # Mon 09:00 CET
    assert not is_open(WEEKDAYS_9_TO_17, utc(2025, 6, 2, 15, 0), zone)  # Mon 17:00: end excl.
    assert not is_open(WEEKDAYS_9_TO_17, utc(2025, 6, 7, 9, 0), zone)   # Saturday


def test_a_skipped_wall_time_opens_when_the_gap_ends():
    # Berlin skips 02:00-03:00 on 2025-03-30; 02:30 first "happens" at 03:00 CEST = 01:00 UTC.
    opening = first_instant_at(dt.date(2025, 3, 30), 150, "Europe/Berlin")
    assert opening == utc(2025, 3, 30, 1, 0)
    window = SendWindow(frozenset(Weekday), 150, 240)
    assert not is_open(window, opening - dt.timedelta(seconds=1), "Europe/Berlin")
    assert is_open(window, opening, "Europe/Berlin")


def test_a_repeated_wall_time_opens_at_its_first_occurrence():
    # Berlin repeats 02:00-03:00 on 2025-10-26; the first 02:30 is CEST = 00:30 UTC.
    assert first_instant_at(dt.date(2025, 10, 26), 150, "Europe/Berlin") == utc(2025, 10, 26,
                                                                               0, 30)


def test_next_opening_skips_closed_days_and_respects_now():
    zone = "Europe/Berlin"
    friday_evening = utc(2025, 6, 6, 16, 0)  # Fri 18:00 CEST
    assert next_opening(WEEKDAYS_9_TO_17, friday_evening, zone,
                        dt.date(2025, 6, 6)) == utc(2025, 6, 9, 7, 0)  # Mon 09:00
    monday_early = utc(2025, 6, 2, 5, 0)
    assert next_opening(WEEKDAYS_9_TO_17, monday_early, zone,
                        dt.date(2025, 6, 2)) == utc(2025, 6, 2, 7, 0)
    # Without a window, the next day starts at local midnight (23:00 UTC in winter).
    assert next_opening(None, utc(2025, 1, 6, 12, 0), zone,
                        dt.date(2025, 1, 7)) == utc(2025, 1, 6, 23, 0)


def test_only_iana_zones_are_known():
    assert is_known_timezone("Europe/Berlin") and is_known_timezone("UTC")
    for bad in ("", "Mars/Base", "../../etc/passwd", "/etc/localtime", "europe/berlin"):
        assert not is_known_timezone(bad)
