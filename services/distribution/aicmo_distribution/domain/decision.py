"""What a dry run answers for one recipient: one rule for ``DryRunCampaign`` and for a run
started with ``dry_run``, so the two can never disagree.

Pure functions; the callers bring the facts (the recipient's contactability reasons, the
campaign's read-only verdict, how many recipients before this one would use today's quota).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from aicmo_distribution.domain.sends import DEFERRING_REASONS, BlockReason, sorted_reasons


class DryRunVerdict(enum.StrEnum):
    SEND = "send"
    DEFER = "defer"
    BLOCK = "block"


@dataclass(frozen=True)
class DryRunAnswer:
    verdict: DryRunVerdict
    reasons: tuple[BlockReason, ...] = ()

    @property
    def uses_quota(self) -> bool:
        return self.verdict is DryRunVerdict.SEND


def dry_run_answer(recipient_reasons: Iterable[BlockReason],
                   campaign_reasons: Iterable[BlockReason], *, quota_used_before: int,
                   remaining_quota: int) -> DryRunAnswer:
    """The answer for one recipient.

    ``recipient_reasons``: why this recipient cannot be sent to (contactability, content,
    another venture); ``campaign_reasons``: the campaign's read-only verdict's deny reasons;
    ``quota_used_before``: how many recipients before this one would be sent today;
    ``remaining_quota``: how many sends today's limit still allows.

    A reason that blocks (the recipient's, or the campaign's other than the limit and the
    window) blocks; otherwise the window or the limit defers; beyond today's remaining quota the
    recipient defers with DAILY_LIMIT_REACHED; otherwise it would be sent.
    """
    own = set(recipient_reasons)
    campaign = set(campaign_reasons)
    blocking = campaign - DEFERRING_REASONS
    if own or blocking:
        return DryRunAnswer(DryRunVerdict.BLOCK, tuple(sorted_reasons(own | blocking)))
    if campaign:
        return DryRunAnswer(DryRunVerdict.DEFER, tuple(sorted_reasons(campaign)))
    if quota_used_before >= remaining_quota:
        return DryRunAnswer(DryRunVerdict.DEFER, (BlockReason.DAILY_LIMIT_REACHED,))
    return DryRunAnswer(DryRunVerdict.SEND)
