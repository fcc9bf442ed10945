"""A real venture server on port 0 over a fresh database (SQLite, then PostgreSQL), a clock
the tests move, and tokens for every role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import create_engine, func, select

from aicmo.venture.v1 import venture_pb2 as pb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from aicmo_common.db import normalise_url
from aicmo_common.errors import ErrorDetails, decode_rpc_error
from aicmo_venture.adapters import tables
from aicmo_venture.bootstrap import VentureDependencies, create_server
from aicmo_venture.config import VentureConfig
from aicmo_venture.domain.clock import FixedClock
from tests.conftest import TOKEN_SECRET, bearer

# A Monday, 10:00 in Berlin (summer time).
START = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
EMAIL = 1
SMS = 3


@dataclass
class Tokens:
    admin: str
    operator: str
    acme_operator: str
    viewer: str
    service: str
    acme_viewer: str


@dataclass
class VentureService:
    stub: venture_pb2_grpc.VentureServiceStub
    clock: FixedClock
    tokens: Tokens
    database_url: str
    port: int

    def as_(self, token: str):
        return bearer(token)

    async def venture(self, venture_id: str = "acme", *, timezone: str = "Europe/Berlin",
                      token: str | None = None) -> pb.Venture:
        answer = await self.stub.CreateVenture(pb.CreateVentureRequest(venture=pb.Venture(
            id=venture_id, name=f"{venture_id} ltd", timezone=timezone,
            owner_contact=f"owner@{venture_id}.example", default_channels=[EMAIL],
            sender=pb.SenderIdentity(from_address=f"hello@{venture_id}.example",
                                     from_name="Hello",
                                     postal_address="1 Main St, Springfield"))),
            metadata=bearer(token or self.tokens.admin))
        return answer.venture

    async def campaign(self, venture_id: str = "acme", *, limit: int = 100,
                       channels: tuple[int, ...] = (EMAIL,), window: pb.SendWindow | None = None,
                       running: bool = False, consent_required: bool = False,
                       token: str | None = None) -> pb.Campaign:
        token = token or self.tokens.operator
        answer = await self.stub.CreateCampaign(pb.CreateCampaignRequest(campaign=pb.Campaign(
            venture_id=venture_id, name="Spring launch", objective="demos",
            allowed_channels=list(channels), daily_send_limit=limit, send_window=window,
            consent_required=consent_required)), metadata=bearer(token))
        campaign = answer.campaign
        if running:
            started = await self.stub.StartCampaign(
                pb.StartCampaignRequest(campaign_id=campaign.id, reason="go"),
                metadata=bearer(token))
            campaign = started.campaign
        return campaign

    async def authorize(self, campaign_id: str, send_id: str, channel: int = EMAIL,
                        token: str | None = None) -> pb.AuthorizeSendResponse:
        return await self.stub.AuthorizeSend(
            pb.AuthorizeSendRequest(campaign_id=campaign_id, channel=channel, send_id=send_id),
            metadata=bearer(token or self.tokens.service))

    def counts(self) -> dict[str, int]:
        """Rows in every table of the service (to prove a refused call wrote nothing)."""
        engine = create_engine(normalise_url(self.database_url))
        try:
            with engine.connect() as connection:
                return {name: connection.execute(select(func.count()).select_from(table))
                        .scalar_one() for name, table in tables.metadata.tables.items()}
        finally:
            engine.dispose()

    def outbox_actions(self) -> list[str]:
        engine = create_engine(normalise_url(self.database_url))
        try:
            with engine.connect() as connection:
                outbox = tables.audit_outbox
                return list(connection.execute(
                    select(outbox.c.action).order_by(outbox.c.occurred_at)).scalars())
        finally:
            engine.dispose()


async def failure(call: Awaitable) -> ErrorDetails:
    """Awaits a call that must fail and returns its decoded error."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return decode_rpc_error(error)
    raise AssertionError("the call succeeded but was expected to fail")


def tokens_for(signer: TokenSigner) -> Tokens:
    return Tokens(
        admin=signer.issue("admin@test", Role.ADMIN),
        operator=signer.issue("ops@test", Role.OPERATOR),
        acme_operator=signer.issue("ops@acme", Role.OPERATOR, venture="acme"),
        viewer=signer.issue("viewer@test", Role.VIEWER),
        service=signer.service_token("distribution"),
        acme_viewer=signer.issue("viewer@acme", Role.VIEWER, venture="acme"),
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def service(database_url, signer, clock):
    config = VentureConfig.from_env(environ={
        "AICMO_TOKEN_SECRET": TOKEN_SECRET,
        "AICMO_DATABASE_URL": database_url,
        "AICMO_AUDIT_ADDR": "off",
        "AICMO_GRPC_HOST": "127.0.0.1",
        "AICMO_METRICS_PORT": "off",
    })
    server, port = create_server(config, VentureDependencies(clock=clock), port=0)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield VentureService(venture_pb2_grpc.VentureServiceStub(channel), clock,
                             tokens_for(signer), database_url, port)
    finally:
        await channel.close()
        await server.stop(0)
