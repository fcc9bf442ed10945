"""Distribution SIGKILLed in the middle of a campaign run, while the SMTP server holds one
message in DATA, then restarted on the same port: the run finishes, nobody gets a message
twice, and the send cut off mid-delivery is UNKNOWN_OUTCOME instead of being sent again."""

from __future__ import annotations

import asyncio
import time

import pytest

from aicmo.distribution.v1 import distribution_pb2 as dpb
from tests.support.stack import RUN_CONCURRENCY, state_name

LEADS = 200
HOLD_AT = 60  # the DATA of this message is held until the process is dead


@pytest.mark.timeout(120)
async def test_a_crash_mid_delivery_neither_loses_nor_duplicates_a_message(stack):
    await stack.start_all("venture", "leads", "distribution")
    campaign = await stack.campaign()
    leads = await stack.capture_many(campaign, LEADS)
    template = await stack.template(campaign.venture_id)
    mailbox = stack.mailbox
    mailbox.hold = lambda delivery: len(mailbox.deliveries) == HOLD_AT

    run = await stack.run(campaign, template)
    await asyncio.wait_for(mailbox.held.wait(), 60)
    port = await stack.kill("distribution")
    killed_at = time.time()
    mailbox.release.set()  # the client is gone; the server had the whole message
    await stack.restart("distribution", port)

    # Not completed while sends await review.
    finished = await stack.wait_run(run.id, dpb.RUN_STATE_AWAITING_REVIEW, within=60)
    sends = await stack.sends(run_id=run.id)
    assert finished.lead_count == LEADS
    assert len(sends) == LEADS
    assert {s.lead_id for s in sends} == set(leads)
    states = {state_name(s.state) for s in sends}
    assert states <= {"SEND_STATE_SENT", "SEND_STATE_UNKNOWN_OUTCOME"}, states

    held = mailbox.held_deliveries[0].send_id
    by_send = mailbox.by_send()
    by_address = mailbox.by_recipient()
    unknown = [s for s in sends if s.state == dpb.SEND_STATE_UNKNOWN_OUTCOME]
    # Only what was in flight when the process died can be unknown.
    assert 1 <= len(unknown) <= RUN_CONCURRENCY, [s.id for s in unknown]
    assert held in {s.id for s in unknown}
    assert by_send[held] == 1
    for send in sends:
        address = leads[send.lead_id]
        if send.state == dpb.SEND_STATE_SENT:
            assert by_send.get(send.id) == 1 and by_address[address] == 1, send
        else:
            assert by_send.get(send.id, 0) <= 1 and by_address.get(address, 0) <= 1, send
            assert dpb.BLOCK_REASON_DELIVERY_OUTCOME_UNKNOWN in send.block_reasons
    # An unknown outcome is never tried again: nothing of it reached the server after the kill.
    unknown_ids = {s.id for s in unknown}
    assert all(d.started_at <= killed_at for d in mailbox.deliveries
               if d.send_id in unknown_ids)
    assert max(by_address.values()) == 1
    assert len(mailbox.deliveries) == len(by_send)  # one delivery per send id at most
    assert sum(s.state == dpb.SEND_STATE_SENT for s in sends) + sum(
        by_send.get(s.id, 0) for s in unknown) == len(mailbox.deliveries)

    # Settled one by one, the run completes with the last.
    for send in unknown:
        assert (await stack.get_run(run.id)).state == dpb.RUN_STATE_AWAITING_REVIEW
        await stack.dist.ResolveUnknownOutcome(dpb.ResolveUnknownOutcomeRequest(
            send_id=send.id, note="checked the server's log",
            outcome=dpb.SEND_STATE_SENT if by_send.get(send.id) else dpb.SEND_STATE_FAILED),
            metadata=stack.md, timeout=10)
    assert (await stack.get_run(run.id)).state == dpb.RUN_STATE_COMPLETED
