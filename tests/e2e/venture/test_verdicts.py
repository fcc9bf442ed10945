"""The safety verdict through real gRPC on SQLite and PostgreSQL: kill switches at every
level, exact quotas under concurrency, send-id idempotency, the local day across DST, send
windows and the policy handed to the sender."""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc

from aicmo.venture.v1 import venture_pb2 as pb
from aicmo.venture.v1 import venture_pb2_grpc
from tests.conftest import bearer
from tests.e2e.venture.conftest import EMAIL, SMS, failure

ALLOW, DENY = pb.DECISION_ALLOW, pb.DECISION_DENY


async def _switch(service, level: str, engaged: bool, target: str, token: str,
                  reason: str = "incident"):
    verb = "Set" if engaged else "Clear"
    method = getattr(service.stub, f"{verb}{level}KillSwitch")
    request_type = getattr(pb, f"{verb}{level}KillSwitchRequest")
    if level == "Global":
        request = request_type(reason=reason)
    elif level == "Venture":
        request = request_type(venture_id=target, reason=reason)
    else:
        request = request_type(campaign_id=target, reason=reason)
    return await method(request, metadata=bearer(token))


async def test_each_kill_switch_level_denies_and_clearing_restores(service):
    await service.venture()
    campaign = await service.campaign(running=True)
    levels = [("Campaign", campaign.id, pb.DENY_REASON_CAMPAIGN_KILL_SWITCH),
              ("Venture", "acme", pb.DENY_REASON_VENTURE_KILL_SWITCH),
              ("Global", "", pb.DENY_REASON_GLOBAL_KILL_SWITCH)]
    for index, (level, target, reason) in enumerate(levels):
        token = service.tokens.admin if level == "Global" else service.tokens.acme_operator
        assert (await service.authorize(campaign.id, f"before-{index}")).verdict.decision == ALLOW
        await _switch(service, level, True, target, token)
        denied = await service.authorize(campaign.id, f"during-{index}")
        assert denied.verdict.decision == DENY
        assert list(denied.verdict.deny_reasons) == [reason]
        check = await service.stub.CheckSafety(
            pb.CheckSafetyRequest(campaign_id=campaign.id, channel=EMAIL),
            metadata=bearer(service.tokens.viewer))
        assert list(check.verdict.deny_reasons) == [reason]
        await _switch(service, level, False, target, token, reason="resolved")
        restored = await service.authorize(campaign.id, f"after-{index}")
        assert restored.verdict.decision == ALLOW
    switch = await service.stub.GetGlobalKillSwitch(pb.GetGlobalKillSwitchRequest(),
                                                    metadata=bearer(service.tokens.viewer))
    assert not switch.kill_switch.engaged and switch.kill_switch.reason == "resolved"
    assert switch.kill_switch.actor.subject == "admin@test"
    actions = service.outbox_actions()
    for action in ("campaign.kill_switch_set", "campaign.kill_switch_cleared",
                   "venture.kill_switch_set", "venture.kill_switch_cleared",
                   "global.kill_switch_set", "global.kill_switch_cleared"):
        assert actions.count(action) == 1, action
    assert actions.count("verdict.allowed") == 6 and actions.count("verdict.denied") == 3


async def test_all_switches_together_list_every_reason(service):
    await service.venture()
    campaign = await service.campaign(limit=0)  # DRAFT, limit 0, email only
    await _switch(service, "Campaign", True, campaign.id, service.tokens.operator)
    await _switch(service, "Venture", True, "acme", service.tokens.operator)
    await _switch(service, "Global", True, "", service.tokens.admin)
    await service.stub.DeactivateVenture(pb.DeactivateVentureRequest(venture_id="acme",
                                                                      reason="closed"),
                                         metadata=bearer(service.tokens.operator))
    verdict = (await service.authorize(campaign.id, "everything", channel=SMS)).verdict
    assert verdict.decision == DENY
    assert list(verdict.deny_reasons) == [
        pb.DENY_REASON_CAMPAIGN_NOT_RUNNING, pb.DENY_REASON_CAMPAIGN_KILL_SWITCH,
        pb.DENY_REASON_VENTURE_KILL_SWITCH, pb.DENY_REASON_GLOBAL_KILL_SWITCH,
        pb.DENY_REASON_VENTURE_INACTIVE, pb.DENY_REASON_CHANNEL_NOT_ALLOWED,
        pb.DENY_REASON_DAILY_LIMIT_REACHED]


