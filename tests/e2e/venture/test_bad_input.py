"""Bad input through real gRPC: INVALID_ARGUMENT naming every bad field, NOT_FOUND for
unknown things, and in every case nothing written (not even an audit event)."""

from __future__ import annotations

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from aicmo.venture.v1 import venture_pb2 as pb
from tests.conftest import bearer
from tests.e2e.venture.conftest import EMAIL, failure

GOOD_VENTURE = dict(id="gamma", name="Gamma", timezone="Europe/Paris",
                    owner_contact="owner@gamma.example")


def _bad_calls(campaign_id: str):
    """(label, rpc name, request, role, expected fields) for each refused request."""
    window = pb.SendWindow(days=[pb.WEEKDAY_MONDAY, 9, pb.WEEKDAY_MONDAY], start_hour=25,
                           start_minute=0, end_hour=8, end_minute=60)
    return [
        ("venture: every field wrong", "CreateVenture", pb.CreateVentureRequest(
            venture=pb.Venture(id="Not A Slug", name="", timezone="Mars/Olympus_Mons",
                               owner_contact="not-an-email", offer_summary="o" * 2001,
                               primary_cta="c" * 501, default_channels=[EMAIL, 77],
                               sender=pb.SenderIdentity(from_address="nope",
                                                        from_name="n" * 201,
                                                        postal_address="p" * 501))),
         "admin", ["venture.id", "venture.name", "venture.offer_summary",
                   "venture.primary_cta", "venture.default_channels[1]", "venture.timezone",
                   "venture.owner_contact", "venture.sender.from_address",
                   "venture.sender.from_name", "venture.sender.postal_address"]),
        ("venture: timezone path tricks", "CreateVenture", pb.CreateVentureRequest(
            venture=pb.Venture(**{**GOOD_VENTURE, "timezone": "../../etc/passwd"})),
         "admin", ["venture.timezone"]),
        ("venture: oversized strings", "CreateVenture", pb.CreateVentureRequest(
            venture=pb.Venture(**{**GOOD_VENTURE, "name": "n" * 201,
                                  "owner_contact": "a" * 250 + "@x.example"}),
            request_id="r" * 129),
         "admin", ["venture.name", "venture.owner_contact", "request_id"]),
        ("campaign: every field wrong", "CreateCampaign", pb.CreateCampaignRequest(
            campaign=pb.Campaign(venture_id="acme", name=" ", objective="x" * 2001,
                                 allowed_channels=[0, 5], daily_send_limit=-1,
                                 send_window=window)),
         "operator", ["campaign.name", "campaign.objective", "campaign.allowed_channels[0]",
                      "campaign.allowed_channels[1]", "campaign.daily_send_limit",
                      "campaign.send_window.days[1]", "campaign.send_window.days[2]",
                      "campaign.send_window.start_hour", "campaign.send_window.end_minute"]),
        ("campaign: window ends before it starts", "CreateCampaign", pb.CreateCampaignRequest(
            campaign=pb.Campaign(venture_id="acme", name="ok", daily_send_limit=1,
                                 send_window=pb.SendWindow(start_hour=10, end_hour=9))),
         "operator", ["campaign.send_window.days", "campaign.send_window.end_hour"]),
        ("campaign: no venture", "CreateCampaign", pb.CreateCampaignRequest(
            campaign=pb.Campaign(name="x" * 201)),
         "operator", ["campaign.venture_id", "campaign.name"]),
        ("update campaign: bad values and mask", "UpdateCampaign", pb.UpdateCampaignRequest(
            campaign=pb.Campaign(id=campaign_id, daily_send_limit=-5, allowed_channels=[99]),
            update_mask=FieldMask(paths=["daily_send_limit", "allowed_channels",
                                         "venture_id"])),
         "operator", ["update_mask", "campaign.allowed_channels[0]",
                      "campaign.daily_send_limit"]),
        ("update campaign: empty mask", "UpdateCampaign", pb.UpdateCampaignRequest(
            campaign=pb.Campaign(id=campaign_id, name="x")), "operator", ["update_mask"]),
        ("update venture: bad timezone", "UpdateVenture", pb.UpdateVentureRequest(
            venture=pb.Venture(id="acme", timezone="Nowhere/City", name=""),
            update_mask=FieldMask(paths=["timezone", "name"])),
         "operator", ["venture.name", "venture.timezone"]),
        ("kill switch without a reason", "SetCampaignKillSwitch",
         pb.SetCampaignKillSwitchRequest(campaign_id=campaign_id), "operator", ["reason"]),
        ("kill switch with an oversized reason", "SetVentureKillSwitch",
         pb.SetVentureKillSwitchRequest(venture_id="acme", reason="r" * 501), "operator",
         ["reason"]),
        ("global switch without a reason", "SetGlobalKillSwitch",
         pb.SetGlobalKillSwitchRequest(), "admin", ["reason"]),
        ("deactivate without a reason", "DeactivateVenture",
         pb.DeactivateVentureRequest(venture_id="acme"), "operator", ["reason"]),
        ("transition with an oversized reason", "StartCampaign",
         pb.StartCampaignRequest(campaign_id=campaign_id, reason="r" * 501), "operator",
         ["reason"]),
        ("verdict without campaign, channel, send id", "AuthorizeSend",
         pb.AuthorizeSendRequest(), "service", ["campaign_id", "channel", "send_id"]),
        ("list with a forged token and negative size", "ListCampaigns",
         pb.ListCampaignsRequest(page_size=-1, status=17), "viewer", ["page_size", "status"]),
        ("list with a forged token", "ListVerdicts",
         pb.ListVerdictsRequest(campaign_id=campaign_id, page_token="garbage!"), "viewer",
         ["page_token"]),
    ]


