"""What distribution learns from venture and leads, in its own terms (no protos here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

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


async def answer_of(call: Awaitable[T]) -> T | PeerNotFound | DependencyFailure:
    """A question to venture or leads, its failure as a value: the decisions
    (``domain.decision``) take either."""
    try:
        return await call
    except (PeerNotFound, DependencyFailure) as failure:
        return failure
