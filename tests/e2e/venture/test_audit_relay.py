"""The outbox relay is wired: venture's audit events reach a real audit server."""

from __future__ import annotations

import grpc

from aicmo.audit.v1 import audit_pb2
from aicmo.venture.v1 import venture_pb2 as pb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_venture.bootstrap import create_server
from aicmo_venture.config import VentureConfig
from tests.conftest import TOKEN_SECRET, bearer
from tests.e2e.audit.running_audit import running_audit
from tests.e2e.venture.conftest import EMAIL, tokens_for
from tests.support.waiting import wait_for


async def _trail_actions(audit, signer, campaign_id: str) -> list[str]:
    answer = await audit.stub.GetTrail(
        audit_pb2.GetTrailRequest(entity_type="campaign", entity_id=campaign_id),
        metadata=bearer(signer.issue("auditor@test", "admin")))
    return [entry.event.action for entry in answer.entries]


async def test_changes_and_verdicts_reach_the_audit_log(tmp_path, signer):
    async with running_audit(f"sqlite:///{tmp_path / 'audit.db'}") as audit:
        config = VentureConfig.from_env(environ={
            "AICMO_TOKEN_SECRET": TOKEN_SECRET,
            "AICMO_DATABASE_URL": f"sqlite:///{tmp_path / 'venture.db'}",
            "AICMO_AUDIT_ADDR": audit.address,
            "AICMO_OUTBOX_INTERVAL_SECONDS": "0.05",
            "AICMO_GRPC_HOST": "127.0.0.1",
        })
        server, port = create_server(config, port=0)
        await server.start()
        tokens = tokens_for(signer)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = venture_pb2_grpc.VentureServiceStub(channel)
                await stub.CreateVenture(pb.CreateVentureRequest(venture=pb.Venture(
                    id="acme", name="Acme", timezone="UTC", owner_contact="o@acme.example",
                    default_channels=[EMAIL])), metadata=bearer(tokens.admin))
                created = await stub.CreateCampaign(pb.CreateCampaignRequest(
                    campaign=pb.Campaign(venture_id="acme", name="C", daily_send_limit=1)),
                    metadata=bearer(tokens.operator))
                campaign_id = created.campaign.id
                await stub.StartCampaign(pb.StartCampaignRequest(campaign_id=campaign_id,
                                                                 reason="go"),
                                         metadata=bearer(tokens.operator))
                await stub.AuthorizeSend(pb.AuthorizeSendRequest(
                    campaign_id=campaign_id, channel=EMAIL, send_id="s-1"),
                    metadata=bearer(tokens.service))
            expected = ["campaign.created", "campaign.started", "verdict.allowed"]
            actions: list[str] = []

            async def trail_complete() -> bool:
                actions[:] = await _trail_actions(audit, signer, campaign_id)
                return actions == expected

            await wait_for(trail_complete, within=10, every=0.05,
                           what=f"the trail {expected}")
            assert actions == expected
        finally:
            await server.stop(0)
