"""Gathering a campaign's facts from the four services (read-only calls)."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf import json_format

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.distribution.v1 import distribution_pb2_grpc as dist_grpc
from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.connection import Connection

STREAM_TIMEOUT_SECONDS = 3600.0


@dataclass
class CampaignFacts:
    """What the services know about one campaign."""

    campaign: venture_pb2.Campaign
    venture: venture_pb2.Venture
    leads: list[leads_pb2.Lead]
    contactable_ids: set[str]
    sends: list[dist_pb2.SendJob]
    verdicts: list[venture_pb2.Verdict]
    chain: dict[str, object]
    audit_entries: list[audit_pb2.AuditEntry]
    # What came back: delivery events on the campaign's sends, and the people's feedback.
    events: list[dist_pb2.RecordedDeliveryEvent] = field(default_factory=list)
    feedback: list[leads_pb2.FeedbackItem] = field(default_factory=list)


def _mentions(entry: audit_pb2.AuditEntry, ids: set[str]) -> bool:
    event = entry.event
    if event.entity_id in ids:
        return True
    context = json_format.MessageToDict(event.context) if event.HasField("context") else {}
    return any(isinstance(value, str) and value in ids for value in context.values())


def collect(connection: Connection, campaign_id: str) -> CampaignFacts:
    venture_api = connection.stub("venture", venture_pb2_grpc.VentureServiceStub)
    leads_api = connection.stub("leads", leads_pb2_grpc.LeadsServiceStub)
    dist_api = connection.stub("distribution", dist_grpc.DistributionServiceStub)
    audit_api = connection.stub("audit", audit_pb2_grpc.AuditServiceStub)

    campaign = venture_api.GetCampaign(
        venture_pb2.GetCampaignRequest(campaign_id=campaign_id)).campaign
    venture = venture_api.GetVenture(
        venture_pb2.GetVentureRequest(venture_id=campaign.venture_id)).venture
    verdicts = list(every_item(venture_api.ListVerdicts, venture_pb2.ListVerdictsRequest(
        campaign_id=campaign_id), "verdicts"))

    leads = [response.lead for response in leads_api.stream(
        "ExportLeads", leads_pb2.ExportLeadsRequest(
            venture_id=campaign.venture_id, campaign_id=campaign_id, include_inactive=True),
        timeout=STREAM_TIMEOUT_SECONDS)]
    channel = campaign.allowed_channels[0] if campaign.allowed_channels \
        else common_pb2.CHANNEL_EMAIL
    contactable = set()
    for lead in leads:
        if lead.state != leads_pb2.LEAD_STATE_ACTIVE:
            continue
        answer = leads_api.CheckContactability(leads_pb2.CheckContactabilityRequest(
            lead_id=lead.lead_id, channel=channel,
            consent_required=campaign.consent_required))
        if answer.allowed:
            contactable.add(lead.lead_id)

    sends = list(every_item(dist_api.ListSends, dist_pb2.ListSendsRequest(
        campaign_id=campaign_id), "sends"))

    result = audit_api.VerifyChain(audit_pb2.VerifyChainRequest())
    chain: dict[str, object] = {"valid": result.valid, "entries_checked": result.entries_checked,
                                "checkpoints_checked": result.checkpoints_checked,
                                "head_hash": result.head_hash}
    if not result.valid:
        chain.update({"failed_sequence": result.failed_sequence,
                      "fault": audit_pb2.ChainFault.Name(result.fault), "detail": result.detail})
    ids = {campaign_id} | {s.id for s in sends} | {lead.lead_id for lead in leads} \
        | {s.run_id for s in sends if s.run_id}
    entries = [entry for response in audit_api.stream(
        "ExportEvents", audit_pb2.ExportEventsRequest(venture_id=campaign.venture_id),
        timeout=STREAM_TIMEOUT_SECONDS) for entry in response.entries if _mentions(entry, ids)]
    events = list(every_item(dist_api.ListDeliveryEvents, dist_pb2.ListDeliveryEventsRequest(
        campaign_id=campaign_id), "events"))
    feedback = list(every_item(leads_api.ListFeedback, leads_pb2.ListFeedbackRequest(
        campaign_id=campaign_id), "items"))
    return CampaignFacts(campaign, venture, leads, contactable, sends, verdicts, chain, entries,
                         events, feedback)
