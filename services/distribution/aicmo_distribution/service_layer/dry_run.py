"""DryRunCampaign: what a run of a campaign's step would do, page by page, without recording
anything. Each recipient is decided by the single path's rules (``domain.decision``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aicmo_common import pages
from aicmo_common.access import Caller
from aicmo_common.errors import FieldErrors, NotFound, Unavailable
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.decision import DryRunVerdict, Pass, before_verdict, dry_run_answer
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound, answer_of
from aicmo_distribution.domain.sends import dedupe_key
from aicmo_distribution.feedback import store as feedback_store
from aicmo_distribution.feedback.events import stopped_by_feedback
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.runs import Audience, campaign_and_template, check_audience
from aicmo_distribution.service_layer.sends import check_id


@dataclass
class DryRunPage:
    """One page of a campaign dry run."""

    recipients: list[dict]
    remaining_quota: int
    projected: int
    would_send: int
    would_defer: int
    would_block: int
    next_token: str
    already_existing: int = 0


def _progress(position: object) -> dict:
    """Where a dry run stood after the page before: the leads' page token ("t"), the offset
    into the listed lead ids ("o") and the counts so far ("s", "d", "b", "x")."""
    if (not isinstance(position, dict) or not isinstance(position.get("t"), str)
            or not all(isinstance(position.get(key), int) for key in "osdb")
            or not isinstance(position.get("x", 0), int)):
        raise pages.bad_token()
    return position


async def dry_run_campaign(deps: Deps, *, campaign_id: str, template_id: str, step: int,
                           audience: Audience, size: int, token: str, caller: Caller
                           ) -> DryRunPage:
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    check_id(errors, "template_id", template_id)
    if step < 0 or step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    check_audience(errors, audience)
    limit = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    step = step or 1
    # The token carries where the audience's paging stands and the running totals.
    filters = {"campaign_id": campaign_id, "template_id": template_id, "step": step,
               "audience": audience.as_dict()}
    state = {"t": "", "o": 0, "s": 0, "d": 0, "b": 0}
    if token:
        state.update(_progress(pages.decode(token, filters)))
    campaign, template = await campaign_and_template(deps, campaign_id, template_id, caller)
    channel = template.channel
    try:
        verdict = await deps.venture.check(campaign_id, channel)
        if audience.lead_ids:
            offset = int(state["o"])
            lead_ids = list(audience.lead_ids[offset:offset + limit])
            next_leads = "" if offset + limit >= len(audience.lead_ids) else "more"
            state["o"] = offset + limit
        else:
            page = await deps.leads.campaign_leads(
                campaign_id, campaign.venture_id, consented_only=audience.consented_only,
                source_channel=audience.source_channel, page_token=state["t"],
                page_size=limit)
            lead_ids, next_leads = page.lead_ids, page.next_page_token
            state["t"] = next_leads
    except PeerNotFound as missing:
        raise NotFound(str(missing)) from None
    except DependencyFailure as failure:
        raise Unavailable(failure.detail, reason="DEPENDENCY_UNAVAILABLE") from None

    limiter = asyncio.Semaphore(8)

    async def contact(lead_id: str):
        async with limiter:
            return await answer_of(deps.leads.contactability(lead_id, channel,
                                                             campaign.consent_required))

    answers = await asyncio.gather(*(contact(lead_id) for lead_id in lead_ids))
    stopped = await deps.db.run_read(feedback_store.stopped_leads, lead_ids, channel,
                                     campaign_id)
    answers = [stopped_by_feedback(answer, stopped.get(lead_id))
               for lead_id, answer in zip(lead_ids, answers, strict=True)]
    keys = {lead_id: dedupe_key(campaign_id, lead_id, step) for lead_id in lead_ids}
    existing = await deps.uow.read(repo.existing_sends_by_key, list(keys.values()))
    verdict_reasons = () if verdict.allow else tuple(verdict.reasons)
    # The per-recipient half of the single path's rule; this call does not look at this
    # replica's channels, and the template was checked above.
    sent = Pass(dry_run=True, in_run=False, check_attempts=0)
    now = deps.clock()
    recipients = []
    for lead_id, answer in zip(lead_ids, answers, strict=True):
        entry = {"lead_id": lead_id, "would_send": False, "would_defer": False,
                 "block_reasons": [], "already_exists": keys[lead_id] in existing,
                 "existing_state": "", "existing_send_id": ""}
        if entry["already_exists"]:
            entry["existing_send_id"], entry["existing_state"] = existing[keys[lead_id]]
            state["x"] = int(state.get("x", 0)) + 1
            recipients.append(entry)
            continue
        stop = before_verdict(sent, campaign=campaign, channel=channel, channel_ready=True,
                              contact=answer, content_problem=None, now=now,
                              template_hold=template.hold)
        reasons = stop.reasons if stop is not None else ()
        decided = dry_run_answer(reasons, verdict_reasons, quota_used_before=int(state["s"]),
                                 remaining_quota=verdict.remaining_quota)
        entry["block_reasons"] = list(decided.reasons)
        if decided.verdict is DryRunVerdict.SEND:
            entry["would_send"] = True
            state["s"] += 1
        elif decided.verdict is DryRunVerdict.DEFER:
            entry["would_defer"] = True
            state["d"] += 1
        else:
            state["b"] += 1
        recipients.append(entry)
    return DryRunPage(recipients, verdict.remaining_quota, state["s"], state["s"], state["d"],
                      state["b"], pages.encode(state, filters) if next_leads else "",
                      int(state.get("x", 0)))


