"""The safety verdict, its read-only twin, and the verdict log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from aicmo_common import pages
from aicmo_common.errors import FailedPrecondition, ServiceError
from aicmo_common.outbox import AuditEvent
from aicmo_venture.adapters.repository import VentureRepository
from aicmo_venture.domain import validation
from aicmo_venture.domain.errors import DomainError, Violations
from aicmo_venture.domain.model import Channel
from aicmo_venture.domain.verdict import Assessment, Verdict, assess, conclude
from aicmo_venture.service_layer.access import (
    READERS,
    SENDERS,
    Caller,
    campaign_not_found,
    visible_campaign,
)

# The most sends one BatchAuthorizeSend may ask about.
MAX_BATCH_SENDS = 500


@dataclass(frozen=True)
class VerdictPage:
    verdicts: list[Verdict]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One send of a batch, with the raw request values (as ``authorize_send`` takes them)."""

    campaign_id: str
    channel: int
    send_id: str


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """One item of a batch: its verdict and whether it was a replay, or the refusal its own
    AuthorizeSend would have raised (the item then reserved and stored nothing)."""

    verdict: Verdict | None = None
    replayed: bool = False
    error: ServiceError | DomainError | None = None


def _check_channel(errors: Violations, channel: int, path: str = "channel") -> Channel | None:
    if channel == 0:
        errors.add(path, "must name a channel")
        return None
    try:
        return Channel(channel)
    except ValueError:
        errors.add(path, f"{channel} is not a known channel")
        return None


def _check_send(errors: Violations, prefix: str, campaign_id: str, channel: int,
                send_id: str) -> Channel | None:
    """AuthorizeSend's input rules, the fields named under ``prefix`` (a batch item's)."""
    validation.check_id(errors, f"{prefix}campaign_id", campaign_id)
    wanted = _check_channel(errors, channel, f"{prefix}channel")
    validation.check_id(errors, f"{prefix}send_id", send_id)
    return wanted


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


def _authorize(repo: VentureRepository, caller: Caller, now: dt.datetime, campaign_id: str,
               channel: Channel, send_id: str) -> tuple[Verdict, bool]:
    """The verdict for one valid send, and whether it was stored before (a replay): the core
    that AuthorizeSend and every item of BatchAuthorizeSend run.

    One read brings the stored verdict (if any), the campaign, its venture and the global
    switch. An ALLOW reserves one unit of today's quota with a conditional upsert in this
    transaction, which also stores the verdict under the send id (unique) with its audit
    event. Two concurrent first calls with one send id can both get here; the second insert
    fails on the unique key, its changes (reservation included) roll back, and the retry
    finds the stored verdict.

    Every refusal (an unknown campaign, a reused send id) is raised before the first write,
    so a batch can answer a refused item with its error and go on: that item changed nothing.
    """
    inputs = repo.verdict_inputs(send_id, campaign_id)
    if inputs.stored is not None:
        return _replay(inputs.stored, caller, campaign_id, channel), True
    campaign, venture = inputs.campaign, inputs.venture
    # A campaign without its venture cannot be (foreign key); refuse rather than guess.
    if campaign is None or venture is None or not caller.may_see(campaign.venture_id):
        raise campaign_not_found(campaign_id)
    # No refusal below this line: from here on the send writes.
    assessment = assess(campaign, venture, inputs.global_kill_switch, channel, now)
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


def authorize_send(repo: VentureRepository, caller: Caller, now: dt.datetime,
                   campaign_id: str, channel: int, send_id: str) -> tuple[Verdict, bool]:
    """The verdict for one send, and whether it was stored before (a replay)."""
    caller.require(SENDERS, "AuthorizeSend")
    errors = Violations()
    wanted = _check_send(errors, "", campaign_id, channel, send_id)
    errors.raise_if_any()
    assert wanted is not None  # a bad channel was refused above
    return _authorize(repo, caller, now, campaign_id, wanted, send_id)


def batch_authorize_send(repo: VentureRepository, caller: Caller, now: dt.datetime,
                         sends: Sequence[SendRequest]) -> list[SendOutcome]:
    """Each send's ``authorize_send``, in order, in this one transaction.

    Every item is checked before any is decided, so a malformed one refuses the whole call
    with nothing stored. Then the items run one after another exactly as sequential calls
    would: a send id repeated within the batch is a replay of its first item, and the quota
    counts the batch's own reservations. An item's refusal becomes its outcome and the others
    go on (``_authorize`` refuses before it writes). A lost race on a unique key fails the
    whole transaction, and its retry finds the winner's verdicts as replays.
    """
    caller.require(SENDERS, "BatchAuthorizeSend")
    errors = Violations()
    if not sends:
        errors.add("requests", "must hold at least one send")
    elif len(sends) > MAX_BATCH_SENDS:
        errors.add("requests", f"holds {len(sends)} sends; at most {MAX_BATCH_SENDS} are "
                               "allowed in one call")
    errors.raise_if_any()
    channels = [_check_send(errors, f"requests[{index}].", send.campaign_id, send.channel,
                            send.send_id) for index, send in enumerate(sends)]
    errors.raise_if_any()
    outcomes = []
    for send, channel in zip(sends, channels, strict=True):
        assert channel is not None  # a bad channel was refused above
        try:
            verdict, replayed = _authorize(repo, caller, now, send.campaign_id, channel,
                                           send.send_id)
        except (ServiceError, DomainError) as error:
            outcomes.append(SendOutcome(error=error))
        else:
            outcomes.append(SendOutcome(verdict, replayed))
    return outcomes


def check_safety(repo: VentureRepository, caller: Caller, now: dt.datetime,
                 campaign_id: str, channel: int) -> Verdict:
    """The verdict AuthorizeSend would give now; reserves and stores nothing."""
    caller.require(READERS, "CheckSafety")
    errors = Violations()
    validation.check_id(errors, "campaign_id", campaign_id)
    wanted = _check_channel(errors, channel)
    errors.raise_if_any()
    assert wanted is not None  # a bad channel was refused above
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
    verdicts, token = pages.by_sequence(
        lambda after, limit: repo.list_verdicts(campaign_id, after_seq=after, limit=limit),
        page_token, size, {"campaign": campaign_id})
    return VerdictPage(verdicts, token)
