"""Ventures, campaigns and kill switches, as plain values.

Enum values equal the proto enum numbers, so the entrypoint converts by number and an unknown
number is caught by validation rather than by a lookup table that could drift.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from aicmo_common.actor import Actor


class Channel(enum.IntEnum):
    """A way of reaching a person (aicmo.common.v1.Channel)."""

    EMAIL = 1
    LINKEDIN = 2
    SMS = 3
    WEBHOOK = 4


class Weekday(enum.IntEnum):
    """A local day of the week; numbered as ISO 8601 (Monday = 1), like ``date.isoweekday``."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


class CampaignStatus(enum.IntEnum):
    """Where a campaign is in its life (aicmo.venture.v1.CampaignStatus)."""

    DRAFT = 1
    RUNNING = 2
    PAUSED = 3
    STOPPED = 4
    COMPLETED = 5


FINAL_STATUSES = frozenset({CampaignStatus.STOPPED, CampaignStatus.COMPLETED})


@dataclass(frozen=True)
class KillSwitch:
    """One kill switch and its latest change (``actor`` is None when never touched)."""

    engaged: bool = False
    reason: str = ""
    actor: Actor | None = None
    changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class SenderIdentity:
    """Who a venture's emails come from, and the postal address the footer must carry."""

    from_address: str = ""
    from_name: str = ""
    postal_address: str = ""


@dataclass(frozen=True)
class UnsubscribeLinkPolicy:
    """How long a venture's unsubscribe links work (0 days: for ever) and which are revoked.

    The edge enforces it; a one-click POST keeps working for a mailbox provider's lifetime of
    the button whatever this says (see ``aicmo_common.unsubscribe``).
    """

    ttl_days: int = 0
    revoked_before: dt.datetime | None = None


@dataclass(frozen=True)
class SendWindow:
    """Local days and a [start, end) time of day, in minutes since local midnight."""

    days: frozenset[Weekday]
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Venture:
    id: str
    name: str
    timezone: str
    owner_contact: str
    offer_summary: str = ""
    primary_cta: str = ""
    default_channels: tuple[Channel, ...] = ()
    active: bool = True
    kill_switch: KillSwitch = field(default_factory=KillSwitch)
    sender: SenderIdentity = field(default_factory=SenderIdentity)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    privacy_policy_url: str = ""
    unsubscribe_links: UnsubscribeLinkPolicy = field(default_factory=UnsubscribeLinkPolicy)

    def with_changes(self, **changes: Any) -> Venture:
        return replace(self, **changes)


@dataclass(frozen=True)
class Campaign:
    id: str
    venture_id: str
    name: str
    objective: str = ""
    allowed_channels: tuple[Channel, ...] = ()
    daily_send_limit: int = 0
    send_window: SendWindow | None = None
    consent_required: bool = False
    kill_switch: KillSwitch = field(default_factory=KillSwitch)
    status: CampaignStatus = CampaignStatus.DRAFT
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def with_changes(self, **changes: Any) -> Campaign:
        return replace(self, **changes)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True)
class CampaignHistoryEntry:
    """One recorded change of a campaign."""

    campaign_id: str
    action: str
    actor: Actor
    changed_at: dt.datetime
    reason: str
    from_status: CampaignStatus
    to_status: CampaignStatus
    changed_fields: tuple[str, ...] = ()
