"""Waiting on a condition with a deadline: the one way tests synchronise with servers,
processes and background work (never a bare sleep)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# What a condition may return: a truthy value when it holds (returned to the caller), or an
# awaitable of one (for the async ``wait_for``).
Condition = Callable[[], Any]
# Called on every look: a reason to stop waiting at once (a process that died), or None.
GiveUp = Callable[[], str | None]


class _Deadline:
    def __init__(self, within: float, what: str, give_up: GiveUp | None) -> None:
        self.at = time.monotonic() + within
        self.within = within
        self.what = what
        self.give_up = give_up

    def check(self) -> None:
        """Fails the test when waiting cannot succeed any more."""
        if self.give_up is not None and (reason := self.give_up()):
            raise AssertionError(f"{reason} (waiting for {self.what})")
        if time.monotonic() > self.at:
            raise AssertionError(f"timed out after {self.within}s waiting for {self.what}")


async def wait_for(condition: Condition, *, within: float = 15.0, what: str = "condition",
                   every: float = 0.02, give_up: GiveUp | None = None) -> Any:
    """Polls ``condition`` (sync or async) until it returns something truthy and returns it;
    fails the test after ``within`` seconds, or as soon as ``give_up`` names a reason."""
    deadline = _Deadline(within, what, give_up)
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        deadline.check()
        await asyncio.sleep(every)  # polling a condition, bounded by the deadline


def wait_for_sync(condition: Callable[[], Any], *, within: float = 15.0,
                  what: str = "condition", every: float = 0.05,
                  give_up: GiveUp | None = None) -> Any:
    """``wait_for`` for code without an event loop (subprocesses, blocking clients)."""
    deadline = _Deadline(within, what, give_up)
    while not (value := condition()):
        deadline.check()
        time.sleep(every)  # polling a condition, bounded by the deadline
    return value


def process_exited(process: subprocess.Popen, name: str, log: Path | None = None) -> GiveUp:
    """A ``give_up`` for waiting on something a child process should do: stop once it has
    exited, with its exit code and (when given) its log."""

    def reason() -> str | None:
        if process.poll() is None:
            return None
        output = f":\n{log.read_text()}" if log is not None else ""
        return f"{name} exited with {process.returncode}{output}"

    return reason
