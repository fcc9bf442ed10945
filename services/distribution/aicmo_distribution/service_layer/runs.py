"""Campaign runs: one step to every lead of a campaign, through the same send path.

A run is a row; its sends are rows keyed (campaign, lead, step). A background worker in every
replica pages through the leads of active runs (planning), claims due sends with row locks,
drives them with bounded concurrency, and settles runs (COMPLETED when nothing is pending,
WAITING when only deferred sends remain; they become due at the next window by themselves).
Because all of that lives in the database, a run survives a restart and several replicas share
it without any send being driven twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from aicmo_common.auth import READERS, Principal
from aicmo_common.errors import (
    FailedPrecondition,
    FieldErrors,
    NotFound,
    Unavailable,
)
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.decision import DryRunVerdict, Pass, before_verdict, dry_run_answer
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound, answer_of
from aicmo_distribution.domain.sends import (
    SendState,
    dedupe_key,
    request_fingerprint,
)
from aicmo_distribution.service_layer.sending import SYSTEM_ACTOR, SendPath
from aicmo_distribution.service_layer.sends import (
    WRITERS,
    check_id,
    page_of,
    page_position,
    page_size,
)

log = logging.getLogger("aicmo.distribution.runs")

MAX_AUDIENCE_IDS = 10_000
PLANNING_PAGE = 500  # ids only (ListLeads read_mask), at most what ListLeads pages


@dataclass(frozen=True)
class Audience:
    """Which of a campaign's leads a run sends to."""

    consented_only: bool = False
    source_channel: str = ""
    lead_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"consented_only": self.consented_only, "source_channel": self.source_channel,
                "lead_ids": list(self.lead_ids)}

    @classmethod
    def from_dict(cls, values: dict) -> Audience:
        return cls(bool(values.get("consented_only")), values.get("source_channel") or "",
                   tuple(values.get("lead_ids") or ()))


def _check_audience(errors: FieldErrors, audience: Audience) -> None:
    if len(audience.source_channel) > 64:
        errors.add("audience.source_channel", "must be at most 64 characters")
    if len(audience.lead_ids) > MAX_AUDIENCE_IDS:
        errors.add("audience.lead_ids", f"must list at most {MAX_AUDIENCE_IDS} ids")
    for index, lead_id in enumerate(audience.lead_ids[:MAX_AUDIENCE_IDS]):
        if not lead_id or len(lead_id) > 128:
            errors.add(f"audience.lead_ids[{index}]", "must be 1 to 128 characters")


@dataclass
class RunView:
    """A run with its counts, for the API."""

    run: dict
    state_counts: dict[str, int] = field(default_factory=dict)
    reason_counts: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """The run's state as reported: a halted run whose sends already handed to a channel
        are still settling is HALTING until none is SENDING (nothing new starts meanwhile)."""
        return reported_state(self.run["state"], self.state_counts)


def reported_state(stored: str, state_counts: dict[str, int]) -> str:
    if stored == "HALTED" and state_counts.get(str(SendState.SENDING), 0) > 0:
        return "HALTING"
    return stored


async def _views(path: SendPath, rows: Sequence[dict]) -> list[RunView]:
    ids = [row["id"] for row in rows]

    def read(session):
        return repo.run_state_counts(session, ids), repo.run_reason_counts(session, ids)

    states, reasons = await path.db.run_read(read)
    return [RunView(row, states.get(row["id"], {}), reasons.get(row["id"], {}))
            for row in rows]


async def _campaign_and_template(path: SendPath, campaign_id: str, template_id: str,
                                 principal: Principal):
    try:
        campaign = await path.venture.campaign(campaign_id)
    except PeerNotFound:
        raise NotFound(f"campaign {campaign_id} does not exist") from None
    except DependencyFailure as failure:
        raise Unavailable(f"cannot read the campaign: {failure.detail}",
                          reason="DEPENDENCY_UNAVAILABLE") from None
    if not principal.may_see(campaign.venture_id):
        raise NotFound(f"campaign {campaign_id} does not exist")
    template = await path.db.run_read(repo.get_template, template_id)
    if template is None or not principal.may_see(template["venture_id"]):
        raise NotFound(f"template {template_id} does not exist")
    if template["venture_id"] != campaign.venture_id:
        errors = FieldErrors()
        errors.add("template_id", "belongs to another venture than the campaign")
        errors.raise_if_any()
    return campaign, template


