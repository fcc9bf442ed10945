"""Whether a lead may be contacted on a channel, with every reason it may not."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aicmo_leads.domain.consent import ConsentStatus


class LeadState(enum.StrEnum):
    """Where a lead is in its life."""

    ACTIVE = "active"
    MERGED = "merged"
    ERASED = "erased"


class DeliveryChannel(enum.StrEnum):
    """The channels a send can use (mirrors aicmo.common.v1.Channel)."""

    EMAIL = "email"
    LINKEDIN = "linkedin"
    SMS = "sms"
    WEBHOOK = "webhook"


class BlockReason(enum.StrEnum):
    """One reason a lead may not be contacted."""

    DNC = "dnc"
    SUPPRESSED = "suppressed"
    ERASED = "erased"
    NO_ADDRESS_FOR_CHANNEL = "no_address_for_channel"
    CONSENT_REQUIRED_UNKNOWN = "consent_required_unknown"
    MERGED = "merged"


@dataclass(frozen=True)
class Contactability:
    """The answer: allowed (with the address) or every reason not."""

    reasons: tuple[BlockReason, ...]
    address: str

    @property
    def allowed(self) -> bool:
        return not self.reasons


def address_for(channel: DeliveryChannel, email: str | None, phone: str | None,
                linkedin_url: str | None) -> str:
    """Where a send on ``channel`` goes; a webhook provider takes the first address known."""
    if channel is DeliveryChannel.EMAIL:
        return email or ""
    if channel is DeliveryChannel.SMS:
        return phone or ""
    if channel is DeliveryChannel.LINKEDIN:
        return linkedin_url or ""
    return email or phone or linkedin_url or ""


def assess(*, state: LeadState, consent: ConsentStatus, suppressed: bool,
           channel: DeliveryChannel, consent_required: bool, email: str | None,
           phone: str | None, linkedin_url: str | None,
           undeliverable: frozenset[str] = frozenset()) -> Contactability:
    """Collects every reason that applies, so an operator sees the whole picture at once.

    ``suppressed`` is an opt-out of any of the lead's identifiers, which blocks every
    channel; ``undeliverable`` holds the identifiers that cannot receive (a hard bounce),
    which block only the channels that deliver to them."""
    reasons: list[BlockReason] = []
    address = address_for(channel, email, phone, linkedin_url)
    if state is LeadState.ERASED:
        reasons.append(BlockReason.ERASED)
    if state is LeadState.MERGED:
        reasons.append(BlockReason.MERGED)
    if consent is ConsentStatus.DNC:
        reasons.append(BlockReason.DNC)
    if suppressed or (address and address in undeliverable):
        reasons.append(BlockReason.SUPPRESSED)
    if not address and state is LeadState.ACTIVE:
        reasons.append(BlockReason.NO_ADDRESS_FOR_CHANNEL)
    if consent_required and consent is ConsentStatus.UNKNOWN:
        reasons.append(BlockReason.CONSENT_REQUIRED_UNKNOWN)
    return Contactability(tuple(reasons), "" if reasons else address)
