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
        raise RuntimeError(f"{figure.name}: {result.errors} of {result.errors + result.calls} "
                           f"calls failed, the first with {result.first_error}")
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


def _capture(venture_id: str, index: int, run: str):
    from aicmo.leads.v1 import leads_pb2

    return leads_pb2.LeadCapture(
        venture_id=venture_id, email=f"person{index}.{run}@bench.example",
        phone=f"+1415555{index % 10000:04d}" if index % 3 == 0 else "",
        name=f"Person {index}", company="Bench Co", source_channel="bench",
        utm=leads_pb2.UtmParameters(source="bench", medium="email", campaign="q4"))


async def capture(address: str, signer: TokenSigner, total: int, concurrency: int, *,
                  duplicates: bool) -> LoadResult:
    """Captures ``total`` new people, or (``duplicates``) the same few people again and again
    with the email in other letter cases, which is the identity-resolution path."""
    from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc

    meta = metadata(signer.issue("bench-admin", Role.ADMIN))
    run = uuid.uuid4().hex[:8]
    venture_id = f"bench-{run}"
    async with grpc.aio.insecure_channel(address) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        people = 50
        if duplicates:
            for index in range(people):
                await leads.CaptureLead(leads_pb2.CaptureLeadRequest(
                    request_id=str(uuid.uuid4()), capture=_capture(venture_id, index, run)),
                    metadata=meta)

        async def call(index: int) -> None:
            message = _capture(venture_id, index % people if duplicates else index, run)
            if duplicates:
                message.email = message.email.upper()
            await leads.CaptureLead(leads_pb2.CaptureLeadRequest(
                request_id=str(uuid.uuid4()), capture=message), metadata=meta)

        return await run_load(call, total=total, concurrency=concurrency)


async def import_rows(address: str, signer: TokenSigner, rows: int) -> LoadResult:
    """Streams ``rows`` new people through ImportLeads; the rate is rows per second."""
    import time

    from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc

    meta = metadata(signer.issue("bench-admin", Role.ADMIN))
    run = uuid.uuid4().hex[:8]
    venture_id = f"bench-{run}"

    async def requests():
        for index in range(rows):
            yield leads_pb2.ImportLeadsRequest(row_number=index + 1,
                                               capture=_capture(venture_id, index, run))

    async with grpc.aio.insecure_channel(address) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        started = time.perf_counter()
        summary = None
        async for answer in leads.ImportLeads(requests(), metadata=meta):
            if answer.HasField("summary"):
                summary = answer.summary
        elapsed = time.perf_counter() - started
    if summary is None or summary.created != rows:
        raise RuntimeError(f"import created {summary.created if summary else 0} of {rows}")
    return LoadResult(rows, 0, elapsed, [])
