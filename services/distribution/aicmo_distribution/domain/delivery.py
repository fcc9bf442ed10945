"""What a channel adapter is given and what it answers: one interface for every channel."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
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
# A channel calls it once it holds a connection, right before the first byte of the message.
DeliveryGate = Callable[[], Awaitable[tuple]]


async def withheld(gate: DeliveryGate | None) -> DeliveryResult | None:
    """The WITHHELD result when ``gate`` says stop; None when the message may go."""
    if gate is None:
        return None
    reasons = await gate()
    if not reasons:
        return None
    return DeliveryResult(DeliveryStatus.WITHHELD, reasons=tuple(reasons),
                          detail="stopped right before delivery: "
                                 + ", ".join(str(r) for r in reasons))


class ChannelAdapter(Protocol):
    """A way to deliver messages. ``deliver`` never raises for delivery failures."""

    name: str

    async def deliver(self, message: OutboundMessage, gate: DeliveryGate | None = None
                      ) -> DeliveryResult: ...

    async def close(self) -> None: ...
