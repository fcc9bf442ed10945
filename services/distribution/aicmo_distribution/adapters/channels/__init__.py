"""Delivery channels behind one interface (``domain.delivery.ChannelAdapter``)."""

from __future__ import annotations

from collections.abc import Mapping

from aicmo_distribution.domain.delivery import ChannelAdapter


class ChannelRegistry:
    """Which adapter delivers each channel (EMAIL, SMS, LINKEDIN, WEBHOOK)."""

    def __init__(self, adapters: Mapping[str, ChannelAdapter]) -> None:
        self._adapters = dict(adapters)

    def for_channel(self, channel: str) -> ChannelAdapter | None:
        return self._adapters.get(channel)

    async def close(self) -> None:
        closed: set[int] = set()
        for adapter in self._adapters.values():
            if id(adapter) not in closed:
                closed.add(id(adapter))
                await adapter.close()
