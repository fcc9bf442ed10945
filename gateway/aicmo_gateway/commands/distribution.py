"""``aicmo template``, ``aicmo send``, ``aicmo sends`` and ``aicmo campaign run|dry-run|runs``:
everything that goes through the distribution service's checked send path."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.distribution.v1 import distribution_pb2_grpc as dist_grpc
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError, ExitCode
from aicmo_gateway.output import message_to_dict

template_app = typer.Typer(help="Message templates.", no_args_is_help=True)
sends_app = typer.Typer(help="Send jobs: what was sent, blocked or deferred, and why.",
                        no_args_is_help=True)
runs_app = typer.Typer(help="Campaign runs: inspect, resume, cancel.", no_args_is_help=True)

SEND_COLUMNS = ("id", "lead_id", "channel", "step", "state", "block_reasons",
                "delivery_stage", "update_time")
RUN_COLUMNS = ("id", "campaign_id", "state", "lead_count", "progress", "in_flight", "queued",
               "halt_reason", "update_time")
# Send states that end a job; a run is done when every job is in one of them.
SETTLED_STATES = (dist_pb2.SEND_STATE_SENT, dist_pb2.SEND_STATE_SUPPRESSED,
                  dist_pb2.SEND_STATE_BLOCKED, dist_pb2.SEND_STATE_FAILED,
                  dist_pb2.SEND_STATE_DRY_RUN, dist_pb2.SEND_STATE_UNKNOWN_OUTCOME)
FINAL_RUN_STATES = (dist_pb2.RUN_STATE_COMPLETED, dist_pb2.RUN_STATE_CANCELLED)
NOT_DELIVERED = (dist_pb2.SEND_STATE_BLOCKED, dist_pb2.SEND_STATE_SUPPRESSED,
                 dist_pb2.SEND_STATE_FAILED, dist_pb2.SEND_STATE_UNKNOWN_OUTCOME)


def stub(ctx: typer.Context):
    return state_of(ctx).connection.stub("distribution", dist_grpc.DistributionServiceStub)


def block_words(reasons) -> list[str]:
    return [arguments.enum_word(dist_pb2.BlockReason, "BLOCK_REASON_", r) for r in reasons]


def send_view(job: dist_pb2.SendJob) -> dict[str, Any]:
    data = message_to_dict(job)
    data["state"] = arguments.enum_word(dist_pb2.SendState, "SEND_STATE_", job.state)
    data["channel"] = arguments.channel_words([job.channel])[0]
    data["block_reasons"] = block_words(job.block_reasons)
    data["delivery_stage"] = arguments.enum_word(dist_pb2.DeliveryStage, "DELIVERY_STAGE_",
                                                 job.delivery_stage)
    return data


def settled_count(run: dist_pb2.Run) -> int:
    return sum(c.count for c in run.state_counts if c.state in SETTLED_STATES)


def run_view(run: dist_pb2.Run) -> dict[str, Any]:
    data = message_to_dict(run)
    data["state"] = arguments.enum_word(dist_pb2.RunState, "RUN_STATE_", run.state)
    data["channel"] = arguments.channel_words([run.channel])[0]
    data["state_counts"] = {arguments.enum_word(dist_pb2.SendState, "SEND_STATE_", c.state):
                            c.count for c in run.state_counts}
    data["block_reason_counts"] = {block_words([c.reason])[0]: c.count
                                   for c in run.block_reason_counts}
    data["halt_block_reasons"] = block_words(run.halt_block_reasons)
    data["progress"] = f"{settled_count(run)}/{run.lead_count}"
    # A halting run still has sends with a channel (in flight); queued ones wait for resume.
    counts = {c.state: c.count for c in run.state_counts}
    data["in_flight"] = counts.get(dist_pb2.SEND_STATE_SENDING, 0)
    data["queued"] = counts.get(dist_pb2.SEND_STATE_QUEUED, 0)
    return data


def _message(subject: str, text: str, text_file: Path | None, html_file: Path | None
             ) -> dist_pb2.Message:
    if text_file is not None:
        text = text_file.read_text(encoding="utf-8")
    html = html_file.read_text(encoding="utf-8") if html_file is not None else ""
    return dist_pb2.Message(subject=subject, body_text=text, body_html=html)


# -- templates ----------------------------------------------------------------------------

@template_app.command("create")
def template_create(
    ctx: typer.Context,
    venture: str = typer.Option(..., "--venture"),
    name: str = typer.Option(..., "--name"),
    channel: str = typer.Option("email", "--channel"),
    subject: str = typer.Option("", "--subject"),
    text: str = typer.Option("", "--text", help="Body text; variables like "
                             "{{ lead.first_name }} and {{ unsubscribe_url }}."),
    text_file: Path | None = typer.Option(None, "--text-file", exists=True, dir_okay=False),
    html_file: Path | None = typer.Option(None, "--html-file", exists=True, dir_okay=False),
    request_id: str | None = typer.Option(None, "--request-id"),
) -> None:
    """Create a message template (unknown variables are refused now, not at send time)."""
    template = dist_pb2.Template(venture_id=venture, name=name,
                                 channel=arguments.channel(channel),
                                 message=_message(subject, text, text_file, html_file))
    response = stub(ctx).CreateTemplate(dist_pb2.CreateTemplateRequest(
        template=template, request_id=arguments.request_id(request_id)))
    state_of(ctx).output.record(message_to_dict(response.template), title="template created")


@template_app.command("list")
def template_list(ctx: typer.Context, venture: str = typer.Option("", "--venture"),
                  limit: int | None = typer.Option(None, "--limit", min=1)) -> None:
    """List templates."""
    rows = [message_to_dict(t) for t in every_item(
        stub(ctx).ListTemplates, dist_pb2.ListTemplatesRequest(venture_id=venture),
        "templates", limit)]
    state_of(ctx).output.rows(rows, ("id", "venture_id", "name", "channel", "revision",
                                     "variables"), title="templates")


@template_app.command("show")
def template_show(ctx: typer.Context, template_id: str = typer.Argument(...)) -> None:
    """Show one template."""
    response = stub(ctx).GetTemplate(dist_pb2.GetTemplateRequest(template_id=template_id))
    state_of(ctx).output.record(message_to_dict(response.template),
                                title=f"template {template_id}")


@template_app.command("preview")
def template_preview(ctx: typer.Context, template_id: str = typer.Argument(...),
                     lead: str = typer.Option(..., "--lead"),
                     campaign: str = typer.Option("", "--campaign"),
                     step: int = typer.Option(1, "--step", min=1)) -> None:
    """Render a template for one lead without sending anything."""
    response = stub(ctx).PreviewTemplate(dist_pb2.PreviewTemplateRequest(
        template_id=template_id, lead_id=lead, campaign_id=campaign, step=step))
    state_of(ctx).output.record(message_to_dict(response.rendered), title="preview")


# -- one send -----------------------------------------------------------------------------

def send(
    ctx: typer.Context,
    campaign: str = typer.Option(..., "--campaign"),
    lead: str = typer.Option(..., "--lead"),
    channel: str = typer.Option("email", "--channel"),
    template: str = typer.Option("", "--template", help="A template id, or give --text."),
    subject: str = typer.Option("", "--subject"),
    text: str = typer.Option("", "--text"),
    step: int = typer.Option(1, "--step", min=1),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, send nothing."),
    request_id: str | None = typer.Option(None, "--request-id", help="Reuse to retry safely."),
) -> None:
    """Send one message to one lead through every check. Exits 3 when the send was blocked,
    suppressed or failed (the reasons are printed)."""
    if bool(template) == bool(text):
        raise CliError("give exactly one of --template and --text")
    request = dist_pb2.CreateSendRequest(
        request_id=arguments.request_id(request_id), campaign_id=campaign, lead_id=lead,
        channel=arguments.channel(channel), template_id=template, step=step, dry_run=dry_run)
    if text:
        request.message.CopyFrom(dist_pb2.Message(subject=subject, body_text=text))
    response = stub(ctx).CreateSend(request)
    job = response.send
    title = f"send {arguments.enum_word(dist_pb2.SendState, 'SEND_STATE_', job.state)}"
    state_of(ctx).output.record(send_view(job), title=title + (" (replayed)"
                                                               if response.replayed else ""))
    if job.state in NOT_DELIVERED:
        raise typer.Exit(int(ExitCode.REFUSED))


# -- send jobs ----------------------------------------------------------------------------

@sends_app.command("list")
def sends_list(
    ctx: typer.Context,
    campaign: str = typer.Option("", "--campaign"),
    lead: str = typer.Option("", "--lead"),
    state: str | None = typer.Option(None, "--state", help="sent, blocked, deferred ...; "
                                     "unknown_outcome is the review queue (see `sends "
                                     "resolve`)."),
    run: str = typer.Option("", "--run"),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List send jobs, oldest first."""
    request = dist_pb2.ListSendsRequest(campaign_id=campaign, lead_id=lead, run_id=run)
    if state:
        request.state = arguments.enum_value(dist_pb2.SendState, "SEND_STATE_", state,
                                             "--state")
    rows = [send_view(job) for job in every_item(stub(ctx).ListSends, request, "sends",
                                                 limit)]
    state_of(ctx).output.rows(rows, SEND_COLUMNS, title="sends")


