"""A batch's answers from leads and venture, asked once for the whole batch."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from aicmo_distribution.domain.decision import Pass, before_verdict
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    LeadsPeer,
    PeerNotFound,
    VenturePeer,
    Verdict,
)
from aicmo_distribution.domain.sends import SendJob, verdict_key
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.feedback import store as feedback_store
from aicmo_distribution.feedback.events import stopped_by_feedback
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.messages import content_for

log = logging.getLogger("aicmo.distribution.send")


@dataclass
class BatchAnswers:
    """A batch's peer answers, each used once by the job it belongs to; a question not
    answered here goes to the peer as the single path asks it."""

    contacts: dict[tuple[str, str, bool], object] = field(default_factory=dict)
    verdicts: dict[tuple[str, str, str], object] = field(default_factory=dict)
    # Distribution's own feedback stops, by (lead, channel, campaign): the kind of event that
    # stops mail, or None when none does (see feedback.store.stopped_leads).
    stops: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    async def contactability(self, leads: LeadsPeer, lead_id: str, channel: str,
                             consent_required: bool) -> Contactability:
        answer = self.contacts.get((lead_id, channel, consent_required))
        if answer is None:
            return await leads.contactability(lead_id, channel, consent_required)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def authorize(self, venture: VenturePeer, campaign_id: str, channel: str, send_key: str
                        ) -> Verdict:
        # A verdict is consumed: should the path ever ask again under the same key, the
        # stored verdict comes from venture itself, marked as a replay.
        answer = self.verdicts.pop((campaign_id, channel, send_key), None)
        if answer is None:
            return await venture.authorize(campaign_id, channel, send_key)
        if isinstance(answer, BaseException):
            raise answer
        return answer


NO_ANSWERS = BatchAnswers()


async def prefetch(deps: Deps, jobs: list[SendJob],
                   templates: Mapping[str, Template | None]) -> BatchAnswers:
    """The batch's questions, asked at once: one BatchCheckContactability for every job, then
    one BatchAuthorizeSend for the jobs that would go on to ask for a verdict (contactable,
    same venture, content ready, not a dry run), with the very keys the single path would use.
    Where the batch calls fail as a whole, nothing is prefetched: each job asks for itself."""
    answers = BatchAnswers()
    campaigns: dict[str, CampaignFacts] = {}
    for campaign_id in {job.campaign_id for job in jobs}:
        try:
            campaigns[campaign_id] = await deps.venture.campaign(campaign_id)
        except (PeerNotFound, DependencyFailure):
            continue  # each job meets the failure again on its own pass and records it
    checks = [job for job in jobs if job.campaign_id in campaigns
              and deps.channels.for_channel(job.channel) is not None]
    if not checks:
        return answers
    keys = list(dict.fromkeys(
        (job.lead_id, job.channel, campaigns[job.campaign_id].consent_required)
        for job in checks))
    try:
        found = await deps.leads.contactabilities(keys)
    except DependencyFailure as failure:
        log.warning("batch contactability failed; each send asks for itself: %s",
                    failure.detail)
        return answers
    answers.contacts.update(zip(keys, found, strict=True))
    for channel, campaign_id in {(job.channel, job.campaign_id) for job in checks}:
        leads = [job.lead_id for job in checks
                 if (job.channel, job.campaign_id) == (channel, campaign_id)]
        stopped = await deps.db.run_read(feedback_store.stopped_leads, leads, channel,
                                         campaign_id)
        answers.stops.update(((lead_id, channel, campaign_id), stopped.get(lead_id))
                             for lead_id in leads)
    authorize: list[tuple[str, str, str]] = []
    for job in checks:
        if job.dry_run:
            continue
        campaign = campaigns[job.campaign_id]
        contact = stopped_by_feedback(
            answers.contacts[(job.lead_id, job.channel, campaign.consent_required)],
            answers.stops[(job.lead_id, job.channel, job.campaign_id)])
        _, problem, hold = await content_for(deps.db, job, campaign, contact,
                                             templates.get(job.template_id or ""))
        # Only a job that would go on to ask: reserve nothing for one that stops before.
        if before_verdict(Pass.of(job, deps.settings.policy), campaign=campaign,
                          channel=job.channel, channel_ready=True, contact=contact,
                          content_problem=problem, now=deps.clock(),
                          template_hold=hold) is None:
            authorize.append((job.campaign_id, job.channel,
                              verdict_key(job.id, job.verdict_sequence)))
    if authorize:
        try:
            verdicts = await deps.venture.authorize_many(authorize)
        except DependencyFailure as failure:
            log.warning("batch verdict failed; each send asks for itself: %s",
                        failure.detail)
            return answers
        answers.verdicts.update(zip(authorize, verdicts, strict=True))
    return answers
