"""What the send path gives a channel for one message: the last look before the first byte,
and the kill switch look around the start of the content (see ``domain.delivery.Handoff``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.domain.sends import BlockReason

log = logging.getLogger("aicmo.distribution.handoff")


class SendHandoff:
    """The handoff of one send: ``last_look`` asks venture (through the shared StopGate);
    ``content`` first runs ``before_content`` (what must be on record before content may
    start) and then looks at this replica's copy of the kill switches."""

    def __init__(self, last_look: Callable[[], Awaitable[tuple]],
                 kill_switches: KillSwitchMirror | None, campaign_id: str, venture_id: str,
                 before_content: Callable[[], Awaitable[None]] | None = None) -> None:
        self._last_look = last_look
        self._kill_switches = kill_switches
        self._campaign_id = campaign_id
        self._venture_id = venture_id
        self._before_content = before_content

    async def last_look(self) -> tuple:
        return tuple(await self._last_look())

    @contextlib.asynccontextmanager
    async def content(self) -> AsyncIterator[tuple]:
        if self._before_content is not None:
            try:
                await self._before_content()
            except Exception:  # noqa: BLE001 - not on record: the content must not start
                log.warning("the content start could not be recorded; withheld",
                            exc_info=True)
                yield (BlockReason.DEPENDENCY_ERROR,)
                return
        if self._kill_switches is None:
            yield ()
            return
        async with self._kill_switches.content(self._campaign_id, self._venture_id) as reasons:
            yield reasons
