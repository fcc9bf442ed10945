"""What ``make bench`` measures. Each scenario makes its own data through the public API, runs
a closed loop of calls with ``concurrency`` in flight, and adds one sample to its figures."""

from __future__ import annotations

import uuid

import grpc

from aicmo.common.v1 import common_pb2
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from bench.floors import empty_method
from bench.loadgen import LoadResult, run_load
from bench.report import Figure

EMAIL = common_pb2.CHANNEL_EMAIL


def record(figure: Figure, result: LoadResult) -> None:
    if result.errors:
        raise RuntimeError(f"{figure.name}: {result.errors} calls failed")
    figure.samples.append(result.rate)
    figure.p50_ms.append(result.percentile(0.5) * 1000)
    figure.p99_ms.append(result.percentile(0.99) * 1000)


def metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def empty_rpc(address: str, token: str, total: int, concurrency: int) -> LoadResult:
    async with grpc.aio.insecure_channel(address) as channel:
        call = empty_method(channel)
        meta = metadata(token)
        await run_load(lambda i: call(b"", metadata=meta), total=min(total, 500),
                       concurrency=concurrency)
        return await run_load(lambda i: call(b"", metadata=meta), total=total,
                              concurrency=concurrency)


async def running_campaign(venture: venture_pb2_grpc.VentureServiceStub, admin: str, *,
                           daily_limit: int = 10_000_000) -> str:
    """Creates a venture and a RUNNING email campaign; returns the campaign id."""
    meta = metadata(admin)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    await venture.CreateVenture(venture_pb2.CreateVentureRequest(
        request_id=str(uuid.uuid4()),
        venture=venture_pb2.Venture(
            id=slug, name="Bench venture", offer_summary="Benchmarks", primary_cta="Reply",
            default_channels=[EMAIL], timezone="Europe/Berlin",
            owner_contact="owner@bench.example", active=True,
            sender=venture_pb2.SenderIdentity(from_address="hello@bench.example",
                                              from_name="Bench",
                                              postal_address="1 Bench Street, Berlin"))),
        metadata=meta)
    created = await venture.CreateCampaign(venture_pb2.CreateCampaignRequest(
        request_id=str(uuid.uuid4()),
        campaign=venture_pb2.Campaign(venture_id=slug, name="Bench campaign",
                                      objective="throughput", allowed_channels=[EMAIL],
                                      daily_send_limit=daily_limit)), metadata=meta)
    campaign_id = created.campaign.id
    await venture.StartCampaign(venture_pb2.StartCampaignRequest(
        campaign_id=campaign_id, reason="bench", request_id=str(uuid.uuid4())), metadata=meta)
    return campaign_id


async def authorize_send(address: str, signer: TokenSigner, total: int,
                         concurrency: int) -> LoadResult:
    admin = signer.issue("bench-admin", Role.ADMIN)
    service = metadata(signer.service_token("bench"))
    async with grpc.aio.insecure_channel(address) as channel:
        venture = venture_pb2_grpc.VentureServiceStub(channel)
        campaign_id = await running_campaign(venture, admin)

        async def call(index: int) -> None:
            answer = await venture.AuthorizeSend(venture_pb2.AuthorizeSendRequest(
                campaign_id=campaign_id, channel=EMAIL, send_id=f"{campaign_id}-{index}"),
                metadata=service)
            if answer.verdict.decision != venture_pb2.DECISION_ALLOW:
                raise RuntimeError(f"unexpected deny: {answer.verdict}")

        return await run_load(call, total=total, concurrency=concurrency)
