"""The send decision, table-driven: what the campaign, the channel, the lead, the content, the
verdict and the channel's answer make of a send, live and in a dry run."""

from __future__ import annotations

import datetime as dt

import pytest

from aicmo_distribution.domain.decision import (
    Pass,
    SendPolicy,
    after_delivery,
    after_verdict,
    before_verdict,
    halting_reasons,
    replayed_verdict,
    unsendable,
    would_use_quota,
)
from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    PeerNotFound,
    Sender,
    Verdict,
)
from aicmo_distribution.domain.sends import BlockReason as R
from aicmo_distribution.domain.sends import Outcome
from aicmo_distribution.domain.sends import SendState as S

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
POLICY = SendPolicy(max_attempts=3, retry_base_seconds=2.0, retry_max_seconds=60.0,
                    defer_fallback_seconds=900.0)
LIVE = Pass(dry_run=False, in_run=False, check_attempts=1, policy=POLICY)
IN_RUN = Pass(dry_run=False, in_run=True, check_attempts=3, policy=POLICY)
DRY = Pass(dry_run=True, in_run=True, check_attempts=3, policy=POLICY)
CAMPAIGN = CampaignFacts("c1", "acme", consent_required=False, status="RUNNING")
SENDER = Sender("hello@acme.example", "Acme", "1 Main St")
DOWN = DependencyFailure(R.DEPENDENCY_UNAVAILABLE, "leads is unavailable")


def contact(*reasons: R, venture: str = "acme", consent: str = "UNKNOWN") -> Contactability:
    return Contactability(allowed=not reasons, reasons=reasons,
                          address="" if reasons else "lead@example.com", venture_id=venture,
                          consent_status=consent)


def verdict(*reasons: R, quota: int = 5, consent_required: bool = False,
            venture: str = "acme", next_window: dt.datetime | None = None) -> Verdict:
    return Verdict(allow=not reasons, reasons=reasons, remaining_quota=quota,
                   venture_id=venture, consent_required=consent_required, sender=SENDER,
                   next_window_open=next_window)


def summary(outcome: Outcome | None) -> tuple | None:
    """What the tables below say of an outcome (None: the send goes on)."""
    if outcome is None:
        return None
    return outcome.state, outcome.reasons, outcome.transient, outcome.next_attempt_at


def before(sent: Pass, *, campaign=CAMPAIGN, channel_ready=True, lead=None,
           problem=None, hold="") -> Outcome | None:
    return before_verdict(sent, campaign=campaign, channel="EMAIL",
                          channel_ready=channel_ready, contact=lead or contact(),
                          content_problem=problem, now=NOW, template_hold=hold)