@sends_app.command("show")
def sends_show(ctx: typer.Context, send_id: str = typer.Argument(...)) -> None:
    """Show one send job."""
    job = stub(ctx).GetSend(dist_pb2.GetSendRequest(send_id=send_id)).send
    state_of(ctx).output.record(send_view(job), title=f"send {send_id}")


def resolution(delivered: bool, not_delivered: bool, reason: str) -> tuple[int, str]:
    """The outcome and note of ``sends resolve``; usage errors (exit 2) for a wrong mix."""
    if delivered == not_delivered:
        raise CliError("give exactly one of --delivered and --not-delivered")
    if not reason.strip():
        raise CliError("--reason is required: what the review found")
    return (dist_pb2.SEND_STATE_SENT if delivered else dist_pb2.SEND_STATE_FAILED,
            reason.strip())


@sends_app.command("resolve")
def sends_resolve(
    ctx: typer.Context,
    send_id: str = typer.Argument(...),
    delivered: bool = typer.Option(False, "--delivered", help="The message did go out."),
    not_delivered: bool = typer.Option(False, "--not-delivered",
                                       help="It did not: resuming or re-running the step "
                                            "may send it again."),
    reason: str = typer.Option("", "--reason", help="What the review found (required)."),
) -> None:
    """Settle a send in UNKNOWN_OUTCOME after review (see `sends list --state
    unknown_outcome`). Exits 2 on a wrong mix of flags, 3 when the send is not awaiting
    review or does not exist."""
    outcome, note = resolution(delivered, not_delivered, reason)
    job = stub(ctx).ResolveUnknownOutcome(dist_pb2.ResolveUnknownOutcomeRequest(
        send_id=send_id, outcome=outcome, note=note)).send
    state_of(ctx).output.record(send_view(job), title=f"send {send_id} settled")


