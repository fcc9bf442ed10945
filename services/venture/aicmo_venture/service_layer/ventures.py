"""Ventures: create, read, list, update, deactivate and activate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from aicmo_common import pages
from aicmo_common.errors import AlreadyExists
from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import Violations
from aicmo_venture.domain.model import UnsubscribeLinkPolicy, Venture
from aicmo_venture.service_layer.access import (
    ADMINS,
    MANAGERS,
    READERS,
    Caller,
    visible_venture,
)
from aicmo_venture.service_layer.idempotency import (
    RequestKey,
    check_request,
    remember,
    replayed,
)

CREATE_FIELDS = ("id", "name", "offer_summary", "primary_cta", "default_channels", "timezone",
                 "owner_contact", "sender", "privacy_policy_url", "unsubscribe_links.ttl_days")


@dataclass(frozen=True)
class VenturePage:
    ventures: list[Venture]
    next_page_token: str


def venture_event(venture: Venture, action: str, caller: Caller, now: dt.datetime,
                  **context: object) -> AuditEvent:
    """An audit event about a venture; the context holds ids and reasons, never contacts."""
    return AuditEvent(entity_type="venture", entity_id=venture.id, action=action,
                      actor=caller.actor.label, venture_id=venture.id,
                      request_id=caller.request_id, context=context, occurred_at=now)


def create_venture(repo: VentureRepository, caller: Caller, now: dt.datetime,
                   draft: validation.VentureDraft, request: RequestKey | None) -> Venture:
    caller.require(ADMINS, "CreateVenture")
    caller.require_unscoped("CreateVenture")
    errors = Violations()
    values = validation.check_venture(draft, errors, CREATE_FIELDS)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_venture(repo, caller, prior)
    if repo.get_venture(draft.id) is not None:
        raise AlreadyExists(f"venture {draft.id!r} already exists",
                            metadata={"resource": "venture", "id": draft.id})
    ttl_days = values.pop("unsubscribe_links.ttl_days")
    venture = Venture(active=True, created_at=now, updated_at=now,
                      unsubscribe_links=UnsubscribeLinkPolicy(ttl_days=ttl_days), **values)
    repo.add_venture(venture)
    repo.record(venture_event(venture, "venture.created", caller, now,
                              timezone=venture.timezone,
                              default_channels=[c.name for c in venture.default_channels]))
    remember(repo, request, venture.id, now)
    return venture


def get_venture(repo: VentureRepository, caller: Caller, venture_id: str) -> Venture:
    caller.require(READERS, "GetVenture")
    errors = Violations()
    validation.check_id(errors, "venture_id", venture_id)
    errors.raise_if_any()
    return visible_venture(repo, caller, venture_id)


def list_ventures(repo: VentureRepository, caller: Caller, page_size: int,
                  page_token: str) -> VenturePage:
    caller.require(READERS, "ListVentures")
    errors = Violations()
    size = validation.check_page_size(errors, page_size)
    errors.raise_if_any()
    scope = caller.principal.venture
    filters = {"scope": scope}
    after = pages.decode(page_token, filters)
    if after is not None and not isinstance(after, str):
        raise pages.bad_token()
    ventures = repo.list_ventures(only=scope, after_id=after, limit=size + 1)
    more = len(ventures) > size
    ventures = ventures[:size]
    token = pages.encode(ventures[-1].id, filters) if more else ""
    return VenturePage(ventures, token)


def update_venture(repo: VentureRepository, caller: Caller, now: dt.datetime,
                   draft: validation.VentureDraft, mask: list[str],
                   request: RequestKey | None) -> Venture:
    caller.require(MANAGERS, "UpdateVenture")
    errors = Violations()
    validation.check_id(errors, "venture.id", draft.id)
    paths = validation.check_mask(errors, mask, validation.VENTURE_MASK_PATHS,
                                  validation.VENTURE_READ_ONLY)
    values = validation.check_venture(draft, errors, paths)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_venture(repo, caller, prior)
    venture = visible_venture(repo, caller, draft.id)
    sender = venture.sender
    links = venture.unsubscribe_links
    changes: dict[str, object] = {}
    for path, value in values.items():
        if path.startswith("sender."):
            field = path.removeprefix("sender.")
            sender = replace(sender, **{field: value})
            changes["sender"] = sender
        elif path == "unsubscribe_links.ttl_days":
            links = changes["unsubscribe_links"] = replace(links, ttl_days=value)
        elif path == "unsubscribe_links.revoke_now":
            links = changes["unsubscribe_links"] = replace(links, revoked_before=now)
        else:
            changes[path] = value
    updated = venture.with_changes(**changes, updated_at=now)
    repo.save_venture(updated)
    repo.record(venture_event(updated, "venture.updated", caller, now, changed_fields=paths))
    remember(repo, request, updated.id, now)
    return updated


def set_venture_active(repo: VentureRepository, caller: Caller, now: dt.datetime,
                       venture_id: str, active: bool, reason: str,
                       request: RequestKey | None) -> Venture:
    action = "ActivateVenture" if active else "DeactivateVenture"
    caller.require(MANAGERS, action)
    errors = Violations()
    validation.check_id(errors, "venture_id", venture_id)
    validation.check_reason(errors, reason, required=True)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_venture(repo, caller, prior)
    venture = visible_venture(repo, caller, venture_id)
    if venture.active == active:
        # Already there: nothing changes and nothing is recorded, but the answer is the same.
        remember(repo, request, venture.id, now)
        return venture
    updated = venture.with_changes(active=active, updated_at=now)
    repo.save_venture(updated)
    repo.record(venture_event(updated, "venture.activated" if active else "venture.deactivated",
                              caller, now, reason=reason))
    remember(repo, request, updated.id, now)
    return updated