BEFORE = [
    # (case, pass, before() arguments) -> state, reasons, transient, next attempt
    ("clear path", LIVE, {}, None),
    ("campaign missing", LIVE, {"campaign": PeerNotFound("gone")},
     (S.BLOCKED, (R.CAMPAIGN_NOT_FOUND,), False, None)),
    ("venture down, lone send", LIVE, {"campaign": DOWN},
     (S.BLOCKED, (R.DEPENDENCY_UNAVAILABLE,), True, None)),
    ("venture down, run send retries", IN_RUN, {"campaign": DOWN},
     (S.RETRYING, (R.DEPENDENCY_UNAVAILABLE,), True, NOW + dt.timedelta(seconds=8))),
    ("no adapter", LIVE, {"channel_ready": False},
     (S.BLOCKED, (R.CHANNEL_UNAVAILABLE,), False, None)),
    ("lead missing", LIVE, {"lead": PeerNotFound("gone")},
     (S.BLOCKED, (R.LEAD_NOT_FOUND,), False, None)),
    ("suppressed lead", LIVE, {"lead": contact(R.LEAD_SUPPRESSED, R.LEAD_DNC)},
     (S.SUPPRESSED, (R.LEAD_DNC, R.LEAD_SUPPRESSED), False, None)),
    ("another venture's lead", LIVE, {"lead": contact(venture="other")},
     (S.BLOCKED, (R.LEAD_VENTURE_MISMATCH,), False, None)),
    ("template gone", LIVE, {"problem": "the template no longer exists"},
     (S.FAILED, (R.TEMPLATE_RENDER_FAILED,), False, None)),
    ("template held", LIVE, {"hold": "3 complaints in the last 200 deliveries"},
     (S.BLOCKED, (R.TEMPLATE_HELD,), True, None)),
    ("suppressed before held", LIVE, {"lead": contact(R.LEAD_DNC), "hold": "held"},
     (S.SUPPRESSED, (R.LEAD_DNC,), False, None)),
    # The campaign is asked first, the channel next, the lead then, the content last.
    ("campaign before channel", LIVE, {"campaign": PeerNotFound("x"), "channel_ready": False},
     (S.BLOCKED, (R.CAMPAIGN_NOT_FOUND,), False, None)),
    ("lead before content", LIVE, {"lead": contact(R.LEAD_ERASED), "problem": "gone"},
     (S.SUPPRESSED, (R.LEAD_ERASED,), False, None)),
    # A dry run records the same reasons as DRY_RUN and never retries by itself.
    ("dry: clear path", DRY, {}, None),
    ("dry: campaign missing", DRY, {"campaign": PeerNotFound("gone")},
     (S.DRY_RUN, (R.CAMPAIGN_NOT_FOUND,), False, None)),
    ("dry: venture down", DRY, {"campaign": DOWN},
     (S.DRY_RUN, (R.DEPENDENCY_UNAVAILABLE,), True, None)),
    ("dry: no adapter", DRY, {"channel_ready": False},
     (S.DRY_RUN, (R.CHANNEL_UNAVAILABLE,), False, None)),
    ("dry: suppressed", DRY, {"lead": contact(R.LEAD_SUPPRESSED)},
     (S.DRY_RUN, (R.LEAD_SUPPRESSED,), False, None)),
    ("dry: template gone", DRY, {"problem": "gone"},
     (S.DRY_RUN, (R.TEMPLATE_RENDER_FAILED,), False, None)),
    ("dry: template held", DRY, {"hold": "held"},
     (S.DRY_RUN, (R.TEMPLATE_HELD,), True, None)),
]


@pytest.mark.parametrize(("case", "sent", "facts", "expected"), BEFORE,
                         ids=[case[0] for case in BEFORE])
def test_before_verdict(case, sent, facts, expected):
    outcome = before(sent, **facts)
    assert summary(outcome) == expected


def test_before_verdict_refuses_to_decide_on_a_lead_it_was_not_told_about():
    with pytest.raises(ValueError, match="contactability"):
        before_verdict(LIVE, campaign=CAMPAIGN, channel="EMAIL", channel_ready=True,
                       contact=None, content_problem=None, now=NOW)


