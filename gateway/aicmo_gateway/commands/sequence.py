"""``aicmo sequence``: a campaign's multi-step sequence, written as a YAML file, and the leads
enrolled in it.

The file (every key but ``steps`` optional)::

    name: Nurture
    calendar: {days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", holidays: [2026-12-24]}
    steps:
      - key: intro
        channel: email
        template: <template id>            # or variants: [{template: <id>, weight: 3}, ...]
      - key: follow-up
        channel: email
        template: <template id>
        wait: {business_days: 2}           # business_hours too
        condition: previous_delivered      # or previous_not_delivered
        branches: [{on: [price], goto: price}]
        next: <step key>                   # or last: true
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
import yaml
from google.protobuf import timestamp_pb2

from aicmo.distribution.v1 import sequences_pb2 as spb
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.distribution import stub
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError
from aicmo_gateway.output import message_to_dict

app = typer.Typer(help="Sequences: a campaign's steps with waits in business time, and the "
                       "leads enrolled in them.", no_args_is_help=True)

DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
STEP_KEYS = {"key", "channel", "template", "variants", "wait", "condition", "branches", "next",
             "last"}
FILE_KEYS = {"name", "calendar", "steps"}


def _minute(text: str, where: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise CliError(f"{where}: {text!r} is not HH:MM") from None
    return value


def _unknown(given: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise CliError(f"{where}: unknown key(s) {', '.join(extra)} "
                       f"(allowed: {', '.join(sorted(allowed))})")


def sequence_from_file(path: Path, campaign_id: str) -> spb.Sequence:
    """The Sequence a YAML file describes; a shape the file cannot have is a CliError naming
    where (the service checks the rest and names every field)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        raise CliError(f"cannot read {path}: {problem}") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a mapping with name and steps")
    _unknown(data, FILE_KEYS, str(path))
    sequence = spb.Sequence(campaign_id=campaign_id, name=str(data.get("name") or ""))
    calendar = data.get("calendar") or {}
    if not isinstance(calendar, dict):
        raise CliError("calendar: expected a mapping")
    _unknown(calendar, {"days", "hours", "holidays"}, "calendar")
    for index, day in enumerate(calendar.get("days") or []):
        word = str(day).lower()[:3]
        if word not in DAYS and not str(day).isdigit():
            raise CliError(f"calendar.days[{index}]: {day!r} is not a weekday")
        sequence.calendar.days.append(DAYS.get(word) or int(day))
    if calendar.get("hours"):
        start, _, end = str(calendar["hours"]).partition("-")
        sequence.calendar.start_minute = _minute(start, "calendar.hours")
        sequence.calendar.end_minute = _minute(end, "calendar.hours")
    sequence.calendar.holidays.extend(str(day) for day in calendar.get("holidays") or [])
    steps = data.get("steps") or []
    if not isinstance(steps, list):
        raise CliError("steps: expected a list")
    for index, given in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(given, dict):
            raise CliError(f"{where}: expected a mapping")
        _unknown(given, STEP_KEYS, where)
        step = sequence.steps.add(key=str(given.get("key") or ""),
                                  next_step=str(given.get("next") or ""),
                                  last=bool(given.get("last")))
        if given.get("channel"):
            step.channel = arguments.channel(str(given["channel"]), f"{where}.channel")
        if given.get("template"):
            step.variants.add(template_id=str(given["template"]))
        for variant in given.get("variants") or []:
            if not isinstance(variant, dict):
                raise CliError(f"{where}.variants: expected mappings with template, weight")
            step.variants.add(template_id=str(variant.get("template") or ""),
                              weight=int(variant.get("weight") or 1))
        wait = given.get("wait") or {}
        if not isinstance(wait, dict):
            raise CliError(f"{where}.wait: expected business_days and/or business_hours")
        _unknown(wait, {"business_days", "business_hours"}, f"{where}.wait")
        step.wait.business_days = int(wait.get("business_days") or 0)
        step.wait.business_hours = int(wait.get("business_hours") or 0)
        if given.get("condition"):
            step.condition = arguments.enum_value(
                spb.StepCondition, "STEP_CONDITION_", str(given["condition"]),
                f"{where}.condition")
        for branch in given.get("branches") or []:
            if not isinstance(branch, dict):
                raise CliError(f"{where}.branches: expected mappings with on and goto")
            on = branch.get("on") or []
            step.branches.add(objections=[str(o).upper() for o in
                                          (on if isinstance(on, list) else [on])],
                              goto_step=str(branch.get("goto") or ""))
    return sequence


