"""Fail closed: when venture or leads cannot give an answer, nothing is delivered and the job
says why; after recovery a retry delivers exactly once."""

from __future__ import annotations

import uuid

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from tests.support.proxy import Proxy, free_port
from tests.support.waiting import wait_for


@pytest.mark.parametrize(("mode", "reason"), [
    ("unavailable", dpb.BLOCK_REASON_DEPENDENCY_UNAVAILABLE),
    ("slow", dpb.BLOCK_REASON_DEPENDENCY_TIMEOUT),
    ("error", dpb.BLOCK_REASON_DEPENDENCY_ERROR),
])
async def test_venture_failing_blocks_the_send_until_it_recovers(stack, mode, reason):
    proxy = Proxy(stack.venture_addr)
    port = await proxy.start()
    await stack.start_distribution(AICMO_VENTURE_ADDR=f"127.0.0.1:{port}")
    try:
        campaign = await stack.campaign()
        lead = await stack.capture(campaign, "fc@example.org")
        template = await stack.template(campaign.venture_id)
        proxy.mode, proxy.delay = mode, 1.5  # the deadline is 0.5 s
        request_id = str(uuid.uuid4())

        blocked = (await stack.create_send(campaign, lead.lead_id, template.id,
                                           request_id=request_id)).send

        assert blocked.state == dpb.SEND_STATE_BLOCKED
        assert list(blocked.block_reasons) == [reason]
        assert blocked.transient and blocked.delivery_attempts == 0
        assert stack.inbox.messages == []

        proxy.mode = "pass"
        first = (await stack.create_send(campaign, lead.lead_id, template.id,
                                         request_id=request_id)).send
        again = (await stack.create_send(campaign, lead.lead_id, template.id,
                                         request_id=request_id)).send
        assert first.id == again.id == blocked.id
        assert first.state == again.state == dpb.SEND_STATE_SENT
        assert len(stack.inbox.to("fc@example.org")) == 1
    finally:
        await proxy.stop()


async def test_venture_at_a_dead_port_then_back(stack):
    port = free_port()
    await stack.start_distribution(AICMO_VENTURE_ADDR=f"127.0.0.1:{port}")
    campaign = await stack.campaign()
    leads = [await stack.capture(campaign, f"dead{i}@example.org") for i in range(3)]
    template = await stack.template(campaign.venture_id)
    requests = {lead.lead_id: str(uuid.uuid4()) for lead in leads}
    for lead in leads:
        job = (await stack.create_send(campaign, lead.lead_id, template.id,
                                       request_id=requests[lead.lead_id])).send
        assert job.state == dpb.SEND_STATE_BLOCKED and job.transient
        assert list(job.block_reasons) == [dpb.BLOCK_REASON_DEPENDENCY_UNAVAILABLE]
    assert stack.inbox.messages == []

    proxy = Proxy(stack.venture_addr)
    await proxy.start(port)  # venture comes back at the address distribution knows
    try:
        for lead in leads:
            async def retried(lead=lead) -> bool:
                # The caller retries with the same request id until the channel to venture
                # has reconnected (gRPC backs off its reconnects to a dead address).
                job = (await stack.create_send(campaign, lead.lead_id, template.id,
                                               request_id=requests[lead.lead_id])).send
                return job.state == dpb.SEND_STATE_SENT

            await wait_for(retried, what="the send after venture came back")
        for lead in leads:  # and once more: nothing new goes out
            job = (await stack.create_send(campaign, lead.lead_id, template.id,
                                           request_id=requests[lead.lead_id])).send
            assert job.state == dpb.SEND_STATE_SENT
        assert sorted(m.recipients[0] for m in stack.inbox.messages) == sorted(
            lead.email for lead in leads)
    finally:
        await proxy.stop()


async def test_leads_down_blocks_the_send_until_it_recovers(stack):
    proxy = Proxy(stack.leads_addr)
    port = await proxy.start()
    await stack.start_distribution(AICMO_LEADS_ADDR=f"127.0.0.1:{port}")
    try:
        campaign = await stack.campaign()
        lead = await stack.capture(campaign, "ld@example.org")
        template = await stack.template(campaign.venture_id)
        proxy.mode = "unavailable"
        request_id = str(uuid.uuid4())
        job = (await stack.create_send(campaign, lead.lead_id, template.id,
                                       request_id=request_id)).send
        assert job.state == dpb.SEND_STATE_BLOCKED and job.transient
        assert list(job.block_reasons) == [dpb.BLOCK_REASON_DEPENDENCY_UNAVAILABLE]
        assert stack.inbox.messages == []

        proxy.mode = "pass"
        job = (await stack.create_send(campaign, lead.lead_id, template.id,
                                       request_id=request_id)).send
        assert job.state == dpb.SEND_STATE_SENT
        assert len(stack.inbox.messages) == 1
    finally:
        await proxy.stop()
