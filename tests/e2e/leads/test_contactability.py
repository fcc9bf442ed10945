"""CheckContactability under concurrency: calls in flight together are read together, and each
must get exactly the answer (or NOT_FOUND) it gets alone, whatever shares its batch."""

from __future__ import annotations

import asyncio
import itertools

import grpc

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2 as pb
from tests.e2e.leads.conftest import OTHER_VENTURE

EVIDENCE = pb.ConsentEvidence(source="web_form", form_url="https://acme.test/signup")


async def _outcome(leads, lead_id: str, channel: int, required: bool, token: str):
    try:
        return await leads.stub.CheckContactability(
            pb.CheckContactabilityRequest(lead_id=lead_id, channel=channel,
                                          consent_required=required),
            metadata=leads.auth(token))
    except grpc.aio.AioRpcError as error:
        return error.code()


async def test_concurrent_checks_answer_as_each_alone(leads):
    consented = await leads.capture(email="ann@example.com", first_name="Ann",
                                    consent_status=pb.CONSENT_STATUS_CONSENTED,
                                    consent_evidence=EVIDENCE)
    unknown = await leads.capture(phone="+1 415 555 2671")
    dnc = await leads.capture(email="dee@example.com", consent_status=pb.CONSENT_STATUS_DNC)
    elsewhere = await leads.capture(venture_id=OTHER_VENTURE, email="glo@example.com",
                                    consent_status=pb.CONSENT_STATUS_CONSENTED,
                                    consent_evidence=EVIDENCE)
    lead_ids = [consented.lead.lead_id, unknown.lead.lead_id, dnc.lead.lead_id,
                elsewhere.lead.lead_id, "no-such-lead"]
    calls = list(itertools.product(
        lead_ids, (common_pb2.CHANNEL_EMAIL, common_pb2.CHANNEL_SMS), (False, True),
        (leads.tokens.service, leads.tokens.acme_viewer)))
    alone = [await _outcome(leads, *call) for call in calls]
    together = await asyncio.gather(*(_outcome(leads, *call) for call in calls))
    assert together == alone
    assert alone.count(grpc.StatusCode.NOT_FOUND) == 12  # the missing lead, and globex's
    first = alone[0]
    assert first.allowed and first.address == "ann@example.com"
    assert first.lead.first_name == "Ann"
