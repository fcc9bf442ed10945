"""Local time in the venture's timezone: the quota day, the send window, the next opening.

Everything is computed from one UTC instant and an IANA zone with ``zoneinfo``, so days that
are 23 or 25 hours long (daylight-saving changes) need no special cases: "today" is whatever
calendar date the venture's wall clock shows, and the window compares wall-clock times.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from aicmo_venture.domain.model import SendWindow

MINUTES_PER_DAY = 24 * 60


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (paths and junk are refused)."""
    if name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_now(now: dt.datetime, timezone: str) -> dt.datetime:
    return now.astimezone(zone(timezone))


def quota_day(now: dt.datetime, timezone: str) -> dt.date:
    """Today's date on the venture's wall clock: the day the daily limit counts against."""
    return local_now(now, timezone).date()


def minute_of_day(local: dt.datetime) -> int:
    return local.hour * 60 + local.minute


def is_open(window: SendWindow | None, now: dt.datetime, timezone: str) -> bool:
    """Whether ``now`` falls inside the window on the venture's wall clock."""
    if window is None:
        return True
    local = local_now(now, timezone)
    if local.isoweekday() not in window.days:
        return False
    return window.start_minute <= minute_of_day(local) < window.end_minute


def first_instant_at(day: dt.date, minute: int, timezone: str) -> dt.datetime:
    """The first UTC instant at which the wall clock on ``day`` shows ``minute`` or later.

    A wall time repeated when clocks go back resolves to its first occurrence; one skipped
    when clocks go forward resolves to the moment the gap ends, the first instant the wall
    clock is past it (so this agrees with ``is_open``).
    """
    tz = zone(timezone)
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    earliest = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    if earliest.astimezone(tz).replace(tzinfo=None) == wall:
        return earliest
    # ``wall`` falls in a gap: fold=1 reads it with the offset after the change and lands
    # before the gap, fold=0 after it; the gap ends between the two.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    high = earliest
    if low > high:
        low, high = high, low
    # Binary search, to the second, for the first instant whose wall clock reaches ``wall``
    # (offset changes happen on whole seconds).
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        local = dt.datetime.fromtimestamp(middle, dt.UTC).astimezone(tz)
        if local.replace(tzinfo=None) >= wall:
            high_s = middle
        else:
            low_s = middle
    return dt.datetime.fromtimestamp(high_s, dt.UTC)


def next_opening(window: SendWindow | None, now: dt.datetime, timezone: str,
                 from_day: dt.date) -> dt.datetime:
    """The first instant, not before ``now`` nor before local midnight starting ``from_day``,
    at which the window is open (for a campaign without a window: that midnight)."""
    days = window.days if window is not None else None
    start = window.start_minute if window is not None else 0
    end = window.end_minute if window is not None else MINUTES_PER_DAY
    for offset in range(0, 8):
        day = from_day + dt.timedelta(days=offset)
        if days is not None and day.isoweekday() not in days:
            continue
        closing = first_instant_at(day, end, timezone)
        if closing <= now:
            continue
        return max(first_instant_at(day, start, timezone), now)
    # Validation guarantees at least one day and start < end, so a week always has one.
    raise ValueError("the send window never opens")
