"""``aicmo campaign``: campaigns, their status machine and kill switches."""

from __future__ import annotations

from typing import Any

import typer
from google.protobuf import field_mask_pb2

from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError
from aicmo_gateway.output import message_to_dict

app = typer.Typer(help="Campaigns: create, inspect, start, pause, stop, switch off.",
                  no_args_is_help=True)

COLUMNS = ("id", "venture_id", "name", "status", ("daily_send_limit", "daily limit"),
           ("allowed_channels", "channels"), ("kill_switch.engaged", "killed"))
_DAY_WORDS = ("", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def stub(ctx: typer.Context):
    return state_of(ctx).connection.stub("venture", venture_pb2_grpc.VentureServiceStub)


def campaign_view(campaign: venture_pb2.Campaign) -> dict[str, Any]:
    data = message_to_dict(campaign)
    data["status"] = arguments.enum_word(venture_pb2.CampaignStatus, "CAMPAIGN_STATUS_",
                                         campaign.status)
    data["allowed_channels"] = arguments.channel_words(campaign.allowed_channels)
    if campaign.HasField("send_window"):
        window = campaign.send_window
        data["send_window"] = (
            f"{','.join(_DAY_WORDS[d] for d in window.days if 0 < d < 8)} "
            f"{window.start_hour:02d}:{window.start_minute:02d}-"
            f"{window.end_hour:02d}:{window.end_minute:02d}")
    return data


def show_campaign(ctx: typer.Context, campaign: venture_pb2.Campaign, title: str) -> None:
    state_of(ctx).output.record(campaign_view(campaign), title=title)


def _window(text: str) -> venture_pb2.SendWindow:
    days, start_hour, start_minute, end_hour, end_minute = arguments.send_window(text)
    return venture_pb2.SendWindow(days=days, start_hour=start_hour, start_minute=start_minute,
                                  end_hour=end_hour, end_minute=end_minute)


@app.command("create")
def create(
    ctx: typer.Context,
    venture: str = typer.Option(..., "--venture", help="The venture's id."),
    name: str = typer.Option(..., "--name"),
    objective: str = typer.Option("", "--objective"),
    channel: list[str] = typer.Option([], "--channel", help="Allowed channel(s); the "
                                      "venture's defaults when none."),
    daily_limit: int = typer.Option(100, "--daily-limit", help="Sends per day (venture's "
                                    "timezone)."),
    window: str | None = typer.Option(None, "--window", help="e.g. 'mon-fri 09:00-17:00'."),
    consent_required: bool = typer.Option(False, "--consent-required/--no-consent-required",
                                          help="Send only to leads who consented."),
    request_id: str | None = typer.Option(None, "--request-id"),
) -> None:
    """Create a campaign (in DRAFT)."""
    campaign = venture_pb2.Campaign(
        venture_id=venture, name=name, objective=objective,
        allowed_channels=arguments.channels(channel), daily_send_limit=daily_limit,
        consent_required=consent_required)
    if window:
        campaign.send_window.CopyFrom(_window(window))
    response = stub(ctx).CreateCampaign(venture_pb2.CreateCampaignRequest(
        campaign=campaign, request_id=arguments.request_id(request_id)))
    show_campaign(ctx, response.campaign, "campaign created")


@app.command("list")
def list_campaigns(
    ctx: typer.Context,
    venture: str = typer.Option("", "--venture", help="Only this venture's campaigns."),
    status: str | None = typer.Option(None, "--status", help="draft, running, paused, "
                                      "stopped or completed."),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List campaigns."""
    request = venture_pb2.ListCampaignsRequest(venture_id=venture)
    if status:
        request.status = arguments.enum_value(venture_pb2.CampaignStatus, "CAMPAIGN_STATUS_",
                                              status, "--status")
    campaigns = [campaign_view(c) for c in every_item(stub(ctx).ListCampaigns, request,
                                                      "campaigns", limit)]
    state_of(ctx).output.rows(campaigns, COLUMNS, title="campaigns")


@app.command("show")
def show(ctx: typer.Context, campaign_id: str = typer.Argument(...),
         history: bool = typer.Option(False, "--history", help="Also list its history.")
         ) -> None:
    """Show one campaign (and its history with --history)."""
    api = stub(ctx)
    campaign = api.GetCampaign(venture_pb2.GetCampaignRequest(campaign_id=campaign_id)).campaign
    output = state_of(ctx).output
    if not history:
        show_campaign(ctx, campaign, f"campaign {campaign_id}")
        return
    entries = []
    for entry in every_item(api.ListCampaignHistory, venture_pb2.ListCampaignHistoryRequest(
            campaign_id=campaign_id), "entries"):
        row = message_to_dict(entry)
        for key in ("from_status", "to_status"):
            row[key] = arguments.enum_word(venture_pb2.CampaignStatus, "CAMPAIGN_STATUS_",
                                           getattr(entry, key))
        entries.append(row)
    if output.json:
        output.emit_json({"campaign": campaign_view(campaign), "history": entries})
        return
    show_campaign(ctx, campaign, f"campaign {campaign_id}")
    output.rows(entries, ("change_time", "action", "from_status", "to_status", "actor.subject",
                          "reason"), title="history")


@app.command("update")
def update(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(...),
    name: str | None = typer.Option(None, "--name"),
    objective: str | None = typer.Option(None, "--objective"),
    channel: list[str] = typer.Option([], "--channel"),
    daily_limit: int | None = typer.Option(None, "--daily-limit"),
    window: str | None = typer.Option(None, "--window", help="'mon-fri 09:00-17:00', or "
                                      "'none' to send at any time."),
    consent_required: bool | None = typer.Option(None,
                                                 "--consent-required/--no-consent-required"),
) -> None:
    """Change the given fields of a campaign (only those named)."""
    campaign = venture_pb2.Campaign(id=campaign_id)
    paths: list[str] = []
    for value, path in ((name, "name"), (objective, "objective"),
                        (daily_limit, "daily_send_limit"),
                        (consent_required, "consent_required")):
        if value is not None:
            setattr(campaign, path, value)
            paths.append(path)
    if channel:
        campaign.allowed_channels.extend(arguments.channels(channel))
        paths.append("allowed_channels")
    if window is not None:
        if window.strip().lower() != "none":
            campaign.send_window.CopyFrom(_window(window))
        paths.append("send_window")
    if not paths:
        raise CliError("nothing to change: name at least one field, e.g. --daily-limit")
    response = stub(ctx).UpdateCampaign(venture_pb2.UpdateCampaignRequest(
        campaign=campaign, update_mask=field_mask_pb2.FieldMask(paths=paths),
        request_id=arguments.request_id()))
    show_campaign(ctx, response.campaign, "campaign updated")


def _transition(rpc: str, request_type, verb: str, reason_required: bool):
    reason_default = ... if reason_required else ""

    def command(ctx: typer.Context, campaign_id: str = typer.Argument(...),
                reason: str = typer.Option(reason_default, "--reason",
                                           help="Why; kept in the history and the audit "
                                           "trail.")) -> None:
        response = getattr(stub(ctx), rpc)(request_type(
            campaign_id=campaign_id, reason=reason, request_id=arguments.request_id()))
        show_campaign(ctx, response.campaign, f"campaign {verb}")
        if isinstance(response, venture_pb2.SetCampaignKillSwitchResponse):
            state_of(ctx).output.note(arguments.propagation_note(response.propagation))
    return command


for _name, _rpc, _request, _verb, _help in (
        ("start", "StartCampaign", venture_pb2.StartCampaignRequest, "started",
         "DRAFT -> RUNNING."),
        ("pause", "PauseCampaign", venture_pb2.PauseCampaignRequest, "paused",
         "RUNNING -> PAUSED: sends stop until resumed."),
        ("resume", "ResumeCampaign", venture_pb2.ResumeCampaignRequest, "resumed",
         "PAUSED -> RUNNING."),
        ("stop", "StopCampaign", venture_pb2.StopCampaignRequest, "stopped",
         "RUNNING or PAUSED -> STOPPED (final)."),
        ("complete", "CompleteCampaign", venture_pb2.CompleteCampaignRequest, "completed",
         "RUNNING -> COMPLETED (final)."),
        ("kill", "SetCampaignKillSwitch", venture_pb2.SetCampaignKillSwitchRequest,
         "kill switch engaged", "Engage the campaign's kill switch: no send passes."),
        ("unkill", "ClearCampaignKillSwitch", venture_pb2.ClearCampaignKillSwitchRequest,
         "kill switch cleared", "Clear the campaign's kill switch.")):
    app.command(_name, help=_help)(_transition(_rpc, _request, _verb,
                                               reason_required=_name in ("kill", "unkill")))
