"""The send rules: deferral versus block, verdict keys, backoff, auto-pause, tokens."""

from __future__ import annotations

import datetime as dt

from aicmo_common.signed_body import signature, verify_signature
from aicmo_distribution.domain.sends import (
    BlockReason,
    FailureWindow,
    SendState,
    outcome_for_contactability,
    outcome_for_denial,
    retry_delay,
    verdict_key,
)

NOW = dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC)
SECRET = "s" * 40


def test_daily_limit_and_window_defer_until_the_next_window():
    opens = NOW + dt.timedelta(hours=3)
    outcome = outcome_for_denial([BlockReason.OUTSIDE_SEND_WINDOW,
                                  BlockReason.DAILY_LIMIT_REACHED], next_window=opens,
                                 now=NOW, fallback_delay=dt.timedelta(minutes=5))
    assert outcome.state is SendState.DEFERRED and outcome.transient
    assert outcome.next_attempt_at == opens
    assert outcome.reasons == (BlockReason.DAILY_LIMIT_REACHED,
                               BlockReason.OUTSIDE_SEND_WINDOW)


def test_any_other_reason_blocks_even_beside_a_deferring_one():
    outcome = outcome_for_denial([BlockReason.DAILY_LIMIT_REACHED,
                                  BlockReason.GLOBAL_KILL_SWITCH], next_window=None, now=NOW,
                                 fallback_delay=dt.timedelta(minutes=5))
    assert outcome.state is SendState.BLOCKED and outcome.transient
    assert outcome.next_attempt_at is None


def test_contactability_refusals_are_final():
    outcome = outcome_for_contactability([BlockReason.LEAD_ERASED, BlockReason.LEAD_DNC])
    assert outcome.state is SendState.SUPPRESSED and not outcome.transient
    assert outcome.reasons == (BlockReason.LEAD_DNC, BlockReason.LEAD_ERASED)


def test_verdict_keys_change_only_with_the_sequence():
    assert verdict_key("s1", 0) == "s1"
    assert verdict_key("s1", 2) == "s1~2" != verdict_key("s1", 1)


def test_backoff_doubles_up_to_the_cap():
    delays = [retry_delay(n, base_seconds=1, max_seconds=5).total_seconds()
              for n in range(1, 6)]
    assert delays == [1, 2, 4, 5, 5]


def test_auto_pause_needs_a_full_window_over_the_ratio():
    window = FailureWindow(0.2, 5)
    assert not window.crossed([True, True, True, True])  # not enough attempts yet
    assert not window.crossed([True, False, False, False, False, True])
    assert window.crossed([True, True, False, False, False])
    assert not FailureWindow(0, 5).crossed([True] * 5)


def test_webhook_signatures_bind_timestamp_and_body():
    header = signature("k" * 20, "1700000000", b'{"a":1}')
    assert verify_signature("k" * 20, "1700000000", b'{"a":1}', header, now=1700000010)
    assert not verify_signature("k" * 20, "1700000000", b'{"a":2}', header, now=1700000010)
    assert not verify_signature("k" * 20, "1700000000", b'{"a":1}', header, now=1700009999)
