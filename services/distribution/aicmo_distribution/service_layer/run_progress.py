"""How a run moves along, one step at a time (the run worker of each replica calls these):
jobs left SENDING by a stopped process are reconciled, the campaign's leads are planned into
queued sends page by page, due sends are claimed, and runs are settled (COMPLETED when nothing
is pending, WAITING when only deferred sends remain; they become due at the next window by
themselves, AWAITING_REVIEW when only unknown outcomes remain)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.peers import DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import SendJob, SendState, request_fingerprint
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR, Deps
from aicmo_distribution.service_layer.runs import Audience

log = logging.getLogger("aicmo.distribution.runs")

PLANNING_PAGE = 500  # ids only (ListLeads read_mask), at most what ListLeads pages


async def reconcile(deps: Deps) -> int:
    """Jobs left SENDING by a process that is gone: back to the queue when their content
    provably never left, UNKNOWN_OUTCOME otherwise (never resent by itself)."""
    now = deps.clock()

    def reconcile(session) -> list[SendJob]:
        jobs = repo.as_send_jobs(repo.reconcile_sending(session, now=now))
        for job in jobs:
            unknown = job.state is SendState.UNKNOWN_OUTCOME
            repo.audit(session, action="send.unknown_outcome" if unknown
                       else "send.requeued", entity_type="send",
                       entity_id=job.id, actor=SYSTEM_ACTOR, venture_id=job.venture_id,
                       context={"campaign_id": job.campaign_id, "lead_id": job.lead_id,
                                "run_id": job.run_id or "",
                                "delivery_stage": str(job.delivery_stage or ""),
                                "reasons": ["DELIVERY_OUTCOME_UNKNOWN"] if unknown
                                else []}, now=now)
        return jobs

    jobs = await deps.uow.write(reconcile)
    unknown = sum(job.state is SendState.UNKNOWN_OUTCOME for job in jobs)
    if jobs:
        log.warning("%d sends were left SENDING by a stopped process: %d now "
                    "UNKNOWN_OUTCOME, %d queued again (their content never left)",
                    len(jobs), unknown, len(jobs) - unknown)
    return len(jobs)


def claim_batch(session: Session, now: dt.datetime, limit: int, *, replica: str,
                ttl: dt.timedelta) -> tuple[list[SendJob], dict[str, Template | None]]:
    """Claims up to ``limit`` due jobs for this replica, with their templates."""
    # The claimed jobs' templates come in the same unit of work, so the send path does not
    # go back to a database thread for each one.
    jobs = repo.as_send_jobs(repo.claim_due(session, replica=replica, now=now, ttl=ttl,
                                            limit=limit))
    return jobs, {template_id: repo.as_template(repo.get_template(session, template_id))
                  for template_id in {job.template_id for job in jobs if job.template_id}}


async def plan_page(deps: Deps, run: dict) -> None:
    """Turns the next page of the campaign's leads into queued sends of the run."""
    audience = Audience.from_dict(run["audience"])
    if audience.lead_ids:
        lead_ids, next_token = list(audience.lead_ids), ""
    else:
        try:
            page = await deps.leads.campaign_leads(
                run["campaign_id"], run["venture_id"],
                consented_only=audience.consented_only,
                source_channel=audience.source_channel,
                page_token=run["leads_page_token"], page_size=PLANNING_PAGE)
        except (DependencyFailure, PeerNotFound) as failure:
            log.warning("cannot page the campaign's leads; trying again later: %s",
                        failure, extra={"fields": {"run": run["id"]}})
            return
        lead_ids, next_token = page.lead_ids, page.next_page_token
    now = deps.clock()

    def plan(session) -> None:
        current = repo.get_run(session, run["id"], lock=True)
        if (current is None or current["planning_done"]
                or current["planned_pages"] != run["planned_pages"]
                or current["state"] not in repo.ACTIVE_RUN_STATES):
            return  # another replica planned this page, or the run stopped
        rows = [repo.queued_send_row(
            campaign_id=run["campaign_id"], venture_id=run["venture_id"], lead_id=lead_id,
            channel=run["channel"], step=run["step"], template_id=run["template_id"],
            request_hash=request_fingerprint({"run": run["id"], "lead": lead_id}),
            detail="queued by the run", now=now, run_id=run["id"], dry_run=run["dry_run"])
            for lead_id in lead_ids]
        keys = [row["dedupe_key"] for row in rows if row["dedupe_key"] is not None]
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

    await deps.uow.write(plan)


async def settle(deps: Deps, run_id: str) -> None:
    now = deps.clock()

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

    await deps.uow.write(settle)
