"""The send path under load: full-path CreateSend into a local SMTP server, and campaign runs.

Each figure makes its own data through the public API: a venture and a RUNNING email campaign
with a daily limit far above what the bench sends, a template, and leads imported with
ImportLeads as CONSENTED (with evidence) and touched by the campaign.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from bench.loadgen import LoadResult, run_load
from bench.scenarios import EMAIL, metadata, running_campaign

# Steps a (campaign, lead) pair may take; a send is unique per (campaign, lead, step).
MAX_STEP = 1000


@dataclass(frozen=True)
class SendTarget:
    """A running campaign, its template and its leads, ready to be sent to."""

    campaign_id: str
    venture_id: str
    template_id: str
    lead_ids: list[str]


def _admin(signer: TokenSigner) -> tuple[tuple[str, str], ...]:
    return metadata(signer.issue("bench-operator", Role.ADMIN))


async def import_consented_leads(leads_address: str, signer: TokenSigner, *, venture_id: str,
                                 campaign_id: str, count: int) -> list[str]:
    """Imports ``count`` new people who consented on a form, touched by the campaign;
    returns their lead ids in order."""
    run = uuid.uuid4().hex[:8]

    async def rows():
        for index in range(count):
            yield lpb.ImportLeadsRequest(row_number=index + 1, capture=lpb.LeadCapture(
                venture_id=venture_id, campaign_id=campaign_id,
                email=f"lead{index}.{run}@bench.example", first_name=f"Lead{index}",
                name=f"Lead {index}", company="Bench Co", source_channel="web_form",
                consent_status=lpb.CONSENT_STATUS_CONSENTED,
                consent_evidence=lpb.ConsentEvidence(
                    source="web_form", form_url="https://bench.example/form",
                    consent_text_version="v1")))

    lead_ids: list[str] = []
    async with grpc.aio.insecure_channel(leads_address) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        async for answer in leads.ImportLeads(rows(), metadata=_admin(signer),
                                              timeout=max(600.0, count / 20)):
            for result in answer.results:
                if result.outcome != lpb.CAPTURE_OUTCOME_CREATED:
                    raise RuntimeError(f"import row {result.row_number}: {result}")
                lead_ids.append(result.lead_id)
    if len(lead_ids) != count:
        raise RuntimeError(f"import created {len(lead_ids)} of {count} leads")
    return lead_ids


async def prepare(venture_address: str, leads_address: str, distribution_address: str,
                  signer: TokenSigner, *, leads: int) -> SendTarget:
    """A RUNNING campaign in a new venture, a template and ``leads`` consented leads of the
    campaign."""
    admin = _admin(signer)
    async with grpc.aio.insecure_channel(venture_address) as channel:
        venture = venture_pb2_grpc.VentureServiceStub(channel)
        campaign_id = await running_campaign(venture, signer.issue("bench", Role.ADMIN))
        campaign = (await venture.GetCampaign(vpb.GetCampaignRequest(
            campaign_id=campaign_id), metadata=admin)).campaign
    async with grpc.aio.insecure_channel(distribution_address) as channel:
        distribution = distribution_pb2_grpc.DistributionServiceStub(channel)
        template = (await distribution.CreateTemplate(dpb.CreateTemplateRequest(
            request_id=str(uuid.uuid4()),
            template=dpb.Template(
                venture_id=campaign.venture_id, name="Bench intro", channel=EMAIL,
                message=dpb.Message(
                    subject="Hello {{ lead.first_name }}",
                    body_text="Hi {{ lead.first_name }},\n\n{{ venture.name }} has news for "
                              "{{ lead.company }}.\n\n{{ venture.from_name }}\n"))),
            metadata=admin)).template
    lead_ids = await import_consented_leads(
        leads_address, signer, venture_id=campaign.venture_id, campaign_id=campaign.id,
        count=leads) if leads else []
    return SendTarget(campaign.id, campaign.venture_id, template.id, lead_ids)


async def create_sends(address: str, signer: TokenSigner, target: SendTarget,
                       lead_ids: list[str], *, total: int, concurrency: int,
                       first_step: int) -> LoadResult:
    """``total`` CreateSend calls, ``concurrency`` in flight: lead ``i % len(lead_ids)`` at
    step ``first_step + i // len(lead_ids)``, so every call is a new send that must reach the
    SMTP server (anything but SENT counts as a failed call)."""
    if first_step + (total - 1) // len(lead_ids) > MAX_STEP:
        raise ValueError("not enough leads for that many sends; use more leads")
    admin = _admin(signer)
    async with grpc.aio.insecure_channel(address) as channel:
        distribution = distribution_pb2_grpc.DistributionServiceStub(channel)

        async def call(index: int) -> None:
            answer = await distribution.CreateSend(dpb.CreateSendRequest(
                request_id=str(uuid.uuid4()), campaign_id=target.campaign_id,
                lead_id=lead_ids[index % len(lead_ids)], channel=EMAIL,
                template_id=target.template_id,
                step=first_step + index // len(lead_ids)), metadata=admin, timeout=60)
            if answer.send.state != dpb.SEND_STATE_SENT or answer.replayed:
                raise RuntimeError(
                    f"send {answer.send.id} is {dpb.SendState.Name(answer.send.state)}"
                    f" ({answer.send.detail})")

        return await run_load(call, total=total, concurrency=concurrency)


async def warm_up(address: str, signer: TokenSigner, target: SendTarget, *,
                  concurrency: int) -> None:
    """A few sends at the last step, so the first repetition does not pay for connections,
    caches and lazy imports on the way."""
    result = await create_sends(address, signer, target, target.lead_ids[:concurrency],
                                total=min(concurrency, len(target.lead_ids)),
                                concurrency=concurrency, first_step=MAX_STEP)
    if result.errors:
        raise RuntimeError(f"warm-up sends failed: {result.first_error}")


@dataclass(frozen=True)
class RunResult:
    sent: int
    seconds: float
    delivered: int  # counted at the SMTP server
    other_states: dict[str, int]

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


async def campaign_run(address: str, signer: TokenSigner, target: SendTarget, *, step: int,
                       accepted: Callable[[], int], within: float,
                       on_poll: Callable[[], None] = lambda: None) -> RunResult:
    """Runs ``step`` of the campaign to all its leads and waits for COMPLETED; the time is
    from the RunCampaign call to the run's finish time. ``accepted()`` reads the SMTP count;
    ``on_poll()`` is called at every look at the run (to sample memory)."""
    admin = _admin(signer)
    before = accepted()
    async with grpc.aio.insecure_channel(address) as channel:
        distribution = distribution_pb2_grpc.DistributionServiceStub(channel)
        started = time.time()
        run = (await distribution.RunCampaign(dpb.RunCampaignRequest(
            request_id=str(uuid.uuid4()), campaign_id=target.campaign_id,
            template_id=target.template_id, step=step), metadata=admin)).run
        deadline = time.monotonic() + within
        while run.state not in (dpb.RUN_STATE_COMPLETED, dpb.RUN_STATE_CANCELLED,
                                dpb.RUN_STATE_HALTED):
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run.id} not finished within {within:.0f}s: {run}")
            await asyncio.sleep(0.25)  # polling the run's state; bounded by the deadline
            on_poll()
            run = (await distribution.GetRun(dpb.GetRunRequest(run_id=run.id),
                                             metadata=admin)).run
        finished = (run.finish_time.ToNanoseconds() / 1e9 if run.HasField("finish_time")
                    else time.time())
    if run.state != dpb.RUN_STATE_COMPLETED:
        raise RuntimeError(f"run {run.id} ended {dpb.RunState.Name(run.state)}: "
                           f"{run.halt_reason}")
    counts = {dpb.SendState.Name(c.state): int(c.count) for c in run.state_counts}
    sent = counts.pop("SEND_STATE_SENT", 0)
    return RunResult(sent, finished - started, accepted() - before, counts)
