"""The dry-run rule, table-driven: the one answer DryRunCampaign and a dry-run run both give."""

from __future__ import annotations

import pytest

from aicmo_distribution.domain.decision import DryRunVerdict, dry_run_answer
from aicmo_distribution.domain.sends import BlockReason as R

CASES = [
    # recipient reasons, campaign reasons, used before, remaining -> verdict, reasons
    ((), (), 0, 10, DryRunVerdict.SEND, ()),
    ((), (), 9, 10, DryRunVerdict.SEND, ()),
    ((), (), 10, 10, DryRunVerdict.DEFER, (R.DAILY_LIMIT_REACHED,)),
    ((), (), 0, 0, DryRunVerdict.DEFER, (R.DAILY_LIMIT_REACHED,)),
    ((R.LEAD_DNC,), (), 0, 10, DryRunVerdict.BLOCK, (R.LEAD_DNC,)),
    ((R.LEAD_DNC,), (), 10, 10, DryRunVerdict.BLOCK, (R.LEAD_DNC,)),  # blocked, not deferred
    ((), (R.OUTSIDE_SEND_WINDOW,), 0, 10, DryRunVerdict.DEFER, (R.OUTSIDE_SEND_WINDOW,)),
    ((), (R.DAILY_LIMIT_REACHED,), 0, 0, DryRunVerdict.DEFER, (R.DAILY_LIMIT_REACHED,)),
    ((), (R.CAMPAIGN_KILL_SWITCH,), 0, 10, DryRunVerdict.BLOCK, (R.CAMPAIGN_KILL_SWITCH,)),
    ((), (R.CAMPAIGN_KILL_SWITCH, R.OUTSIDE_SEND_WINDOW), 0, 10, DryRunVerdict.BLOCK,
     (R.CAMPAIGN_KILL_SWITCH,)),
    ((R.LEAD_SUPPRESSED,), (R.CAMPAIGN_NOT_RUNNING, R.DAILY_LIMIT_REACHED), 0, 0,
     DryRunVerdict.BLOCK, (R.LEAD_SUPPRESSED, R.CAMPAIGN_NOT_RUNNING)),
]


@pytest.mark.parametrize(("own", "campaign", "used", "remaining", "verdict", "reasons"), CASES)
def test_dry_run_answer(own, campaign, used, remaining, verdict, reasons):
    answer = dry_run_answer(own, campaign, quota_used_before=used, remaining_quota=remaining)
    assert answer.verdict is verdict
    assert answer.reasons == reasons
    assert answer.uses_quota is (verdict is DryRunVerdict.SEND)
