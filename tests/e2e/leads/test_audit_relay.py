"""Audit events travel from the leads outbox to a real audit server, with hashes and ids
only: never the raw email."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import json_format

from aicmo.audit.v1 import audit_pb2
from aicmo.leads.v1 import leads_pb2 as pb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from aicmo_leads.bootstrap import create_server
from tests.conftest import TOKEN_SECRET, bearer
from tests.e2e.audit.running_audit import running_audit
from tests.e2e.leads.conftest import leads_config


async def _trail(audit, token: str, lead_id: str, wanted: set[str], deadline: float):
    """The lead's trail in audit, once it holds every wanted action (or the deadline)."""
    loop = asyncio.get_running_loop()
    while True:
        answer = await audit.stub.GetTrail(
            audit_pb2.GetTrailRequest(entity_type="lead", entity_id=lead_id),
            metadata=bearer(token))
        actions = {entry.event.action for entry in answer.entries}
        if wanted <= actions or loop.time() > deadline:
            return answer.entries
        await asyncio.sleep(0.05)


async def test_capture_and_erasure_reach_audit_without_personal_data(tmp_path):
    token = TokenSigner(TOKEN_SECRET).issue("admin@test", Role.ADMIN)
    async with running_audit(f"sqlite:///{tmp_path / 'audit.db'}") as audit:
        config = leads_config(f"sqlite:///{tmp_path / 'leads.db'}",
                              AICMO_AUDIT_ADDR=audit.address,
                              AICMO_OUTBOX_INTERVAL_SECONDS="0.05")
        server, port = create_server(config, port=0)
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = leads_pb2_grpc.LeadsServiceStub(channel)
                made = await stub.CaptureLead(pb.CaptureLeadRequest(capture=pb.LeadCapture(
                    venture_id="acme", email="Audit.Me@example.com", name="Audrey")),
                    metadata=bearer(token))
                await stub.EraseLead(pb.EraseLeadRequest(lead_id=made.lead.lead_id),
                                     metadata=bearer(token))
            deadline = asyncio.get_running_loop().time() + 10
            entries = await _trail(audit, token, made.lead.lead_id,
                                   {"lead.created", "lead.erased"}, deadline)
        finally:
            await server.stop(0)
    actions = [entry.event.action for entry in entries]
    assert "lead.created" in actions and "lead.erased" in actions
    assert all(entry.event.service == "leads" for entry in entries)
    dumped = repr([json_format.MessageToDict(entry) for entry in entries]).lower()
    assert "audit.me" not in dumped and "audrey" not in dumped
