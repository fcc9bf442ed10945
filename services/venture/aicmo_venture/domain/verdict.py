"""The safety verdict: may this message go out now, and if not, every reason why.

The rules are split in two so the quota can be reserved atomically by storage: ``assess``
finds every reason that does not depend on today's count; storage then reserves a unit only
when there is none (a conditional update), and ``conclude`` turns the outcome into the
verdict.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from aicmo_common.actor import Actor
from aicmo_venture.domain import send_window
from aicmo_venture.domain.model import (
    Campaign,
    CampaignStatus,
    Channel,
    SenderIdentity,
    Venture,
)


class Decision(enum.IntEnum):
    """aicmo.venture.v1.Decision."""

    ALLOW = 1
    DENY = 2


class DenyReason(enum.IntEnum):
    """aicmo.venture.v1.DenyReason; a verdict lists every one that applies, in this order."""

    CAMPAIGN_NOT_RUNNING = 1
    CAMPAIGN_KILL_SWITCH = 2
    VENTURE_KILL_SWITCH = 3
    GLOBAL_KILL_SWITCH = 4
    VENTURE_INACTIVE = 5
    CHANNEL_NOT_ALLOWED = 6
    DAILY_LIMIT_REACHED = 7
    OUTSIDE_SEND_WINDOW = 8


@dataclass(frozen=True)
class SendPolicy:
    """What the sender must apply; ``next_window_open_at`` is set when the send is deferred."""

    consent_required: bool
    sender: SenderIdentity
    timezone: str
    next_window_open_at: dt.datetime | None = None


@dataclass(frozen=True)
class Verdict:
    send_id: str
    campaign_id: str
    venture_id: str
    channel: Channel
    decision: Decision
    deny_reasons: tuple[DenyReason, ...]
    remaining_quota_today: int
    quota_day: dt.date
    policy: SendPolicy
    decided_at: dt.datetime
    requested_by: Actor

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


@dataclass(frozen=True)
class Assessment:
    """Everything about a send that does not depend on today's count."""

    campaign: Campaign
    venture: Venture
    channel: Channel
    now: dt.datetime
    quota_day: dt.date
    reasons: frozenset[DenyReason]

    @property
    def may_reserve(self) -> bool:
        """Whether a unit of quota should be reserved (nothing else stands in the way)."""
        return not self.reasons and self.campaign.daily_send_limit > 0


def assess(campaign: Campaign, venture: Venture, global_kill_switch: bool, channel: Channel,
           now: dt.datetime) -> Assessment:
    reasons: set[DenyReason] = set()
    if campaign.status is not CampaignStatus.RUNNING:
        reasons.add(DenyReason.CAMPAIGN_NOT_RUNNING)
    if campaign.kill_switch.engaged:
        reasons.add(DenyReason.CAMPAIGN_KILL_SWITCH)
    if venture.kill_switch.engaged:
        reasons.add(DenyReason.VENTURE_KILL_SWITCH)
    if global_kill_switch:
        reasons.add(DenyReason.GLOBAL_KILL_SWITCH)
    if not venture.active:
        reasons.add(DenyReason.VENTURE_INACTIVE)
    if channel not in campaign.allowed_channels:
        reasons.add(DenyReason.CHANNEL_NOT_ALLOWED)
    if not send_window.is_open(campaign.send_window, now, venture.timezone):
        reasons.add(DenyReason.OUTSIDE_SEND_WINDOW)
    return Assessment(campaign, venture, channel, now,
                      send_window.quota_day(now, venture.timezone), frozenset(reasons))


def conclude(assessment: Assessment, *, used: int, reserved: bool, send_id: str,
             requested_by: Actor) -> Verdict:
    """The verdict, given today's count after the (possible) reservation.

    ``used`` counts every unit reserved today, including this one when ``reserved``.
    """
    campaign, venture = assessment.campaign, assessment.venture
    limit = campaign.daily_send_limit
    reasons = set(assessment.reasons)
    if not reserved and used >= limit:
        reasons.add(DenyReason.DAILY_LIMIT_REACHED)
    if not reasons and not reserved:
        # Nothing else stood in the way, so only a lost reservation can explain this.
        reasons.add(DenyReason.DAILY_LIMIT_REACHED)
    next_open = None
    if DenyReason.DAILY_LIMIT_REACHED in reasons and limit > 0:
        next_open = send_window.next_opening(campaign.send_window, assessment.now,
                                             venture.timezone,
                                             assessment.quota_day + dt.timedelta(days=1))
    elif DenyReason.OUTSIDE_SEND_WINDOW in reasons:
        next_open = send_window.next_opening(campaign.send_window, assessment.now,
                                             venture.timezone, assessment.quota_day)
    return Verdict(
        send_id=send_id,
        campaign_id=campaign.id,
        venture_id=venture.id,
        channel=assessment.channel,
        decision=Decision.DENY if reasons else Decision.ALLOW,
        deny_reasons=tuple(sorted(reasons)),
        remaining_quota_today=max(limit - used, 0),
        quota_day=assessment.quota_day,
        policy=SendPolicy(consent_required=campaign.consent_required, sender=venture.sender,
                          timezone=venture.timezone, next_window_open_at=next_open),
        decided_at=assessment.now,
        requested_by=requested_by,
    )
