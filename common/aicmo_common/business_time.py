"""Business time: durations counted only in a calendar's open hours, in its IANA time zone.

A sequence's wait of "2 business days" and an SLA's "within 4 working hours" are the same
arithmetic, so both use this module. A calendar is the local business days (ISO weekdays), the
local minutes the day opens and closes, and local dates that are holidays. Every computation
goes from an aware instant to local wall time with ``zoneinfo`` and back to UTC, so days on
which clocks change are counted by what the wall clock says: a business day that loses an hour
to daylight saving time is an hour shorter, and a local opening time that does not exist that
day (inside the gap) is read with the offset before the change, as ``zoneinfo`` does.

Open intervals are half open: a calendar open 09:00 to 17:00 is open at 09:00 and closed at
17:00. Searches are bounded: a calendar with no business day in ten years is an error rather
than a loop without end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
MAX_DAYS_SEARCHED = 3660
DEFAULT_DAYS = frozenset({1, 2, 3, 4, 5})
DEFAULT_START_MINUTE = 9 * 60
DEFAULT_END_MINUTE = 17 * 60


def calendar_errors(zone: str, days: Iterable[int], start_minute: int, end_minute: int,
                    holidays: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with a calendar's parts, named as a request
    would name them (``days[1]``, ``holidays[0]``)."""
    errors: list[tuple[str, str]] = []
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(("time_zone", f"{zone!r} is not an IANA time zone"))
    seen: set[int] = set()
    for index, day in enumerate(days):
        if not 1 <= day <= 7:
            errors.append((f"days[{index}]", "must be an ISO weekday, 1 (Monday) to 7"))
        elif day in seen:
            errors.append((f"days[{index}]", f"day {day} is listed twice"))
        seen.add(day)
    if not 0 <= start_minute <= 1439:
        errors.append(("start_minute", "must be 0 to 1439"))
    if not 1 <= end_minute <= 1440:
        errors.append(("end_minute", "must be 1 to 1440"))
    elif start_minute >= end_minute:
        errors.append(("end_minute", "must be after start_minute"))
    for index, holiday in enumerate(holidays):
        try:
            dt.date.fromisoformat(holiday)
        except ValueError:
            errors.append((f"holidays[{index}]", f"{holiday!r} is not a date (YYYY-MM-DD)"))
    return errors


@dataclass(frozen=True)
class BusinessCalendar:
    """When business time runs: ``days`` (ISO weekdays) from ``start_minute`` to
    ``end_minute`` of the local day in ``zone``, except on ``holidays``."""

    zone: str
    days: frozenset[int] = DEFAULT_DAYS
    start_minute: int = DEFAULT_START_MINUTE
    end_minute: int = DEFAULT_END_MINUTE
    holidays: frozenset[dt.date] = frozenset()
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors = calendar_errors(self.zone, sorted(self.days), self.start_minute,
                                 self.end_minute)
        if not self.days:
            errors.append(("days", "must name at least one business day"))
        if errors:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in errors))
        object.__setattr__(self, "_tz", ZoneInfo(self.zone))

    def is_business_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.days and day not in self.holidays

    def bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants a business day opens and closes."""
        return self._local(day, self.start_minute), self._local(day, self.end_minute)

    def local(self, instant: dt.datetime) -> dt.datetime:
        return _aware(instant).astimezone(self._tz)

    def _local(self, day: dt.date, minute: int) -> dt.datetime:
        day = day + dt.timedelta(days=minute // 1440)
        minute %= 1440
        wall = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                           tzinfo=self._tz)
        return wall.astimezone(UTC)

    def business_days_from(self, day: dt.date) -> Iterator[dt.date]:
        """``day`` and the days after it that are business days, searched at most ten years."""
        for offset in range(MAX_DAYS_SEARCHED):
            candidate = day + dt.timedelta(days=offset)
            if self.is_business_day(candidate):
                yield candidate
        raise ValueError(f"no business day within {MAX_DAYS_SEARCHED} days of {day}")


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant


def is_open(calendar: BusinessCalendar, instant: dt.datetime) -> bool:
    day = calendar.local(instant).date()
    if not calendar.is_business_day(day):
        return False
    opens, closes = calendar.bounds(day)
    return opens <= instant < closes


def next_open(calendar: BusinessCalendar, instant: dt.datetime) -> dt.datetime:
    """``instant`` itself when the calendar is open then, else the next opening (UTC)."""
    instant = _aware(instant).astimezone(UTC)
    for day in calendar.business_days_from(calendar.local(instant).date()):
        opens, closes = calendar.bounds(day)
        if instant < closes:
            return max(instant, opens)
    raise AssertionError("unreachable: business_days_from raises when it runs out")


def add_business(calendar: BusinessCalendar, instant: dt.datetime, *, days: int = 0,
                 hours: float = 0) -> dt.datetime:
    """The instant ``days`` business days and then ``hours`` business hours after
    ``instant`` (UTC). An instant outside business hours first moves to the next opening; a
    day later is the same local time on the next business day; hours run only while open, and
    a wait that ends exactly at closing ends at the next opening instead."""
    if days < 0 or hours < 0:
        raise ValueError("business waits cannot be negative")
    moment = next_open(calendar, instant)
    if days:
        local = calendar.local(moment)
        start = local.date() + dt.timedelta(days=1)
        found = calendar.business_days_from(start)
        for _ in range(days - 1):
            next(found)
        target = next(found)
        minute = local.hour * 60 + local.minute
        moment = next_open(calendar, calendar._local(target, minute).replace(
            second=local.second, microsecond=local.microsecond))
    remaining = dt.timedelta(hours=hours)
    while remaining > dt.timedelta(0):
        _, closes = calendar.bounds(calendar.local(moment).date())
        available = closes - moment
        if remaining < available:
            return moment + remaining
        remaining -= available
        moment = next_open(calendar, closes)
    return moment


def business_between(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime
                     ) -> dt.timedelta:
    """The open business time between two instants (zero when ``end`` is not after
    ``start``)."""
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    total = dt.timedelta(0)
    if end <= start:
        return total
    day = calendar.local(start).date()
    last = calendar.local(end).date()
    while day <= last:
        if calendar.is_business_day(day):
            opens, closes = calendar.bounds(day)
            overlap = min(closes, end) - max(opens, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return total
