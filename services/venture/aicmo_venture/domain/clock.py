"""Time comes from a clock that is passed in, so tests can move it (across DST, midnight)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stays where it is set; tests move it explicitly."""

    def __init__(self, instant: dt.datetime) -> None:
        self.set(instant)

    def set(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self._instant = instant.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        self._instant += delta

    def now(self) -> dt.datetime:
        return self._instant
