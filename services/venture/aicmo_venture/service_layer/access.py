"""Who is calling, and what of theirs they may see (``aicmo_common.access``), with venture's
own role sets and the lookups that answer another venture's things as NOT_FOUND.

A venture-scoped caller is answered about another venture's things exactly as if they did not
exist (NOT_FOUND), so a scoped token learns nothing about other ventures, not even their ids.
"""

from __future__ import annotations

from aicmo_common.access import ADMINS, MANAGERS, READERS, Caller
from aicmo_common.auth import Role
from aicmo_common.errors import NotFound
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain.model import Campaign, Venture

__all__ = ["ADMINS", "MANAGERS", "PAUSERS", "READERS", "SENDERS", "Caller"]

# Only the services (distribution) and admins may ask for a reserving verdict.
SENDERS = frozenset({Role.SERVICE, Role.ADMIN})
# A service may pause a campaign (distribution's auto-pause on failures), never start it.
PAUSERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.SERVICE})


def venture_not_found(venture_id: str) -> NotFound:
    return NotFound(f"venture {venture_id!r} does not exist",
                    metadata={"resource": "venture", "id": venture_id[:128]})


def campaign_not_found(campaign_id: str) -> NotFound:
    return NotFound(f"campaign {campaign_id!r} does not exist",
                    metadata={"resource": "campaign", "id": campaign_id[:128]})


def visible_venture(repo: VentureRepository, caller: Caller, venture_id: str) -> Venture:
    venture = repo.get_venture(venture_id) if caller.may_see(venture_id) else None
    if venture is None:
        raise venture_not_found(venture_id)
    return venture


def visible_campaign(repo: VentureRepository, caller: Caller, campaign_id: str) -> Campaign:
    campaign = repo.get_campaign(campaign_id)
    if campaign is None or not caller.may_see(campaign.venture_id):
        raise campaign_not_found(campaign_id)
    return campaign
