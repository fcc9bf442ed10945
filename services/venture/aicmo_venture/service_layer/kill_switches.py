"""Kill switches at three levels: campaign, venture and global.

A switch is stored in the same row the verdict reads, in a committed transaction, before the
call returns; so every verdict that starts after the call returned sees it and denies. Each
change also counts one epoch of the kill switch push (``kill_propagation``), which carries it
to the delivering replicas before an engaging call answers.
Setting an engaged switch again (or clearing a released one) changes nothing and records
nothing, but answers the same.
"""

from __future__ import annotations

import datetime as dt

from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import Violations
from aicmo_venture.domain.model import Campaign, KillSwitch, Venture
from aicmo_venture.service_layer.access import (
    ADMINS,
    MANAGERS,
    READERS,
    SENDERS,
    Caller,
    visible_campaign,
    visible_venture,
)
from aicmo_venture.service_layer.campaigns import record_change
from aicmo_venture.service_layer.idempotency import (
    RequestKey,
    check_request,
    remember,
    replayed,
)
from aicmo_venture.service_layer.ventures import venture_event

GLOBAL_RESOURCE_ID = "global"


def _action(engaged: bool) -> str:
    return "kill_switch_set" if engaged else "kill_switch_cleared"


def _method(level: str, engaged: bool) -> str:
    return f"{'Set' if engaged else 'Clear'}{level}KillSwitch"


def _check(errors: Violations, reason: str) -> None:
    validation.check_reason(errors, reason, required=True)


def set_campaign_switch(repo: VentureRepository, caller: Caller, now: dt.datetime,
                        campaign_id: str, engaged: bool, reason: str,
                        request: RequestKey | None) -> Campaign:
    caller.require(MANAGERS, _method("Campaign", engaged))
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    _check(errors, reason)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_campaign(repo, caller, prior)
    campaign = visible_campaign(repo, caller, campaign_id)
    if campaign.kill_switch.engaged == engaged:
        remember(repo, request, campaign.id, now)
        return campaign
    updated = campaign.with_changes(
        kill_switch=KillSwitch(engaged, reason, caller.actor, now), updated_at=now)
    repo.save_campaign(updated)
    repo.count_kill_switch_change()
    record_change(repo, caller, now, campaign, updated, f"campaign.{_action(engaged)}", reason)
    remember(repo, request, updated.id, now)
    return updated


def set_venture_switch(repo: VentureRepository, caller: Caller, now: dt.datetime,
                       venture_id: str, engaged: bool, reason: str,
                       request: RequestKey | None) -> Venture:
    caller.require(MANAGERS, _method("Venture", engaged))
    errors = Violations()
    validation.check_id(errors, "venture_id", venture_id)
    _check(errors, reason)
    check_request(errors, request)
    errors.raise_if_any()
    if (prior := replayed(repo, request)) is not None:
        return visible_venture(repo, caller, prior)
    venture = visible_venture(repo, caller, venture_id)
    if venture.kill_switch.engaged == engaged:
        remember(repo, request, venture.id, now)
        return venture
    updated = venture.with_changes(
        kill_switch=KillSwitch(engaged, reason, caller.actor, now), updated_at=now)
    repo.save_venture(updated)
    repo.count_kill_switch_change()
    repo.record(venture_event(updated, f"venture.{_action(engaged)}", caller, now,
                              reason=reason))
    remember(repo, request, updated.id, now)
    return updated


def set_global_switch(repo: VentureRepository, caller: Caller, now: dt.datetime,
                      engaged: bool, reason: str, request: RequestKey | None) -> KillSwitch:
    method = _method("Global", engaged)
    caller.require(ADMINS, method)
    caller.require_unscoped(method)
    errors = Violations()
    _check(errors, reason)
    check_request(errors, request)
    errors.raise_if_any()
    if replayed(repo, request) is not None:
        return repo.get_global_kill_switch()
    current = repo.get_global_kill_switch()
    if current.engaged == engaged:
        remember(repo, request, GLOBAL_RESOURCE_ID, now)
        return current
    switch = KillSwitch(engaged, reason, caller.actor, now)
    repo.save_global_kill_switch(switch)
    repo.count_kill_switch_change()
    repo.record(AuditEvent(entity_type="global_kill_switch", entity_id=GLOBAL_RESOURCE_ID,
                           action=f"global.{_action(engaged)}", actor=caller.actor.label,
                           request_id=caller.request_id, context={"reason": reason},
                           occurred_at=now))
    remember(repo, request, GLOBAL_RESOURCE_ID, now)
    return switch


MAX_REPLICA_ID_LENGTH = 200


def check_watcher(caller: Caller, replica_id: str) -> None:
    """Who may watch the kill switches (the delivering services), and the replica's name."""
    caller.require(SENDERS, "WatchKillSwitches")
    errors = Violations()
    if not replica_id or not replica_id.strip():
        errors.add("replica_id", "is required in the first message")
    elif len(replica_id) > MAX_REPLICA_ID_LENGTH or not replica_id.isprintable():
        errors.add("replica_id", f"must be 1 to {MAX_REPLICA_ID_LENGTH} printable characters")
    errors.raise_if_any()


def get_global_switch(repo: VentureRepository, caller: Caller) -> KillSwitch:
    caller.require(READERS, "GetGlobalKillSwitch")
    return repo.get_global_kill_switch()
