"""The dependencies of distribution's use cases, built once by ``bootstrap`` and passed to
whatever needs them (the send path, the use cases, the run worker): the database, the two
peers (ports from ``domain.peers``), the channels, the clock and the settings.

(``bootstrap.Dependencies`` is the smaller set a test may replace when it starts a server.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session

from aicmo_common.db import Database
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_common.unsubscribe import UnsubscribeSigner
from aicmo_distribution.adapters.channels import ChannelRegistry
from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.domain.decision import SendPolicy
from aicmo_distribution.domain.peers import LeadsPeer, VenturePeer
from aicmo_distribution.domain.sends import FailureWindow

SYSTEM_ACTOR = "service:svc-distribution"


@dataclass(frozen=True)
class SendSettings:
    """The knobs of the send path (from DistributionConfig)."""

    mail_domain: str = "aicmo.invalid"
    delivery_timeout_seconds: float = 10.0
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 300.0
    claim_ttl_seconds: float = 120.0
    defer_fallback_seconds: float = 900.0
    autopause: FailureWindow = FailureWindow(0.2, 50)
    # How old the last look before delivery may be (see StopGate); 0 asks for every message.
    gate_freshness_seconds: float = 0.02
    # The inbound receiver's domain and the key of its signed addresses (aicmo_common.verp);
    # no domain: messages carry the sender's own address as their return path.
    inbound_domain: str = ""
    return_path_secret: str = ""

    @property
    def policy(self) -> SendPolicy:
        return SendPolicy(max_attempts=self.max_attempts,
                          retry_base_seconds=self.retry_base_seconds,
                          retry_max_seconds=self.retry_max_seconds,
                          defer_fallback_seconds=self.defer_fallback_seconds)

    @property
    def claim_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.claim_ttl_seconds)


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Deps:
    """What the use cases work with. ``replica`` names this replica in the claims it takes;
    ``on_change`` is told when a send changed (the outbox relay delivers its audit event);
    ``kill_switches`` is this replica's copy of the engaged kill switches, looked at right
    before a message's content starts (None: not watched)."""

    db: Database
    venture: VenturePeer
    leads: LeadsPeer
    channels: ChannelRegistry
    unsubscribe: UnsubscribeSigner
    clock: Callable[[], dt.datetime]
    settings: SendSettings
    replica: str
    on_change: Callable[[], None] = _nothing
    kill_switches: KillSwitchMirror | None = None

    @cached_property
    def uow(self) -> UnitOfWork[Session]:
        """The use cases' unit of work: a commit wakes the relay (``on_change``) for the
        audit events it added."""
        return UnitOfWork(self.db, after_commit=self.on_change)
