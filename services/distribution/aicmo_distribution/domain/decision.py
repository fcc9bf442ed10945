"""What becomes of a send, decided in one place: pure functions over the facts the path has
gathered (the campaign, the channel, the lead's contactability, the content, the verdict, the
channel's answer). The send path, the batch path and both dry runs call them, so they can never
disagree.

The path asks its questions in order and stops at the first answer that says no:
``before_verdict`` (the campaign, the channel, the lead, the content), ``after_verdict`` (the
verdict, or in a dry run the dry-run answer), ``unsendable`` (the message could not be built)
and ``after_delivery`` (the channel's answer). A dry run records what would have happened and
is never retried by itself: every outcome of a dry run is DRY_RUN (see ``_as_run``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from aicmo_distribution.domain.delivery import DeliveryResult, DeliveryStatus
from aicmo_distribution.domain.peers import (
    CampaignFacts,
    Contactability,
    DependencyFailure,
    PeerNotFound,
    Verdict,
)
from aicmo_distribution.domain.sends import (
    DEFERRING_REASONS,
    DEPENDENCY_REASONS,
    RUN_HALTING_REASONS,
    BlockReason,
    Outcome,
    SendJob,
    SendState,
    outcome_for_contactability,
    outcome_for_denial,
    outcome_for_dependency,
    retry_delay,
    sorted_reasons,
)


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
    """What a dry run answers for one recipient: one rule for ``DryRunCampaign`` and for a run
    started with ``dry_run``.

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


@dataclass(frozen=True)
class SendPolicy:
    """How the path retries and defers (from the service's configuration)."""

    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 300.0
    defer_fallback_seconds: float = 900.0

    def backoff(self, attempt: int) -> dt.timedelta:
        return retry_delay(attempt, base_seconds=self.retry_base_seconds,
                           max_seconds=self.retry_max_seconds)

    @property
    def defer_fallback(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.defer_fallback_seconds)


@dataclass(frozen=True)
class Pass:
    """One pass of the path over one send, as the decisions see it."""

    dry_run: bool
    in_run: bool
    check_attempts: int
    policy: SendPolicy = SendPolicy()

    @classmethod
    def of(cls, job: SendJob, policy: SendPolicy) -> Pass:
        return cls(dry_run=job.dry_run, in_run=job.in_run, check_attempts=job.check_attempts,
                   policy=policy)


# What a question to venture or leads may answer besides its answer.
Failure = PeerNotFound | DependencyFailure


def _as_run(sent: Pass, outcome: Outcome) -> Outcome:
    """The outcome as the send records it: a dry run records what would have happened, with
    its reasons, and is never retried by itself."""
    if not sent.dry_run:
        return outcome
    return Outcome(SendState.DRY_RUN, outcome.reasons, outcome.transient, outcome.detail)


def _stop(sent: Pass, reason: BlockReason, detail: str,
          state: SendState = SendState.BLOCKED) -> Outcome:
    return _as_run(sent, Outcome(state, (reason,), False, detail))


def dependency_failed(sent: Pass, reason: BlockReason, detail: str, now: dt.datetime
                      ) -> Outcome:
    """A call to leads or venture failed: fail closed. A run send waits out the outage (the
    backoff is capped), so the run carries on once they are back; a lone CreateSend answers at
    once and its caller retries."""
    retry_at = now + sent.policy.backoff(sent.check_attempts) if sent.in_run else None
    return _as_run(sent, outcome_for_dependency(reason, detail, retry_at=retry_at))


def _failed(sent: Pass, failure: Failure, missing: BlockReason, what: str, now: dt.datetime
            ) -> Outcome:
    if isinstance(failure, PeerNotFound):
        return _stop(sent, missing, f"the {what} does not exist")
    return dependency_failed(sent, failure.reason, failure.detail, now)


def before_verdict(sent: Pass, *, campaign: CampaignFacts | Failure, channel: str,
                   channel_ready: bool, contact: Contactability | Failure | None,
                   content_problem: str | None, now: dt.datetime,
                   template_hold: str = "") -> Outcome | None:
    """The first reason the send goes no further before it asks for its verdict, or None.

    In order: the campaign (missing, or venture not answering), a channel with no adapter, the
    lead (missing, leads not answering, not contactable, another venture's), the content (a
    template gone or another venture's, or held back for its complaints: ``template_hold`` is
    why; that stops the run until the template is released and the run resumed). ``contact``
    is None only when it was not asked, which is right only when the campaign or the channel
    already stops the send."""
    if not isinstance(campaign, CampaignFacts):
        return _failed(sent, campaign, BlockReason.CAMPAIGN_NOT_FOUND, "campaign", now)
    if not channel_ready:
        return _stop(sent, BlockReason.CHANNEL_UNAVAILABLE,
                     f"no adapter is configured for {channel}")
    if contact is None:
        raise ValueError("the lead's contactability was not asked")
    if not isinstance(contact, Contactability):
        return _failed(sent, contact, BlockReason.LEAD_NOT_FOUND, "lead", now)
    if not contact.allowed:
        return _as_run(sent, outcome_for_contactability(contact.reasons))
    if contact.venture_id != campaign.venture_id:
        return _stop(sent, BlockReason.LEAD_VENTURE_MISMATCH,
                     "the lead belongs to another venture than the campaign")
    if content_problem is not None:
        return _stop(sent, BlockReason.TEMPLATE_RENDER_FAILED, content_problem,
                     SendState.FAILED)
    if template_hold:
        return _as_run(sent, Outcome(SendState.BLOCKED, (BlockReason.TEMPLATE_HELD,), True,
                                     f"the template is held back: {template_hold}"))
    return None


