"""Who is calling, and what of theirs they may see.

A venture-scoped caller is answered about another venture's things exactly as if they did not
exist (NOT_FOUND), so a scoped token learns nothing about other ventures, not even their ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicmo_common.actor import Actor
from aicmo_common.auth import Principal, Role
from aicmo_common.errors import NotFound, PermissionDenied
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain.model import Campaign, Venture

READERS = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.OPERATOR})
ADMINS = frozenset({Role.ADMIN})
# Only the services (distribution) and admins may ask for a reserving verdict.
SENDERS = frozenset({Role.SERVICE, Role.ADMIN})
# A service may pause a campaign (distribution's auto-pause on failures), never start it.
PAUSERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.SERVICE})


@dataclass(frozen=True)
class Caller:
    """The verified caller and the request id that crosses service calls."""

    principal: Principal
    request_id: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.subject, self.principal.role.value)

    def require(self, roles: frozenset[Role], action: str) -> None:
        self.principal.require(roles, action)

    def require_unscoped(self, action: str) -> None:
        """For calls that act on everything (the global switch, new ventures)."""
        if self.principal.venture is not None:
            raise PermissionDenied(f"a venture-scoped token may not perform {action}",
                                   reason="VENTURE_SCOPE",
                                   metadata={"action": action})

    def may_see(self, venture_id: str) -> bool:
        return self.principal.may_see(venture_id)


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