LATER = NOW + dt.timedelta(hours=3)
AFTER = [
    # (case, pass, verdict, lead, quota used before) -> state, reasons, transient, next attempt
    ("allowed", LIVE, verdict(), contact(), 0, None),
    ("kill switch", LIVE, verdict(R.CAMPAIGN_KILL_SWITCH), contact(), 0,
     (S.BLOCKED, (R.CAMPAIGN_KILL_SWITCH,), True, None)),
    ("venture inactive and kill switch", LIVE,
     verdict(R.VENTURE_INACTIVE, R.GLOBAL_KILL_SWITCH), contact(), 0,
     (S.BLOCKED, (R.GLOBAL_KILL_SWITCH, R.VENTURE_INACTIVE), True, None)),
    ("quota reached, next window known", LIVE,
     verdict(R.DAILY_LIMIT_REACHED, next_window=LATER), contact(), 0,
     (S.DEFERRED, (R.DAILY_LIMIT_REACHED,), True, LATER)),
    ("outside the window, none known", LIVE, verdict(R.OUTSIDE_SEND_WINDOW), contact(), 0,
     (S.DEFERRED, (R.OUTSIDE_SEND_WINDOW,), True, NOW + dt.timedelta(seconds=900))),
    ("quota and a stop: blocked, not deferred", LIVE,
     verdict(R.DAILY_LIMIT_REACHED, R.CAMPAIGN_NOT_RUNNING), contact(), 0,
     (S.BLOCKED, (R.CAMPAIGN_NOT_RUNNING, R.DAILY_LIMIT_REACHED), True, None)),
    ("campaign gone since", LIVE, PeerNotFound("gone"), contact(), 0,
     (S.BLOCKED, (R.CAMPAIGN_NOT_FOUND,), False, None)),
    ("venture timed out in a run", IN_RUN,
     DependencyFailure(R.DEPENDENCY_TIMEOUT, "slow"), contact(), 0,
     (S.RETRYING, (R.DEPENDENCY_TIMEOUT,), True, NOW + dt.timedelta(seconds=8))),
    ("policy asks for consent the lead lacks", LIVE, verdict(consent_required=True),
     contact(), 0, (S.SUPPRESSED, (R.LEAD_CONSENT_REQUIRED,), False, None)),
    ("policy asks for consent the lead gave", LIVE, verdict(consent_required=True),
     contact(consent="CONSENTED"), 0, None),
    ("verdict names another venture", LIVE, verdict(venture="other"), contact(), 0,
     (S.BLOCKED, (R.LEAD_VENTURE_MISMATCH,), False, None)),
    # A dry run always ends at its verdict, with the dry-run answer.
    ("dry: would be sent", DRY, verdict(quota=5), contact(), 4, (S.DRY_RUN, (), False, None)),
    ("dry: beyond today's quota", DRY, verdict(quota=5), contact(), 5,
     (S.DRY_RUN, (R.DAILY_LIMIT_REACHED,), False, None)),
    ("dry: kill switch", DRY, verdict(R.VENTURE_KILL_SWITCH), contact(), 0,
     (S.DRY_RUN, (R.VENTURE_KILL_SWITCH,), False, None)),
    ("dry: campaign gone", DRY, PeerNotFound("gone"), contact(), 0,
     (S.DRY_RUN, (R.CAMPAIGN_NOT_FOUND,), False, None)),
    ("dry: venture down", DRY, DOWN, contact(), 0,
     (S.DRY_RUN, (R.DEPENDENCY_UNAVAILABLE,), True, None)),
]


@pytest.mark.parametrize(("case", "sent", "answer", "lead", "used", "expected"), AFTER,
                         ids=[case[0] for case in AFTER])
def test_after_verdict(case, sent, answer, lead, used, expected):
    outcome = after_verdict(sent, verdict=answer, contact=lead, now=NOW,
                            quota_used_before=used)
    assert summary(outcome) == expected


def test_only_a_dry_run_that_would_be_sent_uses_quota():
    sendable = after_verdict(DRY, verdict=verdict(), contact=contact(), now=NOW)
    deferred = after_verdict(DRY, verdict=verdict(quota=0), contact=contact(), now=NOW)
    assert sendable.detail == "dry run: would be sent" and would_use_quota(sendable)
    assert deferred.detail == "dry run: would defer: DAILY_LIMIT_REACHED"
    assert not would_use_quota(deferred)
    assert not would_use_quota(Outcome(S.SENT))


REPLAYED = [
    # stored ALLOW, what venture says now -> allowed?, reasons
    ("nothing changed", verdict(), True, ()),
    ("only the quota is used up (by this very send)", verdict(R.DAILY_LIMIT_REACHED, quota=0),
     True, ()),
    ("paused since", verdict(R.CAMPAIGN_NOT_RUNNING, R.DAILY_LIMIT_REACHED), False,
     (R.CAMPAIGN_NOT_RUNNING,)),
]


