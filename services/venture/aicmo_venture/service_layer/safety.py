"""The safety verdict, its read-only twin, and the verdict log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aicmo_common.errors import FailedPrecondition
from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import InvalidFields, Violation, Violations
from aicmo_venture.domain.model import Channel
from aicmo_venture.domain.verdict import Assessment, Verdict, assess, conclude
from aicmo_venture.service_layer import pagination
from aicmo_venture.service_layer.access import (
    READERS,
    SENDERS,
    Caller,
    campaign_not_found,
    visible_campaign,
)


@dataclass(frozen=True)
class VerdictPage:
    verdicts: list[Verdict]
    next_page_token: str


def _check_channel(errors: Violations, channel: int) -> Channel | None:
    if channel == 0:
        errors.add("channel", "must name a channel")
        return None
    try:
        return Channel(channel)
    except ValueError:
        errors.add("channel", f"{channel} is not a known channel")
        return None


def _assess(repo: VentureRepository, caller: Caller, now: dt.datetime, campaign_id: str,
            channel: Channel) -> Assessment:
    campaign = visible_campaign(repo, caller, campaign_id)
    venture = repo.get_venture(campaign.venture_id)
    if venture is None:  # the foreign key makes this impossible; refuse rather than guess
        raise campaign_not_found(campaign_id)
    return assess(campaign, venture, repo.get_global_kill_switch().engaged, channel, now)


def _replay(stored: Verdict, caller: Caller, campaign_id: str, channel: Channel) -> Verdict:
    if not caller.may_see(stored.venture_id):
        raise campaign_not_found(campaign_id)
    if stored.campaign_id != campaign_id or stored.channel != channel:
        raise FailedPrecondition(
            "this send_id already has a verdict for another campaign or channel",
            reason="REQUEST_ID_REUSED",
            metadata={"send_id": stored.send_id, "campaign_id": stored.campaign_id,
                      "channel": stored.channel.name})
    return stored


def authorize_send(repo: VentureRepository, caller: Caller, now: dt.datetime,
                   campaign_id: str, channel: int, send_id: str) -> tuple[Verdict, bool]:
    """The verdict for one send, and whether it was stored before (a replay).

    One read brings the stored verdict (if any), the campaign, its venture and the global
    switch. An ALLOW reserves one unit of today's quota with a conditional upsert in this
    transaction, which also stores the verdict under the send id (unique) with its audit
    event. Two concurrent first calls with one send id can both get here; the second insert
    fails on the unique key, its changes (reservation included) roll back, and the retry
    finds the stored verdict.
    """
    caller.require(SENDERS, "AuthorizeSend")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    wanted = _check_channel(errors, channel)
    validation.check_id(errors, "send_id", send_id)
    errors.raise_if_any()
    inputs = repo.verdict_inputs(send_id, campaign_id)
    if inputs.stored is not None:
        return _replay(inputs.stored, caller, campaign_id, wanted), True
    campaign, venture = inputs.campaign, inputs.venture
    # A campaign without its venture cannot be (foreign key); refuse rather than guess.
    if campaign is None or venture is None or not caller.may_see(campaign.venture_id):
        raise campaign_not_found(campaign_id)
    assessment = assess(campaign, venture, inputs.global_kill_switch, wanted, now)
    if assessment.may_reserve:
        reserved, used = repo.reserve_quota(campaign.id, assessment.quota_day,
                                            campaign.daily_send_limit)
    else:
        reserved, used = False, repo.quota_used(campaign.id, assessment.quota_day)
    verdict = conclude(assessment, used=used, reserved=reserved, send_id=send_id,
                       requested_by=caller.actor)
    repo.store_verdict(verdict, AuditEvent(
        entity_type="campaign", entity_id=campaign.id,
        action="verdict.allowed" if verdict.allowed else "verdict.denied",
        actor=caller.actor.label, venture_id=campaign.venture_id, request_id=caller.request_id,
        context={"send_id": send_id, "channel": verdict.channel.name,
                 "decision": verdict.decision.name,
                 "deny_reasons": [reason.name for reason in verdict.deny_reasons],
                 "quota_day": verdict.quota_day.isoformat(),
                 "remaining_quota_today": verdict.remaining_quota_today},
        occurred_at=now))
    return verdict, False


def check_safety(repo: VentureRepository, caller: Caller, now: dt.datetime,
                 campaign_id: str, channel: int) -> Verdict:
    """The verdict AuthorizeSend would give now; reserves and stores nothing."""
    caller.require(READERS, "CheckSafety")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    wanted = _check_channel(errors, channel)
    errors.raise_if_any()
    assessment = _assess(repo, caller, now, campaign_id, wanted)
    campaign = assessment.campaign
    used = repo.quota_used(campaign.id, assessment.quota_day)
    # Would a reservation succeed? Then report it as an ALLOW, without counting the unit.
    would_reserve = assessment.may_reserve and used < campaign.daily_send_limit
    verdict = conclude(assessment, used=used, reserved=would_reserve, send_id="",
                       requested_by=caller.actor)
    return verdict


def list_verdicts(repo: VentureRepository, caller: Caller, campaign_id: str, page_size: int,
                  page_token: str) -> VerdictPage:
    caller.require(READERS, "ListVerdicts")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    size = validation.check_page_size(errors, page_size)
    errors.raise_if_any()
    visible_campaign(repo, caller, campaign_id)
    filters = {"campaign": campaign_id}
    after = pagination.decode(page_token, filters)
    if after is not None and not isinstance(after, int):
        raise InvalidFields([Violation("page_token", "is not a token this list returned")])
    rows = repo.list_verdicts(campaign_id, after_seq=after or 0, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    token = pagination.encode(rows[-1][0], filters) if more else ""
    return VerdictPage([verdict for _, verdict in rows], token)
