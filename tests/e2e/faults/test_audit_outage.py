"""The audit service SIGKILLed in the middle of a burst of changes in venture, leads and
distribution, kept down while more changes happen, then restarted on the same port: every event
of every service's outbox arrives in the audit log exactly once (by event id) and the chain
verifies."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from aicmo.audit.v1 import audit_pb2
from aicmo.distribution.v1 import distribution_pb2 as dpb
from tests.e2e.faults.workloads import (
    ensure_venture,
    gather_limited,
    lead_changes,
    people,
    venture_changes,
)
from tests.support.stack import ProcessStack
from tests.support.waiting import wait_for

PRODUCERS = ("venture", "leads", "distribution")
PENDING = "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL"


async def _burst(stack: ProcessStack, venture_id: str, campaign_id: str, size: int,
                 start: int) -> None:
    persons = people(size, start=start)
    await gather_limited(
        [venture_changes(stack, venture_id) for _ in range(size)]
        + [lead_changes(stack, venture_id, campaign_id, person, start + index)
           for index, person in enumerate(persons)])


async def _audit_count(stack: ProcessStack) -> int:
    return (await stack.databases.rows("audit", "SELECT count(*) FROM audit_log"))[0][0]


async def _pending(stack: ProcessStack) -> dict[str, int]:
    return {name: (await stack.databases.rows(name, PENDING))[0][0] for name in PRODUCERS}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("database_urls", [
    "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_an_audit_outage_loses_nothing_and_stores_nothing_twice(stack):
    await stack.start_all()  # audit first: the others get its address
    # The burst plays in a venture of its own (its kill switch goes on and off); the run
    # sends in another one.
    venture_id = f"burst-{uuid.uuid4().hex[:8]}"
    await ensure_venture(stack, venture_id)
    burst_campaign = await stack.campaign(venture_id=venture_id)
    campaign = await stack.campaign()
    template = await stack.template(campaign.venture_id)
    recipients = await stack.capture_many(campaign, 6)

    # Part one: the burst is under way when audit dies.
    first = asyncio.create_task(_burst(stack, venture_id, burst_campaign.id, 10, start=0))

    async def audit_receiving() -> bool:
        return await _audit_count(stack) >= 40

    await wait_for(audit_receiving, within=30, what="audit receiving the burst")
    port = await stack.kill("audit")
    assert not first.done(), "the burst ended before the kill; make it longer"
    await first

    # Part two, entirely during the outage: more changes, and a campaign run that delivers.
    run = await stack.run(campaign, template)
    await asyncio.gather(_burst(stack, venture_id, burst_campaign.id, 6, start=100),
                         stack.wait_run(run.id, dpb.RUN_STATE_COMPLETED, within=60))
    assert len(stack.mailbox.deliveries) == len(recipients)
    pending = await _pending(stack)
    assert all(pending[name] > 0 for name in PRODUCERS), pending  # the outage was real

    # Part three: audit is back on its old address; changes go on meanwhile.
    await stack.restart("audit", port)
    await _burst(stack, venture_id, burst_campaign.id, 2, start=200)

    async def all_delivered() -> bool:
        return not any((await _pending(stack)).values())

    await wait_for(all_delivered, within=60, what="every outbox drained", every=0.2)

    logged = await stack.databases.rows("audit", "SELECT event_id, service FROM audit_log")
    logged_ids = [event_id for event_id, _ in logged]
    assert len(logged_ids) == len(set(logged_ids)), "an event was stored twice"
    for name in PRODUCERS:
        outbox = {row[0] for row in await stack.databases.rows(
            name, "SELECT id FROM audit_outbox")}
        in_audit = {event_id for event_id, service in logged if service == name}
        assert outbox, f"{name} recorded no events"
        assert in_audit == outbox, (name, len(outbox - in_audit), len(in_audit - outbox))
    assert {service for _, service in logged} == set(PRODUCERS)

    verified = await stack.audit.VerifyChain(audit_pb2.VerifyChainRequest(),
                                             metadata=stack.md, timeout=30)
    assert verified.valid, verified
    assert verified.entries_checked == len(logged_ids)
