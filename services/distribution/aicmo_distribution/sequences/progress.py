"""How an enrolment moves, as pure functions: what a due step does given the campaign's
status, and where an outcome of the step's send leaves the lead. The scheduler reads the facts
and writes what these answer; nothing here touches a database."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from aicmo_common.business_time import BusinessCalendar, add_business
from aicmo_distribution.domain.sends import BlockReason, SendState
from aicmo_distribution.sequences.definition import Condition, Definition, following_step

# A step blocked for a reason that may lift (a kill switch, the campaign paused, a peer
# down) is tried again this much later; a due step of a paused campaign is looked at again
# after PAUSED_RECHECK.
RETRY_AFTER = dt.timedelta(minutes=15)
PAUSED_RECHECK = dt.timedelta(minutes=1)


class State(enum.StrEnum):
    WAITING = "WAITING"
    SENDING = "SENDING"
    SETTLED = "SETTLED"  # the step's send has an outcome the scheduler acts on next
    FINISHED = "FINISHED"
    STOPPED = "STOPPED"


DUE_STATES = (State.WAITING, State.SETTLED)
FINAL_STATES = frozenset({State.FINISHED, State.STOPPED})
# The send outcomes an enrolment acts on (DEFERRED and RETRYING come back by themselves;
# UNKNOWN_OUTCOME waits for an operator's review).
SETTLING_SEND_STATES = frozenset({SendState.SENT, SendState.SUPPRESSED, SendState.BLOCKED,
                                  SendState.FAILED})


class Stop(enum.StrEnum):
    REPLIED = "REPLIED"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    HARD_BOUNCE = "HARD_BOUNCE"
    COMPLAINED = "COMPLAINED"
    NOT_CONTACTABLE = "NOT_CONTACTABLE"
    MANUAL = "MANUAL"
    CAMPAIGN_ENDED = "CAMPAIGN_ENDED"
    SEND_FAILED = "SEND_FAILED"


_STOP_FOR_REASON = {
    BlockReason.LEAD_REPLIED: Stop.REPLIED,
    BlockReason.LEAD_DNC: Stop.UNSUBSCRIBED,
    BlockReason.CAMPAIGN_NOT_FOUND: Stop.CAMPAIGN_ENDED,
}
_LEAD_REASONS = frozenset({
    BlockReason.LEAD_SUPPRESSED, BlockReason.LEAD_ERASED, BlockReason.LEAD_NO_ADDRESS,
    BlockReason.LEAD_CONSENT_REQUIRED, BlockReason.LEAD_MERGED, BlockReason.LEAD_NOT_FOUND,
    BlockReason.LEAD_VENTURE_MISMATCH})
ENDED_CAMPAIGN_STATUSES = frozenset({"STOPPED", "COMPLETED", "NOT_FOUND"})


def stopped(reason: Stop, detail: str) -> dict[str, object]:
    return {"state": str(State.STOPPED), "stop_reason": str(reason), "detail": detail,
            "due_at": None}


def advanced(definition: Definition, calendar: BusinessCalendar, *, position: int,
             since: dt.datetime, detail: str) -> dict[str, object]:
    """After the step at ``position`` (from 1): WAITING for the next step, due its wait after
    ``since``, or FINISHED when none follows."""
    following = following_step(definition, position - 1)
    if following is None:
        return {"state": str(State.FINISHED), "due_at": None, "detail": detail}
    wait = definition.steps[following].wait
    return {"state": str(State.WAITING), "step": following + 1, "detail": detail,
            "due_at": add_business(calendar, since, days=wait.business_days,
                                   hours=wait.business_hours)}


def when_due(definition: Definition, calendar: BusinessCalendar, *, position: int,
             campaign_status: str | None, previous_delivered: bool | None,
             now: dt.datetime) -> dict[str, object] | None:
    """A WAITING enrolment whose time has come: None to send the step now, else the change
    (look again later, pass the step over, or stop)."""
    if campaign_status in ENDED_CAMPAIGN_STATUSES:
        return stopped(Stop.CAMPAIGN_ENDED, f"the campaign is {campaign_status}")
    if campaign_status != "RUNNING":
        # Paused, draft, or venture did not answer: the step waits, nothing is sent.
        return {"due_at": now + PAUSED_RECHECK,
                "detail": f"waiting: the campaign is {campaign_status or 'not known now'}"}
    condition = definition.steps[position - 1].condition
    met = (condition is Condition.ALWAYS
           or (condition is Condition.PREVIOUS_DELIVERED and previous_delivered is True)
           or (condition is Condition.PREVIOUS_NOT_DELIVERED and previous_delivered is False))
    if met:
        return None
    return advanced(definition, calendar, position=position, since=now,
                    detail=f"step {position} passed over: its condition "
                           f"{condition.lower()} was not met")


def after_outcome(definition: Definition, calendar: BusinessCalendar, *, position: int,
                  send_state: SendState, reasons: Iterable[BlockReason], transient: bool,
                  sent_at: dt.datetime | None, now: dt.datetime) -> dict[str, object]:
    """Where the step's send left the lead: on to the next step after a delivery, stopped when
    the person may not be reached or the send failed for good, the same step again later when
    the block may lift."""
    listed = set(reasons)
    if send_state is SendState.SENT:
        change = advanced(definition, calendar, position=position, since=sent_at or now,
                          detail=f"step {position} sent")
        change["sent"] = True
        return change
    for reason, stop in _STOP_FOR_REASON.items():
        if reason in listed:
            return stopped(stop, f"step {position}: {reason}")
    if send_state is SendState.SUPPRESSED or listed & _LEAD_REASONS:
        return stopped(Stop.NOT_CONTACTABLE,
                       f"step {position}: " + ", ".join(sorted(str(r) for r in listed)))
    if send_state is SendState.BLOCKED and transient:
        return {"state": str(State.WAITING), "due_at": now + RETRY_AFTER,
                "detail": f"step {position} blocked for now ("
                          + ", ".join(sorted(str(r) for r in listed)) + "); tried again"}
    return stopped(Stop.SEND_FAILED,
                   f"step {position}: {send_state}: "
                   + ", ".join(sorted(str(r) for r in listed)))