# -- campaign runs ------------------------------------------------------------------------

def _audience(consented_only: bool, source: str) -> dist_pb2.AudienceFilter:
    return dist_pb2.AudienceFilter(consented_only=consented_only, source_channel=source)


def follow_run(ctx: typer.Context, run: dist_pb2.Run, poll_seconds: float = 0.25
               ) -> dist_pb2.Run:
    """Shows a live progress bar until the run completes, is cancelled, halts or waits for
    the next send window."""
    api = stub(ctx)
    output = state_of(ctx).output
    progress = Progress(TextColumn("run {task.fields[state]}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(),
                        console=output.errors if output.json else output.console)
    with progress:
        task = progress.add_task("run", total=run.lead_count or None, state="starting")
        while True:
            progress.update(task, total=run.lead_count if run.planning_done else None,
                            completed=settled_count(run),
                            state=arguments.enum_word(dist_pb2.RunState, "RUN_STATE_",
                                                      run.state))
            if run.state in FINAL_RUN_STATES or run.state in (
                    dist_pb2.RUN_STATE_HALTED, dist_pb2.RUN_STATE_WAITING,
                    dist_pb2.RUN_STATE_AWAITING_REVIEW):
                return run
            time.sleep(poll_seconds)
            run = api.GetRun(dist_pb2.GetRunRequest(run_id=run.id)).run


def campaign_run(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(...),
    template: str = typer.Option(..., "--template"),
    step: int = typer.Option(1, "--step", min=1),
    consented_only: bool = typer.Option(False, "--consented-only"),
    source: str = typer.Option("", "--source", help="Only leads first seen from this source."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow it with a progress bar."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="Reuse to resume the same run safely."),
) -> None:
    """Send one step to every eligible lead of a campaign (each lead at most once)."""
    run = stub(ctx).RunCampaign(dist_pb2.RunCampaignRequest(
        request_id=arguments.request_id(request_id), campaign_id=campaign_id,
        template_id=template, step=step, audience=_audience(consented_only, source))).run
    if wait:
        run = follow_run(ctx, run)
    state_of(ctx).output.record(run_view(run), title="campaign run")


def campaign_dry_run(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(...),
    template: str = typer.Option(..., "--template"),
    step: int = typer.Option(1, "--step", min=1),
    consented_only: bool = typer.Option(False, "--consented-only"),
    source: str = typer.Option("", "--source"),
    page_size: int = typer.Option(500, "--page-size", min=1, max=500,
                                  help="Recipients asked per call (the totals do not change)."),
) -> None:
    """Show, per lead, what a run would do now: send, defer or block (and why); a lead with a
    send of the step already shows it as "already sent" or "scheduled" with its state."""
    api = stub(ctx)
    request = dist_pb2.DryRunCampaignRequest(campaign_id=campaign_id, template_id=template,
                                             step=step,
                                             audience=_audience(consented_only, source),
                                             page_size=page_size)
    recipients: list[dict[str, Any]] = []
    while True:
        response = api.DryRunCampaign(request)
        for recipient in response.recipients:
            recipients.append(_dry_run_row(recipient))
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    # The server's counts are running totals over the pages: the last page has them all.
    summary = {"would_send": response.would_send, "would_defer": response.would_defer,
               "would_block": response.would_block,
               "already_existing": response.already_existing,
               "remaining_quota_today": response.remaining_quota_today,
               "projected_quota_use": response.projected_quota_use}
    output = state_of(ctx).output
    if output.json:
        output.emit_json({"summary": summary, "recipients": recipients})
        return
    output.rows(recipients, ("lead_id", "verdict", "reasons", "existing_state"),
                title="dry run")
    output.record(summary, title="dry run summary")


_SCHEDULED = (dist_pb2.SEND_STATE_QUEUED, dist_pb2.SEND_STATE_DEFERRED,
              dist_pb2.SEND_STATE_RETRYING, dist_pb2.SEND_STATE_SENDING)


def _dry_run_row(recipient: dist_pb2.DryRunRecipient) -> dict[str, Any]:
    existing = ""
    if recipient.already_exists:
        existing = arguments.enum_word(dist_pb2.SendState, "SEND_STATE_",
                                       recipient.existing_state)
        verdict = ("already sent" if recipient.existing_state == dist_pb2.SEND_STATE_SENT
                   else "scheduled" if recipient.existing_state in _SCHEDULED else "exists")
    else:
        verdict = "send" if recipient.would_send else "defer" if recipient.would_defer \
            else "block"
    return {"lead_id": recipient.lead_id, "verdict": verdict,
            "reasons": block_words(recipient.block_reasons),
            "already_exists": recipient.already_exists, "existing_state": existing,
            "existing_send_id": recipient.existing_send_id}


def attach_campaign_commands(campaign_app: typer.Typer) -> None:
    campaign_app.command("run")(campaign_run)
    campaign_app.command("dry-run")(campaign_dry_run)


@runs_app.command("list")
def runs_list(ctx: typer.Context, campaign: str = typer.Option("", "--campaign"),
              limit: int | None = typer.Option(None, "--limit", min=1)) -> None:
    """List campaign runs."""
    rows = [run_view(r) for r in every_item(stub(ctx).ListRuns, dist_pb2.ListRunsRequest(
        campaign_id=campaign), "runs", limit)]
    state_of(ctx).output.rows(rows, RUN_COLUMNS, title="runs")


@runs_app.command("show")
def runs_show(ctx: typer.Context, run_id: str = typer.Argument(...),
              follow: bool = typer.Option(False, "--follow", help="Follow with a progress "
                                          "bar.")) -> None:
    """Show one run."""
    run = stub(ctx).GetRun(dist_pb2.GetRunRequest(run_id=run_id)).run
    if follow:
        run = follow_run(ctx, run)
    state_of(ctx).output.record(run_view(run), title=f"run {run_id}")


@runs_app.command("resume")
def runs_resume(ctx: typer.Context, run_id: str = typer.Argument(...),
                wait: bool = typer.Option(True, "--wait/--no-wait")) -> None:
    """Continue a halted run (after the campaign was resumed or the kill switch cleared)."""
    run = stub(ctx).ResumeRun(dist_pb2.ResumeRunRequest(run_id=run_id)).run
    if wait:
        run = follow_run(ctx, run)
    state_of(ctx).output.record(run_view(run), title=f"run {run_id}")


@runs_app.command("cancel")
def runs_cancel(ctx: typer.Context, run_id: str = typer.Argument(...),
                reason: str = typer.Option(..., "--reason")) -> None:
    """Cancel a run: its pending sends are not delivered."""
    run = stub(ctx).CancelRun(dist_pb2.CancelRunRequest(run_id=run_id, reason=reason)).run
    state_of(ctx).output.record(run_view(run), title=f"run {run_id} cancelled")
