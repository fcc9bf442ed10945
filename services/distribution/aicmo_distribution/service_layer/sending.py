"""The send path: idempotency -> contactability -> verdict -> SENDING -> delivery -> outcome.

Every state change is one transaction with its audit event. The job is claimed by this replica
for the whole pass, and every change is conditional on the claim, so no two workers (threads,
replicas, a retrying caller) ever drive the same job at once. SENDING is committed before the
channel is called; after that the job is never delivered again by itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aicmo_common.db import Database
from aicmo_common.unsubscribe import UnsubscribeSigner
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.adapters.channels import ChannelRegistry
from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.decision import DryRunAnswer, dry_run_answer
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus, OutboundMessage
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    PeerNotFound,
    Verdict,
)
from aicmo_distribution.domain.sends import (
    DEPENDENCY_REASONS,
    DUE_STATES,
    RUN_HALTING_REASONS,
    BlockReason,
    DeliveryStage,
    FailureWindow,
    Outcome,
    SendState,
    message_id_for,
    outcome_for_contactability,
    outcome_for_denial,
    outcome_for_dependency,
    retry_delay,
    sorted_reasons,
    verdict_key,
)
from aicmo_distribution.service_layer.handoff import SendHandoff

log = logging.getLogger("aicmo.distribution.send")

SYSTEM_ACTOR = "service:svc-distribution"


@dataclass(frozen=True)
class SendSettings:
    """The knobs of the send path (from DistributionConfig)."""

    mail_domain: str = "aicmo.invalid"
    delivery_timeout_seconds: float = 10.0
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 300.0
    claim_ttl_seconds: float = 120.0
    defer_fallback_seconds: float = 900.0
    autopause: FailureWindow = FailureWindow(0.2, 50)
    # How old the last look before delivery may be (see StopGate); 0 asks for every message.
    gate_freshness_seconds: float = 0.02


class SendPath:
    """Drives send jobs through the checks and the channel."""

    def __init__(self, database: Database, *, venture, leads, channels: ChannelRegistry,
                 unsubscribe: UnsubscribeSigner, clock: Callable[[], dt.datetime],
                 settings: SendSettings, replica_id: str | None = None,
                 on_change: Callable[[], None] | None = None,
                 kill_switches: KillSwitchMirror | None = None) -> None:
        self.db = database
        self.venture = venture
        self.leads = leads
        self.channels = channels
        self.unsubscribe = unsubscribe
        self.clock = clock
        self.settings = settings
        self.replica = replica_id or f"replica-{uuid.uuid4().hex[:12]}"
        self._on_change = on_change or (lambda: None)
        self.gate = StopGate(venture, settings.gate_freshness_seconds)
        # This replica's copy of the kill switches, looked at right before content starts.
        self.kill_switches = kill_switches
        # Per dry run: how many of its jobs so far would use today's quota.
        self._dry_quota_used: dict[str, int] = {}
        self._marks = WriteBatcher(database, self._mark_sending)
        # Outcomes come back from the channel one by one: gathering them a few milliseconds
        # makes their units larger (the job is settled a moment later; nothing waits on it).
        self._outcomes = WriteBatcher(database, self._record_outcomes, linger_seconds=0.005)
        self._content_marks = WriteBatcher(database, self._mark_content)

    @property
    def claim_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.claim_ttl_seconds)

    # -- entry points ----------------------------------------------------------------------

    async def drive_existing(self, send_id: str) -> dict:
        """Takes a job that may go on (queued, transiently blocked, deferred, retrying) through
        the path now; any other job is returned as it is."""
        now = self.clock()
        job = await self.db.run(repo.claim_send, send_id, replica=self.replica, now=now,
                                ttl=self.claim_ttl, states=DUE_STATES, transient_blocked=True)
        if job is None:
            return await self.db.run_read(repo.get_send, send_id)
        return await self.drive_claimed(job)

    async def drive_claimed(self, job: dict, *, template: dict | None = None,
                            answers: BatchAnswers | None = None) -> dict:
        """Runs one pass of the path for a job this replica has claimed. ``template`` is the
        job's template when the caller has just read it (it is not read again); ``answers``
        are the batch's contactability and verdicts when the job is driven in a batch."""
        try:
            return await self._drive(job, template, answers)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("send path failed unexpectedly", extra={"fields": {"send": job["id"]}})
            # Leave the job as it was (never SENDING here unless delivery began) for a retry.
            await self.db.run(repo.release_claim, job["id"], self.replica)
            raise

    # -- the path --------------------------------------------------------------------------

    async def drive_batch(self, jobs: list[dict], templates: Mapping[str, dict | None]
                          ) -> list[dict | BaseException]:
        """Drives claimed jobs together, each through the same path as a single send.

        The peer questions are asked for the whole batch at once: one BatchCheckContactability
        for every job, then one BatchAuthorizeSend for the jobs that would go on to ask for a
        verdict (contactable, same venture, content ready, not a dry run), with the very keys
        the single path would use. Each job then takes its own pass with those answers in
        hand, so every decision, state change and audit event is the single path's. Where
        the batch calls fail as a whole (an outage, a peer without batch calls), nothing is
        prefetched and each job asks for itself, as a single send would.
        """
        answers = await self._prefetch(jobs, templates)
        return await asyncio.gather(*(
            self.drive_claimed(job, template=templates.get(job["template_id"] or ""),
                               answers=answers)
            for job in jobs), return_exceptions=True)

    async def _prefetch(self, jobs: list[dict], templates: Mapping[str, dict | None]
                        ) -> BatchAnswers:
        answers = BatchAnswers()
        campaigns: dict[str, CampaignFacts] = {}
        for campaign_id in {job["campaign_id"] for job in jobs}:
            try:
                campaigns[campaign_id] = await self.venture.campaign(campaign_id)
            except (PeerNotFound, DependencyFailure):
                continue  # each job meets the failure again on its own pass and records it
        checks = [job for job in jobs if job["campaign_id"] in campaigns
                  and self.channels.for_channel(job["channel"]) is not None]
        if not checks:
            return answers
        keys = list(dict.fromkeys(
            (job["lead_id"], job["channel"], campaigns[job["campaign_id"]].consent_required)
            for job in checks))
        try:
            found = await self.leads.contactabilities(keys)
        except DependencyFailure as failure:
            log.warning("batch contactability failed; each send asks for itself: %s",
                        failure.detail)
            return answers
        answers.contacts.update(zip(keys, found, strict=True))
        authorize: list[tuple[str, str, str]] = []
        for job in checks:
            if job["dry_run"]:
                continue
            campaign = campaigns[job["campaign_id"]]
            contact = answers.contacts[(job["lead_id"], job["channel"],
                                        campaign.consent_required)]
            if not isinstance(contact, Contactability) or not contact.allowed \
                    or contact.venture_id != campaign.venture_id:
                continue  # the path stops before the verdict: reserve nothing for it
            _, problem = await self._content(job, campaign,
                                             templates.get(job["template_id"] or ""))
            if problem is None:
                authorize.append((job["campaign_id"], job["channel"],
                                  verdict_key(job["id"], job["verdict_sequence"])))
        if authorize:
            try:
                verdicts = await self.venture.authorize_many(authorize)
            except DependencyFailure as failure:
                log.warning("batch verdict failed; each send asks for itself: %s",
                            failure.detail)
                return answers
            answers.verdicts.update(zip(authorize, verdicts, strict=True))
        return answers

    async def _drive(self, job: dict, template: dict | None = None,
                     answers: BatchAnswers | None = None) -> dict:
        in_run = job["run_id"] is not None
        dry = job["dry_run"]
        try:
            campaign = await self.venture.campaign(job["campaign_id"])
        except PeerNotFound:
            return await self._finish(job, Outcome(
                SendState.DRY_RUN if dry else SendState.BLOCKED,
                (BlockReason.CAMPAIGN_NOT_FOUND,), False, "the campaign does not exist"))
        except DependencyFailure as failure:
            return await self._dependency_failed(job, failure)

        values: dict[str, object] = {"venture_id": campaign.venture_id}
        adapter = self.channels.for_channel(job["channel"])
        if adapter is None:
            return await self._finish(job, Outcome(
                SendState.DRY_RUN if dry else SendState.BLOCKED,
                (BlockReason.CHANNEL_UNAVAILABLE,), False,
                f"no adapter is configured for {job['channel']}"), values)

        try:
            contact = await (answers or NO_ANSWERS).contactability(
                self.leads, job["lead_id"], job["channel"], campaign.consent_required)
        except PeerNotFound:
            return await self._finish(job, Outcome(
                SendState.DRY_RUN if dry else SendState.BLOCKED, (BlockReason.LEAD_NOT_FOUND,),
                False, "the lead does not exist"), values)
        except DependencyFailure as failure:
            return await self._dependency_failed(job, failure, values)
        if not contact.allowed:
            outcome = outcome_for_contactability(contact.reasons)
            if dry:
                outcome = Outcome(SendState.DRY_RUN, outcome.reasons, False, outcome.detail)
            return await self._finish(job, outcome, values)
        if contact.venture_id != campaign.venture_id:
            return await self._finish(job, Outcome(
                SendState.DRY_RUN if dry else SendState.BLOCKED,
                (BlockReason.LEAD_VENTURE_MISMATCH,), False,
                "the lead belongs to another venture than the campaign"), values)

        content, problem = await self._content(job, campaign, template)
        if problem is not None:
            return await self._finish(job, Outcome(
                SendState.DRY_RUN if dry else SendState.FAILED,
                (BlockReason.TEMPLATE_RENDER_FAILED,), False, problem), values)

        if dry:
            try:
                verdict = await self.venture.check(job["campaign_id"], job["channel"])
            except PeerNotFound:
                return await self._finish(job, Outcome(
                    SendState.DRY_RUN, (BlockReason.CAMPAIGN_NOT_FOUND,), False,
                    "the campaign does not exist"), values)
            except DependencyFailure as failure:
                return await self._dependency_failed(job, failure, values)
            values["remaining_quota"] = verdict.remaining_quota
            answer = await self._dry_run_answer(job, verdict)
            return await self._finish(job, Outcome(
                SendState.DRY_RUN, answer.reasons, False,
                "dry run: would be sent" if answer.uses_quota else
                f"dry run: would {answer.verdict}: "
                + ", ".join(str(r) for r in answer.reasons)), values)

        sequence = job["verdict_sequence"]
        try:
            verdict = await (answers or NO_ANSWERS).authorize(
                self.venture, job["campaign_id"], job["channel"], verdict_key(job["id"], sequence))
            if verdict.allow and verdict.replayed:
                verdict = await self._recheck_replayed(job, verdict)
        except PeerNotFound:
            return await self._finish(job, Outcome(
                SendState.BLOCKED, (BlockReason.CAMPAIGN_NOT_FOUND,), False,
                "the campaign does not exist"), values)
        except DependencyFailure as failure:
            return await self._dependency_failed(job, failure, values)
        values["remaining_quota"] = verdict.remaining_quota
        if not verdict.allow:
            # Venture keeps this DENY under the key for ever: the next try needs a new key.
            values["verdict_sequence"] = sequence + 1
            now = self.clock()
            outcome = outcome_for_denial(
                verdict.reasons, next_window=verdict.next_window_open, now=now,
                fallback_delay=dt.timedelta(seconds=self.settings.defer_fallback_seconds))
            return await self._finish(job, outcome, values)

        # The verdict's policy is the newest word on consent: re-apply it to the answer leads
        # gave (which always carries the lead's consent), without a second call.
        if verdict.consent_required and contact.consent_status != "CONSENTED":
            return await self._finish(job, outcome_for_contactability(
                (BlockReason.LEAD_CONSENT_REQUIRED,)), values)
        if verdict.venture_id and verdict.venture_id != contact.venture_id:
            return await self._finish(job, Outcome(
                SendState.BLOCKED, (BlockReason.LEAD_VENTURE_MISMATCH,), False,
                "the lead belongs to another venture than the campaign"), values)

        try:
            message = await self._message(job, campaign, contact, verdict, content)
        except DependencyFailure as failure:
            return await self._dependency_failed(job, failure, values)
        except tpl.TemplateProblem as problem:
            return await self._finish(job, Outcome(
                SendState.FAILED, (BlockReason.TEMPLATE_RENDER_FAILED,), False,
                str(problem)), values)
        return await self._deliver(job, message, adapter, values, in_run)

    async def _recheck_replayed(self, job: dict, verdict: Verdict) -> Verdict:
        """A replayed ALLOW was decided earlier (a lost answer, or a retry after a channel
        failure). The unit it reserved is ours, but a pause or kill switch since then must
        still stop the send: ask again without reserving, ignoring the used-up quota."""
        current = await self.venture.check(job["campaign_id"], job["channel"])
        reasons = tuple(r for r in current.reasons if r is not BlockReason.DAILY_LIMIT_REACHED)
        if current.allow or not reasons:
            return verdict
        return Verdict(False, reasons, current.remaining_quota, current.venture_id,
                       current.consent_required, current.sender, current.next_window_open)

    async def _content(self, job: dict, campaign: CampaignFacts, template: dict | None = None
                       ) -> tuple[tpl.MessageContent | None, str | None]:
        if job["template_id"]:
            if template is None or template["id"] != job["template_id"]:
                template = await self.db.run_read(repo.get_template, job["template_id"])
            if template is None:
                return None, "the template no longer exists"
            if template["venture_id"] != campaign.venture_id:
                return None, "the template belongs to another venture than the campaign"
            return tpl.MessageContent(template["subject"], template["body_text"],
                                      template["body_html"]), None
        return tpl.MessageContent(job["inline_subject"] or "", job["inline_body_text"] or "",
                                  job["inline_body_html"] or ""), None

    async def render_for(self, *, content: tpl.MessageContent, channel: str, lead_id: str,
                         lead: Mapping[str, object], campaign_id: str, venture_id: str,
                         step: int, sender, venture_name: str,
                         unsubscribe_url: str | None = None) -> tpl.MessageContent:
        """Renders content as it would be sent (footer included for email)."""
        # A link carries its issue time: one message uses one link (header, body, footer).
        unsubscribe_url = unsubscribe_url or self.unsubscribe.url(lead_id, campaign_id)
        context = tpl.RenderContext(
            lead=lead,
            venture={"id": venture_id, "name": venture_name, "from_name": sender.from_name,
                     "from_address": sender.from_address,
                     "postal_address": sender.postal_address},
            campaign={"id": campaign_id, "step": step},
            unsubscribe_url=unsubscribe_url, postal_address=sender.postal_address)
        rendered = tpl.render(content, context)
        if channel == "EMAIL":
            rendered = tpl.with_footer(rendered, unsubscribe_url=unsubscribe_url,
                                       postal_address=sender.postal_address)
        return rendered

    async def _message(self, job: dict, campaign: CampaignFacts, contact: Contactability,
                       verdict: Verdict, content: tpl.MessageContent) -> OutboundMessage:
        venture_name = ""
        if "venture.name" in (tpl.analyse(content, channel=job["channel"])):
            venture_name = (await self.venture.venture(campaign.venture_id)).name
        unsubscribe_url = self.unsubscribe.url(job["lead_id"], job["campaign_id"])
        rendered = await self.render_for(
            content=content, channel=job["channel"], lead_id=job["lead_id"], lead=contact.lead,
            campaign_id=job["campaign_id"], venture_id=campaign.venture_id, step=job["step"],
            sender=verdict.sender, venture_name=venture_name, unsubscribe_url=unsubscribe_url)
        return OutboundMessage(
            send_id=job["id"], channel=job["channel"], campaign_id=job["campaign_id"],
            venture_id=campaign.venture_id, lead_id=job["lead_id"], step=job["step"],
            to_address=contact.address, from_address=verdict.sender.from_address,
            from_name=verdict.sender.from_name, subject=rendered.subject,
            body_text=rendered.body_text, body_html=rendered.body_html,
            unsubscribe_url=unsubscribe_url,
            postal_address=verdict.sender.postal_address,
            message_id=message_id_for(job["id"], self.settings.mail_domain))

    async def _deliver(self, job: dict, message: OutboundMessage, adapter, values: dict,
                       in_run: bool) -> dict:
        now = self.clock()
        reports = reports_content(adapter)
        # STARTED only where the channel says when its content begins (``opens_content``);
        # otherwise the stage stays unknown and a crash leaves the send for review.
        marked = await self._marks.write((job, message, {
            **values, "delivery_stage": str(DeliveryStage.STARTED) if reports else None}, now))
        if marked is None:
            return await self._not_marked(job, values)
        self._on_change()
        handoff = SendHandoff(
            functools.partial(self.gate.stopped, job["campaign_id"], job["channel"]),
            self.kill_switches, job["campaign_id"], message.venture_id,
            before_content=functools.partial(self.reached_content, job["id"]) if reports
            else None)
        try:
            result = await asyncio.wait_for(
                adapter.deliver(message, handoff), self.settings.delivery_timeout_seconds + 5)
        except asyncio.CancelledError:
            raise  # the job stays SENDING: reconciled to UNKNOWN_OUTCOME, never re-sent
        except Exception as error:  # noqa: BLE001 - we cannot know whether it went out
            log.exception("channel failed unexpectedly")
            result = DeliveryResult(DeliveryStatus.UNKNOWN,
                                    detail=f"the channel failed: {type(error).__name__}")
        now = self.clock()
        attempts = marked["delivery_attempts"]
        after: dict[str, object] = {}
        if reports and result.status in ANSWERED_STATUSES:
            after["delivery_stage"] = str(DeliveryStage.ANSWERED)
        if result.status is DeliveryStatus.SENT:
            outcome = Outcome(SendState.SENT, (), False, result.detail or "delivered")
            after.update(sent_at=now, message_id=result.provider_message_id
                         or message.message_id)
        elif result.status is DeliveryStatus.PERMANENT:
            outcome = Outcome(SendState.FAILED, (BlockReason.DELIVERY_REJECTED,), False,
                              result.detail)
        elif result.status is DeliveryStatus.WITHHELD:
            outcome = self._withheld(job, result)
            # Nothing reached the channel: not a delivery attempt (nor a delivery failure
            # for auto-pause, so a venture outage is waited out, not taken for a bad run).
            after = {"delivery_attempts": job["delivery_attempts"]}
        elif result.status is DeliveryStatus.UNKNOWN:
            outcome = Outcome(SendState.UNKNOWN_OUTCOME,
                              (BlockReason.DELIVERY_OUTCOME_UNKNOWN,), False, result.detail)
        elif attempts >= self.settings.max_attempts:
            outcome = Outcome(SendState.FAILED, (BlockReason.RETRIES_EXHAUSTED,), False,
                              f"{result.detail}; gave up after {attempts} attempts")
        else:
            outcome = Outcome(SendState.RETRYING, (BlockReason.DELIVERY_FAILED,), True,
                              result.detail, now + retry_delay(
                                  attempts, base_seconds=self.settings.retry_base_seconds,
                                  max_seconds=self.settings.retry_max_seconds))
        finished = await self._finish(marked, outcome, after, from_state=SendState.SENDING)
        if in_run:
            await self._check_autopause(finished)
        return finished

    async def _dry_run_answer(self, job: dict, verdict: Verdict) -> DryRunAnswer:
        """The dry-run rule of ``DryRunCampaign`` for a job of a dry run: within a run, the
        recipients beyond today's remaining quota would be deferred, counted in the order the
        jobs are decided (a single dry-run send counts only itself)."""
        run_id = job["run_id"]
        used = 0
        if run_id is not None:
            if run_id not in self._dry_quota_used:
                counted = await self.db.run_read(repo.count_dry_run_sendable, run_id)
                if len(self._dry_quota_used) > 1000:
                    self._dry_quota_used.clear()
                self._dry_quota_used.setdefault(run_id, counted)
            used = self._dry_quota_used[run_id]
        answer = dry_run_answer((), () if verdict.allow else verdict.reasons,
                                quota_used_before=used, remaining_quota=verdict.remaining_quota)
        if answer.uses_quota and run_id is not None:
            self._dry_quota_used[run_id] = used + 1
        return answer

    async def reached_content(self, send_id: str) -> None:
        """The channel is about to send the content (SMTP DATA, a webhook's body): records
        stage CONTENT durably (committed when this returns), so a crash from here on leaves
        the send for review instead of the queue. Raises ``ContentNotRecorded`` when the send
        is no longer this replica's SENDING job (its claim lapsed and it may have been queued
        again elsewhere), or the error of the write: the channel must not send the content
        then."""
        now = self.clock()
        if await self._content_marks.write((send_id, now)) is None:
            raise ContentNotRecorded(f"send {send_id} is no longer this replica's to deliver")

    def _mark_content(self, session, marks: list[tuple[str, dt.datetime]]
                      ) -> list[dict | None]:
        return repo.update_claimed_sends(session, [
            (send_id, str(SendState.SENDING), {
                "state": str(SendState.SENDING),
                "delivery_stage": str(DeliveryStage.CONTENT),
                "updated_at": now, "updated_day": repo.day_of(now)})
            for send_id, now in marks], replica=self.replica)

    def _withheld(self, job: dict, result: DeliveryResult) -> Outcome:
        """Nothing went out: the send was stopped after its verdict (or the last look could
        not be asked). The verdict's ALLOW stays stored under its key, so a resumed run or a
        retry replays it, looks again, and reserves nothing more."""
        reasons = tuple(result.reasons)
        if set(reasons) & DEPENDENCY_REASONS:
            return self._outcome_for_dependency(job, reasons[0], result.detail)
        return outcome_for_denial(
            reasons, next_window=None, now=self.clock(),
            fallback_delay=dt.timedelta(seconds=self.settings.defer_fallback_seconds))

    def _outcome_for_dependency(self, job: dict, reason: BlockReason, detail: str) -> Outcome:
        # A run send waits out an outage of leads or venture for as long as it lasts (the
        # backoff is capped), so the run carries on once they are back; nothing is delivered
        # meanwhile. A lone CreateSend answers at once and its caller retries.
        retry_at = None
        if job["run_id"] is not None:
            retry_at = self.clock() + retry_delay(
                job["check_attempts"], base_seconds=self.settings.retry_base_seconds,
                max_seconds=self.settings.retry_max_seconds)
        return outcome_for_dependency(reason, detail, retry_at=retry_at)

    def _mark_sending(self, session, marks: list[tuple[dict, OutboundMessage, dict,
                                                      dt.datetime]]) -> list[dict | None]:
        """SENDING for every job of ``marks`` (job, message, values, now) that is still this
        replica's and whose run is active, each with its audit event; the changed rows."""
        changed = repo.update_claimed_sends(session, [
            (job["id"], job["state"], {
                **values, "state": str(SendState.SENDING), "block_reasons": "",
                "transient": False, "detail": "handed to the channel",
                "delivery_attempts": job["delivery_attempts"] + 1,
                "message_id": message.message_id, "next_attempt_at": None,
                "claim_expires_at": now + self.claim_ttl,
                "updated_at": now, "updated_day": repo.day_of(now)})
            for job, message, values, now in marks], replica=self.replica,
            require_active_run=True)
        repo.record_audit(session, [
            repo.audit_event(action="send.sending", entity_type="send",
                             entity_id=marked["id"], actor=SYSTEM_ACTOR,
                             venture_id=marked["venture_id"], context=_context(marked),
                             now=mark[3])
            for mark, marked in zip(marks, changed, strict=True) if marked is not None])
        return changed

    async def _not_marked(self, job: dict, values: dict) -> dict:
        """SENDING was refused: the claim lapsed, or the job's run stopped meanwhile."""
        current = await self.db.run_read(repo.get_send, job["id"])
        if current is None or current["claimed_by"] != self.replica or not job["run_id"]:
            return current
        run = await self.db.run_read(repo.get_run, job["run_id"])
        if run is not None and run["state"] == "CANCELLED":
            return await self._finish(job, Outcome(SendState.BLOCKED,
                                                   (BlockReason.RUN_CANCELLED,), False,
                                                   "the run was cancelled before this send "
                                                   "started"), values)
        # A halted run: the send waits (still queued) for the run to resume.
        await self.db.run(repo.update_claimed_send, job["id"], replica=self.replica,
                          state=job["state"], values={**values, "claimed_by": None,
                                                      "claim_expires_at": None})
        return await self.db.run_read(repo.get_send, job["id"])

    async def _dependency_failed(self, job: dict, failure: DependencyFailure,
                                 values: dict | None = None) -> dict:
        outcome = self._outcome_for_dependency(job, failure.reason, failure.detail)
        if job["dry_run"]:
            outcome = Outcome(SendState.DRY_RUN, outcome.reasons, True, outcome.detail)
        return await self._finish(job, outcome, values)

    async def _finish(self, job: dict, outcome: Outcome, values: Mapping | None = None, *,
                      from_state: SendState | None = None) -> dict:
        now = self.clock()
        state = str(from_state) if from_state is not None else job["state"]
        finished = await self._outcomes.write((job, state, outcome, dict(values or {}), now))
        self._on_change()
        if finished is None:  # the claim lapsed meanwhile: someone else has the job now
            return await self.db.run_read(repo.get_send, job["id"])
        return finished

    def _record_outcomes(self, session, outcomes: list[tuple[dict, str, Outcome, dict,
                                                             dt.datetime]]
                         ) -> list[dict | None]:
        """Each outcome (job, state it must be in, outcome, values, now) on its job, when the
        job is still this replica's, with its audit event; a run stops at a send its verdict
        denied for a campaign-wide reason. The changed rows, None where the claim lapsed."""
        changed = repo.update_claimed_sends(session, [
            (job["id"], state, {
                **values, "state": str(outcome.state),
                "block_reasons": ",".join(outcome.reasons), "transient": outcome.transient,
                "detail": outcome.detail[:2000], "next_attempt_at": outcome.next_attempt_at,
                "claimed_by": None, "claim_expires_at": None, "updated_at": now,
                "updated_day": repo.day_of(now)})
            for job, state, outcome, values, now in outcomes], replica=self.replica)
        events = []
        for (job, _, outcome, _, now), row in zip(outcomes, changed, strict=True):
            if row is None:
                continue
            events.append(repo.audit_event(
                action=f"send.{outcome.state.lower()}", entity_type="send", entity_id=job["id"],
                actor=SYSTEM_ACTOR, venture_id=row["venture_id"], context=_context(row),
                now=now))
            if (row["run_id"] and outcome.state is SendState.BLOCKED
                    and set(outcome.reasons) & RUN_HALTING_REASONS):
                halting = sorted_reasons(set(outcome.reasons) & RUN_HALTING_REASONS)
                if repo.update_run(session, row["run_id"], {
                        "state": "HALTED", "halt_reason": "stopped at a send the verdict "
                        "denied: " + ", ".join(halting),
                        "halt_block_reasons": [str(r) for r in halting],
                        "updated_at": now}, states=repo.ACTIVE_RUN_STATES):
                    events.append(repo.audit_event(
                        action="run.halted", entity_type="run", entity_id=row["run_id"],
                        actor=SYSTEM_ACTOR, venture_id=row["venture_id"],
                        context={"reasons": [str(r) for r in halting], "send_id": job["id"]},
                        now=now))
        repo.record_audit(session, events)
        return changed

    async def _check_autopause(self, job: dict) -> None:
        window = self.settings.autopause
        if window.ratio <= 0 or job["state"] not in (str(SendState.FAILED),
                                                     str(SendState.UNKNOWN_OUTCOME)):
            return  # only a settled failure can cross the threshold
        recent = await self.db.run_read(repo.recent_delivery_failures, job["run_id"],
                                        window.window)
        if not window.crossed(recent):
            return
        run = await self.db.run_read(repo.get_run, job["run_id"])
        if run is None or run["auto_paused"] or run["state"] not in repo.ACTIVE_RUN_STATES:
            return
        failures = sum(recent[: window.window])
        reason = (f"auto-pause: {failures} of the last {window.window} delivery attempts of "
                  f"run {run['id']} failed (threshold {window.ratio:.0%})")
        paused = "the campaign was paused"
        try:
            await self.venture.pause(run["campaign_id"], reason, f"autopause-{run['id']}")
        except DependencyFailure as failure:
            paused = f"pausing the campaign failed ({failure.detail}); the run stopped anyway"
        now = self.clock()

        def halt(session) -> None:
            if repo.update_run(session, run["id"], {
                    "state": "HALTED", "auto_paused": True,
                    "halt_reason": f"{reason}; {paused}", "halt_block_reasons": [],
                    "updated_at": now}, states=repo.ACTIVE_RUN_STATES):
                repo.audit(session, action="run.auto_paused", entity_type="run",
                           entity_id=run["id"], actor=SYSTEM_ACTOR,
                           venture_id=run["venture_id"],
                           context={"campaign_id": run["campaign_id"], "failures": failures,
                                    "window": window.window, "ratio": window.ratio,
                                    "campaign_paused": paused.startswith("the campaign")},
                           now=now)

        await self.db.run(halt)
        log.warning(reason)


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