async def test_a_scoped_token_cannot_flip_another_ventures_switches(service):
    await service.venture("acme")
    await service.venture("beta")
    theirs = await service.campaign("beta", running=True)
    for level, target in (("Venture", "beta"), ("Campaign", theirs.id)):
        for engaged in (True, False):
            error = await failure(_switch(service, level, engaged, target,
                                          service.tokens.acme_operator))
            assert error.code is grpc.StatusCode.NOT_FOUND
    error = await failure(_switch(service, "Global", True, "", service.tokens.acme_operator))
    assert error.code is grpc.StatusCode.PERMISSION_DENIED
    assert (await service.authorize(theirs.id, "still-fine")).verdict.decision == ALLOW
    # Once beta's switch is engaged by someone allowed, acme's operator cannot clear it.
    await _switch(service, "Venture", True, "beta", service.tokens.operator)
    error = await failure(_switch(service, "Venture", False, "beta",
                                  service.tokens.acme_operator))
    assert error.code is grpc.StatusCode.NOT_FOUND
    denied = await service.authorize(theirs.id, "still-stopped")
    assert list(denied.verdict.deny_reasons) == [pb.DENY_REASON_VENTURE_KILL_SWITCH]


async def test_quota_is_exact_under_concurrent_callers(service):
    await service.venture()
    limit, callers, calls_each = 13, 8, 6
    campaign = await service.campaign(limit=limit, running=True)
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") for _ in range(callers)]

    async def caller(index: int) -> list[pb.Verdict]:
        stub = venture_pb2_grpc.VentureServiceStub(channels[index])
        verdicts = []
        for call in range(calls_each):
            answer = await stub.AuthorizeSend(
                pb.AuthorizeSendRequest(campaign_id=campaign.id, channel=EMAIL,
                                        send_id=f"caller-{index}-send-{call}"),
                metadata=bearer(service.tokens.service))
            verdicts.append(answer.verdict)
        return verdicts

    try:
        results = await asyncio.gather(*(caller(i) for i in range(callers)))
    finally:
        await asyncio.gather(*(channel.close() for channel in channels))
    verdicts = [v for batch in results for v in batch]
    allowed = [v for v in verdicts if v.decision == ALLOW]
    denied = [v for v in verdicts if v.decision == DENY]
    assert len(allowed) == limit
    assert all(list(v.deny_reasons) == [pb.DENY_REASON_DAILY_LIMIT_REACHED] for v in denied)
    # Each allow left a different remaining count: the reservations were serialised.
    assert sorted(v.remaining_quota_today for v in allowed) == list(range(limit))
    log = await service.stub.ListVerdicts(
        pb.ListVerdictsRequest(campaign_id=campaign.id, page_size=500),
        metadata=bearer(service.tokens.viewer))
    assert len(log.verdicts) == callers * calls_each
    assert sum(v.decision == ALLOW for v in log.verdicts) == limit


async def test_a_repeated_send_id_gets_the_same_verdict_and_no_second_unit(service):
    await service.venture()
    campaign = await service.campaign(limit=3, running=True)
    first = await service.authorize(campaign.id, "send-a")
    again = await service.authorize(campaign.id, "send-a")
    assert first.verdict.decision == ALLOW and not first.replayed
    assert again.replayed and again.verdict == first.verdict
    # Concurrent first calls with one new send id: one verdict, one unit.
    burst = await asyncio.gather(*(service.authorize(campaign.id, "send-b")
                                   for _ in range(8)))
    assert len({answer.verdict.SerializeToString(deterministic=True) for answer in burst}) == 1
    assert sum(not answer.replayed for answer in burst) == 1
    check = await service.stub.CheckSafety(
        pb.CheckSafetyRequest(campaign_id=campaign.id, channel=EMAIL),
        metadata=bearer(service.tokens.viewer))
    assert check.verdict.remaining_quota_today == 1
    # A denied send id stays denied, even once the reason is gone.
    await _switch(service, "Campaign", True, campaign.id, service.tokens.operator)
    denied = await service.authorize(campaign.id, "send-c")
    await _switch(service, "Campaign", False, campaign.id, service.tokens.operator)
    repeat = await service.authorize(campaign.id, "send-c")
    assert repeat.verdict.decision == DENY and repeat.verdict == denied.verdict
    error = await failure(service.authorize(campaign.id, "send-a", channel=SMS))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION,
                                          "REQUEST_ID_REUSED")
    log = await service.stub.ListVerdicts(pb.ListVerdictsRequest(campaign_id=campaign.id),
                                          metadata=bearer(service.tokens.viewer))
    assert [v.send_id for v in log.verdicts] == ["send-a", "send-b", "send-c"]


async def test_the_quota_day_turns_over_at_local_midnight_across_dst(service, clock):
    # New York leaves standard time on 2024-03-10: that local day is 23 hours long.
    await service.venture(timezone="America/New_York")
    campaign = await service.campaign(limit=1, running=True)
    steps = [
        (dt.datetime(2024, 3, 10, 4, 59, 59), "2024-03-09", ALLOW),  # 23:59:59 EST, Sat
        (dt.datetime(2024, 3, 10, 5, 0, 0), "2024-03-10", ALLOW),    # 00:00 EST, Sun
        (dt.datetime(2024, 3, 10, 7, 30, 0), "2024-03-10", DENY),    # 03:30 EDT, after change
        (dt.datetime(2024, 3, 11, 3, 59, 59), "2024-03-10", DENY),   # 23:59:59 EDT
        (dt.datetime(2024, 3, 11, 4, 0, 0), "2024-03-11", ALLOW),    # 00:00 EDT, Mon
    ]
    for index, (instant, day, decision) in enumerate(steps):
        clock.set(instant.replace(tzinfo=dt.UTC))
        verdict = (await service.authorize(campaign.id, f"dst-{index}")).verdict
        assert (verdict.quota_day, verdict.decision) == (day, decision), instant
        if decision == DENY:
            # Deferred to the next local midnight, which is 04:00 UTC after the change.
            assert verdict.policy.next_window_open_time.ToDatetime(dt.UTC) == dt.datetime(
                2024, 3, 11, 4, 0, tzinfo=dt.UTC)


