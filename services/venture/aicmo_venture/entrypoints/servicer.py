"""The gRPC servicer: translates requests into use cases and refusals into status codes.

Authentication, request ids, metrics and the rich error statuses are the shared
interceptor's; this layer only maps messages and the domain's refusals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import Message

from aicmo.venture.v1 import venture_pb2 as pb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common import auth
from aicmo_common.access import Caller
from aicmo_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    ServiceError,
    item_error,
)
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_venture.domain.clock import Clock
from aicmo_venture.domain.errors import CampaignFinal, DomainError, InvalidFields, InvalidTransition
from aicmo_venture.domain.lifecycle import Verb
from aicmo_venture.entrypoints import proto_mapping as out
from aicmo_venture.service_layer import campaigns, kill_switches, safety, ventures
from aicmo_venture.service_layer.idempotency import RequestKey
from aicmo_venture.service_layer.kill_propagation import KillSwitchHub, Propagation

T = TypeVar("T")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["VentureService"].full_name


def service_error(error: DomainError) -> ServiceError:
    """The status a domain refusal is answered with."""
    if isinstance(error, InvalidFields):
        return InvalidArgument([FieldViolation(v.field, v.description)
                                for v in error.violations])
    if isinstance(error, InvalidTransition):
        return FailedPrecondition(
            f"campaign is {error.current}; it cannot become {error.requested}",
            reason="INVALID_TRANSITION",
            metadata={"current_status": error.current, "requested_status": error.requested})
    if isinstance(error, CampaignFinal):
        return FailedPrecondition(str(error), reason="RESOURCE_FINAL",
                                  metadata={"campaign_id": error.campaign_id,
                                            "status": error.status})
    return FailedPrecondition(str(error))


class VentureServicer(venture_pb2_grpc.VentureServiceServicer):
    """aicmo.venture.v1.VentureService."""

    def __init__(self, unit_of_work: UnitOfWork, clock: Clock, hub: KillSwitchHub) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._hub = hub

    # plumbing

    @staticmethod
    def _caller() -> Caller:
        return Caller.current()

    @staticmethod
    def _key(method: str, request: Message) -> RequestKey | None:
        request_id = getattr(request, "request_id", "")
        if not request_id:
            return None
        principal = auth.current_principal()
        digest = hashlib.sha256()
        for part in (method, principal.subject, principal.role.value, principal.venture or ""):
            digest.update(part.encode())
            digest.update(b"\x00")
        digest.update(request.SerializeToString(deterministic=True))
        return RequestKey(request_id, method, digest.hexdigest())

    async def _write(self, use_case: Callable[..., T], *args) -> T:
        try:
            return await self._uow.write(use_case, self._caller(), self._clock.now(), *args)
        except DomainError as error:
            raise service_error(error) from None

    async def _read(self, use_case: Callable[..., T], *args) -> T:
        try:
            return await self._uow.read(use_case, self._caller(), *args)
        except DomainError as error:
            raise service_error(error) from None

    # ventures

    async def CreateVenture(self, request, context):
        venture = await self._write(ventures.create_venture, out.venture_draft(request.venture),
                                    self._key("CreateVenture", request))
        return pb.CreateVentureResponse(venture=out.venture(venture))

    async def GetVenture(self, request, context):
        venture = await self._read(ventures.get_venture, request.venture_id)
        return pb.GetVentureResponse(venture=out.venture(venture))

    async def ListVentures(self, request, context):
        page = await self._read(ventures.list_ventures, request.page_size, request.page_token)
        return pb.ListVenturesResponse(ventures=[out.venture(v) for v in page.ventures],
                                       next_page_token=page.next_page_token)

    async def UpdateVenture(self, request, context):
        venture = await self._write(ventures.update_venture, out.venture_draft(request.venture),
                                    list(request.update_mask.paths),
                                    self._key("UpdateVenture", request))
        return pb.UpdateVentureResponse(venture=out.venture(venture))

    async def DeactivateVenture(self, request, context):
        venture = await self._write(ventures.set_venture_active, request.venture_id, False,
                                    request.reason, self._key("DeactivateVenture", request))
        return pb.DeactivateVentureResponse(venture=out.venture(venture))

    async def ActivateVenture(self, request, context):
        venture = await self._write(ventures.set_venture_active, request.venture_id, True,
                                    request.reason, self._key("ActivateVenture", request))
        return pb.ActivateVentureResponse(venture=out.venture(venture))

    # campaigns

    async def CreateCampaign(self, request, context):
        campaign = await self._write(campaigns.create_campaign,
                                     out.campaign_draft(request.campaign),
                                     self._key("CreateCampaign", request))
        return pb.CreateCampaignResponse(campaign=out.campaign(campaign))

    async def GetCampaign(self, request, context):
        campaign = await self._read(campaigns.get_campaign, request.campaign_id)
        return pb.GetCampaignResponse(campaign=out.campaign(campaign))

    async def ListCampaigns(self, request, context):
        page = await self._read(campaigns.list_campaigns, request.venture_id, request.status,
                                request.page_size, request.page_token)
        return pb.ListCampaignsResponse(campaigns=[out.campaign(c) for c in page.campaigns],
                                        next_page_token=page.next_page_token)

    async def UpdateCampaign(self, request, context):
        campaign = await self._write(campaigns.update_campaign, request.campaign.id,
                                     out.campaign_draft(request.campaign),
                                     list(request.update_mask.paths),
                                     self._key("UpdateCampaign", request))
        return pb.UpdateCampaignResponse(campaign=out.campaign(campaign))

    async def _change_status(self, method: str, verb: Verb, request) -> pb.Campaign:
        campaign = await self._write(campaigns.change_status, request.campaign_id, verb,
                                     request.reason, self._key(method, request))
        return out.campaign(campaign)

    async def StartCampaign(self, request, context):
        return pb.StartCampaignResponse(
            campaign=await self._change_status("StartCampaign", Verb.START, request))

    async def PauseCampaign(self, request, context):
        return pb.PauseCampaignResponse(
            campaign=await self._change_status("PauseCampaign", Verb.PAUSE, request))

    async def ResumeCampaign(self, request, context):
        return pb.ResumeCampaignResponse(
            campaign=await self._change_status("ResumeCampaign", Verb.RESUME, request))

    async def StopCampaign(self, request, context):
        return pb.StopCampaignResponse(
            campaign=await self._change_status("StopCampaign", Verb.STOP, request))

    async def CompleteCampaign(self, request, context):
        return pb.CompleteCampaignResponse(
            campaign=await self._change_status("CompleteCampaign", Verb.COMPLETE, request))

    async def ListCampaignHistory(self, request, context):
        page = await self._read(campaigns.list_history, request.campaign_id, request.page_size,
                                request.page_token)
        return pb.ListCampaignHistoryResponse(
            entries=[out.history_entry(e) for e in page.entries],
            next_page_token=page.next_page_token)

    # kill switches

    async def SetCampaignKillSwitch(self, request, context):
        campaign = await self._write(kill_switches.set_campaign_switch, request.campaign_id,
                                     True, request.reason,
                                     self._key("SetCampaignKillSwitch", request))
        return pb.SetCampaignKillSwitchResponse(campaign=out.campaign(campaign),
                                                propagation=await self._propagate())

    async def ClearCampaignKillSwitch(self, request, context):
        campaign = await self._write(kill_switches.set_campaign_switch, request.campaign_id,
                                     False, request.reason,
                                     self._key("ClearCampaignKillSwitch", request))
        self._hub.changed()
        return pb.ClearCampaignKillSwitchResponse(campaign=out.campaign(campaign))

    async def SetVentureKillSwitch(self, request, context):
        venture = await self._write(kill_switches.set_venture_switch, request.venture_id, True,
                                    request.reason, self._key("SetVentureKillSwitch", request))
        return pb.SetVentureKillSwitchResponse(venture=out.venture(venture),
                                               propagation=await self._propagate())

    async def ClearVentureKillSwitch(self, request, context):
        venture = await self._write(kill_switches.set_venture_switch, request.venture_id,
                                    False, request.reason,
                                    self._key("ClearVentureKillSwitch", request))
        self._hub.changed()
        return pb.ClearVentureKillSwitchResponse(venture=out.venture(venture))

    async def SetGlobalKillSwitch(self, request, context):
        switch = await self._write(kill_switches.set_global_switch, True, request.reason,
                                   self._key("SetGlobalKillSwitch", request))
        return pb.SetGlobalKillSwitchResponse(kill_switch=out.kill_switch(switch),
                                              propagation=await self._propagate())

    async def ClearGlobalKillSwitch(self, request, context):
        switch = await self._write(kill_switches.set_global_switch, False, request.reason,
                                   self._key("ClearGlobalKillSwitch", request))
        self._hub.changed()
        return pb.ClearGlobalKillSwitchResponse(kill_switch=out.kill_switch(switch))

    async def _propagate(self) -> pb.KillSwitchPropagation:
        return _propagation(await self._hub.propagate())

    async def WatchKillSwitches(self, request_iterator, context):
        first = await _first(request_iterator)
        try:
            kill_switches.check_watcher(self._caller(), first.replica_id if first else "")
        except DomainError as error:
            raise service_error(error) from None

        async def acks():
            async for request in request_iterator:
                yield request.ack_version

        async for pushed in self._hub.watch(first.replica_id, acks()):
            snapshot = pushed.snapshot
            yield pb.WatchKillSwitchesResponse(
                version=pushed.version, global_engaged=snapshot.global_engaged,
                venture_ids=snapshot.venture_ids, campaign_ids=snapshot.campaign_ids,
                lease_ms=pushed.lease_ms)

    async def GetGlobalKillSwitch(self, request, context):
        switch = await self._read(kill_switches.get_global_switch)
        return pb.GetGlobalKillSwitchResponse(kill_switch=out.kill_switch(switch))

    # the verdict

    async def AuthorizeSend(self, request, context):
        verdict, replayed = await self._write(safety.authorize_send, request.campaign_id,
                                              request.channel, request.send_id)
        return pb.AuthorizeSendResponse(verdict=out.verdict(verdict), replayed=replayed)

    async def BatchAuthorizeSend(self, request, context):
        sends = [safety.SendRequest(item.campaign_id, item.channel, item.send_id)
                 for item in request.requests]
        outcomes = await self._write(safety.batch_authorize_send, sends)
        return pb.BatchAuthorizeSendResponse(results=[_send_result(o) for o in outcomes])

    async def CheckSafety(self, request, context):
        verdict = await self._read(safety.check_safety, self._clock.now(), request.campaign_id,
                                   request.channel)
        return pb.CheckSafetyResponse(verdict=out.verdict(verdict))

    async def ListVerdicts(self, request, context):
        page = await self._read(safety.list_verdicts, request.campaign_id, request.page_size,
                                request.page_token)
        return pb.ListVerdictsResponse(verdicts=[out.verdict(v) for v in page.verdicts],
                                       next_page_token=page.next_page_token)


async def _first(requests):
    async for request in requests:
        return request
    return None


def _propagation(propagation: Propagation) -> pb.KillSwitchPropagation:
    return pb.KillSwitchPropagation(in_force_everywhere=propagation.in_force_everywhere,
                                    confirmed_replicas=propagation.confirmed,
                                    unconfirmed_replicas=propagation.unconfirmed)


def _send_result(outcome: safety.SendOutcome) -> pb.AuthorizeSendResult:
    """One batch item: the response its own AuthorizeSend would have given, or, where that
    call would have failed, the same code, reason and message as an item error."""
    error = outcome.error
    if error is None:
        return pb.AuthorizeSendResult(response=pb.AuthorizeSendResponse(
            verdict=out.verdict(outcome.verdict), replayed=outcome.replayed))
    if isinstance(error, DomainError):
        error = service_error(error)
    return pb.AuthorizeSendResult(error=item_error(error))
