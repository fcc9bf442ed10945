"""Clients of the venture and leads services, translated into distribution's own terms.

Every call has a deadline (the channel's default, ``call_timeout_seconds``). Any failure turns
into ``DependencyFailure`` with the reason that lets the send say why it did not go out;
nothing here ever lets a failure look like an ALLOW.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from google.protobuf import field_mask_pb2

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_common.errors import decode_rpc_error
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    LeadPage,
    PeerNotFound,
    Sender,
    VentureFacts,
    Verdict,
)
from aicmo_distribution.domain.sends import (
    CONTACTABILITY_REASONS,
    DENY_REASONS,
    BlockReason,
)

T = TypeVar("T")

_CHANNEL_PREFIX = "CHANNEL_"


def channel_value(channel: str) -> int:
    return common_pb2.Channel.Value(_CHANNEL_PREFIX + channel)


def _failure(service: str, call: str, error: BaseException) -> DependencyFailure:
    if isinstance(error, grpc.aio.AioRpcError | grpc.RpcError):
        details = decode_rpc_error(error)
        code = details.code
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            return DependencyFailure(BlockReason.DEPENDENCY_TIMEOUT,
                                     f"{service} {call} did not answer within the deadline")
        if code is grpc.StatusCode.UNAVAILABLE:
            return DependencyFailure(BlockReason.DEPENDENCY_UNAVAILABLE,
                                     f"{service} {call} is unavailable")
        reason = f" ({details.reason})" if details.reason else ""
        return DependencyFailure(BlockReason.DEPENDENCY_ERROR,
                                 f"{service} {call} failed: {code.name}{reason}")
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return DependencyFailure(BlockReason.DEPENDENCY_TIMEOUT,
                                 f"{service} {call} did not answer within the deadline")
    return DependencyFailure(BlockReason.DEPENDENCY_ERROR,
                             f"{service} {call} failed: {type(error).__name__}")


async def _call(service: str, call: str, make: Callable[[], Awaitable[T]], *,
                not_found_is_answer: bool = False) -> T:
    try:
        return await make()
    except grpc.aio.AioRpcError as error:
        if not_found_is_answer and error.code() is grpc.StatusCode.NOT_FOUND:
            raise PeerNotFound(f"{service} {call}: not found") from None
        raise _failure(service, call, error) from None
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - anything else fails closed too
        raise _failure(service, call, error) from None


# Batch calls answer item by item; an item's error is what its single call would have raised.
BATCH_LIMIT = 500


def _item_failure(service: str, call: str, error: common_pb2.ItemError
                  ) -> PeerNotFound | DependencyFailure:
    if error.code == grpc.StatusCode.NOT_FOUND.value[0]:
        return PeerNotFound(f"{service} {call}: not found")
    reason = common_pb2.ErrorReason.Name(error.reason).removeprefix("ERROR_REASON_")
    return DependencyFailure(BlockReason.DEPENDENCY_ERROR,
                             f"{service} {call} failed for this send: {reason}")


async def _batched(service: str, call: str, items: list, request_for: Callable[[list], object],
                   invoke: Callable[[object], Awaitable], answer_of: Callable[[object], T]
                   ) -> list[T | PeerNotFound | DependencyFailure]:
    """A batch call (``Batch<call>``) for ``items``, ``BATCH_LIMIT`` at a time: each item's
    answer in order, or the failure its single ``call`` would have raised. A failure of a
    whole call raises DependencyFailure."""
    answers: list[T | PeerNotFound | DependencyFailure] = []
    for start in range(0, len(items), BATCH_LIMIT):
        chunk = items[start:start + BATCH_LIMIT]
        request = request_for(chunk)
        answer = await _call(service, f"Batch{call}", lambda request=request: invoke(request))
        if len(answer.results) != len(chunk):
            raise DependencyFailure(BlockReason.DEPENDENCY_ERROR,
                                    f"{service} Batch{call} answered {len(answer.results)} "
                                    f"of {len(chunk)} items")
        answers.extend(answer_of(result.response) if result.HasField("response")
                       else _item_failure(service, call, result.error)
                       for result in answer.results)
    return answers


def _sender(message: venture_pb2.SenderIdentity) -> Sender:
    return Sender(message.from_address, message.from_name, message.postal_address)


def _verdict(message: venture_pb2.Verdict, replayed: bool) -> Verdict:
    reasons = []
    for value in message.deny_reasons:
        name = venture_pb2.DenyReason.Name(value).removeprefix("DENY_REASON_")
        # A reason this version does not know still denies: it is reported as an error.
        reasons.append(DENY_REASONS.get(name, BlockReason.DEPENDENCY_ERROR))
    allow = message.decision == venture_pb2.DECISION_ALLOW and not reasons
    if not allow and not reasons:
        reasons.append(BlockReason.DEPENDENCY_ERROR)
    next_open = None
    if message.policy.HasField("next_window_open_time"):
        next_open = message.policy.next_window_open_time.ToDatetime(tzinfo=dt.UTC)
    return Verdict(
        allow=allow, reasons=tuple(reasons),
        remaining_quota=message.remaining_quota_today, venture_id=message.venture_id,
        consent_required=message.policy.consent_required,
        sender=_sender(message.policy.sender), next_window_open=next_open, replayed=replayed)


def _lead_fields(lead: leads_pb2.Lead) -> dict[str, object]:
    return {
        "lead_id": lead.lead_id, "first_name": lead.first_name, "name": lead.name,
        "company": lead.company, "title": lead.title, "industry": lead.industry,
        "company_size": lead.company_size, "email": lead.email, "phone": lead.phone,
        "linkedin_url": lead.linkedin_url, "attributes": dict(lead.attributes),
    }


def _contactability(answer: leads_pb2.CheckContactabilityResponse) -> Contactability:
    reasons = []
    for value in answer.reasons:
        name = leads_pb2.ContactabilityReason.Name(value).removeprefix("CONTACTABILITY_REASON_")
        reasons.append(CONTACTABILITY_REASONS.get(name, BlockReason.DEPENDENCY_ERROR))
    allowed = answer.allowed and not reasons and bool(answer.address)
    if not allowed and not reasons:
        reasons.append(BlockReason.LEAD_NO_ADDRESS)
    return Contactability(
        allowed=allowed, reasons=tuple(reasons), address=answer.address if allowed else "",
        venture_id=answer.venture_id,
        consent_status=leads_pb2.ConsentStatus.Name(answer.consent_status)
        .removeprefix("CONSENT_STATUS_"),
        lead=_lead_fields(answer.lead) if allowed else {})


class VentureClient:
    """Campaign facts (cached briefly), verdicts, and auto-pause."""

    def __init__(self, stub: venture_pb2_grpc.VentureServiceStub, *,
                 cache_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._stub = stub
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._campaigns: dict[str, tuple[CampaignFacts, float]] = {}
        self._ventures: dict[str, tuple[VentureFacts, float]] = {}

    async def campaign(self, campaign_id: str) -> CampaignFacts:
        """The campaign; PeerNotFound when it does not exist. Cached for a moment: the
        verdict re-checks everything that matters for safety on every send."""
        cached = self._campaigns.get(campaign_id)
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        answer = await _call("venture", "GetCampaign", lambda: self._stub.GetCampaign(
            venture_pb2.GetCampaignRequest(campaign_id=campaign_id)), not_found_is_answer=True)
        campaign = answer.campaign
        facts = CampaignFacts(campaign.id, campaign.venture_id, campaign.consent_required,
                              venture_pb2.CampaignStatus.Name(campaign.status)
                              .removeprefix("CAMPAIGN_STATUS_"))
        if len(self._campaigns) > 10_000:
            self._campaigns.clear()
        self._campaigns[campaign_id] = (facts, self._clock() + self._cache_seconds)
        return facts

    async def venture(self, venture_id: str) -> VentureFacts:
        cached = self._ventures.get(venture_id)
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        answer = await _call("venture", "GetVenture", lambda: self._stub.GetVenture(
            venture_pb2.GetVentureRequest(venture_id=venture_id)), not_found_is_answer=True)
        facts = VentureFacts(answer.venture.id, answer.venture.name,
                             _sender(answer.venture.sender), answer.venture.timezone or "UTC")
        if len(self._ventures) > 10_000:
            self._ventures.clear()
        self._ventures[venture_id] = (facts, self._clock() + self._cache_seconds * 15)
        return facts

    async def authorize(self, campaign_id: str, channel: str, send_key: str) -> Verdict:
        answer = await _call("venture", "AuthorizeSend", lambda: self._stub.AuthorizeSend(
            venture_pb2.AuthorizeSendRequest(campaign_id=campaign_id,
                                             channel=channel_value(channel),
                                             send_id=send_key)), not_found_is_answer=True)
        return _verdict(answer.verdict, answer.replayed)

    async def authorize_many(self, sends: list[tuple[str, str, str]]
                             ) -> list[Verdict | PeerNotFound | DependencyFailure]:
        """BatchAuthorizeSend for (campaign, channel, send key) triples, in order: each item's
        Verdict, or the failure its own AuthorizeSend would have raised. A failure of the
        whole call raises DependencyFailure (nothing is known of any item)."""
        return await _batched(
            "venture", "AuthorizeSend", sends,
            lambda chunk: venture_pb2.BatchAuthorizeSendRequest(requests=[
                venture_pb2.AuthorizeSendRequest(campaign_id=campaign_id,
                                                 channel=channel_value(channel),
                                                 send_id=send_key)
                for campaign_id, channel, send_key in chunk]),
            self._stub.BatchAuthorizeSend,
            lambda response: _verdict(response.verdict, response.replayed))

    async def check(self, campaign_id: str, channel: str) -> Verdict:
        answer = await _call("venture", "CheckSafety", lambda: self._stub.CheckSafety(
            venture_pb2.CheckSafetyRequest(campaign_id=campaign_id,
                                           channel=channel_value(channel))),
            not_found_is_answer=True)
        return _verdict(answer.verdict, False)

    async def pause(self, campaign_id: str, reason: str, request_id: str) -> None:
        await _call("venture", "PauseCampaign", lambda: self._stub.PauseCampaign(
            venture_pb2.PauseCampaignRequest(campaign_id=campaign_id, reason=reason[:500],
                                             request_id=request_id)))


class LeadsClient:
    """Contactability and the pages of a campaign's leads."""

    def __init__(self, stub: leads_pb2_grpc.LeadsServiceStub) -> None:
        self._stub = stub

    async def contactability(self, lead_id: str, channel: str, consent_required: bool
                             ) -> Contactability:
        answer = await _call("leads", "CheckContactability",
                             lambda: self._stub.CheckContactability(
                                 leads_pb2.CheckContactabilityRequest(
                                     lead_id=lead_id, channel=channel_value(channel),
                                     consent_required=consent_required)),
                             not_found_is_answer=True)
        return _contactability(answer)

    async def contactabilities(self, checks: list[tuple[str, str, bool]]
                               ) -> list[Contactability | PeerNotFound | DependencyFailure]:
        """BatchCheckContactability for (lead, channel, consent required) triples, in order:
        each answer, or the failure its own call would have raised. A failure of the whole
        call raises DependencyFailure."""
        return await _batched(
            "leads", "CheckContactability", checks,
            lambda chunk: leads_pb2.BatchCheckContactabilityRequest(requests=[
                leads_pb2.CheckContactabilityRequest(lead_id=lead_id,
                                                     channel=channel_value(channel),
                                                     consent_required=consent_required)
                for lead_id, channel, consent_required in chunk]),
            self._stub.BatchCheckContactability, _contactability)

    async def lead(self, lead_id: str) -> dict[str, object]:
        """A lead's template fields and venture (for previews)."""
        answer = await _call("leads", "GetLead", lambda: self._stub.GetLead(
            leads_pb2.GetLeadRequest(lead_id=lead_id)), not_found_is_answer=True)
        return _lead_fields(answer.lead) | {"venture_id": answer.lead.venture_id}

    async def campaign_leads(self, campaign_id: str, venture_id: str, *, consented_only: bool,
                             source_channel: str, page_token: str, page_size: int = 200
                             ) -> LeadPage:
        request = leads_pb2.ListLeadsRequest(
            venture_id=venture_id, campaign_id=campaign_id,
            consent_status=(leads_pb2.CONSENT_STATUS_CONSENTED if consented_only
                            else leads_pb2.CONSENT_STATUS_UNSPECIFIED),
            source_channel=source_channel, state=leads_pb2.LEAD_STATE_ACTIVE,
            page_size=page_size, page_token=page_token,
            read_mask=field_mask_pb2.FieldMask(paths=["lead_id"]))  # only the ids are used
        answer = await _call("leads", "ListLeads", lambda: self._stub.ListLeads(request))
        return LeadPage([lead.lead_id for lead in answer.leads], answer.next_page_token)