async def run_campaign(path: SendPath, worker: RunWorker, *, request_id: str, campaign_id: str,
                       template_id: str, step: int, audience: Audience, dry_run: bool,
                       principal: Principal) -> RunView:
    principal.require(WRITERS, "RunCampaign")
    errors = FieldErrors()
    check_id(errors, "request_id", request_id)
    check_id(errors, "campaign_id", campaign_id)
    check_id(errors, "template_id", template_id)
    if step < 0 or step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    _check_audience(errors, audience)
    errors.raise_if_any()
    step = step or 1
    fingerprint = request_fingerprint({"campaign": campaign_id, "template": template_id,
                                       "step": step, "audience": audience.as_dict(),
                                       "dry_run": dry_run})
    existing = await path.db.run_read(repo.run_by_request, request_id)
    if existing is not None:
        return await _same_run(path, existing, fingerprint, principal)
    campaign, template = await _campaign_and_template(path, campaign_id, template_id, principal)
    now = path.clock()
    run_id = str(uuid.uuid4())
    values = {
        "id": run_id, "request_id": request_id, "request_hash": fingerprint,
        "campaign_id": campaign_id, "venture_id": campaign.venture_id,
        "template_id": template_id, "channel": template["channel"], "step": step,
        "audience": audience.as_dict(), "dry_run": dry_run, "state": "RUNNING",
        "halt_reason": "", "halt_block_reasons": [], "auto_paused": False, "lead_count": 0,
        "skipped_existing": 0, "planning_done": False, "leads_page_token": "",
        "planned_pages": 0, "next_wake_at": None, "created_at": now, "updated_at": now,
        "finished_at": None,
    }

    def insert(session) -> dict | None:
        if not repo.insert_run(session, values):
            return None
        repo.audit(session, action="run.created", entity_type="run", entity_id=run_id,
                   actor=principal.actor, venture_id=campaign.venture_id,
                   request_id=request_id,
                   context={"campaign_id": campaign_id, "template_id": template_id,
                            "step": step, "dry_run": dry_run,
                            "audience_size": len(audience.lead_ids)}, now=now)
        return repo.get_run(session, run_id)

    created = await path.db.run(insert)
    if created is None:
        raced = await path.db.run_read(repo.run_by_request, request_id)
        return await _same_run(path, raced, fingerprint, principal)
    worker.wake()
    return (await _views(path, [created]))[0]


async def _same_run(path: SendPath, run: dict, fingerprint: str, principal: Principal
                    ) -> RunView:
    if run["request_hash"] != fingerprint:
        raise FailedPrecondition("this request_id was used for a different run",
                                 reason="REQUEST_ID_REUSED", metadata={"run_id": run["id"]})
    if not principal.may_see(run["venture_id"]):
        raise NotFound("run does not exist")
    return (await _views(path, [run]))[0]


async def get_run(path: SendPath, run_id: str, principal: Principal) -> RunView:
    principal.require(READERS, "GetRun")
    run = await path.db.run_read(repo.get_run, run_id) if run_id else None
    if run is None or not principal.may_see(run["venture_id"]):
        raise NotFound(f"run {run_id} does not exist")
    return (await _views(path, [run]))[0]


