"""Sequences between protos and the domain's values."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aicmo.distribution.v1 import sequences_pb2 as pb
from aicmo_distribution.entrypoints.mapping import channel_name, channel_value, stamp
from aicmo_distribution.sequences.definition import (
    Branch,
    Calendar,
    Condition,
    Definition,
    PlannedStep,
    Step,
    Variant,
    Wait,
)
from aicmo_distribution.sequences.enrolling import Status, shown_state
from aicmo_distribution.sequences.service import SequenceVersion

_CONDITIONS = {
    pb.STEP_CONDITION_UNSPECIFIED: Condition.ALWAYS,
    pb.STEP_CONDITION_PREVIOUS_DELIVERED: Condition.PREVIOUS_DELIVERED,
    pb.STEP_CONDITION_PREVIOUS_NOT_DELIVERED: Condition.PREVIOUS_NOT_DELIVERED,
}
_CONDITION_VALUES = {name: value for value, name in _CONDITIONS.items()}


def definition_of(message: pb.Sequence) -> tuple[Definition, list[tuple[str, str]]]:
    """The definition a Sequence message carries, and what in it is not even a value (an
    unknown condition number); the rest is checked by ``definition.problems``."""
    bad: list[tuple[str, str]] = []
    steps = []
    for index, step in enumerate(message.steps):
        condition = _CONDITIONS.get(step.condition)
        if condition is None:
            bad.append((f"sequence.steps[{index}].condition", "is not a step condition"))
            condition = Condition.ALWAYS
        steps.append(Step(
            key=step.key, channel=channel_name(step.channel),
            variants=tuple(Variant(v.template_id, v.weight or 1) for v in step.variants),
            wait=Wait(step.wait.business_days, step.wait.business_hours),
            condition=condition,
            branches=tuple(Branch(tuple(b.objections), b.goto_step) for b in step.branches),
            next_step=step.next_step, last=step.last))
    calendar = message.calendar
    return Definition(message.name, tuple(steps), Calendar(
        tuple(calendar.days), calendar.start_minute, calendar.end_minute,
        tuple(calendar.holidays))), bad


def sequence_proto(version: SequenceVersion) -> pb.Sequence:
    definition = version.definition
    calendar = definition.calendar
    days, start, end = calendar.resolved()
    return pb.Sequence(
        campaign_id=version.campaign_id, venture_id=version.venture_id,
        name=definition.name, version=version.version, time_zone=version.time_zone,
        create_time=stamp(version.created_at),
        calendar=pb.BusinessCalendar(days=list(days), start_minute=start, end_minute=end,
                                     holidays=list(calendar.holidays)),
        steps=[pb.SequenceStep(
            key=step.key, channel=channel_value(step.channel),
            variants=[pb.TemplateVariant(template_id=v.template_id, weight=v.weight)
                      for v in step.variants],
            wait=pb.Wait(business_days=step.wait.business_days,
                         business_hours=step.wait.business_hours),
            condition=_CONDITION_VALUES[step.condition],
            branches=[pb.Branch(objections=list(b.objections), goto_step=b.goto_step)
                      for b in step.branches],
            next_step=step.next_step, last=step.last) for step in definition.steps])


def timeline_proto(planned: list[PlannedStep], zone: ZoneInfo) -> list[pb.TimelineEntry]:
    """The planned steps, each due time also as local wall time in the venture's zone."""
    return [pb.TimelineEntry(
        step_key=entry.step.key, step=entry.index + 1, channel=channel_value(entry.step.channel),
        template_id=entry.variant.template_id, due_time=stamp(entry.due),
        local_time=entry.due.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        condition=_CONDITION_VALUES[entry.step.condition]) for entry in planned]


def enrollment_proto(row: dict, step_key: str) -> pb.Enrollment:
    final = row["state"] in ("FINISHED", "STOPPED")
    return pb.Enrollment(
        campaign_id=row["campaign_id"], lead_id=row["lead_id"], version=row["version"],
        state=pb.EnrollmentState.Value("ENROLLMENT_STATE_" + shown_state(row["state"])),
        step_key=step_key, step=0 if final else row["step"],
        wait_until=stamp(row["due_at"]) if row["due_at"] and not final else None,
        stop_reason=pb.StopReason.Value("STOP_REASON_" + row["stop_reason"])
        if row["stop_reason"] else pb.STOP_REASON_UNSPECIFIED,
        detail=row["detail"], send_id=row["send_id"] or "", steps_sent=row["steps_sent"],
        enroll_time=stamp(row["enrolled_at"]), update_time=stamp(row["updated_at"]))


def state_filter(value: int) -> tuple[str | None, bool]:
    """The state name a filter asks for (None: any), and whether the number is known."""
    if value == pb.ENROLLMENT_STATE_UNSPECIFIED:
        return None, True
    try:
        return pb.EnrollmentState.Name(value).removeprefix("ENROLLMENT_STATE_"), True
    except ValueError:
        return None, False


def status_proto(status: Status) -> pb.GetSequenceStatusResponse:
    return pb.GetSequenceStatusResponse(
        steps=[pb.StepStatus(step_key=step.key, step=step.number, waiting=step.waiting,
                             sending=step.sending, sent=step.sent, stopped=step.stopped,
                             sent_by_template=step.sent_by_template, replied=step.replied)
               for step in status.steps],
        states=status.states, stopped=status.stopped, total=status.total)
