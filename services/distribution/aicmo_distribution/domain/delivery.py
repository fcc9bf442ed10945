"""What a channel adapter is given and what it answers: one interface for every channel."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered message, ready for a channel. Built only after the verdict said ALLOW."""

    send_id: str
    channel: str
    campaign_id: str
    venture_id: str
    lead_id: str
    step: int
    to_address: str
    from_address: str
    from_name: str
    subject: str
    body_text: str
    body_html: str
    unsubscribe_url: str
    postal_address: str
    message_id: str
    # Signed per-send addresses of the inbound receiver (aicmo_common.verp), when configured:
    # the envelope sender bounces come back to, where replies go, and a mailto: unsubscribe.
    return_path: str = ""
    reply_to: str = ""
    unsubscribe_mailto: str = ""


class DeliveryStatus(enum.StrEnum):
    SENT = "SENT"
    # Nothing went out and trying again may work (timeout before sending, 4xx SMTP, 5xx HTTP).
    TRANSIENT = "TRANSIENT"
    # The other side refused for good (5xx SMTP reply, 4xx HTTP).
    PERMANENT = "PERMANENT"
    # The message may have been accepted (connection lost after the body was sent): a retry
    # could deliver it twice, so the job goes to review instead.
    UNKNOWN = "UNKNOWN"
    # Nothing went out: the last look before the channel was called found the send stopped
    # (a kill switch, a pause) or could not ask (``reasons`` says which).
    WITHHELD = "WITHHELD"


@dataclass(frozen=True)
class DeliveryResult:
    """What the channel said. ``detail`` is for operators and never holds the address."""

    status: DeliveryStatus
    provider_message_id: str = ""
    detail: str = ""
    reasons: tuple = ()


# The last look before a message goes out: the reasons the send must not go now (empty: go).
DeliveryGate = Callable[[], Awaitable[tuple]]


class Handoff(Protocol):
    """What a channel asks of the send path while it delivers one message.

    ``last_look`` once the channel holds a connection, before the first byte (MAIL FROM, the
    request): has the send been stopped since its verdict? ``content`` around the start of the
    message's content (SMTP DATA, a webhook's request): the reasons it must not start now
    (empty: go), from this replica's copy of the kill switches; while the block runs, a kill
    switch that arrives waits for it before it is confirmed, so a content start is either
    before a confirmed kill switch or refused by it.
    """

    async def last_look(self) -> tuple: ...

    def content(self) -> AbstractAsyncContextManager[tuple]: ...


class OpenHandoff:
    """A handoff that never stops a message (for a channel used on its own)."""

    def __init__(self, gate: DeliveryGate | None = None) -> None:
        self._gate = gate

    async def last_look(self) -> tuple:
        return tuple(await self._gate()) if self._gate is not None else ()

    @contextlib.asynccontextmanager
    async def content(self) -> AsyncIterator[tuple]:
        yield ()


OPEN = OpenHandoff()


def withheld_result(reasons: tuple, when: str) -> DeliveryResult:
    return DeliveryResult(DeliveryStatus.WITHHELD, reasons=tuple(reasons),
                          detail=f"stopped right before {when}: "
                                 + ", ".join(str(r) for r in reasons))


async def withheld(handoff: Handoff | None) -> DeliveryResult | None:
    """The WITHHELD result when the last look says stop; None when the message may go."""
    if handoff is None:
        return None
    reasons = await handoff.last_look()
    if not reasons:
        return None
    return withheld_result(reasons, "delivery")


class ChannelAdapter(Protocol):
    """A way to deliver messages. ``deliver`` never raises for delivery failures."""

    name: str

    async def deliver(self, message: OutboundMessage, handoff: Handoff | None = None
                      ) -> DeliveryResult: ...

    async def close(self) -> None: ...
