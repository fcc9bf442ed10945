"""The use cases over the in-memory repository: authorisation, scope, idempotency, quotas,
kill switches and the audit events they record."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_common.auth import Principal, Role
from aicmo_common.errors import FailedPrecondition, NotFound, PermissionDenied
from aicmo_venture.domain.errors import CampaignFinal, InvalidFields, InvalidTransition
from aicmo_venture.domain.lifecycle import Verb
from aicmo_venture.domain.validation import CampaignDraft, VentureDraft
from aicmo_venture.domain.verdict import Decision, DenyReason
from aicmo_venture.service_layer import campaigns, kill_switches, safety, ventures
from aicmo_venture.service_layer.access import Caller
from aicmo_venture.service_layer.idempotency import RequestKey
from tests.unit.venture.fakes import FakeVentureRepository

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
ADMIN = Caller(Principal("admin@t", Role.ADMIN), "req-1")
OPERATOR = Caller(Principal("ops@t", Role.OPERATOR))
ACME_OPERATOR = Caller(Principal("ops@acme", Role.OPERATOR, venture="acme"))
VIEWER = Caller(Principal("viewer@t", Role.VIEWER))
SERVICE = Caller(Principal("svc-distribution", Role.SERVICE))


@pytest.fixture
def repo() -> FakeVentureRepository:
    repo = FakeVentureRepository()
    for slug in ("acme", "beta"):
        ventures.create_venture(repo, ADMIN, NOW, VentureDraft(
            id=slug, name=slug, timezone="Europe/Berlin", owner_contact=f"o@{slug}.example",
            default_channels=(1,)), None)
    return repo


def _campaign(repo, venture="acme", limit=2, running=True):
    campaign = campaigns.create_campaign(repo, OPERATOR, NOW, CampaignDraft(
        venture_id=venture, name="C", daily_send_limit=limit), None)
    if running:
        campaign = campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.START, "",
                                           None)
    return campaign


def test_a_campaign_takes_the_venture_default_channels_and_starts_as_draft(repo):
    campaign = _campaign(repo, running=False)
    assert campaign.status.name == "DRAFT"
    assert [c.name for c in campaign.allowed_channels] == ["EMAIL"]
    assert [e.action for e in repo.events][-1] == "campaign.created"
    assert repo.events[-1].venture_id == "acme"


def test_the_quota_allows_exactly_the_limit_then_denies(repo):
    campaign = _campaign(repo, limit=2)
    answers = [safety.authorize_send(repo, SERVICE, NOW, campaign.id, 1, f"s{i}")[0]
               for i in range(4)]
    assert [a.decision for a in answers] == [Decision.ALLOW] * 2 + [Decision.DENY] * 2
    assert [a.remaining_quota_today for a in answers] == [1, 0, 0, 0]
    assert answers[3].deny_reasons == (DenyReason.DAILY_LIMIT_REACHED,)
    stored, replayed = safety.authorize_send(repo, SERVICE, NOW, campaign.id, 1, "s0")
    assert replayed and stored == answers[0]
    assert len(repo.verdicts) == 4
    assert [e.action for e in repo.events].count("verdict.allowed") == 2


def test_check_safety_reserves_and_stores_nothing(repo):
    campaign = _campaign(repo, limit=1)
    verdict = safety.check_safety(repo, VIEWER, NOW, campaign.id, 1)
    assert verdict.decision is Decision.ALLOW and verdict.remaining_quota_today == 1
    assert repo.quota == {} and repo.verdicts == []


def test_only_the_service_role_and_admins_may_authorize(repo):
    campaign = _campaign(repo)
    for caller in (OPERATOR, VIEWER, ACME_OPERATOR):
        with pytest.raises(PermissionDenied):
            safety.authorize_send(repo, caller, NOW, campaign.id, 1, "x")
    assert safety.authorize_send(repo, ADMIN, NOW, campaign.id, 1, "x")[0].allowed


def test_venture_scope_hides_other_ventures(repo):
    theirs = _campaign(repo, venture="beta")
    with pytest.raises(NotFound):
        campaigns.get_campaign(repo, ACME_OPERATOR, theirs.id)
    with pytest.raises(NotFound):
        kill_switches.set_venture_switch(repo, ACME_OPERATOR, NOW, "beta", True, "x", None)
    with pytest.raises(NotFound):
        campaigns.create_campaign(repo, ACME_OPERATOR, NOW,
                                  CampaignDraft(venture_id="beta", name="x"), None)
    with pytest.raises(PermissionDenied):
        kill_switches.set_global_switch(repo, ACME_OPERATOR, NOW, True, "x", None)
    assert not repo.ventures["beta"].kill_switch.engaged
    page = ventures.list_ventures(repo, ACME_OPERATOR, 0, "")
    assert [v.id for v in page.ventures] == ["acme"]


def test_transitions_and_final_campaigns(repo):
    campaign = _campaign(repo)
    with pytest.raises(InvalidTransition):
        campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.RESUME, "", None)
    campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.COMPLETE, "done", None)
    with pytest.raises(CampaignFinal):
        campaigns.update_campaign(repo, OPERATOR, NOW, campaign.id,
                                  CampaignDraft(name="late"), ["name"], None)
    assert [e.action for e in repo.history] == ["campaign.created", "campaign.started",
                                                "campaign.completed"]
    assert repo.history[-1].reason == "done" and repo.history[-1].actor.subject == "ops@t"


def test_request_ids_replay_and_refuse_reuse(repo):
    campaign = _campaign(repo, running=False)
    key = RequestKey("r-1", "StartCampaign", "f1")
    first = campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.START, "", key)
    again = campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.START, "", key)
    assert first == again
    assert [e.action for e in repo.history].count("campaign.started") == 1
    with pytest.raises(FailedPrecondition) as refusal:
        campaigns.change_status(repo, OPERATOR, NOW, campaign.id, Verb.PAUSE, "",
                                RequestKey("r-1", "PauseCampaign", "f2"))
    assert refusal.value.reason == "REQUEST_ID_REUSED"


def test_invalid_input_writes_nothing(repo):
    events, campaigns_before = len(repo.events), dict(repo.campaigns)
    with pytest.raises(InvalidFields) as refusal:
        campaigns.create_campaign(repo, OPERATOR, NOW, CampaignDraft(
            venture_id="acme", name="", daily_send_limit=-1, allowed_channels=(9,)), None)
    assert sorted(v.field for v in refusal.value.violations) == [
        "campaign.allowed_channels[0]", "campaign.daily_send_limit", "campaign.name"]
    assert len(repo.events) == events and repo.campaigns == campaigns_before


def test_setting_an_engaged_switch_again_records_nothing(repo):
    kill_switches.set_global_switch(repo, ADMIN, NOW, True, "incident", None)
    events = len(repo.events)
    switch = kill_switches.set_global_switch(repo, ADMIN, NOW, True, "again", None)
    assert switch.engaged and switch.reason == "incident"
    assert len(repo.events) == events
    campaign = _campaign(repo)
    verdict, _ = safety.authorize_send(repo, SERVICE, NOW, campaign.id, 1, "s")
    assert verdict.deny_reasons == (DenyReason.GLOBAL_KILL_SWITCH,)
