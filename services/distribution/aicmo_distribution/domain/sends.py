"""Send jobs: their states, why they were blocked, and the rules that keep delivery at most once.

A job moves QUEUED -> SENDING -> SENT along the happy path. Checks that say no end it as
SUPPRESSED (contactability) or BLOCKED (verdict, dependency failure); the daily limit and the
send window DEFER it; transient failures put it in RETRYING with backoff up to a cap. SENDING is
committed before the channel is called, so a job found SENDING by anyone but its live owner is
UNKNOWN_OUTCOME: it may have gone out and is never re-sent by itself.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class SendState(enum.StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    SUPPRESSED = "SUPPRESSED"
    BLOCKED = "BLOCKED"
    DEFERRED = "DEFERRED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"
    DRY_RUN = "DRY_RUN"
    UNKNOWN_OUTCOME = "UNKNOWN_OUTCOME"


class DeliveryStage(enum.StrEnum):
    """How far a send's latest delivery attempt got. Only CONTENT (or a stage not known) may
    have been accepted by the channel; a send that stopped before is provably not delivered."""

    STARTED = "STARTED"  # handed to the channel, nothing sent yet (SMTP: before MAIL FROM)
    ENVELOPE = "ENVELOPE"  # envelope accepted, no content sent (SMTP: after RCPT, before DATA)
    CONTENT = "CONTENT"  # the content is being sent (SMTP: DATA issued; webhook: the body)
    ANSWERED = "ANSWERED"  # the channel answered (accepted or refused)


# Stages at which a send left SENDING by a stopped process never gave out its content: it goes
# back to the queue instead of to review.
NOT_LEFT_STAGES = frozenset({DeliveryStage.STARTED, DeliveryStage.ENVELOPE})


class BlockReason(enum.StrEnum):
    LEAD_DNC = "LEAD_DNC"
    LEAD_SUPPRESSED = "LEAD_SUPPRESSED"
    LEAD_ERASED = "LEAD_ERASED"
    LEAD_NO_ADDRESS = "LEAD_NO_ADDRESS"
    LEAD_CONSENT_REQUIRED = "LEAD_CONSENT_REQUIRED"
    LEAD_MERGED = "LEAD_MERGED"
    LEAD_NOT_FOUND = "LEAD_NOT_FOUND"
    LEAD_VENTURE_MISMATCH = "LEAD_VENTURE_MISMATCH"
    CAMPAIGN_NOT_RUNNING = "CAMPAIGN_NOT_RUNNING"
    CAMPAIGN_KILL_SWITCH = "CAMPAIGN_KILL_SWITCH"
    VENTURE_KILL_SWITCH = "VENTURE_KILL_SWITCH"
    GLOBAL_KILL_SWITCH = "GLOBAL_KILL_SWITCH"
    VENTURE_INACTIVE = "VENTURE_INACTIVE"
    CHANNEL_NOT_ALLOWED = "CHANNEL_NOT_ALLOWED"
    DAILY_LIMIT_REACHED = "DAILY_LIMIT_REACHED"
    OUTSIDE_SEND_WINDOW = "OUTSIDE_SEND_WINDOW"
    CAMPAIGN_NOT_FOUND = "CAMPAIGN_NOT_FOUND"
    DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"
    DEPENDENCY_TIMEOUT = "DEPENDENCY_TIMEOUT"
    DEPENDENCY_ERROR = "DEPENDENCY_ERROR"
    TEMPLATE_RENDER_FAILED = "TEMPLATE_RENDER_FAILED"
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"
    DELIVERY_REJECTED = "DELIVERY_REJECTED"
    DELIVERY_FAILED = "DELIVERY_FAILED"
    RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED"
    RUN_CANCELLED = "RUN_CANCELLED"
    DELIVERY_OUTCOME_UNKNOWN = "DELIVERY_OUTCOME_UNKNOWN"
    TEMPLATE_HELD = "TEMPLATE_HELD"
    LEAD_REPLIED = "LEAD_REPLIED"


CHANNELS = ("EMAIL", "LINKEDIN", "SMS", "WEBHOOK")

# States the job can still leave by itself or by a retry; everything else is final.
FINAL_STATES = frozenset({SendState.SENT, SendState.SUPPRESSED, SendState.FAILED,
                          SendState.DRY_RUN, SendState.UNKNOWN_OUTCOME})
# States the background worker picks up when they are due.
DUE_STATES = frozenset({SendState.QUEUED, SendState.DEFERRED, SendState.RETRYING})
# States a run still waits on.
PENDING_STATES = frozenset({SendState.QUEUED, SendState.SENDING, SendState.DEFERRED,
                            SendState.RETRYING})

# The verdict reasons that mean "later", not "no": the send is deferred, not blocked.
DEFERRING_REASONS = frozenset({BlockReason.DAILY_LIMIT_REACHED, BlockReason.OUTSIDE_SEND_WINDOW})
DEPENDENCY_REASONS = frozenset({BlockReason.DEPENDENCY_UNAVAILABLE, BlockReason.DEPENDENCY_TIMEOUT,
                                BlockReason.DEPENDENCY_ERROR})
# Verdict reasons about the campaign as a whole: a run stops at the first send that meets one.
RUN_HALTING_REASONS = frozenset({
    BlockReason.CAMPAIGN_NOT_RUNNING, BlockReason.CAMPAIGN_KILL_SWITCH,
    BlockReason.VENTURE_KILL_SWITCH, BlockReason.GLOBAL_KILL_SWITCH,
    BlockReason.VENTURE_INACTIVE, BlockReason.CHANNEL_NOT_ALLOWED,
    BlockReason.CAMPAIGN_NOT_FOUND, BlockReason.TEMPLATE_HELD,
})
# Verdict reasons an operator can lift (resume, release a switch): a later retry may succeed.
REVERSIBLE_REASONS = RUN_HALTING_REASONS - {BlockReason.CAMPAIGN_NOT_FOUND}

# leads' ContactabilityReason names -> block reasons.
CONTACTABILITY_REASONS: Mapping[str, BlockReason] = {
    "DNC": BlockReason.LEAD_DNC,
    "SUPPRESSED": BlockReason.LEAD_SUPPRESSED,
    "ERASED": BlockReason.LEAD_ERASED,
    "NO_ADDRESS_FOR_CHANNEL": BlockReason.LEAD_NO_ADDRESS,
    "CONSENT_REQUIRED_UNKNOWN": BlockReason.LEAD_CONSENT_REQUIRED,
    "MERGED": BlockReason.LEAD_MERGED,
}

# venture's DenyReason names -> block reasons.
DENY_REASONS: Mapping[str, BlockReason] = {
    "CAMPAIGN_NOT_RUNNING": BlockReason.CAMPAIGN_NOT_RUNNING,
    "CAMPAIGN_KILL_SWITCH": BlockReason.CAMPAIGN_KILL_SWITCH,
    "VENTURE_KILL_SWITCH": BlockReason.VENTURE_KILL_SWITCH,
    "GLOBAL_KILL_SWITCH": BlockReason.GLOBAL_KILL_SWITCH,
    "VENTURE_INACTIVE": BlockReason.VENTURE_INACTIVE,
    "CHANNEL_NOT_ALLOWED": BlockReason.CHANNEL_NOT_ALLOWED,
    "DAILY_LIMIT_REACHED": BlockReason.DAILY_LIMIT_REACHED,
    "OUTSIDE_SEND_WINDOW": BlockReason.OUTSIDE_SEND_WINDOW,
}


def sorted_reasons(reasons: Iterable[BlockReason | str]) -> list[BlockReason]:
    """Reasons once each, in the enum's order (stable answers, comparable in tests)."""
    order = {reason: index for index, reason in enumerate(BlockReason)}
    return sorted({BlockReason(r) for r in reasons}, key=order.__getitem__)