@pytest.mark.parametrize(("case", "current", "allow", "reasons"), REPLAYED,
                         ids=[case[0] for case in REPLAYED])
def test_a_replayed_allow_is_stopped_only_by_a_stop_since(case, current, allow, reasons):
    stored = verdict(quota=3)
    answer = replayed_verdict(stored, current)
    assert (answer.allow, answer.reasons) == (allow, reasons)
    if allow:
        assert answer is stored


def test_a_message_that_cannot_be_built_fails_or_waits():
    rendering = unsendable(LIVE, "cannot be rendered: 'x' is undefined", NOW)
    assert (rendering.state, rendering.reasons) == (S.FAILED, (R.TEMPLATE_RENDER_FAILED,))
    waiting = unsendable(IN_RUN, DOWN, NOW)
    assert (waiting.state, waiting.next_attempt_at) == (S.RETRYING,
                                                        NOW + dt.timedelta(seconds=8))


def result(status: DeliveryStatus, *reasons: R) -> DeliveryResult:
    return DeliveryResult(status, detail=f"the channel said {status}", reasons=reasons)


DELIVERY = [
    # (case, pass, channel's answer, attempts) -> state, reasons, transient, next attempt
    ("delivered", LIVE, result(DeliveryStatus.SENT), 1, (S.SENT, (), False, None)),
    ("refused for good", LIVE, result(DeliveryStatus.PERMANENT), 1,
     (S.FAILED, (R.DELIVERY_REJECTED,), False, None)),
    ("maybe delivered", LIVE, result(DeliveryStatus.UNKNOWN), 1,
     (S.UNKNOWN_OUTCOME, (R.DELIVERY_OUTCOME_UNKNOWN,), False, None)),
    ("refused for now", LIVE, result(DeliveryStatus.TRANSIENT), 2,
     (S.RETRYING, (R.DELIVERY_FAILED,), True, NOW + dt.timedelta(seconds=4))),
    ("refused for now, attempts used up", LIVE, result(DeliveryStatus.TRANSIENT), 3,
     (S.FAILED, (R.RETRIES_EXHAUSTED,), False, None)),
    ("kill switch at the last look", IN_RUN,
     result(DeliveryStatus.WITHHELD, R.CAMPAIGN_KILL_SWITCH), 1,
     (S.BLOCKED, (R.CAMPAIGN_KILL_SWITCH,), True, None)),
    ("last look not answered, in a run", IN_RUN,
     result(DeliveryStatus.WITHHELD, R.DEPENDENCY_TIMEOUT), 1,
     (S.RETRYING, (R.DEPENDENCY_TIMEOUT,), True, NOW + dt.timedelta(seconds=8))),
    ("last look not answered, lone send", LIVE,
     result(DeliveryStatus.WITHHELD, R.DEPENDENCY_ERROR), 1,
     (S.BLOCKED, (R.DEPENDENCY_ERROR,), True, None)),
]


@pytest.mark.parametrize(("case", "sent", "answer", "attempts", "expected"), DELIVERY,
                         ids=[case[0] for case in DELIVERY])
def test_after_delivery(case, sent, answer, attempts, expected):
    assert summary(after_delivery(sent, answer, attempts=attempts, now=NOW)) == expected


def test_a_run_halts_only_at_a_send_blocked_for_a_campaign_wide_reason():
    assert halting_reasons(Outcome(S.BLOCKED, (R.DEPENDENCY_ERROR, R.CAMPAIGN_KILL_SWITCH,
                                               R.CAMPAIGN_NOT_RUNNING))) == [
        R.CAMPAIGN_NOT_RUNNING, R.CAMPAIGN_KILL_SWITCH]
    assert halting_reasons(Outcome(S.BLOCKED, (R.LEAD_NOT_FOUND,))) == []
    assert halting_reasons(Outcome(S.DRY_RUN, (R.CAMPAIGN_KILL_SWITCH,))) == []
