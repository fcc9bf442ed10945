"""Campaigns: create (DRAFT), read, list, update, the status verbs, and their history."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from aicmo_common import pages
from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain import lifecycle, validation
from aicmo_venture.domain.errors import CampaignFinal, Violations
from aicmo_venture.domain.model import Campaign, CampaignHistoryEntry, CampaignStatus
from aicmo_venture.service_layer.access import (
    MANAGERS,
    PAUSERS,
    READERS,
    Caller,
    venture_not_found,
    visible_campaign,
    visible_venture,
)
from aicmo_venture.service_layer.idempotency import (
    RequestKey,
    check_request,
    remember,
    replayed,
)

CREATE_FIELDS = ("venture_id", "name", "objective", "allowed_channels", "daily_send_limit",
                 "send_window", "consent_required")


@dataclass(frozen=True)
class CampaignPage:
    campaigns: list[Campaign]
    next_page_token: str


@dataclass(frozen=True)
class HistoryPage:
    entries: list[CampaignHistoryEntry]
    next_page_token: str


def record_change(repo: VentureRepository, caller: Caller, now: dt.datetime,
                  before: Campaign | None, after: Campaign, action: str, reason: str = "",
                  changed_fields: tuple[str, ...] = (), **context: object) -> None:
    """Writes the history entry and the audit event of one campaign change."""
    from_status = before.status if before is not None else after.status
    repo.add_history(CampaignHistoryEntry(
        campaign_id=after.id, action=action, actor=caller.actor, changed_at=now, reason=reason,
        from_status=from_status, to_status=after.status, changed_fields=changed_fields))
    details: dict[str, object] = {"from_status": from_status.name,
                                  "to_status": after.status.name, **context}
    if reason:
        details["reason"] = reason
    if changed_fields:
        details["changed_fields"] = list(changed_fields)
    repo.record(AuditEvent(entity_type="campaign", entity_id=after.id, action=action,
                           actor=caller.actor.label, venture_id=after.venture_id,
                           request_id=caller.request_id, context=details, occurred_at=now))


def create_campaign(repo: VentureRepository, caller: Caller, now: dt.datetime,
                    draft: validation.CampaignDraft, request: RequestKey | None) -> Campaign:
    caller.require(MANAGERS, "CreateCampaign")
    errors = Violations()
    values = validation.check_campaign(draft, errors, CREATE_FIELDS)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_campaign(repo, caller, prior)
    venture = visible_venture(repo, caller, draft.venture_id)
    if not values["allowed_channels"]:
        values["allowed_channels"] = venture.default_channels
    campaign = Campaign(id=str(uuid.uuid4()), status=CampaignStatus.DRAFT, created_at=now,
                        updated_at=now, **values)
    repo.add_campaign(campaign)
    record_change(repo, caller, now, None, campaign, "campaign.created",
                  daily_send_limit=campaign.daily_send_limit,
                  allowed_channels=[c.name for c in campaign.allowed_channels])
    remember(repo, request, campaign.id, now)
    return campaign


def get_campaign(repo: VentureRepository, caller: Caller, campaign_id: str) -> Campaign:
    caller.require(READERS, "GetCampaign")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    errors.raise_if_any()
    return visible_campaign(repo, caller, campaign_id)


def list_campaigns(repo: VentureRepository, caller: Caller, venture_id: str,
                   status: int, page_size: int, page_token: str) -> CampaignPage:
    caller.require(READERS, "ListCampaigns")
    errors = Violations()
    size = validation.check_page_size(errors, page_size)
    validation.check_id(errors, "venture_id", venture_id, required=False)
    wanted: CampaignStatus | None = None
    if status:
        try:
            wanted = CampaignStatus(status)
        except ValueError:
            errors.add("status", f"{status} is not a campaign status")
    errors.raise_if_any()
    scope = caller.principal.venture
    if venture_id and not caller.may_see(venture_id):
        raise venture_not_found(venture_id)
    only = venture_id or scope
    filters = {"venture": only, "status": int(wanted) if wanted else 0}
    after = pages.moment_position(page_token, filters)
    campaigns = repo.list_campaigns(venture_id=only, status=wanted, after=after,
                                    limit=size + 1)
    more = len(campaigns) > size
    campaigns = campaigns[:size]
    token = ""
    if more:
        last = campaigns[-1]
        assert last.created_at is not None  # a stored campaign has its creation time
        token = pages.moment_token(last.created_at, last.id, filters)
    return CampaignPage(campaigns, token)


def update_campaign(repo: VentureRepository, caller: Caller, now: dt.datetime,
                    campaign_id: str, draft: validation.CampaignDraft, mask: list[str],
                    request: RequestKey | None) -> Campaign:
    caller.require(MANAGERS, "UpdateCampaign")
    errors = Violations()
    validation.check_id(errors, "campaign.id", campaign_id)
    paths = validation.check_mask(errors, mask, validation.CAMPAIGN_MASK_PATHS,
                                  validation.CAMPAIGN_READ_ONLY)
    values = validation.check_campaign(draft, errors, paths)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_campaign(repo, caller, prior)
    campaign = visible_campaign(repo, caller, campaign_id)
    if campaign.final:
        raise CampaignFinal(campaign.id, campaign.status.name)
    updated = campaign.with_changes(**values, updated_at=now)
    repo.save_campaign(updated)
    record_change(repo, caller, now, campaign, updated, "campaign.updated",
                  changed_fields=tuple(paths))
    remember(repo, request, updated.id, now)
    return updated


def change_status(repo: VentureRepository, caller: Caller, now: dt.datetime,
                  campaign_id: str, verb: lifecycle.Verb, reason: str,
                  request: RequestKey | None) -> Campaign:
    """Applies one status verb; any transition the machine does not allow is refused."""
    allowed = PAUSERS if verb is lifecycle.Verb.PAUSE else MANAGERS
    caller.require(allowed, f"{verb.value.capitalize()}Campaign")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    validation.check_reason(errors, reason, required=False)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_campaign(repo, caller, prior)
    campaign = visible_campaign(repo, caller, campaign_id)
    target = lifecycle.next_status(campaign.status, verb)
    updated = campaign.with_changes(status=target, updated_at=now)
    repo.save_campaign(updated)
    record_change(repo, caller, now, campaign, updated, lifecycle.ACTIONS[verb], reason)
    remember(repo, request, updated.id, now)
    return updated


def list_history(repo: VentureRepository, caller: Caller, campaign_id: str, page_size: int,
                 page_token: str) -> HistoryPage:
    caller.require(READERS, "ListCampaignHistory")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    size = validation.check_page_size(errors, page_size)
    errors.raise_if_any()
    visible_campaign(repo, caller, campaign_id)
    entries, token = pages.by_sequence(
        lambda after, limit: repo.list_history(campaign_id, after_seq=after, limit=limit),
        page_token, size, {"campaign": campaign_id})
    return HistoryPage(entries, token)
