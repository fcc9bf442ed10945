"""The send path: idempotency -> contactability -> verdict -> SENDING -> delivery -> outcome.

Every state change is one transaction with its audit event. The job is claimed by this replica
for the whole pass, and every change is conditional on the claim, so no two workers (threads,
replicas, a retrying caller) ever drive the same job at once. SENDING is committed before the
channel is called; after that the job is never delivered again by itself. What becomes of the
job at each step is decided by ``domain.decision``; this module asks the questions and records
the answers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable, Mapping

from aicmo_common.db import Database
from aicmo_common.unsubscribe import UnsubscribeSigner
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.adapters.channels import ChannelRegistry
from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.decision import (
    Failure,
    Pass,
    after_delivery,
    after_verdict,
    before_verdict,
    replayed_verdict,
    unsendable,
    would_use_quota,
)
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus, OutboundMessage
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    LeadsPeer,
    VenturePeer,
    Verdict,
    answer_of,
)
from aicmo_distribution.domain.sends import (
    DUE_STATES,
    BlockReason,
    DeliveryStage,
    Outcome,
    SendJob,
    SendState,
    verdict_key,
)
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.feedback import store as feedback_store
from aicmo_distribution.feedback.events import stopped_by_feedback
from aicmo_distribution.service_layer import send_records
from aicmo_distribution.service_layer.autopause import check_autopause
from aicmo_distribution.service_layer.batch_answers import NO_ANSWERS, BatchAnswers, prefetch
from aicmo_distribution.service_layer.deps import Deps, SendSettings
from aicmo_distribution.service_layer.handoff import SendHandoff
from aicmo_distribution.service_layer.messages import build_message, content_for
from aicmo_distribution.service_layer.stop_gate import StopGate
from aicmo_distribution.service_layer.write_batcher import WriteBatcher

log = logging.getLogger("aicmo.distribution.send")

# The channel gave an answer about the message (not "maybe", not "held back").
ANSWERED_STATUSES = frozenset({DeliveryStatus.SENT, DeliveryStatus.PERMANENT,
                               DeliveryStatus.TRANSIENT})


class ContentNotRecorded(Exception):
    """Stage CONTENT could not be recorded for a send: its content must not be sent."""


def reports_content(adapter) -> bool:
    """Whether the channel opens ``handoff.content()`` right before the first byte of the
    content (SMTP DATA, a webhook's request, a file write): it says so with
    ``opens_content = True``. Only then is stage CONTENT recorded there, so a channel that does
    not say it leaves a crashed send for review rather than the queue."""
    return getattr(adapter, "opens_content", False) is True


class SendPath:
    """Drives send jobs through the checks and the channel."""

    def __init__(self, database: Database, *, venture: VenturePeer, leads: LeadsPeer,
                 channels: ChannelRegistry, unsubscribe: UnsubscribeSigner,
                 clock: Callable[[], dt.datetime], settings: SendSettings,
                 replica_id: str | None = None, on_change: Callable[[], None] | None = None,
                 kill_switches: KillSwitchMirror | None = None) -> None:
        deps = Deps(database, venture, leads, channels, unsubscribe, clock, settings,
                    replica_id or f"replica-{uuid.uuid4().hex[:12]}",
                    on_change or (lambda: None), kill_switches)
        self._deps = deps
        self._db, self._clock, self._settings = deps.db, deps.clock, deps.settings
        self._venture, self._leads, self._channels = deps.venture, deps.leads, deps.channels
        self._gate = StopGate(deps.venture, deps.settings.gate_freshness_seconds)
        # Per dry run: how many of its jobs so far would use today's quota.
        self._dry_quota_used: dict[str, int] = {}
        replica, ttl = deps.replica, deps.settings.claim_ttl
        self._marks = WriteBatcher(self._db, functools.partial(
            send_records.mark_sending, replica=replica, ttl=ttl))
        # Outcomes come back from the channel one by one: gathering them a few milliseconds
        # makes their units larger (the job is settled a moment later; nothing waits on it).
        self._outcomes = WriteBatcher(self._db, functools.partial(
            send_records.record_outcomes, replica=replica), linger_seconds=0.005)
        self._content_marks = WriteBatcher(self._db, functools.partial(
            send_records.mark_content, replica=replica))

    @classmethod
    def from_deps(cls, deps: Deps) -> SendPath:
        return cls(deps.db, venture=deps.venture, leads=deps.leads, channels=deps.channels,
                   unsubscribe=deps.unsubscribe, clock=deps.clock, settings=deps.settings,
                   replica_id=deps.replica, on_change=deps.on_change,
                   kill_switches=deps.kill_switches)

    @property
    def replica(self) -> str:
        """The replica whose claims this path takes."""
        return self._deps.replica

    # -- entry points ----------------------------------------------------------------------

    async def drive_existing(self, send_id: str) -> SendJob | None:
        """Takes a job that may go on (queued, transiently blocked, deferred, retrying) through
        the path now; any other job is returned as it is."""
        now = self._clock()
        job = repo.as_send_job(await self._db.run(
            repo.claim_send, send_id, replica=self.replica, now=now,
            ttl=self._settings.claim_ttl, states=DUE_STATES, transient_blocked=True))
        if job is None:
            return await self._read(send_id)
        return await self.drive_claimed(job)

    async def drive_claimed(self, job: SendJob, *, template: Template | None = None,
                            answers: BatchAnswers | None = None) -> SendJob | None:
        """Runs one pass of the path for a job this replica has claimed. ``template`` is the
        job's template when the caller has just read it (it is not read again); ``answers``
        are the batch's contactability and verdicts when the job is driven in a batch."""
        try:
            return await self._drive(job, template, answers)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("send path failed unexpectedly", extra={"fields": {"send": job.id}})
            # Leave the job as it was (never SENDING here unless delivery began) for a retry.
            await self._db.run(repo.release_claim, job.id, self.replica)
            raise

    # -- the path --------------------------------------------------------------------------

    async def drive_batch(self, jobs: list[SendJob], templates: Mapping[str, Template | None]
                          ) -> list[SendJob | None | BaseException]:
        """Drives claimed jobs together, each through the same path as a single send.

        The peer questions are asked for the whole batch at once: one BatchCheckContactability
        for every job, then one BatchAuthorizeSend for the jobs that would go on to ask for a
        verdict (contactable, same venture, content ready, not a dry run), with the very keys
        the single path would use. Each job then takes its own pass with those answers in
        hand, so every decision, state change and audit event is the single path's. Where
        the batch calls fail as a whole (an outage, a peer without batch calls), nothing is
        prefetched and each job asks for itself, as a single send would.
        """
        answers = await prefetch(self._deps, jobs, templates)
        return await asyncio.gather(*(
            self.drive_claimed(job, template=templates.get(job.template_id or ""),
                               answers=answers)
            for job in jobs), return_exceptions=True)

    async def _local_facts(self, job: SendJob, template: Template | None,
                           answers: BatchAnswers) -> tuple[Template | None, str | None]:
        """The job's template (unless given) and why recorded feedback stops its mail (see
        ``feedback.store.stopped_leads``; a batch prefetched that), in one read."""
        key = (job.lead_id, job.channel, job.campaign_id)
        need_template = bool(job.template_id) and (template is None
                                                   or template.id != job.template_id)
        if not need_template and key in answers.stops:
            return template, answers.stops[key]

        def read(session) -> tuple[dict | None, dict[str, str]]:
            row = repo.get_template(session, job.template_id) if need_template else None
            stops = ({} if key in answers.stops else feedback_store.stopped_leads(
                session, [job.lead_id], job.channel, job.campaign_id))
            return row, stops

        row, stops = await self._db.run_read(read)
        if need_template:
            template = repo.as_template(row)
        return template, answers.stops[key] if key in answers.stops else stops.get(job.lead_id)

    async def _drive(self, job: SendJob, template: Template | None = None,
                     answers: BatchAnswers | None = None) -> SendJob | None:
        sent = Pass.of(job, self._settings.policy)
        answers = answers or NO_ANSWERS
        values: dict[str, object] = {}
        campaign = await answer_of(self._venture.campaign(job.campaign_id))
        adapter = self._channels.for_channel(job.channel)
        contact = content = problem = None
        hold = ""
        if isinstance(campaign, CampaignFacts):
            values["venture_id"] = campaign.venture_id
            if adapter is not None:
                # Leads' answer and this database's own facts (the template, the feedback
                # that stops mail), asked at the same time.
                contact, (template, feedback_stop) = await asyncio.gather(
                    answer_of(answers.contactability(self._leads, job.lead_id, job.channel,
                                                     campaign.consent_required)),
                    self._local_facts(job, template, answers))
                contact = stopped_by_feedback(contact, feedback_stop)
                content, problem, hold = await content_for(self._db, job, campaign, contact,
                                                           template)
        stop = before_verdict(sent, campaign=campaign, channel=job.channel,
                              channel_ready=adapter is not None, contact=contact,
                              content_problem=problem, now=self._clock(), template_hold=hold)
        if stop is not None:
            return await self._finish(job, stop, values)

        if sent.dry_run:
            verdict = await answer_of(self._venture.check(job.campaign_id, job.channel))
        else:
            verdict = await answer_of(self._verdict(job, answers))
        if isinstance(verdict, Verdict):
            values["remaining_quota"] = verdict.remaining_quota
            if not sent.dry_run and not verdict.allow:
                # Venture keeps this DENY under the key for ever: the next try needs a new key.
                values["verdict_sequence"] = job.verdict_sequence + 1
        stop = await self._after_verdict(sent, job, verdict, contact)
        if stop is not None:
            return await self._finish(job, stop, values)

        try:
            message = await build_message(self._deps, job, campaign, contact, verdict, content)
        except DependencyFailure as failure:
            return await self._finish(job, unsendable(sent, failure, self._clock()), values)
        except tpl.TemplateProblem as problem:
            return await self._finish(job, unsendable(sent, str(problem), self._clock()),
                                      values)
        return await self._deliver(job, sent, message, adapter, values)

    async def _verdict(self, job: SendJob, answers: BatchAnswers) -> Verdict:
        """The send's verdict; a replayed ALLOW is looked at again (``replayed_verdict``)."""
        verdict = await answers.authorize(self._venture, job.campaign_id, job.channel,
                                          verdict_key(job.id, job.verdict_sequence))
        if verdict.allow and verdict.replayed:
            current = await self._venture.check(job.campaign_id, job.channel)
            verdict = replayed_verdict(verdict, current)
        return verdict

    async def _after_verdict(self, sent: Pass, job: SendJob, verdict: Verdict | Failure,
                             contact: Contactability) -> Outcome | None:
        """``after_verdict``; in a dry run, with how many jobs of its run before this one would
        use today's quota, counted in the order the jobs are decided (a single dry-run send
        counts only itself)."""
        run_id = job.run_id
        if not sent.dry_run or run_id is None or not isinstance(verdict, Verdict):
            return after_verdict(sent, verdict=verdict, contact=contact, now=self._clock())
        if run_id not in self._dry_quota_used:
            counted = await self._db.run_read(repo.count_dry_run_sendable, run_id)
            if len(self._dry_quota_used) > 1000:
                self._dry_quota_used.clear()
            self._dry_quota_used.setdefault(run_id, counted)
        used = self._dry_quota_used[run_id]
        outcome = after_verdict(sent, verdict=verdict, contact=contact, now=self._clock(),
                                quota_used_before=used)
        if would_use_quota(outcome):
            self._dry_quota_used[run_id] = used + 1
        return outcome

    async def _deliver(self, job: SendJob, sent: Pass, message: OutboundMessage, adapter,
                       values: dict) -> SendJob | None:
        now = self._clock()
        reports = reports_content(adapter)
        # STARTED only where the channel says when its content begins (``opens_content``);
        # otherwise the stage stays unknown and a crash leaves the send for review.
        attempts_before = job.delivery_attempts
        marked = await self._marks.write((job, message, {
            **values, "delivery_stage": str(DeliveryStage.STARTED) if reports else None}, now))
        if marked is None:
            return await self._not_marked(job, values)
        job = marked
        self._deps.on_change()
        handoff = SendHandoff(
            functools.partial(self._gate.stopped, job.campaign_id, job.channel),
            self._deps.kill_switches, job.campaign_id, message.venture_id,
            before_content=functools.partial(self.reached_content, job.id) if reports
            else None)
        try:
            result = await asyncio.wait_for(
                adapter.deliver(message, handoff), self._settings.delivery_timeout_seconds + 5)
        except asyncio.CancelledError:
            raise  # the job stays SENDING: reconciled to UNKNOWN_OUTCOME, never re-sent
        except Exception as error:  # noqa: BLE001 - we cannot know whether it went out
            log.exception("channel failed unexpectedly")
            result = DeliveryResult(DeliveryStatus.UNKNOWN,
                                    detail=f"the channel failed: {type(error).__name__}")
        now = self._clock()
        outcome = after_delivery(sent, result, attempts=job.delivery_attempts, now=now)
        after: dict[str, object] = {}
        if reports and result.status in ANSWERED_STATUSES:
            after["delivery_stage"] = str(DeliveryStage.ANSWERED)
        if result.status is DeliveryStatus.SENT:
            after.update(sent_at=now, message_id=result.provider_message_id
                         or message.message_id)
        elif result.status is DeliveryStatus.WITHHELD:
            # Nothing reached the channel: not a delivery attempt (nor a delivery failure
            # for auto-pause, so a venture outage is waited out, not taken for a bad run).
            after = {"delivery_attempts": attempts_before}
        job = await self._finish(job, outcome, after)
        if sent.in_run and job is not None:
            await check_autopause(self._deps, job)
        return job

    async def reached_content(self, send_id: str) -> None:
        """The channel is about to send the content (SMTP DATA, a webhook's body): records
        stage CONTENT durably (committed when this returns), so a crash from here on leaves
        the send for review instead of the queue. Raises ``ContentNotRecorded`` when the send
        is no longer this replica's SENDING job (its claim lapsed and it may have been queued
        again elsewhere), or the error of the write: the channel must not send the content
        then."""
        now = self._clock()
        if await self._content_marks.write((send_id, now)) is None:
            raise ContentNotRecorded(f"send {send_id} is no longer this replica's to deliver")

    async def _not_marked(self, job: SendJob, values: dict) -> SendJob | None:
        """SENDING was refused: the claim lapsed, or the job's run stopped meanwhile."""
        stored = await self._read(job.id)
        if stored is None or stored.claimed_by != self.replica or not job.in_run:
            return stored
        run = await self._db.run_read(repo.get_run, job.run_id)
        if run is not None and run["state"] == "CANCELLED":
            return await self._finish(job, Outcome(SendState.BLOCKED,
                                                   (BlockReason.RUN_CANCELLED,), False,
                                                   "the run was cancelled before this send "
                                                   "started"), values)
        # A halted run: the send waits (still queued) for the run to resume.
        await self._db.run(repo.update_claimed_send, job.id, replica=self.replica,
                           state=str(job.state), values={**values, "claimed_by": None,
                                                         "claim_expires_at": None})
        return await self._read(job.id)

    async def _finish(self, job: SendJob, outcome: Outcome, values: Mapping | None = None
                      ) -> SendJob | None:
        """Records the outcome of this pass on the job (in the state it is in now)."""
        now = self._clock()
        settled = await self._outcomes.write((job, outcome, dict(values or {}), now))
        self._deps.on_change()
        if settled is None:  # the claim lapsed meanwhile: someone else has the job now
            return await self._read(job.id)
        return settled

    async def _read(self, send_id: str) -> SendJob | None:
        return repo.as_send_job(await self._db.run_read(repo.get_send, send_id))