def after_verdict(sent: Pass, *, verdict: Verdict | Failure, contact: Contactability,
                  now: dt.datetime, quota_used_before: int = 0) -> Outcome | None:
    """What the verdict says: None when the send may be delivered.

    A dry run asked for the read-only verdict and always ends here with the dry-run answer
    (``quota_used_before``: how many sends of its run before it would use today's quota). A
    live send is deferred or blocked by a DENY; an ALLOW still stops it when the verdict's
    policy asks for consent the lead has not given, or names another venture than the lead's.
    """
    if not isinstance(verdict, Verdict):
        return _failed(sent, verdict, BlockReason.CAMPAIGN_NOT_FOUND, "campaign", now)
    if sent.dry_run:
        answer = dry_run_answer((), () if verdict.allow else verdict.reasons,
                                quota_used_before=quota_used_before,
                                remaining_quota=verdict.remaining_quota)
        return Outcome(SendState.DRY_RUN, answer.reasons, False,
                       "dry run: would be sent" if answer.uses_quota else
                       f"dry run: would {answer.verdict}: "
                       + ", ".join(str(r) for r in answer.reasons))
    if not verdict.allow:
        return outcome_for_denial(verdict.reasons, next_window=verdict.next_window_open,
                                  now=now, fallback_delay=sent.policy.defer_fallback)
    # The verdict's policy is the newest word on consent: re-apply it to the answer leads
    # gave (which always carries the lead's consent), without a second call.
    if verdict.consent_required and contact.consent_status != "CONSENTED":
        return outcome_for_contactability((BlockReason.LEAD_CONSENT_REQUIRED,))
    if verdict.venture_id and verdict.venture_id != contact.venture_id:
        return _stop(sent, BlockReason.LEAD_VENTURE_MISMATCH,
                     "the lead belongs to another venture than the campaign")
    return None


def would_use_quota(outcome: Outcome) -> bool:
    """Whether a dry run's outcome is "would be sent" (it counts against today's quota)."""
    return outcome.state is SendState.DRY_RUN and not outcome.reasons


def replayed_verdict(stored: Verdict, current: Verdict) -> Verdict:
    """A replayed ALLOW was decided earlier (a lost answer, or a retry after a channel
    failure). The unit it reserved is the send's, but a pause or kill switch since then must
    still stop it: ``current`` is the read-only verdict of now, whose used-up quota does not
    count."""
    reasons = tuple(r for r in current.reasons if r is not BlockReason.DAILY_LIMIT_REACHED)
    if current.allow or not reasons:
        return stored
    return Verdict(False, reasons, current.remaining_quota, current.venture_id,
                   current.consent_required, current.sender, current.next_window_open)


def unsendable(sent: Pass, problem: DependencyFailure | str, now: dt.datetime) -> Outcome:
    """The message could not be built after its ALLOW: venture did not answer (a retry may
    work), or the template cannot be rendered for this lead (final)."""
    if isinstance(problem, DependencyFailure):
        return dependency_failed(sent, problem.reason, problem.detail, now)
    return _stop(sent, BlockReason.TEMPLATE_RENDER_FAILED, problem, SendState.FAILED)


def after_delivery(sent: Pass, result: DeliveryResult, *, attempts: int, now: dt.datetime
                   ) -> Outcome:
    """What the channel's answer makes of the send; ``attempts`` counts this one.

    Delivered: SENT. Refused for good: FAILED. Withheld by the last look (nothing went out):
    deferred or blocked like a DENY, or retried like any dependency failure when the look could
    not be asked. Maybe delivered: UNKNOWN_OUTCOME, for review, never resent by itself.
    Refused for now: RETRYING with backoff, FAILED once the attempts are used up."""
    if result.status is DeliveryStatus.SENT:
        return Outcome(SendState.SENT, (), False, result.detail or "delivered")
    if result.status is DeliveryStatus.PERMANENT:
        return Outcome(SendState.FAILED, (BlockReason.DELIVERY_REJECTED,), False,
                       result.detail)
    if result.status is DeliveryStatus.WITHHELD:
        # The verdict's ALLOW stays stored under its key, so a resumed run or a retry replays
        # it, looks again, and reserves nothing more.
        reasons = tuple(result.reasons)
        if set(reasons) & DEPENDENCY_REASONS:
            return dependency_failed(sent, reasons[0], result.detail, now)
        return outcome_for_denial(reasons, next_window=None, now=now,
                                  fallback_delay=sent.policy.defer_fallback)
    if result.status is DeliveryStatus.UNKNOWN:
        return Outcome(SendState.UNKNOWN_OUTCOME, (BlockReason.DELIVERY_OUTCOME_UNKNOWN,),
                       False, result.detail)
    if attempts >= sent.policy.max_attempts:
        return Outcome(SendState.FAILED, (BlockReason.RETRIES_EXHAUSTED,), False,
                       f"{result.detail}; gave up after {attempts} attempts")
    return Outcome(SendState.RETRYING, (BlockReason.DELIVERY_FAILED,), True, result.detail,
                   now + sent.policy.backoff(attempts))


def halting_reasons(outcome: Outcome) -> list[BlockReason]:
    """The reasons about the campaign as a whole that stop a run at this send (none when the
    send was not blocked)."""
    if outcome.state is not SendState.BLOCKED:
        return []
    return sorted_reasons(set(outcome.reasons) & RUN_HALTING_REASONS)
