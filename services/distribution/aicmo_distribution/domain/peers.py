"""What distribution learns from venture and leads, in its own terms (no protos here): their
answers' value types and the two ports (``VenturePeer``, ``LeadsPeer``) that
``adapters.peers`` implements over gRPC and unit tests implement with fakes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from aicmo_distribution.domain.sends import BlockReason

T = TypeVar("T")


class DependencyFailure(Exception):
    """A call to another service did not give a usable answer: the send fails closed."""

    def __init__(self, reason: BlockReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class PeerNotFound(Exception):
    """The other service says the thing asked about does not exist."""


@dataclass(frozen=True)
class Sender:
    """The venture's sender identity."""

    from_address: str = ""
    from_name: str = ""
    postal_address: str = ""


@dataclass(frozen=True)
class CampaignFacts:
    """The parts of a campaign the send path needs before asking for a verdict."""

    campaign_id: str
    venture_id: str
    consent_required: bool
    status: str


@dataclass(frozen=True)
class VentureFacts:
    """The parts of a venture templates may use."""

    venture_id: str
    name: str
    sender: Sender
    # The IANA time zone the venture's days are counted in.
    timezone: str = "UTC"


@dataclass(frozen=True)
class Contactability:
    """The leads service's answer for one lead on one channel."""

    allowed: bool
    reasons: tuple[BlockReason, ...]
    address: str
    venture_id: str
    consent_status: str
    lead: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The venture service's safety verdict (from AuthorizeSend or CheckSafety)."""

    allow: bool
    reasons: tuple[BlockReason, ...]
    remaining_quota: int
    venture_id: str
    consent_required: bool
    sender: Sender
    next_window_open: dt.datetime | None
    replayed: bool = False


@dataclass(frozen=True)
class LeadPage:
    """One page of a campaign's leads."""

    lead_ids: list[str]
    next_page_token: str


class VenturePeer(Protocol):
    """What distribution asks venture. Every method raises ``DependencyFailure`` when venture
    gives no usable answer, and those marked so raise ``PeerNotFound``."""

    async def campaign(self, campaign_id: str) -> CampaignFacts:
        """The campaign (PeerNotFound when it does not exist)."""

    async def venture(self, venture_id: str) -> VentureFacts:
        """The venture (PeerNotFound when it does not exist)."""

    async def authorize(self, campaign_id: str, channel: str, send_key: str) -> Verdict:
        """The safety verdict for one send, reserving a unit of today's quota on ALLOW; the
        same key always gets the same verdict (PeerNotFound for an unknown campaign)."""

    async def authorize_many(self, sends: list[tuple[str, str, str]]
                             ) -> list[Verdict | PeerNotFound | DependencyFailure]:
        """``authorize`` for (campaign, channel, send key) triples in one call, in order: each
        item's verdict or the failure its own call would have raised."""

    async def check(self, campaign_id: str, channel: str) -> Verdict:
        """The read-only verdict, reserving nothing (PeerNotFound for an unknown campaign)."""

    async def pause(self, campaign_id: str, reason: str, request_id: str) -> None:
        """Pauses the campaign (auto-pause)."""


class LeadsPeer(Protocol):
    """What distribution asks leads; failures as for ``VenturePeer``."""

    async def contactability(self, lead_id: str, channel: str, consent_required: bool
                             ) -> Contactability:
        """Whether the lead may be contacted on the channel (PeerNotFound: no such lead)."""

    async def contactabilities(self, checks: list[tuple[str, str, bool]]
                               ) -> list[Contactability | PeerNotFound | DependencyFailure]:
        """``contactability`` for (lead, channel, consent required) triples in one call."""

    async def lead(self, lead_id: str) -> dict[str, object]:
        """A lead's template fields and venture, for previews (PeerNotFound: no such lead)."""

    async def campaign_leads(self, campaign_id: str, venture_id: str, *, consented_only: bool,
                             source_channel: str, page_token: str, page_size: int = 200
                             ) -> LeadPage:
        """One page of the ids of a campaign's active leads."""


async def answer_of(call: Awaitable[T]) -> T | PeerNotFound | DependencyFailure:
    """A question to venture or leads, its failure as a value: the decisions
    (``domain.decision``) take either."""
    try:
        return await call
    except (PeerNotFound, DependencyFailure) as failure:
        return failure