class WriteBatcher:
    """One unit of work for the same write of every job that asks for it in one turn of the
    event loop.

    The jobs of a batch reach each step of the path together (their peer answers are already
    in hand), so their SENDING marks arrive within one turn; with ``linger_seconds`` the
    writes of that many more milliseconds join too (outcomes, which come back one by one). Each
    write as its own unit cost a savepoint, an UPDATE ... RETURNING and an INSERT through
    SQLAlchemy per job; together they are one executemany per statement. Each job still gets
    its own answer (its changed row, or None), as it would from a unit of its own. If the
    unit fails, every job of it hears the error (and leaves its claim to lapse).
    """

    def __init__(self, database: Database, write: Callable, *,
                 linger_seconds: float = 0.0) -> None:
        self._database = database
        self._write = write
        self._linger = linger_seconds
        self._pending: list[tuple[object, asyncio.Future]] = []

    async def write(self, item: object):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) == 1:
            if self._linger:
                loop.call_later(self._linger, self._flush)
            else:
                loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        pending = [(item, future) for item, future in self._pending if not future.cancelled()]
        self._pending = []
        if not pending:
            return
        task = asyncio.ensure_future(self._database.run(self._write,
                                                        [item for item, _ in pending]))
        task.add_done_callback(functools.partial(self._answer, pending))

    @staticmethod
    def _answer(pending: list[tuple[object, asyncio.Future]], task: asyncio.Future) -> None:
        error = (asyncio.CancelledError() if task.cancelled() else task.exception())
        for index, (_, future) in enumerate(pending):
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result()[index])


