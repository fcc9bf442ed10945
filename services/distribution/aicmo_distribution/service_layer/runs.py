"""Campaign runs: one step to every lead of a campaign, through the same send path.

A run is a row; its sends are rows keyed (campaign, lead, step). These are the operator's use
cases (start, read, list, resume, cancel); the run worker of every replica
(``entrypoints.run_worker``) moves runs along (``service_layer.run_progress``). Because all of
that lives in the database, a run survives a restart and several replicas share it without any
send being driven twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from aicmo_common import pages
from aicmo_common.access import READERS, WRITERS, Caller
from aicmo_common.errors import (
    FailedPrecondition,
    FieldErrors,
    NotFound,
    Unavailable,
)
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.peers import CampaignFacts, DependencyFailure, PeerNotFound
from aicmo_distribution.domain.sends import SendState, request_fingerprint
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sends import (
    check_id,
    created_page,
)

MAX_AUDIENCE_IDS = 10_000


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


def check_audience(errors: FieldErrors, audience: Audience) -> None:
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


async def _views(deps: Deps, rows: Sequence[dict]) -> list[RunView]:
    ids = [row["id"] for row in rows]

    def read(session):
        return repo.run_state_counts(session, ids), repo.run_reason_counts(session, ids)

    states, reasons = await deps.uow.read(read)
    return [RunView(row, states.get(row["id"], {}), reasons.get(row["id"], {}))
            for row in rows]


async def campaign_and_template(deps: Deps, campaign_id: str, template_id: str,
                                caller: Caller) -> tuple[CampaignFacts, Template]:
    try:
        campaign = await deps.venture.campaign(campaign_id)
    except PeerNotFound:
        raise NotFound(f"campaign {campaign_id} does not exist") from None
    except DependencyFailure as failure:
        raise Unavailable(f"cannot read the campaign: {failure.detail}",
                          reason="DEPENDENCY_UNAVAILABLE") from None
    if not caller.may_see(campaign.venture_id):
        raise NotFound(f"campaign {campaign_id} does not exist")
    template = repo.as_template(await deps.uow.read(repo.get_template, template_id))
    if template is None or not caller.may_see(template.venture_id):
        raise NotFound(f"template {template_id} does not exist")
    if template.venture_id != campaign.venture_id:
        errors = FieldErrors()
        errors.add("template_id", "belongs to another venture than the campaign")
        errors.raise_if_any()
    return campaign, template


async def run_campaign(deps: Deps, *, request_id: str, campaign_id: str,
                       template_id: str, step: int, audience: Audience, dry_run: bool,
                       caller: Caller) -> RunView:
    caller.require(WRITERS, "RunCampaign")
    errors = FieldErrors()
    check_id(errors, "request_id", request_id)
    check_id(errors, "campaign_id", campaign_id)
    check_id(errors, "template_id", template_id)
    if step < 0 or step > 1000:
        errors.add("step", "must be between 1 and 1000 (0 means 1)")
    check_audience(errors, audience)
    errors.raise_if_any()
    step = step or 1
    fingerprint = request_fingerprint({"campaign": campaign_id, "template": template_id,
                                       "step": step, "audience": audience.as_dict(),
                                       "dry_run": dry_run})
    existing = await deps.uow.read(repo.run_by_request, request_id)
    if existing is not None:
        return await _same_run(deps, existing, fingerprint, caller)
    campaign, template = await campaign_and_template(deps, campaign_id, template_id, caller)
    now = deps.clock()
    run_id = str(uuid.uuid4())
    values = {
        "id": run_id, "request_id": request_id, "request_hash": fingerprint,
        "campaign_id": campaign_id, "venture_id": campaign.venture_id,
        "template_id": template_id, "channel": template.channel, "step": step,
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
                   actor=caller.actor.label, venture_id=campaign.venture_id,
                   request_id=request_id,
                   context={"campaign_id": campaign_id, "template_id": template_id,
                            "step": step, "dry_run": dry_run,
                            "audience_size": len(audience.lead_ids)}, now=now)
        return repo.get_run(session, run_id)

    created = await deps.uow.write(insert)
    if created is None:
        raced = await deps.uow.read(repo.run_by_request, request_id)
        return await _same_run(deps, raced, fingerprint, caller)
    return (await _views(deps, [created]))[0]


async def _same_run(deps: Deps, run: dict, fingerprint: str, caller: Caller
                    ) -> RunView:
    if run["request_hash"] != fingerprint:
        raise FailedPrecondition("this request_id was used for a different run",
                                 reason="REQUEST_ID_REUSED", metadata={"run_id": run["id"]})
    if not caller.may_see(run["venture_id"]):
        raise NotFound("run does not exist")
    return (await _views(deps, [run]))[0]


async def get_run(deps: Deps, run_id: str, caller: Caller) -> RunView:
    caller.require(READERS, "GetRun")
    run = await deps.uow.read(repo.get_run, run_id) if run_id else None
    if run is None or not caller.may_see(run["venture_id"]):
        raise NotFound(f"run {run_id} does not exist")
    return (await _views(deps, [run]))[0]


async def list_runs(deps: Deps, *, campaign_id: str, state: str | None, size: int,
                    token: str, caller: Caller) -> tuple[list[RunView], str]:
    errors = FieldErrors()
    limit = pages.page_size(size, errors=errors)
    errors.raise_if_any()
    filters = {"campaign_id": campaign_id, "state": state, "venture_id": caller.token_venture}
    # HALTING is a HALTED run with sends still SENDING (see RunView.state).
    rows = await deps.uow.read(repo.list_runs, campaign_id=campaign_id or None,
                               state="HALTED" if state == "HALTING" else state,
                               venture_id=caller.token_venture,
                               before=pages.moment_position(token, filters), limit=limit + 1)
    rows, next_token = created_page(rows, limit, filters)
    views = await _views(deps, rows)
    if state in ("HALTED", "HALTING"):
        views = [view for view in views if view.state == state]
    return views, next_token


async def resume_run(deps: Deps, run_id: str, caller: Caller) -> RunView:
    caller.require(WRITERS, "ResumeRun")
    view = await get_run(deps, run_id, caller)
    now = deps.clock()

    def resume(session) -> bool:
        if not repo.update_run(session, run_id, {"state": "RUNNING", "halt_reason": "",
                                                 "halt_block_reasons": [], "updated_at": now},
                               states=("HALTED",)):
            return False
        requeued = repo.requeue_run_blocked(session, run_id, now)
        repo.audit(session, action="run.resumed", entity_type="run", entity_id=run_id,
                   actor=caller.actor.label, venture_id=view.run["venture_id"],
                   context={"requeued_sends": requeued}, now=now)
        return True

    if not await deps.uow.write(resume):
        raise FailedPrecondition(f"run {run_id} is {view.state}, not HALTED",
                                 reason="INVALID_TRANSITION")
    return await get_run(deps, run_id, caller)


async def cancel_run(deps: Deps, run_id: str, reason: str, caller: Caller) -> RunView:
    caller.require(WRITERS, "CancelRun")
    if len(reason) > 500:
        errors = FieldErrors()
        errors.add("reason", "must be at most 500 characters")
        errors.raise_if_any()
    view = await get_run(deps, run_id, caller)
    now = deps.clock()

    def cancel(session) -> bool:
        if not repo.update_run(session, run_id, {
                "state": "CANCELLED", "halt_reason": reason or "cancelled by an operator",
                "finished_at": now, "updated_at": now},
                states=("RUNNING", "WAITING", "HALTED")):
            return False
        blocked = repo.cancel_run_sends(session, run_id, now)
        repo.audit(session, action="run.cancelled", entity_type="run", entity_id=run_id,
                   actor=caller.actor.label, venture_id=view.run["venture_id"],
                   context={"reason": reason, "blocked_sends": blocked}, now=now)
        return True

    if not await deps.uow.write(cancel):
        raise FailedPrecondition(f"run {run_id} is already {view.run['state']}",
                                 reason="RESOURCE_FINAL")
    return await get_run(deps, run_id, caller)