@dataclass(frozen=True)
class SendJob:
    """One send as recorded: what goes to whom on which channel, and where it stands. Built by
    the repository from its row; a change is written as column values and read back as a new
    SendJob."""

    id: str
    request_id: str | None
    request_hash: str
    # (campaign, lead, step) as one value (``dedupe_key``); None for a dry run.
    dedupe_key: str | None
    campaign_id: str
    venture_id: str
    lead_id: str
    channel: str
    step: int
    template_id: str | None
    inline_subject: str | None
    inline_body_text: str | None
    inline_body_html: str | None
    run_id: str | None
    dry_run: bool
    state: SendState
    block_reasons: tuple[BlockReason, ...]
    transient: bool
    detail: str
    delivery_attempts: int
    check_attempts: int
    # Which AuthorizeSend key is current (see ``verdict_key``).
    verdict_sequence: int
    message_id: str
    remaining_quota: int
    next_attempt_at: dt.datetime | None
    # The claim: which replica works on the send, until when.
    claimed_by: str | None
    claim_expires_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_day: str
    sent_at: dt.datetime | None
    resolution_note: str
    delivery_stage: DeliveryStage | None = None

    @property
    def in_run(self) -> bool:
        return self.run_id is not None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass(frozen=True)
class Outcome:
    """Where a job goes after one pass of the send path, and why."""

    state: SendState
    reasons: tuple[BlockReason, ...] = ()
    transient: bool = False
    detail: str = ""
    next_attempt_at: dt.datetime | None = None