def _sequence_view(sequence: spb.Sequence) -> dict[str, Any]:
    data = message_to_dict(sequence)
    data["steps"] = [{
        "step": index + 1, "key": step.key,
        "channel": arguments.channel_words([step.channel])[0] if step.channel else "",
        "templates": ", ".join(f"{v.template_id} x{v.weight}" if len(step.variants) > 1
                               else v.template_id for v in step.variants),
        "wait": _wait_words(step.wait),
        "condition": arguments.enum_word(spb.StepCondition, "STEP_CONDITION_", step.condition)
        if step.condition else "",
        "then": "end" if step.last else (step.next_step or "next"),
        "branches": "; ".join(f"{'/'.join(b.objections).lower()} -> {b.goto_step}"
                              for b in step.branches)}
        for index, step in enumerate(sequence.steps)]
    return data


def _wait_words(wait: spb.Wait) -> str:
    parts = []
    if wait.business_days:
        parts.append(f"{wait.business_days} business day{'s' * (wait.business_days != 1)}")
    if wait.business_hours:
        parts.append(f"{wait.business_hours} business hour"
                     f"{'s' * (wait.business_hours != 1)}")
    return " + ".join(parts) or "none"


def _show(ctx: typer.Context, sequence: spb.Sequence, title: str) -> None:
    view = _sequence_view(sequence)
    output = state_of(ctx).output
    if output.json:
        output.emit_json(view)
        return
    output.rows(view["steps"], ("step", "key", "channel", "templates", "wait", "condition",
                                "then", "branches"),
                title=f"{title}: {sequence.name} (campaign {sequence.campaign_id}, version "
                      f"{sequence.version}, {sequence.time_zone})")


@app.command("create")
def create(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    file: Path = typer.Option(..., "--file", "-f", help="The sequence as YAML."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="A UUID, to retry without creating twice."),
) -> None:
    """Create the campaign's sequence (version 1) from a YAML file."""
    created = stub(ctx).CreateSequence(spb.CreateSequenceRequest(
        request_id=arguments.request_id(request_id),
        sequence=sequence_from_file(file, campaign))).sequence
    _show(ctx, created, "sequence created")


@app.command("update")
def update(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    file: Path = typer.Option(..., "--file", "-f", help="The new version as YAML."),
    base_version: int = typer.Option(0, "--base-version", min=0,
                                     help="Refuse if the latest version is not this one."),
) -> None:
    """Make a new version; enrolled leads finish the version they started."""
    updated = stub(ctx).UpdateSequence(spb.UpdateSequenceRequest(
        sequence=sequence_from_file(file, campaign), base_version=base_version)).sequence
    _show(ctx, updated, "sequence updated")


@app.command("validate")
def validate(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    file: Path = typer.Option(..., "--file", "-f", help="The sequence as YAML."),
) -> None:
    """Check a sequence file as create would, saving nothing (exit 0 only when valid)."""
    answer = stub(ctx).ValidateSequence(spb.ValidateSequenceRequest(
        sequence=sequence_from_file(file, campaign)))
    output = state_of(ctx).output
    problems = [{"field": p.field, "problem": p.description} for p in answer.problems]
    if output.json:
        output.emit_json({"valid": answer.valid, "problems": problems})
    elif answer.valid:
        output.record({"valid": True}, title="the sequence is valid")
    else:
        output.rows(problems, ("field", "problem"), title="the sequence is not valid")
    if not answer.valid:
        raise typer.Exit(code=2)


@app.command("show")
def show(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    version: int = typer.Option(0, "--version", min=0, help="A version; the latest by "
                                                              "default."),
) -> None:
    """Show the campaign's sequence, step by step."""
    found = stub(ctx).GetSequence(spb.GetSequenceRequest(campaign_id=campaign,
                                                         version=version)).sequence
    _show(ctx, found, "sequence")


