"""The verdict rules: every reason that applies, the quota outcome, the deferral time."""

from __future__ import annotations

import datetime as dt

from aicmo_common.actor import Actor
from aicmo_venture.domain.model import (
    Campaign,
    CampaignStatus,
    Channel,
    KillSwitch,
    SendWindow,
    Venture,
    Weekday,
)
from aicmo_venture.domain.verdict import Decision, DenyReason, assess, conclude

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)  # Monday 10:00 in Berlin
ACTOR = Actor("svc-distribution", "service")
VENTURE = Venture(id="acme", name="Acme", timezone="Europe/Berlin", owner_contact="o@a.example")
CAMPAIGN = Campaign(id="c1", venture_id="acme", name="C", allowed_channels=(Channel.EMAIL,),
                    daily_send_limit=2, status=CampaignStatus.RUNNING)


def test_a_clear_path_may_reserve_and_allows_when_reserved():
    assessment = assess(CAMPAIGN, VENTURE, False, Channel.EMAIL, NOW)
    assert assessment.reasons == frozenset() and assessment.may_reserve
    verdict = conclude(assessment, used=1, reserved=True, send_id="s", requested_by=ACTOR)
    assert verdict.decision is Decision.ALLOW and verdict.deny_reasons == ()
    assert verdict.remaining_quota_today == 1
    assert verdict.quota_day == dt.date(2025, 6, 2)
    assert verdict.policy.next_window_open_at is None


def test_a_lost_reservation_is_the_daily_limit_deferred_to_tomorrow():
    assessment = assess(CAMPAIGN, VENTURE, False, Channel.EMAIL, NOW)
    verdict = conclude(assessment, used=2, reserved=False, send_id="s", requested_by=ACTOR)
    assert verdict.deny_reasons == (DenyReason.DAILY_LIMIT_REACHED,)
    assert verdict.remaining_quota_today == 0
    # Tomorrow, local midnight in Berlin (CEST) = 22:00 UTC today.
    assert verdict.policy.next_window_open_at == dt.datetime(2025, 6, 2, 22, 0, tzinfo=dt.UTC)


def test_every_reason_that_applies_is_listed_in_order():
    campaign = CAMPAIGN.with_changes(status=CampaignStatus.PAUSED,
                                     kill_switch=KillSwitch(engaged=True), daily_send_limit=0,
                                     send_window=SendWindow(frozenset({Weekday.SUNDAY}), 0, 60))
    venture = VENTURE.with_changes(active=False, kill_switch=KillSwitch(engaged=True))
    assessment = assess(campaign, venture, True, Channel.SMS, NOW)
    assert not assessment.may_reserve
    verdict = conclude(assessment, used=0, reserved=False, send_id="s", requested_by=ACTOR)
    assert verdict.decision is Decision.DENY
    assert verdict.deny_reasons == tuple(DenyReason)


def test_limit_zero_never_allows_and_offers_no_retry_time():
    campaign = CAMPAIGN.with_changes(daily_send_limit=0)
    assessment = assess(campaign, VENTURE, False, Channel.EMAIL, NOW)
    assert not assessment.may_reserve
    verdict = conclude(assessment, used=0, reserved=False, send_id="s", requested_by=ACTOR)
    assert verdict.deny_reasons == (DenyReason.DAILY_LIMIT_REACHED,)
    assert verdict.policy.next_window_open_at is None
