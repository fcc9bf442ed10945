"""A real leads server on port 0 over a fresh database (SQLite, then PostgreSQL), with tokens
for every role and a way to read the raw tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import create_engine, text

from aicmo.leads.v1 import leads_pb2 as pb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from aicmo_common.db import normalise_url
from aicmo_common.errors import ErrorDetails, decode_rpc_error
from aicmo_leads.bootstrap import Dependencies, create_server
from aicmo_leads.config import LeadsConfig
from tests.conftest import TOKEN_SECRET, bearer
from tests.support.clock import Clock

IDENTITY_KEY = "leads-test-identity-key-" + "k" * 32
VENTURE = "acme"
OTHER_VENTURE = "globex"
START = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
TABLES = ("leads", "lead_identifiers", "consent_records", "suppression_entries", "touches",
          "lead_merges", "capture_requests", "audit_outbox")


@dataclass
class Tokens:
    admin: str
    operator: str
    viewer: str
    service: str
    acme_operator: str
    acme_viewer: str
    globex_operator: str


@dataclass
class LeadsService:
    stub: leads_pb2_grpc.LeadsServiceStub
    channel: grpc.aio.Channel
    tokens: Tokens
    database_url: str
    clock: Clock

    def auth(self, token: str | None = None):
        return bearer(token or self.tokens.operator)

    async def capture(self, token: str | None = None, request_id: str = "",
                      **fields) -> pb.CaptureLeadResponse:
        fields.setdefault("venture_id", VENTURE)
        return await self.stub.CaptureLead(
            pb.CaptureLeadRequest(request_id=request_id, capture=pb.LeadCapture(**fields)),
            metadata=self.auth(token))

    async def failure(self, call) -> ErrorDetails:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        return decode_rpc_error(caught.value)

    def rows(self, table: str) -> list[dict]:
        engine = create_engine(normalise_url(self.database_url))
        try:
            with engine.connect() as connection:
                return [dict(row._mapping) for row in
                        connection.execute(text(f"SELECT * FROM {table}"))]
        finally:
            engine.dispose()

    def count(self, table: str) -> int:
        return len(self.rows(table))

    def counts(self) -> dict[str, int]:
        return {table: self.count(table) for table in TABLES}


def leads_config(database_url: str, **extra: str) -> LeadsConfig:
    return LeadsConfig.load({
        "AICMO_TOKEN_SECRET": TOKEN_SECRET,
        "AICMO_IDENTITY_HASH_KEY": IDENTITY_KEY,
        "AICMO_DATABASE_URL": database_url,
        "AICMO_GRPC_HOST": "127.0.0.1",
        "AICMO_AUDIT_ADDR": "off",
        "AICMO_METRICS_PORT": "off",
        "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
        **extra,
    })


@pytest.fixture
async def leads(database_url):
    signer = TokenSigner(TOKEN_SECRET)
    # Every call advances it a microsecond, so creation order is strict.
    clock = Clock(START, tick=dt.timedelta(microseconds=1))
    server, port = create_server(leads_config(database_url), Dependencies(clock=clock), port=0)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    tokens = Tokens(
        admin=signer.issue("admin@test", Role.ADMIN),
        operator=signer.issue("ops@test", Role.OPERATOR),
        viewer=signer.issue("viewer@test", Role.VIEWER),
        service=signer.service_token("distribution"),
        acme_operator=signer.issue("acme-ops@test", Role.OPERATOR, venture=VENTURE),
        acme_viewer=signer.issue("acme-viewer@test", Role.VIEWER, venture=VENTURE),
        globex_operator=signer.issue("globex-ops@test", Role.OPERATOR, venture=OTHER_VENTURE),
    )
    yield LeadsService(leads_pb2_grpc.LeadsServiceStub(channel), channel, tokens,
                       database_url, clock)
    await channel.close()
    await server.stop(0)