async def test_the_send_window_and_the_policy(service, clock):
    await service.venture(timezone="Europe/Berlin")
    window = pb.SendWindow(days=[pb.WEEKDAY_MONDAY, pb.WEEKDAY_TUESDAY], start_hour=9,
                           start_minute=30, end_hour=17, end_minute=0)
    campaign = await service.campaign(limit=5, window=window, running=True,
                                      consent_required=True)
    clock.set(dt.datetime(2025, 6, 2, 7, 29, tzinfo=dt.UTC))  # Monday 09:29 Berlin
    early = (await service.authorize(campaign.id, "early")).verdict
    assert list(early.deny_reasons) == [pb.DENY_REASON_OUTSIDE_SEND_WINDOW]
    assert early.policy.next_window_open_time.ToDatetime(dt.UTC) == dt.datetime(
        2025, 6, 2, 7, 30, tzinfo=dt.UTC)
    assert early.remaining_quota_today == 5
    clock.set(dt.datetime(2025, 6, 2, 7, 30, tzinfo=dt.UTC))  # Monday 09:30 Berlin
    allowed = (await service.authorize(campaign.id, "on-time")).verdict
    assert allowed.decision == ALLOW and allowed.remaining_quota_today == 4
    assert allowed.policy.consent_required
    assert allowed.policy.timezone == "Europe/Berlin"
    assert allowed.policy.sender.from_address == "hello@acme.example"
    assert allowed.policy.sender.postal_address == "1 Main St, Springfield"
    assert not allowed.policy.HasField("next_window_open_time")
    clock.set(dt.datetime(2025, 6, 3, 15, 0, tzinfo=dt.UTC))  # Tuesday 17:00 Berlin
    late = (await service.authorize(campaign.id, "late")).verdict
    assert list(late.deny_reasons) == [pb.DENY_REASON_OUTSIDE_SEND_WINDOW]
    # Next opening: the following Monday, 09:30 Berlin.
    assert late.policy.next_window_open_time.ToDatetime(dt.UTC) == dt.datetime(
        2025, 6, 9, 7, 30, tzinfo=dt.UTC)


async def test_bad_verdict_requests_and_unknown_campaigns(service):
    await service.venture()
    campaign = await service.campaign(running=True)
    before = service.counts()
    error = await failure(service.authorize("no-such-campaign", "x"))
    assert error.code is grpc.StatusCode.NOT_FOUND
    error = await failure(service.authorize(campaign.id, "", channel=0))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(error.fields) == ["channel", "send_id"]
    error = await failure(service.authorize(campaign.id, "s" * 129, channel=42))
    assert sorted(error.fields) == ["channel", "send_id"]
    error = await failure(service.stub.CheckSafety(
        pb.CheckSafetyRequest(campaign_id="nope", channel=EMAIL),
        metadata=bearer(service.tokens.viewer)))
    assert error.code is grpc.StatusCode.NOT_FOUND
    assert service.counts() == before


async def test_under_load_every_verdict_is_stored_audited_and_the_switch_holds(service):
    """Many verdicts in flight (committed in groups): each is stored once with its audit
    event, the quota is exact, and once SetGlobalKillSwitch has returned every verdict asked
    for afterwards is a DENY."""
    await service.venture()
    limit = 40
    campaign = await service.campaign(limit=limit, running=True)
    before = await asyncio.gather(*(service.authorize(campaign.id, f"before-{i}")
                                    for i in range(60)))
    assert sum(a.verdict.decision == ALLOW for a in before) == limit
    in_flight = [asyncio.ensure_future(service.authorize(campaign.id, f"racing-{i}"))
                 for i in range(30)]
    await _switch(service, "Global", True, "", service.tokens.admin)
    after = await asyncio.gather(*(service.authorize(campaign.id, f"after-{i}")
                                   for i in range(30)))
    racing = await asyncio.gather(*in_flight)
    assert all(a.verdict.decision == DENY for a in after)
    assert all(pb.DENY_REASON_GLOBAL_KILL_SWITCH in a.verdict.deny_reasons for a in after)
    assert all(a.verdict.decision == DENY for a in racing)  # the quota was already used up
    counts = service.counts()
    assert counts["verdicts"] == 120 and counts["quota_days"] == 1
    actions = service.outbox_actions()
    assert actions.count("verdict.allowed") == limit
    assert actions.count("verdict.denied") == 120 - limit
