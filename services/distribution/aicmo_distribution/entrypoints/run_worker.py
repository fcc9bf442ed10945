"""The run worker: the background loop of one replica that moves due sequence steps into
the queue, plans runs, claims due sends in batches, drives them through the send path with
bounded concurrency, and settles runs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain.sends import SendJob
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.sequences.scheduler import Scheduler
from aicmo_distribution.service_layer import run_progress
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sending import SendPath

log = logging.getLogger("aicmo.distribution.runs")


class RunWorker:
    """The background loop of one replica: planning, claiming, driving, settling."""

    def __init__(self, deps: Deps, path: SendPath, *, concurrency: int,
                 interval_seconds: float, batch_size: int = 100,
                 reconcile_every: int = 20, scheduler: Scheduler | None = None) -> None:
        self._deps = deps
        self._scheduler = scheduler
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
        """Settles the jobs a stopped process left SENDING (``run_progress.reconcile``); the
        ones queued again are due now."""
        count = await run_progress.reconcile(self._deps)
        if count:
            self.wake()
        return count

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
        if self._scheduler is not None:
            # Due sequence steps become queued sends, claimed below with the runs' sends.
            await self._scheduler.tick()
        runs = await self._deps.db.run_read(repo.active_runs)
        for run in runs:
            if run["state"] == "RUNNING" and not run["planning_done"]:
                await run_progress.plan_page(self._deps, run)
        while not self._stopping:
            free = self._concurrency - sum(self._in_flight.values())
            if free <= 0:
                break
            limit = min(free, self._batch_size)
            jobs, templates = await self._deps.db.run(
                run_progress.claim_batch, self._deps.clock(), limit, replica=self._deps.replica,
                ttl=self._deps.settings.claim_ttl)
            if not jobs:
                break
            per_run: dict[str, int] = {}
            for job in jobs:
                run_id = job.run_id or ""
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
            await run_progress.settle(self._deps, run["id"])

    def _done(self, per_run: dict[str, int], task: asyncio.Task) -> None:
        self._tasks.discard(task)
        for run_id, driven in per_run.items():
            left = self._in_flight.get(run_id, 0) - driven
            if left > 0:
                self._in_flight[run_id] = left
            else:
                self._in_flight.pop(run_id, None)
        self._wake.set()

    async def _drive(self, jobs: list[SendJob], templates: dict[str, Template | None]
                     ) -> None:
        try:
            await self._path.drive_batch(jobs, templates)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the claims lapse and the jobs are due again
            log.exception("driving a batch of %d sends failed", len(jobs))
