"""Property: whatever the order of capture, DNC, erasure, consent and sends, no message ever
reaches a lead that was DNC, suppressed or erased at the time of sending."""

from __future__ import annotations

import uuid

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.leads.v1 import leads_pb2 as lpb

LEADS = 3
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["capture", "dnc", "erase", "consent", "send"]),
              st.integers(min_value=0, max_value=LEADS - 1)),
    min_size=1, max_size=10)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=OPERATIONS)
async def test_no_message_reaches_a_lead_that_may_not_be_contacted(stack, operations):
    if stack.dist is None:
        await stack.start_distribution()
        stack.shared_template = {}
    campaign = await stack.campaign(venture_id="prop")
    if "prop" not in stack.shared_template:
        stack.shared_template["prop"] = await stack.template("prop")
    template = stack.shared_template["prop"]
    tag = uuid.uuid4().hex[:8]
    addresses = [f"p{i}-{tag}@example.org" for i in range(LEADS)]
    lead_ids = [(await stack.capture(campaign, address)).lead_id for address in addresses]
    forbidden = [False] * LEADS  # what the model says about "now"
    erased = [False] * LEADS

    for step, (operation, index) in enumerate(operations, start=1):
        lead_id = lead_ids[index]
        if operation == "capture":
            # A capture never lifts DNC and cannot revive an erased person's lead.
            answer = await stack.leads.CaptureLead(lpb.CaptureLeadRequest(
                capture=lpb.LeadCapture(venture_id=campaign.venture_id,
                                        campaign_id=campaign.id, email=addresses[index])),
                metadata=stack.md)
            lead_ids[index] = answer.lead.lead_id
            if erased[index]:
                erased[index] = False  # a new lead for the person, still suppressed
        elif operation == "dnc":
            try:
                await stack.leads.MarkDnc(lpb.MarkDncRequest(lead_id=lead_id, reason="asked"),
                                          metadata=stack.md)
            except grpc.aio.AioRpcError:
                assert erased[index]  # only an erased lead refuses; it is forbidden anyway
            forbidden[index] = True
        elif operation == "erase":
            await stack.leads.EraseLead(lpb.EraseLeadRequest(lead_id=lead_id, reason="gdpr"),
                                        metadata=stack.md)
            forbidden[index] = erased[index] = True
        elif operation == "consent":
            try:
                await stack.leads.UpdateConsent(lpb.UpdateConsentRequest(
                    lead_id=lead_id, consent_status=lpb.CONSENT_STATUS_CONSENTED,
                    evidence=lpb.ConsentEvidence(source="web_form",
                                                 form_url="https://acme.example/form")),
                    metadata=stack.md)
            except grpc.aio.AioRpcError:
                continue  # e.g. the lead is erased: nothing changed
            if not erased[index]:
                forbidden[index] = False  # opting in again with evidence lifts DNC
        else:
            before = len(stack.inbox.to(addresses[index]))
            job = (await stack.create_send(campaign, lead_id, template.id, step=step)).send
            after = len(stack.inbox.to(addresses[index]))
            if forbidden[index]:
                assert after == before, f"{operations}: a message reached a forbidden lead"
                assert job.state != dpb.SEND_STATE_SENT
            assert after - before == (1 if job.state == dpb.SEND_STATE_SENT else 0)
