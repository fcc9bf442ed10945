"""Leads SIGKILLed while delivery events arrive: distribution records every event on its send
and keeps their effect in its feedback outbox; after leads returns on the same port every
item is applied exactly once, and the bounced address is suppressed."""

from __future__ import annotations

import hashlib

import grpc
import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb
from tests.support.stack import EMAIL
from tests.support.waiting import wait_for

PEOPLE = 12


def bounce(send_id: str, index: int) -> dpb.DeliveryEvent:
    event_id = f"dsn-{index}"
    return dpb.DeliveryEvent(
        event_id=event_id, kind=dpb.DELIVERY_EVENT_KIND_BOUNCE_HARD,
        source=dpb.DELIVERY_EVENT_SOURCE_INBOUND_SMTP, send_id=send_id, status_code="5.1.1",
        evidence_sha256=hashlib.sha256(event_id.encode()).hexdigest())


@pytest.mark.timeout(120)
@pytest.mark.parametrize("database_urls", ["sqlite", "postgresql"], indirect=True)
async def test_events_recorded_while_leads_is_down_apply_once_after_it_returns(stack):
    await stack.start_all("venture", "leads", "distribution")
    campaign = await stack.campaign()
    lead_ids = list(await stack.capture_many(campaign, PEOPLE))
    template = await stack.template(campaign.venture_id)
    jobs = [(await stack.create_send(campaign, lead_id, template.id)).send
            for lead_id in lead_ids]
    assert {job.state for job in jobs} == {dpb.SEND_STATE_SENT}

    port = await stack.kill("leads")
    events = [bounce(job.id, i) for i, job in enumerate(jobs)]
    for batch in (events[:PEOPLE // 2], events[PEOPLE // 2:], events):  # the last: all again
        answer = await stack.dist.RecordDeliveryEvents(
            dpb.RecordDeliveryEventsRequest(events=batch), metadata=stack.md)
        assert all(r.outcome in (dpb.DELIVERY_EVENT_OUTCOME_RECORDED,
                                 dpb.DELIVERY_EVENT_OUTCOME_DUPLICATE) for r in answer.results)
    # With leads gone a send fails closed (its contactability is unknown): nothing leaves.
    blocked = (await stack.create_send(campaign, lead_ids[0], template.id, step=2)).send
    assert blocked.state == dpb.SEND_STATE_BLOCKED
    assert list(blocked.block_reasons) == [dpb.BLOCK_REASON_DEPENDENCY_UNAVAILABLE]

    await stack.restart("leads", port)

    async def applied():
        try:
            items = (await stack.leads.ListFeedback(lpb.ListFeedbackRequest(
                campaign_id=campaign.id, page_size=500), metadata=stack.md)).items
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.UNAVAILABLE:
                raise
            return None  # leads is still starting
        return items if len(items) >= PEOPLE else None

    items = await wait_for(applied, within=60, what="every bounce applied in leads")
    assert sorted(item.feedback_id for item in items) == sorted(e.event_id for e in events)
    assert {item.kind for item in items} == {lpb.FEEDBACK_KIND_BOUNCE_HARD}
    for lead_id in lead_ids:
        answer = await stack.leads.CheckContactability(lpb.CheckContactabilityRequest(
            lead_id=lead_id, channel=EMAIL), metadata=stack.md)
        assert list(answer.reasons) == [lpb.CONTACTABILITY_REASON_SUPPRESSED]