async def list_runs(path: SendPath, *, campaign_id: str, state: str | None, size: int,
                    token: str, principal: Principal) -> tuple[list[RunView], str]:
    errors = FieldErrors()
    limit = page_size(size, errors)
    before = page_position(token, errors)
    errors.raise_if_any()
    # HALTING is a HALTED run with sends still SENDING (see RunView.state).
    rows = await path.db.run_read(repo.list_runs, campaign_id=campaign_id or None,
                                  state="HALTED" if state == "HALTING" else state,
                                  venture_id=principal.venture, before=before,
                                  limit=limit + 1)
    rows, next_token = page_of(rows, limit)
    views = await _views(path, rows)
    if state in ("HALTED", "HALTING"):
        views = [view for view in views if view.state == state]
    return views, next_token


async def resume_run(path: SendPath, worker: RunWorker, run_id: str, principal: Principal
                     ) -> RunView:
    principal.require(WRITERS, "ResumeRun")
    view = await get_run(path, run_id, principal)
    now = path.clock()

    def resume(session) -> bool:
        if not repo.update_run(session, run_id, {"state": "RUNNING", "halt_reason": "",
                                                 "halt_block_reasons": [], "updated_at": now},
                               states=("HALTED",)):
            return False
        requeued = repo.requeue_run_blocked(session, run_id, now)
        repo.audit(session, action="run.resumed", entity_type="run", entity_id=run_id,
                   actor=principal.actor, venture_id=view.run["venture_id"],
                   context={"requeued_sends": requeued}, now=now)
        return True

    if not await path.db.run(resume):
        raise FailedPrecondition(f"run {run_id} is {view.state}, not HALTED",
                                 reason="INVALID_TRANSITION")
    worker.wake()
    return await get_run(path, run_id, principal)


async def cancel_run(path: SendPath, run_id: str, reason: str, principal: Principal) -> RunView:
    principal.require(WRITERS, "CancelRun")
    if len(reason) > 500:
        errors = FieldErrors()
        errors.add("reason", "must be at most 500 characters")
        errors.raise_if_any()
    view = await get_run(path, run_id, principal)
    now = path.clock()

    def cancel(session) -> bool:
        if not repo.update_run(session, run_id, {
                "state": "CANCELLED", "halt_reason": reason or "cancelled by an operator",
                "finished_at": now, "updated_at": now},
                states=("RUNNING", "WAITING", "HALTED")):
            return False
        blocked = repo.cancel_run_sends(session, run_id, now)
        repo.audit(session, action="run.cancelled", entity_type="run", entity_id=run_id,
                   actor=principal.actor, venture_id=view.run["venture_id"],
                   context={"reason": reason, "blocked_sends": blocked}, now=now)
        return True

    if not await path.db.run(cancel):
        raise FailedPrecondition(f"run {run_id} is already {view.run['state']}",
                                 reason="RESOURCE_FINAL")
    return await get_run(path, run_id, principal)


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


async def dry_run_campaign(path: SendPath, *, campaign_id: str, template_id: str, step: int,
                           audience: Audience, size: int, token: str, principal: Principal
                           ) -> DryRunPage:
    errors = FieldErrors()
    check_id(errors, "campaign_id", campaign_id)
    check_id(errors, "template_id", template_id)
    if step < 0 or step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    _check_audience(errors, audience)
    limit = page_size(size, errors)
    state = {"t": "", "o": 0, "s": 0, "d": 0, "b": 0}
    if token:
        decoded = repo.decode_token(token)
        if decoded is None or not set(state) <= set(decoded):
            errors.add("page_token", "is not a token this call returned")
        else:
            state.update(decoded)
    errors.raise_if_any()
    step = step or 1
    campaign, template = await _campaign_and_template(path, campaign_id, template_id, principal)
    channel = template["channel"]
    try:
        verdict = await path.venture.check(campaign_id, channel)
        if audience.lead_ids:
            offset = int(state["o"])
            lead_ids = list(audience.lead_ids[offset:offset + limit])
            next_leads = "" if offset + limit >= len(audience.lead_ids) else "more"
            state["o"] = offset + limit
        else:
            page = await path.leads.campaign_leads(
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
            return await answer_of(path.leads.contactability(lead_id, channel,
                                                             campaign.consent_required))

    answers = await asyncio.gather(*(contact(lead_id) for lead_id in lead_ids))
    keys = {lead_id: dedupe_key(campaign_id, lead_id, step) for lead_id in lead_ids}
    existing = await path.db.run_read(repo.existing_sends_by_key, list(keys.values()))
    verdict_reasons = () if verdict.allow else tuple(verdict.reasons)
    # The per-recipient half of the single path's rule; this call does not look at this
    # replica's channels, and the template was checked above.
    sent = Pass(dry_run=True, in_run=False, check_attempts=0)
    now = path.clock()
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
                              contact=answer, content_problem=None, now=now)
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
                      state["b"], repo.encode_token(state) if next_leads else "",
                      int(state.get("x", 0)))


