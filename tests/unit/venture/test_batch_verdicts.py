"""BatchAuthorizeSend's use case over the in-memory repository: each item gets what its own
AuthorizeSend would give, in order; refused items change nothing; malformed batches and the
wrong roles are refused whole."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from aicmo_common.auth import Principal, Role
from aicmo_common.errors import FailedPrecondition, NotFound, PermissionDenied
from aicmo_venture.domain.errors import InvalidFields
from aicmo_venture.domain.lifecycle import Verb
from aicmo_venture.domain.validation import CampaignDraft, VentureDraft
from aicmo_venture.domain.verdict import Decision, DenyReason
from aicmo_venture.service_layer import campaigns, safety, ventures
from aicmo_venture.service_layer.access import Caller
from aicmo_venture.service_layer.safety import SendRequest
from tests.unit.venture.fakes import FakeVentureRepository

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
ADMIN = Caller(Principal("admin@t", Role.ADMIN), "req-1")
OPERATOR = Caller(Principal("ops@t", Role.OPERATOR))
VIEWER = Caller(Principal("viewer@t", Role.VIEWER))
SERVICE = Caller(Principal("svc-distribution", Role.SERVICE), "req-batch")
ACME_SERVICE = Caller(Principal("svc-acme", Role.SERVICE, venture="acme"))
EMAIL, SMS = 1, 3


def _repo() -> FakeVentureRepository:
    repo = FakeVentureRepository()
    for slug in ("acme", "beta"):
        ventures.create_venture(repo, ADMIN, NOW, VentureDraft(
            id=slug, name=slug, timezone="Europe/Berlin", owner_contact=f"o@{slug}.example",
            default_channels=(EMAIL,)), None)
    return repo


@pytest.fixture
def repo() -> FakeVentureRepository:
    return _repo()


def _campaign(repo, venture="acme", limit=2):
    campaign = campaigns.create_campaign(repo, ADMIN, NOW, CampaignDraft(
        venture_id=venture, name="C", daily_send_limit=limit), None)
    return campaigns.change_status(repo, ADMIN, NOW, campaign.id, Verb.START, "", None)


def _sends(campaign_id: str, *send_ids: str, channel: int = EMAIL) -> list[SendRequest]:
    return [SendRequest(campaign_id, channel, send_id) for send_id in send_ids]


def test_the_batch_gives_exactly_what_sequential_single_calls_give(repo):
    one, two = _campaign(repo, limit=3).id, _campaign(repo, venture="beta", limit=1).id
    batch_repo, single_repo = repo, copy.deepcopy(repo)
    items = [(one, EMAIL, "a"), (two, EMAIL, "b"), (one, EMAIL, "c"), (one, SMS, "d"),
             (two, EMAIL, "e"), (one, EMAIL, "a"), (one, EMAIL, "f"), (one, EMAIL, "g"),
             ("nope", EMAIL, "h"), (two, EMAIL, "c")]
    outcomes = safety.batch_authorize_send(batch_repo, SERVICE, NOW,
                                           [SendRequest(*item) for item in items])
    assert len(outcomes) == len(items)
    for (campaign_id, channel, send_id), outcome in zip(items, outcomes, strict=True):
        try:
            expected = safety.authorize_send(single_repo, SERVICE, NOW, campaign_id, channel,
                                             send_id)
        except (NotFound, FailedPrecondition) as error:
            assert outcome.verdict is None and type(outcome.error) is type(error)
            assert (outcome.error.reason, outcome.error.message) == (error.reason,
                                                                      error.message)
        else:
            assert outcome.error is None
            assert (outcome.verdict, outcome.replayed) == expected
    assert batch_repo.verdicts == single_repo.verdicts
    assert batch_repo.quota == single_repo.quota
    assert ([(e.action, e.entity_id, dict(e.context)) for e in batch_repo.events]
            == [(e.action, e.entity_id, dict(e.context)) for e in single_repo.events])


def test_refused_items_change_nothing_and_the_others_go_on(repo):
    campaign = _campaign(repo, limit=5)
    safety.authorize_send(repo, SERVICE, NOW, campaign.id, EMAIL, "taken")
    verdicts, events = len(repo.verdicts), len(repo.events)
    outcomes = safety.batch_authorize_send(repo, SERVICE, NOW, [
        SendRequest(campaign.id, EMAIL, "ok-1"),
        SendRequest("no-such-campaign", EMAIL, "missing"),
        SendRequest(campaign.id, SMS, "taken"),
        SendRequest(campaign.id, EMAIL, "ok-2"),
    ])
    assert [o.verdict.decision if o.verdict else None for o in outcomes] == [
        Decision.ALLOW, None, None, Decision.ALLOW]
    assert isinstance(outcomes[1].error, NotFound)
    assert isinstance(outcomes[2].error, FailedPrecondition)
    assert outcomes[2].error.reason == "REQUEST_ID_REUSED"
    assert [v.send_id for v in repo.verdicts[verdicts:]] == ["ok-1", "ok-2"]
    assert [e.context["send_id"] for e in repo.events[events:]] == ["ok-1", "ok-2"]
    assert repo.quota[(campaign.id, NOW.date())] == 3


def test_a_send_id_repeated_in_the_batch_is_a_replay_of_its_first_item(repo):
    campaign = _campaign(repo, limit=5)
    outcomes = safety.batch_authorize_send(repo, SERVICE, NOW,
                                           _sends(campaign.id, "a", "b", "a", "a"))
    assert [o.replayed for o in outcomes] == [False, False, True, True]
    assert outcomes[2].verdict == outcomes[3].verdict == outcomes[0].verdict
    assert repo.quota[(campaign.id, NOW.date())] == 2
    assert [v.send_id for v in repo.verdicts] == ["a", "b"]
    assert [e.context["send_id"] for e in repo.events if e.action.startswith("verdict.")] == [
        "a", "b"]


def test_the_quota_allows_exactly_the_limit_within_one_batch(repo):
    campaign = _campaign(repo, limit=3)
    outcomes = safety.batch_authorize_send(repo, SERVICE, NOW,
                                           _sends(campaign.id, *(f"s{i}" for i in range(7))))
    assert [o.verdict.decision for o in outcomes] == [Decision.ALLOW] * 3 + [Decision.DENY] * 4
    assert [o.verdict.remaining_quota_today for o in outcomes] == [2, 1, 0, 0, 0, 0, 0]
    assert all(o.verdict.deny_reasons == (DenyReason.DAILY_LIMIT_REACHED,)
               for o in outcomes[3:])


def test_another_ventures_campaign_is_not_found_for_a_scoped_caller(repo):
    ours, theirs = _campaign(repo), _campaign(repo, venture="beta")
    outcomes = safety.batch_authorize_send(repo, ACME_SERVICE, NOW, [
        SendRequest(theirs.id, EMAIL, "x"), SendRequest(ours.id, EMAIL, "y")])
    assert isinstance(outcomes[0].error, NotFound)
    assert outcomes[1].verdict.allowed
    assert [v.send_id for v in repo.verdicts] == ["y"]


def test_a_malformed_item_refuses_the_whole_batch_naming_its_fields(repo):
    campaign = _campaign(repo)
    before = (list(repo.verdicts), dict(repo.quota), len(repo.events))
    with pytest.raises(InvalidFields) as refused:
        safety.batch_authorize_send(repo, SERVICE, NOW, [
            SendRequest(campaign.id, EMAIL, "fine"),
            SendRequest(campaign.id, EMAIL, ""),
            SendRequest("", 42, "s" * 129),
        ])
    assert [v.field for v in refused.value.violations] == [
        "requests[1].send_id", "requests[2].campaign_id", "requests[2].channel",
        "requests[2].send_id"]
    assert (repo.verdicts, repo.quota, len(repo.events)) == before


@pytest.mark.parametrize("count", [0, safety.MAX_BATCH_SENDS + 1])
def test_an_empty_or_oversized_batch_is_refused(repo, count):
    campaign = _campaign(repo)
    with pytest.raises(InvalidFields) as refused:
        safety.batch_authorize_send(repo, SERVICE, NOW,
                                    _sends(campaign.id, *(f"s{i}" for i in range(count))))
    assert [v.field for v in refused.value.violations] == ["requests"]
    assert repo.verdicts == [] and repo.quota == {}


def test_a_full_batch_is_accepted(repo):
    campaign = _campaign(repo, limit=10)
    outcomes = safety.batch_authorize_send(
        repo, SERVICE, NOW, _sends(campaign.id, *(f"s{i}" for i in range(500))))
    assert sum(o.verdict.allowed for o in outcomes) == 10 and len(repo.verdicts) == 500


def test_only_the_service_role_and_admins_may_authorize_a_batch(repo):
    campaign = _campaign(repo)
    for caller in (OPERATOR, VIEWER):
        with pytest.raises(PermissionDenied):
            safety.batch_authorize_send(repo, caller, NOW, _sends(campaign.id, "x"))
        with pytest.raises(PermissionDenied):  # the role is checked before the input
            safety.batch_authorize_send(repo, caller, NOW, [])
    assert repo.verdicts == []
    assert safety.batch_authorize_send(repo, ADMIN, NOW,
                                       _sends(campaign.id, "x"))[0].verdict.allowed
