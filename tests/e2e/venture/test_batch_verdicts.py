"""BatchAuthorizeSend through real gRPC on SQLite and PostgreSQL: each item gets what its own
AuthorizeSend would give, in request order; a failed item is an item error that changes
nothing; the quota is exact within and across batches; a malformed batch or the wrong role is
refused whole with nothing stored; and a batch that loses a race on a send id is retried whole,
finding the winner's verdict as a replay."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import create_engine, select

from aicmo.common.v1 import common_pb2
from aicmo.venture.v1 import venture_pb2 as pb
from aicmo_common.auth import Principal, Role
from aicmo_common.db import Database, normalise_url
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_venture.adapters import tables
from aicmo_venture.adapters.repository import SqlVentureRepository
from aicmo_venture.domain.verdict import Decision
from aicmo_venture.service_layer import safety
from aicmo_venture.service_layer.access import Caller
from tests.conftest import bearer
from tests.e2e.venture.conftest import EMAIL, SMS, START, failure

ALLOW, DENY = pb.DECISION_ALLOW, pb.DECISION_DENY


def _item(campaign_id: str, send_id: str, channel: int = EMAIL) -> pb.AuthorizeSendRequest:
    return pb.AuthorizeSendRequest(campaign_id=campaign_id, channel=channel, send_id=send_id)


async def _batch(service, *items: pb.AuthorizeSendRequest,
                 token: str | None = None) -> list[pb.AuthorizeSendResult]:
    answer = await service.stub.BatchAuthorizeSend(
        pb.BatchAuthorizeSendRequest(requests=list(items)),
        metadata=bearer(token or service.tokens.service))
    return list(answer.results)


async def _log(service, campaign_id: str) -> list[pb.Verdict]:
    answer = await service.stub.ListVerdicts(
        pb.ListVerdictsRequest(campaign_id=campaign_id, page_size=500),
        metadata=bearer(service.tokens.viewer))
    return list(answer.verdicts)


async def _remaining(service, campaign_id: str) -> int:
    answer = await service.stub.CheckSafety(
        pb.CheckSafetyRequest(campaign_id=campaign_id, channel=EMAIL),
        metadata=bearer(service.tokens.viewer))
    return answer.verdict.remaining_quota_today


def _verdict_events(database_url: str) -> list[tuple[str, str, str, str]]:
    """(send id, action, campaign id, decision) of every verdict event in the outbox."""
    engine = create_engine(normalise_url(database_url))
    outbox = tables.audit_outbox
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(outbox.c.action, outbox.c.entity_id,
                                             outbox.c.context)
                                      .where(outbox.c.action.like("verdict.%")))
            return sorted((row.context["send_id"], row.action, row.entity_id,
                           row.context["decision"]) for row in rows)
    finally:
        engine.dispose()


async def test_results_follow_the_requests_and_failed_items_store_nothing(service):
    await service.venture()
    campaign = await service.campaign(limit=10, running=True)
    await service.authorize(campaign.id, "taken")
    results = await _batch(service,
                           _item(campaign.id, "ok-1"),
                           _item("no-such-campaign", "missing"),
                           _item(campaign.id, "taken", channel=SMS),
                           _item(campaign.id, "ok-2", channel=SMS),
                           _item(campaign.id, "ok-3"))
    assert [r.WhichOneof("outcome") for r in results] == [
        "response", "error", "error", "response", "response"]
    ok = [results[i].response for i in (0, 3, 4)]
    assert [r.verdict.send_id for r in ok] == ["ok-1", "ok-2", "ok-3"]
    assert [r.verdict.decision for r in ok] == [ALLOW, DENY, ALLOW]
    assert list(ok[1].verdict.deny_reasons) == [pb.DENY_REASON_CHANNEL_NOT_ALLOWED]
    assert [r.verdict.remaining_quota_today for r in ok] == [8, 8, 7]
    assert not any(r.replayed for r in ok)
    missing, reused = results[1].error, results[2].error
    assert (missing.code, missing.reason) == (grpc.StatusCode.NOT_FOUND.value[0],
                                              common_pb2.ERROR_REASON_NOT_FOUND)
    assert (reused.code, reused.reason) == (grpc.StatusCode.FAILED_PRECONDITION.value[0],
                                            common_pb2.ERROR_REASON_REQUEST_ID_REUSED)
    # Exactly what the single call answers for the same sends.
    for item_error, send in ((missing, _item("no-such-campaign", "missing")),
                             (reused, _item(campaign.id, "taken", channel=SMS))):
        single = await failure(service.stub.AuthorizeSend(
            send, metadata=bearer(service.tokens.service)))
        assert (item_error.code, item_error.message) == (single.code.value[0], single.message)
    # The stored log holds the verdicts, the first "taken" untouched, and nothing else.
    log = await _log(service, campaign.id)
    assert [(v.send_id, v.channel) for v in log] == [
        ("taken", EMAIL), ("ok-1", EMAIL), ("ok-2", SMS), ("ok-3", EMAIL)]
    assert service.counts()["verdicts"] == 4
    assert await _remaining(service, campaign.id) == 7


async def test_the_quota_is_exact_and_matches_single_calls(service):
    await service.venture()
    limit, sends = 7, 20
    batched = await service.campaign(limit=limit, running=True)
    single = await service.campaign(limit=limit, running=True)
    results = await _batch(service, *(_item(batched.id, f"b-{i}") for i in range(sends)))
    verdicts = [r.response.verdict for r in results]
    assert [v.decision for v in verdicts] == [ALLOW] * limit + [DENY] * (sends - limit)
    assert all(list(v.deny_reasons) == [pb.DENY_REASON_DAILY_LIMIT_REACHED]
               for v in verdicts[limit:])
    expected = [(await service.authorize(single.id, f"s-{i}")).verdict for i in range(sends)]

    def shape(verdict: pb.Verdict):
        return (verdict.decision, list(verdict.deny_reasons), verdict.remaining_quota_today,
                verdict.quota_day, verdict.policy.SerializeToString(deterministic=True),
                verdict.requested_by.subject)

    assert [shape(v) for v in verdicts] == [shape(v) for v in expected]
    assert await _remaining(service, batched.id) == 0
    assert len(await _log(service, batched.id)) == sends


async def test_a_full_batch_of_five_hundred(service):
    await service.venture()
    campaign = await service.campaign(limit=120, running=True)
    results = await _batch(service, *(_item(campaign.id, f"s-{i}") for i in range(500)))
    assert [r.response.verdict.send_id for r in results] == [f"s-{i}" for i in range(500)]
    assert sum(r.response.verdict.decision == ALLOW for r in results) == 120
    assert service.counts()["verdicts"] == 500
    assert len(_verdict_events(service.database_url)) == 500


async def test_replays_within_and_across_batches_reserve_nothing_more(service):
    await service.venture()
    campaign = await service.campaign(limit=5, running=True)
    first = await _batch(service, *(_item(campaign.id, s) for s in ("a", "b", "a", "b", "a")))
    assert [r.response.replayed for r in first] == [False, False, True, True, True]
    assert first[2].response.verdict == first[4].response.verdict == first[0].response.verdict
    assert first[3].response.verdict == first[1].response.verdict
    assert await _remaining(service, campaign.id) == 3
    second = await _batch(service, *(_item(campaign.id, s) for s in ("b", "c", "a", "c")))
    assert [r.response.replayed for r in second] == [True, False, True, True]
    assert second[0].response.verdict == first[1].response.verdict
    assert second[2].response.verdict == first[0].response.verdict
    assert await _remaining(service, campaign.id) == 2
    # A single call replays a batch's verdict too, and a batch a single call's.
    again = await service.authorize(campaign.id, "c")
    assert again.replayed and again.verdict == second[1].response.verdict
    await service.authorize(campaign.id, "d")
    third = await _batch(service, _item(campaign.id, "d"))
    assert third[0].response.replayed
    assert await _remaining(service, campaign.id) == 1
    assert [v.send_id for v in await _log(service, campaign.id)] == ["a", "b", "c", "d"]
    assert [e[0] for e in _verdict_events(service.database_url)] == ["a", "b", "c", "d"]


async def test_every_stored_item_has_its_audit_event(service):
    await service.venture()
    campaign = await service.campaign(limit=2, running=True)
    results = await _batch(service, *(_item(campaign.id, f"s-{i}") for i in range(4)),
                           _item("no-such-campaign", "lost"), _item(campaign.id, "s-0"))
    assert results[4].WhichOneof("outcome") == "error" and results[5].response.replayed
    assert _verdict_events(service.database_url) == [
        ("s-0", "verdict.allowed", campaign.id, "ALLOW"),
        ("s-1", "verdict.allowed", campaign.id, "ALLOW"),
        ("s-2", "verdict.denied", campaign.id, "DENY"),
        ("s-3", "verdict.denied", campaign.id, "DENY")]


async def test_a_malformed_item_refuses_the_whole_batch_and_stores_nothing(service):
    await service.venture()
    campaign = await service.campaign(limit=5, running=True)
    before = service.counts()
    error = await failure(_batch(service, _item(campaign.id, "fine"),
                                 _item(campaign.id, "fine-too"),
                                 _item(campaign.id, "s" * 129),
                                 _item("", "x", channel=0),
                                 _item(campaign.id, "y", channel=42)))
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert sorted(error.fields) == ["requests[2].send_id", "requests[3].campaign_id",
                                    "requests[3].channel", "requests[4].channel"]
    for items in ([], [_item(campaign.id, f"s-{i}") for i in range(501)]):
        error = await failure(_batch(service, *items))
        assert error.code is grpc.StatusCode.INVALID_ARGUMENT
        assert error.fields == ["requests"]
    # Every item of a full batch malformed: the refusal still fits a default client's limits.
    error = await failure(_batch(service, *(_item(campaign.id, "s" * 129, channel=42)
                                            for _ in range(500))))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.fields[:2] == ["requests[0].channel", "requests[0].send_id"]
    assert service.counts() == before
    assert await _log(service, campaign.id) == []
    assert await _remaining(service, campaign.id) == 5


async def test_only_the_service_role_and_admins_may_ask(service):
    await service.venture()
    campaign = await service.campaign(running=True)
    before = service.counts()
    for token in (service.tokens.viewer, service.tokens.operator, service.tokens.acme_operator):
        error = await failure(_batch(service, _item(campaign.id, "x"), token=token))
        assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                              "ROLE_NOT_ALLOWED")
    assert service.counts() == before
    results = await _batch(service, _item(campaign.id, "x"), token=service.tokens.admin)
    assert results[0].response.verdict.requested_by.role == "admin"


class _LosesTheRace:
    """The batch's repository, with another replica storing a verdict for ``send_id`` right
    after the batch has read that there is none (as a concurrent AuthorizeSend can)."""

    def __init__(self, inner: SqlVentureRepository, send_id: str, rival) -> None:
        self._inner, self._send_id, self._rival = inner, send_id, rival

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def verdict_inputs(self, send_id: str, campaign_id: str):
        inputs = self._inner.verdict_inputs(send_id, campaign_id)
        if send_id == self._send_id and self._rival is not None:
            rival, self._rival = self._rival, None
            rival(campaign_id)
        return inputs


async def test_a_batch_that_loses_a_race_is_retried_whole(service):
    if not service.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no other transaction can commit in "
                    "the middle of the batch's")
    await service.venture()
    first = await service.campaign(limit=10, running=True)
    raced = await service.campaign(limit=10, running=True)
    replica = Database(service.database_url, workers=2, group_commit=True)
    rival_replica = Database(service.database_url, workers=2)
    rival = Caller(Principal("svc-rival", Role.SERVICE))
    attempts = []

    def rival_send(campaign_id: str) -> None:
        rival_replica.transact(lambda session: safety.authorize_send(
            SqlVentureRepository(session), rival, START, campaign_id, EMAIL, "contested"))

    def racing_batch(repo, caller, now, sends):
        attempts.append(len(attempts) + 1)
        repo = _LosesTheRace(repo, "contested", rival_send if len(attempts) == 1 else None)
        return safety.batch_authorize_send(repo, caller, now, sends)

    try:
        outcomes = await UnitOfWork(replica, repository=SqlVentureRepository).write(
            racing_batch, Caller(Principal("svc-distribution", Role.SERVICE)), START,
            [safety.SendRequest(first.id, EMAIL, "before"),
             safety.SendRequest(raced.id, EMAIL, "contested"),
             safety.SendRequest(first.id, EMAIL, "after")])
    finally:
        replica.close()
        rival_replica.close()
    assert attempts == [1, 2]
    assert [(o.verdict.send_id, o.verdict.decision, o.replayed) for o in outcomes] == [
        ("before", Decision.ALLOW, False), ("contested", Decision.ALLOW, True),
        ("after", Decision.ALLOW, False)]
    assert outcomes[1].verdict.requested_by.subject == "svc-rival"
    # The lost attempt's reservations rolled back: one unit each, nothing counted twice.
    assert await _remaining(service, first.id) == 8
    assert await _remaining(service, raced.id) == 9
    assert [e[0] for e in _verdict_events(service.database_url)] == [
        "after", "before", "contested"]