@app.command("preview")
def preview(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    lead: str = typer.Option("", "--lead", help="The lead (for the variant it gets)."),
    start: str = typer.Option("", "--start", help="Enrolment time (ISO 8601); now by "
                                                  "default."),
) -> None:
    """The dates each step would be due for a lead enrolled now (or at --start)."""
    request = spb.PreviewSequenceRequest(campaign_id=campaign, lead_id=lead)
    if start:
        try:
            moment = dt.datetime.fromisoformat(start)
        except ValueError:
            raise CliError(f"--start: {start!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise CliError("--start: give the zone too, for example 2026-12-07T09:00+01:00")
        request.start_time.CopyFrom(timestamp_pb2.Timestamp())
        request.start_time.FromDatetime(moment.astimezone(dt.UTC))
    answer = stub(ctx).PreviewSequence(request)
    rows = [{"step": e.step, "key": e.step_key, "due": e.local_time,
             "channel": arguments.channel_words([e.channel])[0] if e.channel else "",
             "template": e.template_id} for e in answer.timeline]
    state_of(ctx).output.rows(rows, ("step", "key", "due", "channel", "template"),
                              title=f"timeline ({answer.time_zone})", json_data=rows)


@app.command("enrol")
def enrol(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    lead: list[str] = typer.Option([], "--lead", help="A lead to enrol; repeatable. Without "
                                                      "it, every lead of the campaign."),
    consented_only: bool = typer.Option(False, "--consented-only"),
    source: str = typer.Option("", "--source", help="Only leads from this source channel."),
) -> None:
    """Enrol leads in the campaign's sequence (a lead already enrolled keeps its place)."""
    answer = stub(ctx).EnrollLeads(spb.EnrollLeadsRequest(
        campaign_id=campaign, lead_ids=lead, consented_only=consented_only,
        source_channel=source))
    state_of(ctx).output.record(
        {"enrolled": answer.enrolled, "already_enrolled": answer.already_enrolled},
        title=f"{answer.enrolled} enrolled, {answer.already_enrolled} already enrolled")


@app.command("unenrol")
def unenrol(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    lead: str = typer.Argument(..., help="The lead."),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Stop one lead's sequence."""
    enrollment = stub(ctx).UnenrollLead(spb.UnenrollLeadRequest(
        campaign_id=campaign, lead_id=lead, reason=reason)).enrollment
    state_of(ctx).output.record(enrollment_view(enrollment), title="unenrolled")


def enrollment_view(enrollment: spb.Enrollment) -> dict[str, Any]:
    data = message_to_dict(enrollment)
    data["state"] = arguments.enum_word(spb.EnrollmentState, "ENROLLMENT_STATE_",
                                        enrollment.state)
    data["stop_reason"] = (arguments.enum_word(spb.StopReason, "STOP_REASON_",
                                               enrollment.stop_reason)
                           if enrollment.stop_reason else "")
    return data


@app.command("enrolments")
def enrolments(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
    state: str = typer.Option("", "--state", help="waiting, sending, finished or stopped."),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List the campaign's enrolments, earliest enrolled first."""
    request = spb.ListEnrollmentsRequest(campaign_id=campaign)
    if state:
        request.state = arguments.enum_value(spb.EnrollmentState, "ENROLLMENT_STATE_", state,
                                             "--state")
    rows = [enrollment_view(e) for e in every_item(stub(ctx).ListEnrollments, request,
                                                   "enrollments", limit)]
    state_of(ctx).output.rows(rows, ("lead_id", "state", "step_key", "wait_until",
                                     "stop_reason", "steps_sent"),
                              title="enrolments", json_data=rows)


@app.command("status")
def status(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="The campaign."),
) -> None:
    """Where the campaign's leads stand: per step waiting, sending, sent, replied and stopped,
    with a progress bar of the leads that got past each step."""
    answer = stub(ctx).GetSequenceStatus(spb.GetSequenceStatusRequest(campaign_id=campaign))
    total = answer.total or 1
    rows = [{"step": s.step, "key": s.step_key, "waiting": s.waiting, "sending": s.sending,
             "sent": s.sent, "replied": s.replied,
             "stopped": ", ".join(f"{reason.lower()} {count}"
                                  for reason, count in sorted(s.stopped.items())),
             "progress": _bar(s.sent, total),
             "variants": ", ".join(f"{template} {count}"
                                   for template, count in sorted(s.sent_by_template.items()))}
            for s in answer.steps]
    output = state_of(ctx).output
    if output.json:
        output.emit_json({"total": answer.total, "states": dict(answer.states),
                          "stopped": dict(answer.stopped), "steps": rows})
        return
    states = ", ".join(f"{count} {state.lower()}" for state, count in
                       sorted(answer.states.items()))
    output.rows(rows, ("step", "key", "waiting", "sending", "sent", "replied", "stopped",
                       "progress", "variants"),
                title=f"sequence of campaign {campaign}: {answer.total} enrolled "
                      f"({states or 'none yet'})")


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * min(done, total) / total)
    return "#" * filled + "." * (width - filled) + f" {done / total:.0%}"
