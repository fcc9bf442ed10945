"""Ventures and campaigns through real gRPC: every status transition, updates, history,
authorisation and venture scope, request-id idempotency."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from aicmo.venture.v1 import venture_pb2 as pb
from tests.conftest import bearer
from tests.e2e.venture.conftest import EMAIL, SMS, failure

S = pb.CampaignStatus
DRAFT, RUNNING, PAUSED, STOPPED, COMPLETED = (S.CAMPAIGN_STATUS_DRAFT, S.CAMPAIGN_STATUS_RUNNING,
                                              S.CAMPAIGN_STATUS_PAUSED, S.CAMPAIGN_STATUS_STOPPED,
                                              S.CAMPAIGN_STATUS_COMPLETED)
# How to reach each status from DRAFT, and what each verb leads to.
PATHS = {DRAFT: [], RUNNING: ["Start"], PAUSED: ["Start", "Pause"],
         STOPPED: ["Start", "Stop"], COMPLETED: ["Start", "Complete"]}
TARGETS = {"Start": RUNNING, "Pause": PAUSED, "Resume": RUNNING, "Stop": STOPPED,
           "Complete": COMPLETED}
ALLOWED = {(DRAFT, RUNNING), (RUNNING, PAUSED), (PAUSED, RUNNING), (RUNNING, STOPPED),
           (PAUSED, STOPPED), (RUNNING, COMPLETED)}
# The verb behind each allowed pair (RUNNING is reached from DRAFT only by Start, from PAUSED
# only by Resume).
ALLOWED_VERBS = {(DRAFT, "Start"), (RUNNING, "Pause"), (PAUSED, "Resume"), (RUNNING, "Stop"),
                 (PAUSED, "Stop"), (RUNNING, "Complete")}


async def _verb(service, verb: str, campaign_id: str, reason: str = "because",
                token: str | None = None):
    method = getattr(service.stub, f"{verb}Campaign")
    request = getattr(pb, f"{verb}CampaignRequest")(campaign_id=campaign_id, reason=reason)
    return await method(request, metadata=bearer(token or service.tokens.operator))


async def test_every_status_pair_is_allowed_or_refused_as_the_machine_says(service):
    await service.venture()
    tried, moved = set(), set()
    for source, path in PATHS.items():
        for verb, target in TARGETS.items():
            campaign = await service.campaign()
            for step in path:
                await _verb(service, step, campaign.id)
            tried.add((source, target))
            if (source, verb) in ALLOWED_VERBS:
                moved.add((source, target))
                answer = await _verb(service, verb, campaign.id)
                assert answer.campaign.status == target, (source, verb)
            else:
                error = await failure(_verb(service, verb, campaign.id))
                assert error.code is grpc.StatusCode.FAILED_PRECONDITION, (source, verb)
                assert error.reason == "INVALID_TRANSITION"
                assert error.metadata == {"current_status": S.Name(source).split("_")[-1],
                                          "requested_status": S.Name(target).split("_")[-1]}
                assert S.Name(source).split("_")[-1] in error.message
                current = await service.stub.GetCampaign(
                    pb.GetCampaignRequest(campaign_id=campaign.id),
                    metadata=bearer(service.tokens.viewer))
                assert current.campaign.status == source
    # Every (from, to) pair a verb can ask for was tried; exactly the allowed ones moved.
    assert len(tried) == 5 * 4 and moved == ALLOWED


async def test_history_records_actor_time_and_reason_of_every_change(service, clock):
    await service.venture()
    campaign = await service.campaign()
    clock.advance(dt.timedelta(minutes=5))
    await _verb(service, "Start", campaign.id, "launch day")
    clock.advance(dt.timedelta(minutes=5))
    await service.stub.SetCampaignKillSwitch(
        pb.SetCampaignKillSwitchRequest(campaign_id=campaign.id, reason="complaint spike"),
        metadata=bearer(service.tokens.admin))
    await service.stub.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign=pb.Campaign(id=campaign.id, daily_send_limit=7),
        update_mask=FieldMask(paths=["daily_send_limit"])),
        metadata=bearer(service.tokens.operator))
    history = await service.stub.ListCampaignHistory(
        pb.ListCampaignHistoryRequest(campaign_id=campaign.id, page_size=2),
        metadata=bearer(service.tokens.viewer))
    rest = await service.stub.ListCampaignHistory(
        pb.ListCampaignHistoryRequest(campaign_id=campaign.id,
                                      page_token=history.next_page_token),
        metadata=bearer(service.tokens.viewer))
    entries = list(history.entries) + list(rest.entries)
    assert rest.next_page_token == ""
    assert [e.action for e in entries] == ["campaign.created", "campaign.started",
                                           "campaign.kill_switch_set", "campaign.updated"]
    started, switched, updated = entries[1], entries[2], entries[3]
    assert (started.actor.subject, started.actor.role, started.reason) == (
        "ops@test", "operator", "launch day")
    assert (started.from_status, started.to_status) == (DRAFT, RUNNING)
    assert started.change_time.ToDatetime(dt.UTC) == service.clock.now() - dt.timedelta(
        minutes=5)
    assert (switched.actor.subject, switched.reason) == ("admin@test", "complaint spike")
    assert list(updated.changed_fields) == ["daily_send_limit"]
    actions = service.outbox_actions()
    assert actions[:1] == ["venture.created"]
    assert {"campaign.created", "campaign.started", "campaign.kill_switch_set",
            "campaign.updated"} <= set(actions)


async def test_update_changes_only_masked_fields_and_is_refused_once_final(service):
    await service.venture()
    campaign = await service.campaign(limit=5)
    answer = await service.stub.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign=pb.Campaign(id=campaign.id, name="Renamed", daily_send_limit=99,
                             allowed_channels=[SMS]),
        update_mask=FieldMask(paths=["name", "allowed_channels"])),
        metadata=bearer(service.tokens.operator))
    assert answer.campaign.name == "Renamed"
    assert list(answer.campaign.allowed_channels) == [SMS]
    assert answer.campaign.daily_send_limit == 5
    error = await failure(service.stub.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign=pb.Campaign(id=campaign.id, status=RUNNING),
        update_mask=FieldMask(paths=["status", "colour"])),
        metadata=bearer(service.tokens.operator)))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.fields == ["update_mask", "update_mask"]
    for final_path in (["Start", "Stop"], ["Start", "Complete"]):
        done = await service.campaign()
        for step in final_path:
            await _verb(service, step, done.id)
        before = service.counts()
        error = await failure(service.stub.UpdateCampaign(pb.UpdateCampaignRequest(
            campaign=pb.Campaign(id=done.id, name="late"),
            update_mask=FieldMask(paths=["name"])), metadata=bearer(service.tokens.operator)))
        assert error.code is grpc.StatusCode.FAILED_PRECONDITION
        assert error.reason == "RESOURCE_FINAL"
        assert service.counts() == before


async def test_roles_viewers_read_operators_manage_admins_create_ventures(service):
    tokens = service.tokens
    error = await failure(service.venture("beta", token=tokens.operator))
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    await service.venture()
    error = await failure(service.campaign(token=tokens.viewer))
    assert error.code is grpc.StatusCode.PERMISSION_DENIED
    campaign = await service.campaign()
    for verb in ("Start", "Pause", "Stop"):
        error = await failure(_verb(service, verb, campaign.id, token=tokens.viewer))
        assert error.code is grpc.StatusCode.PERMISSION_DENIED
    got = await service.stub.GetCampaign(pb.GetCampaignRequest(campaign_id=campaign.id),
                                         metadata=bearer(tokens.viewer))
    assert got.campaign.id == campaign.id
    error = await failure(service.stub.SetGlobalKillSwitch(
        pb.SetGlobalKillSwitchRequest(reason="x"), metadata=bearer(tokens.operator)))
    assert error.code is grpc.StatusCode.PERMISSION_DENIED
    error = await failure(service.authorize(campaign.id, "send-1", token=tokens.operator))
    assert error.code is grpc.StatusCode.PERMISSION_DENIED
    # CheckSafety is open to any reader and reserves nothing.
    check = await service.stub.CheckSafety(
        pb.CheckSafetyRequest(campaign_id=campaign.id, channel=EMAIL),
        metadata=bearer(tokens.viewer))
    assert list(check.verdict.deny_reasons) == [pb.DENY_REASON_CAMPAIGN_NOT_RUNNING]


async def test_a_venture_scoped_token_never_sees_or_touches_another_venture(service):
    tokens = service.tokens
    await service.venture("acme")
    await service.venture("beta")
    ours = await service.campaign("acme", token=tokens.acme_operator)
    theirs = await service.campaign("beta")
    listed = await service.stub.ListVentures(pb.ListVenturesRequest(),
                                             metadata=bearer(tokens.acme_viewer))
    assert [v.id for v in listed.ventures] == ["acme"]
    campaigns = await service.stub.ListCampaigns(pb.ListCampaignsRequest(),
                                                 metadata=bearer(tokens.acme_viewer))
    assert [c.id for c in campaigns.campaigns] == [ours.id]
    calls = [
        service.stub.GetVenture(pb.GetVentureRequest(venture_id="beta"),
                                metadata=bearer(tokens.acme_operator)),
        service.stub.GetCampaign(pb.GetCampaignRequest(campaign_id=theirs.id),
                                 metadata=bearer(tokens.acme_operator)),
        service.stub.ListCampaigns(pb.ListCampaignsRequest(venture_id="beta"),
                                   metadata=bearer(tokens.acme_operator)),
        service.campaign("beta", token=tokens.acme_operator),
        _verb(service, "Start", theirs.id, token=tokens.acme_operator),
        service.stub.SetCampaignKillSwitch(
            pb.SetCampaignKillSwitchRequest(campaign_id=theirs.id, reason="x"),
            metadata=bearer(tokens.acme_operator)),
        service.stub.SetVentureKillSwitch(
            pb.SetVentureKillSwitchRequest(venture_id="beta", reason="x"),
            metadata=bearer(tokens.acme_operator)),
        service.stub.DeactivateVenture(
            pb.DeactivateVentureRequest(venture_id="beta", reason="x"),
            metadata=bearer(tokens.acme_operator)),
        service.stub.ListVerdicts(pb.ListVerdictsRequest(campaign_id=theirs.id),
                                  metadata=bearer(tokens.acme_operator)),
    ]
    before = service.counts()
    for call in calls:
        error = await failure(call)
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
    assert service.counts() == before
    beta = await service.stub.GetVenture(pb.GetVentureRequest(venture_id="beta"),
                                         metadata=bearer(tokens.admin))
    assert beta.venture.active and not beta.venture.kill_switch.engaged


async def test_request_id_makes_mutations_idempotent(service):
    await service.venture()
    request = pb.CreateCampaignRequest(
        campaign=pb.Campaign(venture_id="acme", name="Once", daily_send_limit=1),
        request_id="6b1f1e84-6d43-4d3b-9d0a-4a0e9d9d3a11")
    first = await service.stub.CreateCampaign(request, metadata=bearer(service.tokens.operator))
    again = await service.stub.CreateCampaign(request, metadata=bearer(service.tokens.operator))
    assert again.campaign.id == first.campaign.id
    start = pb.StartCampaignRequest(campaign_id=first.campaign.id, reason="go",
                                    request_id="0d6f9a55-0a5e-4d8e-8b8e-1c1c1c1c1c1c")
    await service.stub.StartCampaign(start, metadata=bearer(service.tokens.operator))
    retried = await service.stub.StartCampaign(start, metadata=bearer(service.tokens.operator))
    assert retried.campaign.status == RUNNING
    history = await service.stub.ListCampaignHistory(
        pb.ListCampaignHistoryRequest(campaign_id=first.campaign.id),
        metadata=bearer(service.tokens.viewer))
    assert [e.action for e in history.entries] == ["campaign.created", "campaign.started"]
    reused = pb.PauseCampaignRequest(campaign_id=first.campaign.id, request_id=start.request_id)
    error = await failure(service.stub.PauseCampaign(reused,
                                                     metadata=bearer(service.tokens.operator)))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                          "REQUEST_ID_REUSED")


async def test_ventures_update_deactivate_and_page(service):
    for slug in ("alpha", "bravo", "charlie"):
        await service.venture(slug)
    updated = await service.stub.UpdateVenture(pb.UpdateVentureRequest(
        venture=pb.Venture(id="bravo", timezone="America/New_York",
                           sender=pb.SenderIdentity(postal_address="2 Side St")),
        update_mask=FieldMask(paths=["timezone", "sender.postal_address"])),
        metadata=bearer(service.tokens.operator))
    assert updated.venture.timezone == "America/New_York"
    assert updated.venture.sender.postal_address == "2 Side St"
    assert updated.venture.sender.from_address == "hello@bravo.example"
    deactivated = await service.stub.DeactivateVenture(
        pb.DeactivateVentureRequest(venture_id="bravo", reason="offer paused"),
        metadata=bearer(service.tokens.operator))
    assert not deactivated.venture.active
    first = await service.stub.ListVentures(pb.ListVenturesRequest(page_size=2),
                                            metadata=bearer(service.tokens.viewer))
    second = await service.stub.ListVentures(
        pb.ListVenturesRequest(page_size=2, page_token=first.next_page_token),
        metadata=bearer(service.tokens.viewer))
    assert [v.id for v in first.ventures] == ["alpha", "bravo"]
    assert [v.id for v in second.ventures] == ["charlie"] and second.next_page_token == ""
    error = await failure(service.venture("alpha"))
    assert error.code is grpc.StatusCode.ALREADY_EXISTS


@pytest.mark.parametrize("status", [DRAFT, RUNNING])
async def test_list_campaigns_filters_by_venture_and_status(service, status):
    await service.venture("acme")
    await service.venture("beta")
    draft = await service.campaign("acme")
    running = await service.campaign("acme", running=True)
    await service.campaign("beta", running=True)
    listed = await service.stub.ListCampaigns(
        pb.ListCampaignsRequest(venture_id="acme", status=status),
        metadata=bearer(service.tokens.viewer))
    expected = draft.id if status == DRAFT else running.id
    assert [c.id for c in listed.campaigns] == [expected]


async def test_the_service_role_may_pause_but_not_start_or_resume(service, signer):
    """Distribution auto-pauses a failing campaign with its service token; it can never
    (re)start one."""
    from aicmo_common.auth import Role

    await service.venture()
    campaign = await service.campaign()
    robot = signer.issue("svc-distribution", Role.SERVICE)
    error = await failure(_verb(service, "Start", campaign.id, token=robot))
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    await _verb(service, "Start", campaign.id)
    paused = await _verb(service, "Pause", campaign.id, reason="auto-pause", token=robot)
    assert paused.campaign.status == PAUSED
    error = await failure(_verb(service, "Resume", campaign.id, token=robot))
    assert error.code is grpc.StatusCode.PERMISSION_DENIED
