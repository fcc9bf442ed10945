"""A clock the test sets: services and limiters take a callable clock, and a test moves
``now`` to make time pass without waiting for it."""

from __future__ import annotations

from typing import Any


class Clock:
    """Returns ``now`` when called; the test moves ``now`` (a float of seconds or a datetime,
    whatever the code under test reads). With ``tick``, every call first advances ``now`` by
    it, so that things created one after the other get strictly increasing times."""

    def __init__(self, now: Any = 100.0, *, tick: Any = None) -> None:
        self.now = now
        self.tick = tick

    def __call__(self) -> Any:
        if self.tick is not None:
            self.now += self.tick
        return self.now