def outcome_for_contactability(reasons: Iterable[BlockReason]) -> Outcome:
    """Contactability said no: the person must not be contacted; final."""
    listed = tuple(sorted_reasons(reasons))
    return Outcome(SendState.SUPPRESSED, listed, False,
                   "the lead may not be contacted: " + ", ".join(listed))


def outcome_for_denial(reasons: Iterable[BlockReason], *, next_window: dt.datetime | None,
                       now: dt.datetime, fallback_delay: dt.timedelta) -> Outcome:
    """The verdict denied. Only-"later" reasons defer the send; anything else blocks it."""
    listed = tuple(sorted_reasons(reasons))
    if listed and set(listed) <= DEFERRING_REASONS:
        when = next_window if next_window is not None and next_window > now else (
            now + fallback_delay)
        return Outcome(SendState.DEFERRED, listed, True,
                       "deferred by the verdict: " + ", ".join(listed), when)
    reversible = bool(set(listed) & REVERSIBLE_REASONS) and not (
        set(listed) - REVERSIBLE_REASONS - DEFERRING_REASONS)
    return Outcome(SendState.BLOCKED, listed, reversible,
                   "denied by the verdict: " + ", ".join(listed))


def outcome_for_dependency(reason: BlockReason, detail: str, *, retry_at: dt.datetime | None
                           ) -> Outcome:
    """A call to leads or venture failed: fail closed. In a run the worker retries by itself
    (RETRYING); a single send is BLOCKED and the caller retries with the same request id."""
    if retry_at is not None:
        return Outcome(SendState.RETRYING, (reason,), True, detail, retry_at)
    return Outcome(SendState.BLOCKED, (reason,), True, detail)


def retry_delay(attempt: int, *, base_seconds: float, max_seconds: float) -> dt.timedelta:
    """Exponential backoff: base, 2*base, 4*base ... capped."""
    seconds = min(base_seconds * (2 ** max(attempt - 1, 0)), max_seconds)
    return dt.timedelta(seconds=seconds)


def verdict_key(send_id: str, sequence: int) -> str:
    """The send id given to AuthorizeSend. Venture stores the verdict under it and answers the
    same forever, so after a DENY (deferral, pause) the next try needs a new key; after an ALLOW
    or a failed call the key stays, so a lost answer never reserves a second unit."""
    return send_id if sequence == 0 else f"{send_id}~{sequence}"


def message_id_for(send_id: str, domain: str) -> str:
    """The email Message-ID: derived from the send id, so a duplicate is recognisable."""
    return f"<{send_id}@{domain or 'aicmo.invalid'}>"


def request_fingerprint(values: Mapping[str, object]) -> str:
    """A stable hash of a request's parameters, to tell a retry from a reused request id."""
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dedupe_key(campaign_id: str, lead_id: str, step: int) -> str:
    """(campaign, lead, step) as one unique value; dry runs carry none."""
    return f"{campaign_id}|{lead_id}|{step}"


@dataclass(frozen=True)
class FailureWindow:
    """Auto-pause: too many failures among a run's most recent delivery attempts."""

    ratio: float
    window: int

    def crossed(self, recent_outcomes: list[bool]) -> bool:
        """``recent_outcomes`` holds True for each failed attempt, newest first."""
        if self.window <= 0 or self.ratio <= 0 or len(recent_outcomes) < self.window:
            return False
        failures = sum(1 for failed in recent_outcomes[: self.window] if failed)
        return failures / self.window > self.ratio  # "crosses": strictly above