class RunWorker:
    """The background loop of one replica: planning, claiming, driving, settling."""

    def __init__(self, path: SendPath, *, concurrency: int, interval_seconds: float,
                 batch_size: int = 100, reconcile_every: int = 20) -> None:
        self._path = path
        self._concurrency = concurrency
        self._batch_size = max(1, batch_size)
        self._interval = interval_seconds
        self._reconcile_every = reconcile_every
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._stopping = False
        self._ticks = 0
        # Sends this worker is driving, per run ("" for sends outside a run; their sum is what
        # the concurrency bounds), and when each run was last settled: a run with sends in
        # flight here cannot be finished yet, so it is settled at most once an interval rather
        # than after every send (each settle is a write transaction).
        self._in_flight: dict[str, int] = {}
        self._settled_at: dict[str, float] = {}

    def wake(self) -> None:
        self._wake.set()

    async def reconcile(self) -> int:
        """Jobs left SENDING by a process that is gone: back to the queue when their content
        provably never left, UNKNOWN_OUTCOME otherwise (never resent by itself)."""
        now = self._path.clock()

        def reconcile(session) -> list[dict]:
            rows = repo.reconcile_sending(session, now=now)
            for row in rows:
                unknown = row["state"] == str(SendState.UNKNOWN_OUTCOME)
                repo.audit(session, action="send.unknown_outcome" if unknown
                           else "send.requeued", entity_type="send",
                           entity_id=row["id"], actor=SYSTEM_ACTOR,
                           venture_id=row["venture_id"],
                           context={"campaign_id": row["campaign_id"],
                                    "lead_id": row["lead_id"], "run_id": row["run_id"] or "",
                                    "delivery_stage": row["delivery_stage"] or "",
                                    "reasons": ["DELIVERY_OUTCOME_UNKNOWN"] if unknown
                                    else []}, now=now)
            return rows

        rows = await self._path.db.run(reconcile)
        unknown = sum(row["state"] == str(SendState.UNKNOWN_OUTCOME) for row in rows)
        if rows:
            log.warning("%d sends were left SENDING by a stopped process: %d now "
                        "UNKNOWN_OUTCOME, %d queued again (their content never left)",
                        len(rows), unknown, len(rows) - unknown)
            self.wake()
        return len(rows)

    async def start(self) -> None:
        self._stopping = False
        self._loop_task = asyncio.create_task(self._loop(), name="distribution-run-worker")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stops claiming; lets sends in flight finish within the grace period."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the loop must survive and try again
                log.exception("run worker pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)

    async def tick(self) -> None:
        """One pass: reconcile now and then, plan, claim and start due sends, settle runs."""
        self._ticks += 1
        if self._ticks % self._reconcile_every == 0:
            await self.reconcile()
        runs = await self._path.db.run_read(repo.active_runs)
        for run in runs:
            if run["state"] == "RUNNING" and not run["planning_done"]:
                await self._plan(run)
        while not self._stopping:
            free = self._concurrency - sum(self._in_flight.values())
            if free <= 0:
                break
            limit = min(free, self._batch_size)
            jobs, templates = await self._path.db.run(self._claim, self._path.clock(), limit)
            if not jobs:
                break
            per_run: dict[str, int] = {}
            for job in jobs:
                run_id = job["run_id"] or ""
                per_run[run_id] = per_run.get(run_id, 0) + 1
            for run_id, count in per_run.items():
                self._in_flight[run_id] = self._in_flight.get(run_id, 0) + count
            task = asyncio.create_task(self._drive(jobs, templates))
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._done, per_run))
            if len(jobs) < limit:
                break  # nothing more is due now
        clock = asyncio.get_running_loop().time()
        active = {run["id"] for run in runs}
        for run_id in list(self._settled_at):
            if run_id not in active:
                del self._settled_at[run_id]
        for run in runs:
            if (self._in_flight.get(run["id"])
                    and clock - self._settled_at.get(run["id"], -1e9) < self._interval):
                continue
            self._settled_at[run["id"]] = clock
            await self._settle(run["id"])

    def _claim(self, session, now: dt.datetime, limit: int
               ) -> tuple[list[dict], dict[str, dict | None]]:
        # The claimed jobs' templates come in the same unit of work, so the send path does not
        # go back to a database thread for each one.
        jobs = repo.claim_due(session, replica=self._path.replica, now=now,
                              ttl=self._path.claim_ttl, limit=limit)
        return jobs, {template_id: repo.get_template(session, template_id)
                      for template_id in {job["template_id"] for job in jobs
                                          if job["template_id"]}}

    def _done(self, per_run: dict[str, int], task: asyncio.Task) -> None:
        self._tasks.discard(task)
        for run_id, driven in per_run.items():
            left = self._in_flight.get(run_id, 0) - driven
            if left > 0:
                self._in_flight[run_id] = left
            else:
                self._in_flight.pop(run_id, None)
        self._wake.set()

    async def _drive(self, jobs: list[dict], templates: dict[str, dict | None]) -> None:
        try:
            await self._path.drive_batch(jobs, templates)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the claims lapse and the jobs are due again
            log.exception("driving a batch of %d sends failed", len(jobs))

    async def _plan(self, run: dict) -> None:
        """Turns the next page of the campaign's leads into queued sends of the run."""
        audience = Audience.from_dict(run["audience"])
        if audience.lead_ids:
            lead_ids, next_token = list(audience.lead_ids), ""
        else:
            try:
                page = await self._path.leads.campaign_leads(
                    run["campaign_id"], run["venture_id"],
                    consented_only=audience.consented_only,
                    source_channel=audience.source_channel,
                    page_token=run["leads_page_token"], page_size=PLANNING_PAGE)
            except (DependencyFailure, PeerNotFound) as failure:
                log.warning("cannot page the campaign's leads; trying again later: %s",
                            failure, extra={"fields": {"run": run["id"]}})
                return
            lead_ids, next_token = page.lead_ids, page.next_page_token
        now = self._path.clock()
        path = self._path

        def plan(session) -> None:
            current = repo.get_run(session, run["id"], lock=True)
            if (current is None or current["planning_done"]
                    or current["planned_pages"] != run["planned_pages"]
                    or current["state"] not in repo.ACTIVE_RUN_STATES):
                return  # another replica planned this page, or the run stopped
            rows, keys = [], []
            for lead_id in lead_ids:
                key = None if run["dry_run"] else dedupe_key(run["campaign_id"], lead_id,
                                                             run["step"])
                if key is not None:
                    keys.append(key)
                rows.append({
                    "id": str(uuid.uuid4()), "request_id": None,
                    "request_hash": request_fingerprint({"run": run["id"], "lead": lead_id}),
                    "dedupe_key": key, "campaign_id": run["campaign_id"],
                    "venture_id": run["venture_id"], "lead_id": lead_id,
                    "channel": run["channel"], "step": run["step"],
                    "template_id": run["template_id"], "inline_subject": None,
                    "inline_body_text": None, "inline_body_html": None, "run_id": run["id"],
                    "dry_run": run["dry_run"], "state": str(SendState.QUEUED),
                    "block_reasons": "", "transient": False, "detail": "queued by the run",
                    "delivery_attempts": 0, "check_attempts": 0, "verdict_sequence": 0,
                    "message_id": "", "remaining_quota": 0, "next_attempt_at": None,
                    "claimed_by": None, "claim_expires_at": None, "created_at": now,
                    "updated_at": now, "updated_day": repo.day_of(now), "sent_at": None,
                    "resolution_note": ""})
            # The whole page in one batch; a lead whose (campaign, lead, step) is taken is
            # left out by the insert and looked at below.
            repo.insert_sends(session, rows)
            holders = repo.sends_by_dedupe(session, keys)
            skipped = 0
            for key in keys:
                first = holders.get(key)
                if first is None or first["run_id"] == run["id"]:
                    continue
                if repo.adopt_send(session, first["id"], run["id"], now):
                    first["run_id"] = run["id"]  # a repeated lead finds it ours now
                else:
                    skipped += 1  # sent, final, or another active run's: never sent again
            repo.update_run(session, run["id"], {
                "leads_page_token": next_token, "planned_pages": run["planned_pages"] + 1,
                "planning_done": not next_token,
                "lead_count": current["lead_count"] + len(lead_ids),
                "skipped_existing": current["skipped_existing"] + skipped,
                "updated_at": now})
            if not next_token:
                repo.audit(session, action="run.planned", entity_type="run",
                           entity_id=run["id"], actor=SYSTEM_ACTOR,
                           venture_id=run["venture_id"],
                           context={"lead_count": current["lead_count"] + len(lead_ids),
                                    "skipped_existing": current["skipped_existing"] + skipped},
                           now=now)

        await path.db.run(plan)

    async def _settle(self, run_id: str) -> None:
        now = self._path.clock()

        def settle(session) -> None:
            run = repo.get_run(session, run_id)
            if run is None or run["state"] not in repo.ACTIVE_RUN_STATES \
                    or not run["planning_done"]:
                return
            pending, deferred, earliest = repo.run_pending(session, run_id)
            counts = repo.run_state_counts(session, [run_id])[run_id]
            if pending == 0 and counts.get(str(SendState.UNKNOWN_OUTCOME)):
                # Nothing left to deliver, but some sends await an operator's review.
                if repo.update_run(session, run_id, {
                        "state": "AWAITING_REVIEW", "next_wake_at": None,
                        "halt_reason": "sends with an unknown outcome await review "
                                       "(ResolveUnknownOutcome)", "updated_at": now},
                        states=repo.ACTIVE_RUN_STATES):
                    repo.audit(session, action="run.awaiting_review", entity_type="run",
                               entity_id=run_id, actor=SYSTEM_ACTOR,
                               venture_id=run["venture_id"], context=counts, now=now)
            elif pending == 0:
                # Completed (after a human resumed it, if it was auto-paused): not paused.
                if repo.update_run(session, run_id, {"state": "COMPLETED", "finished_at": now,
                                                     "next_wake_at": None, "halt_reason": "",
                                                     "auto_paused": False, "updated_at": now},
                                   states=repo.ACTIVE_RUN_STATES):
                    repo.audit(session, action="run.completed", entity_type="run",
                               entity_id=run_id, actor=SYSTEM_ACTOR,
                               venture_id=run["venture_id"],
                               context=counts, now=now)
            elif pending == deferred:
                if run["state"] != "WAITING" or run["next_wake_at"] != earliest:
                    repo.update_run(session, run_id, {
                        "state": "WAITING", "next_wake_at": earliest,
                        "halt_reason": "every remaining send waits for the next send window "
                                       "or quota day", "updated_at": now},
                        states=repo.ACTIVE_RUN_STATES)
            elif run["state"] == "WAITING":
                repo.update_run(session, run_id, {"state": "RUNNING", "next_wake_at": None,
                                                  "halt_reason": "", "updated_at": now},
                                states=("WAITING",))

        await self._path.db.run(settle)
