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
from aicmo_distribution.domain.decision import (
    Failure,
    Pass,
    SendPolicy,
    after_delivery,
    after_verdict,
    before_verdict,
    halting_reasons,
    replayed_verdict,
    unsendable,
    would_use_quota,
)
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus, OutboundMessage
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    PeerNotFound,
    Verdict,
    answer_of,
)
from aicmo_distribution.domain.sends import (
    DUE_STATES,
    RUN_HALTING_REASONS,
    BlockReason,
    DeliveryStage,
    FailureWindow,
    Outcome,
    SendState,
    message_id_for,
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

    @property
    def policy(self) -> SendPolicy:
        return SendPolicy(max_attempts=self.max_attempts,
                          retry_base_seconds=self.retry_base_seconds,
                          retry_max_seconds=self.retry_max_seconds,
                          defer_fallback_seconds=self.defer_fallback_seconds)


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
            _, problem = await self._content(job, campaign, contact,
                                             templates.get(job["template_id"] or ""))
            # Only a job that would go on to ask: reserve nothing for one that stops before.
            if before_verdict(self._pass(job), campaign=campaign, channel=job["channel"],
                              channel_ready=True, contact=contact, content_problem=problem,
                              now=self.clock()) is None:
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

    def _pass(self, job: dict) -> Pass:
        return Pass(dry_run=bool(job["dry_run"]), in_run=job["run_id"] is not None,
                    check_attempts=job["check_attempts"], policy=self.settings.policy)

    async def _drive(self, job: dict, template: dict | None = None,
                     answers: BatchAnswers | None = None) -> dict:
        sent = self._pass(job)
        answers = answers or NO_ANSWERS
        values: dict[str, object] = {}
        campaign = await answer_of(self.venture.campaign(job["campaign_id"]))
        adapter = self.channels.for_channel(job["channel"])
        contact = content = problem = None
        if isinstance(campaign, CampaignFacts):
            values["venture_id"] = campaign.venture_id
            if adapter is not None:
                contact = await answer_of(answers.contactability(
                    self.leads, job["lead_id"], job["channel"], campaign.consent_required))
                content, problem = await self._content(job, campaign, contact, template)
        stop = before_verdict(sent, campaign=campaign, channel=job["channel"],
                              channel_ready=adapter is not None, contact=contact,
                              content_problem=problem, now=self.clock())
        if stop is not None:
            return await self._finish(job, stop, values)

        if sent.dry_run:
            verdict = await answer_of(self.venture.check(job["campaign_id"], job["channel"]))
        else:
            verdict = await answer_of(self._verdict(job, answers))
        if isinstance(verdict, Verdict):
            values["remaining_quota"] = verdict.remaining_quota
            if not sent.dry_run and not verdict.allow:
                # Venture keeps this DENY under the key for ever: the next try needs a new key.
                values["verdict_sequence"] = job["verdict_sequence"] + 1
        stop = await self._after_verdict(sent, job, verdict, contact)
        if stop is not None:
            return await self._finish(job, stop, values)

        try:
            message = await self._message(job, campaign, contact, verdict, content)
        except DependencyFailure as failure:
            return await self._finish(job, unsendable(sent, failure, self.clock()), values)
        except tpl.TemplateProblem as problem:
            return await self._finish(job, unsendable(sent, str(problem), self.clock()),
                                      values)
        return await self._deliver(job, sent, message, adapter, values)

    async def _verdict(self, job: dict, answers: BatchAnswers) -> Verdict:
        """The send's verdict; a replayed ALLOW is looked at again (``replayed_verdict``)."""
        verdict = await answers.authorize(self.venture, job["campaign_id"], job["channel"],
                                          verdict_key(job["id"], job["verdict_sequence"]))
        if verdict.allow and verdict.replayed:
            current = await self.venture.check(job["campaign_id"], job["channel"])
            verdict = replayed_verdict(verdict, current)
        return verdict

    async def _after_verdict(self, sent: Pass, job: dict, verdict: Verdict | Failure,
                             contact: Contactability) -> Outcome | None:
        """``after_verdict``; in a dry run, with how many jobs of its run before this one would
        use today's quota, counted in the order the jobs are decided (a single dry-run send
        counts only itself)."""
        run_id = job["run_id"]
        if not sent.dry_run or run_id is None or not isinstance(verdict, Verdict):
            return after_verdict(sent, verdict=verdict, contact=contact, now=self.clock())
        if run_id not in self._dry_quota_used:
            counted = await self.db.run_read(repo.count_dry_run_sendable, run_id)
            if len(self._dry_quota_used) > 1000:
                self._dry_quota_used.clear()
            self._dry_quota_used.setdefault(run_id, counted)
        used = self._dry_quota_used[run_id]
        outcome = after_verdict(sent, verdict=verdict, contact=contact, now=self.clock(),
                                quota_used_before=used)
        if would_use_quota(outcome):
            self._dry_quota_used[run_id] = used + 1
        return outcome

    async def _content(self, job: dict, campaign: CampaignFacts, contact: object,
                       template: dict | None = None
                       ) -> tuple[tpl.MessageContent | None, str | None]:
        """The job's content, or why there is none; only looked at for a lead it could go to
        (``contact`` allowed)."""
        if not isinstance(contact, Contactability) or not contact.allowed:
            return None, None
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

    async def _deliver(self, job: dict, sent: Pass, message: OutboundMessage, adapter,
                       values: dict) -> dict:
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
        outcome = after_delivery(sent, result, attempts=marked["delivery_attempts"], now=now)
        after: dict[str, object] = {}
        if reports and result.status in ANSWERED_STATUSES:
            after["delivery_stage"] = str(DeliveryStage.ANSWERED)
        if result.status is DeliveryStatus.SENT:
            after.update(sent_at=now, message_id=result.provider_message_id
                         or message.message_id)
        elif result.status is DeliveryStatus.WITHHELD:
            # Nothing reached the channel: not a delivery attempt (nor a delivery failure
            # for auto-pause, so a venture outage is waited out, not taken for a bad run).
            after = {"delivery_attempts": job["delivery_attempts"]}
        finished = await self._finish(marked, outcome, after, from_state=SendState.SENDING)
        if sent.in_run:
            await self._check_autopause(finished)
        return finished

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
            halting = halting_reasons(outcome) if row["run_id"] else []
            if halting:
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
