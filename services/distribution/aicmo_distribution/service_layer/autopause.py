"""Auto-pause: a run whose recent deliveries fail too often stops, and its campaign is paused
through venture, before a mail provider blocks the sender."""

from __future__ import annotations

import logging

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.peers import DependencyFailure
from aicmo_distribution.domain.sends import SendJob, SendState
from aicmo_distribution.service_layer.deps import SYSTEM_ACTOR, Deps

log = logging.getLogger("aicmo.distribution.send")


async def check_autopause(deps: Deps, job: SendJob) -> None:
    """After a run's send settled: halts the run (and pauses its campaign) when the failures
    among its latest delivery attempts cross the configured ratio."""
    window = deps.settings.autopause
    if window.ratio <= 0 or job.state not in (SendState.FAILED, SendState.UNKNOWN_OUTCOME):
        return  # only a settled failure can cross the threshold
    recent = await deps.uow.read(repo.recent_delivery_failures, job.run_id,
                                 window.window)
    if not window.crossed(recent):
        return
    run = await deps.uow.read(repo.get_run, job.run_id)
    if run is None or run["auto_paused"] or run["state"] not in repo.ACTIVE_RUN_STATES:
        return
    failures = sum(recent[: window.window])
    reason = (f"auto-pause: {failures} of the last {window.window} delivery attempts of "
              f"run {run['id']} failed (threshold {window.ratio:.0%})")
    paused = "the campaign was paused"
    try:
        await deps.venture.pause(run["campaign_id"], reason, f"autopause-{run['id']}")
    except DependencyFailure as failure:
        paused = f"pausing the campaign failed ({failure.detail}); the run stopped anyway"
    now = deps.clock()

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

    await deps.uow.write(halt)
    log.warning(reason)