class StopGate:
    """The last look before a message goes out: was the campaign stopped since its verdict?

    A verdict is decided before the job is marked SENDING and before a channel connection is
    free; with hundreds of run sends in flight that can be tens of milliseconds earlier. So
    the channel, once it holds a connection, asks here right before the first byte: venture's
    CheckSafety for the campaign and channel. Only the reasons that stop a campaign count (a
    kill switch, a pause or stop); the quota and the window were settled by the verdict. One
    call answers every delivery of the campaign that starts within ``freshness_seconds`` of
    it being asked (concurrent deliveries share the call in flight), so a kill switch that
    has returned stops every delivery that starts more than that long after it, whatever
    the concurrency, at the cost of at most one call per campaign per ``freshness_seconds``.
    If venture cannot answer, the message is held back (fail closed) and retried later.
    """

    def __init__(self, venture, freshness_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._venture = venture
        self._freshness = max(freshness_seconds, 0.0)
        self._clock = clock
        self._asked: dict[tuple[str, str], tuple[float, asyncio.Future]] = {}

    async def stopped(self, campaign_id: str, channel: str) -> tuple[BlockReason, ...]:
        key = (campaign_id, channel)
        now = self._clock()
        asked = self._asked.get(key)
        if asked is None or now - asked[0] > self._freshness:
            if len(self._asked) > 10_000:
                self._asked.clear()
            asked = (now, asyncio.ensure_future(self._ask(campaign_id, channel)))
            self._asked[key] = asked
        return await asyncio.shield(asked[1])

    async def _ask(self, campaign_id: str, channel: str) -> tuple[BlockReason, ...]:
        try:
            verdict = await self._venture.check(campaign_id, channel)
        except PeerNotFound:
            return (BlockReason.CAMPAIGN_NOT_FOUND,)
        except DependencyFailure as failure:
            return (failure.reason,)
        except Exception:  # noqa: BLE001 - whatever went wrong, the message is held back
            log.exception("the last look before delivery failed")
            return (BlockReason.DEPENDENCY_ERROR,)
        return tuple(sorted_reasons(set(verdict.reasons) & RUN_HALTING_REASONS))


@dataclass
class BatchAnswers:
    """A batch's peer answers, each used once by the job it belongs to; a question not
    answered here goes to the peer as the single path asks it."""

    contacts: dict[tuple[str, str, bool], object] = field(default_factory=dict)
    verdicts: dict[tuple[str, str, str], object] = field(default_factory=dict)

    async def contactability(self, leads, lead_id: str, channel: str,
                             consent_required: bool) -> Contactability:
        answer = self.contacts.get((lead_id, channel, consent_required))
        if answer is None:
            return await leads.contactability(lead_id, channel, consent_required)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def authorize(self, venture, campaign_id: str, channel: str, send_key: str
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


def _context(job: Mapping) -> dict[str, object]:
    """Audit context: ids, states and reasons only; never an address or a name."""
    return {
        "campaign_id": job["campaign_id"], "lead_id": job["lead_id"],
        "channel": job["channel"], "step": job["step"], "run_id": job["run_id"] or "",
        "state": job["state"], "dry_run": bool(job["dry_run"]),
        "reasons": [r for r in (job["block_reasons"] or "").split(",") if r],
        "transient": bool(job["transient"]), "delivery_attempts": job["delivery_attempts"],
        "message_id": job["message_id"],
    }