async def test_bad_input_is_invalid_argument_naming_each_field_and_writes_nothing(service):
    await service.venture()
    campaign = await service.campaign()
    tokens = {"admin": service.tokens.admin, "operator": service.tokens.operator,
              "viewer": service.tokens.viewer, "service": service.tokens.service}
    before = service.counts()
    for label, rpc, request, role, fields in _bad_calls(campaign.id):
        error = await failure(getattr(service.stub, rpc)(request, metadata=bearer(tokens[role])))
        assert error.code is grpc.StatusCode.INVALID_ARGUMENT, label
        assert error.reason == "INVALID_ARGUMENT", label
        assert sorted(error.fields) == sorted(fields), label
    assert service.counts() == before


async def test_unknown_campaigns_and_ventures_are_not_found_and_write_nothing(service):
    await service.venture()
    operator = bearer(service.tokens.operator)
    calls = [
        service.stub.GetCampaign(pb.GetCampaignRequest(campaign_id="missing"), metadata=operator),
        service.stub.StartCampaign(pb.StartCampaignRequest(campaign_id="missing"),
                                   metadata=operator),
        service.stub.UpdateCampaign(pb.UpdateCampaignRequest(
            campaign=pb.Campaign(id="missing", name="x"), update_mask=FieldMask(paths=["name"])),
            metadata=operator),
        service.stub.SetCampaignKillSwitch(
            pb.SetCampaignKillSwitchRequest(campaign_id="missing", reason="x"),
            metadata=operator),
        service.stub.ListCampaignHistory(pb.ListCampaignHistoryRequest(campaign_id="missing"),
                                         metadata=operator),
        service.stub.ListVerdicts(pb.ListVerdictsRequest(campaign_id="missing"),
                                  metadata=operator),
        service.stub.CheckSafety(pb.CheckSafetyRequest(campaign_id="missing", channel=EMAIL),
                                 metadata=operator),
        service.authorize("missing", "send-1"),
        service.campaign("no-such-venture"),
        service.stub.GetVenture(pb.GetVentureRequest(venture_id="no-such-venture"),
                                metadata=operator),
        service.stub.SetVentureKillSwitch(
            pb.SetVentureKillSwitchRequest(venture_id="no-such-venture", reason="x"),
            metadata=operator),
    ]
    before = service.counts()
    for index, call in enumerate(calls):
        error = await failure(call)
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND"), index
    assert service.counts() == before
