"""``aicmo venture``: ventures and their kill switches."""

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

app = typer.Typer(help="Ventures: create, inspect, change, switch off.", no_args_is_help=True)

COLUMNS = ("id", "name", "active", ("kill_switch.engaged", "killed"), "timezone",
           ("default_channels", "channels"), "owner_contact")


def stub(ctx: typer.Context):
    return state_of(ctx).connection.stub("venture", venture_pb2_grpc.VentureServiceStub)


def venture_view(venture: venture_pb2.Venture) -> dict[str, Any]:
    data = message_to_dict(venture)
    data["default_channels"] = arguments.channel_words(venture.default_channels)
    return data


def show_venture(ctx: typer.Context, venture: venture_pb2.Venture, title: str) -> None:
    state_of(ctx).output.record(venture_view(venture), title=title)


@app.command("create")
def create(
    ctx: typer.Context,
    venture_id: str = typer.Argument(..., help="Slug id, e.g. acme-saas."),
    name: str = typer.Option(..., "--name"),
    offer: str = typer.Option("", "--offer", help="What the venture offers."),
    cta: str = typer.Option("", "--cta", help="Primary call to action."),
    channel: list[str] = typer.Option([], "--channel", help="Default channel(s): email, "
                                      "sms, linkedin, webhook (repeat or comma-separate)."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA timezone."),
    owner: str = typer.Option("", "--owner", help="Owner's email address."),
    from_address: str = typer.Option("", "--from-address", help="Sender email address."),
    from_name: str = typer.Option("", "--from-name", help="Sender display name."),
    postal_address: str = typer.Option("", "--postal-address",
                                       help="Postal address for email footers."),
    privacy_policy_url: str = typer.Option("", "--privacy-policy-url",
                                           help="https URL of the privacy policy, linked "
                                                "from the hosted forms."),
    unsubscribe_ttl_days: int = typer.Option(0, "--unsubscribe-ttl-days",
                                             help="Days an unsubscribe link works (0: for "
                                                  "ever; else 60 to 3650)."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="UUID making a retry safe."),
) -> None:
    """Create a venture (admins only)."""
    venture = venture_pb2.Venture(
        id=venture_id, name=name, offer_summary=offer, primary_cta=cta,
        default_channels=arguments.channels(channel), timezone=timezone, owner_contact=owner,
        sender=venture_pb2.SenderIdentity(from_address=from_address, from_name=from_name,
                                          postal_address=postal_address),
        privacy_policy_url=privacy_policy_url,
        unsubscribe_links=venture_pb2.UnsubscribeLinkPolicy(ttl_days=unsubscribe_ttl_days))
    response = stub(ctx).CreateVenture(venture_pb2.CreateVentureRequest(
        venture=venture, request_id=arguments.request_id(request_id)))
    show_venture(ctx, response.venture, "venture created")


@app.command("list")
def list_ventures(ctx: typer.Context,
                  limit: int | None = typer.Option(None, "--limit", min=1)) -> None:
    """List ventures."""
    ventures = [venture_view(v) for v in every_item(
        stub(ctx).ListVentures, venture_pb2.ListVenturesRequest(), "ventures", limit)]
    state_of(ctx).output.rows(ventures, COLUMNS, title="ventures")


@app.command("show")
def show(ctx: typer.Context, venture_id: str = typer.Argument(...)) -> None:
    """Show one venture."""
    response = stub(ctx).GetVenture(venture_pb2.GetVentureRequest(venture_id=venture_id))
    show_venture(ctx, response.venture, f"venture {venture_id}")


@app.command("update")
def update(
    ctx: typer.Context,
    venture_id: str = typer.Argument(...),
    name: str | None = typer.Option(None, "--name"),
    offer: str | None = typer.Option(None, "--offer"),
    cta: str | None = typer.Option(None, "--cta"),
    channel: list[str] = typer.Option([], "--channel"),
    timezone: str | None = typer.Option(None, "--timezone"),
    owner: str | None = typer.Option(None, "--owner"),
    from_address: str | None = typer.Option(None, "--from-address"),
    from_name: str | None = typer.Option(None, "--from-name"),
    postal_address: str | None = typer.Option(None, "--postal-address"),
    privacy_policy_url: str | None = typer.Option(
        None, "--privacy-policy-url", help="https URL of the privacy policy (\"\": no link)."),
    unsubscribe_ttl_days: int | None = typer.Option(
        None, "--unsubscribe-ttl-days",
        help="Days an unsubscribe link works (0: for ever; else 60 to 3650)."),
    revoke_unsubscribe_links: bool = typer.Option(
        False, "--revoke-unsubscribe-links",
        help="Refuse every unsubscribe link issued until now (one-click POSTs of the last "
             "60 days still work). Cannot be undone."),
) -> None:
    """Change the given fields of a venture (only those named)."""
    venture = venture_pb2.Venture(id=venture_id)
    paths: list[str] = []
    for value, path, target, attribute in (
            (name, "name", venture, "name"), (offer, "offer_summary", venture, "offer_summary"),
            (cta, "primary_cta", venture, "primary_cta"),
            (timezone, "timezone", venture, "timezone"),
            (owner, "owner_contact", venture, "owner_contact"),
            (from_address, "sender.from_address", venture.sender, "from_address"),
            (from_name, "sender.from_name", venture.sender, "from_name"),
            (postal_address, "sender.postal_address", venture.sender, "postal_address"),
            (privacy_policy_url, "privacy_policy_url", venture, "privacy_policy_url"),
            (unsubscribe_ttl_days, "unsubscribe_links.ttl_days", venture.unsubscribe_links,
             "ttl_days")):
        if value is not None:
            setattr(target, attribute, value)
            paths.append(path)
    if channel:
        venture.default_channels.extend(arguments.channels(channel))
        paths.append("default_channels")
    if revoke_unsubscribe_links:
        venture.unsubscribe_links.revoke_now = True
        paths.append("unsubscribe_links.revoke_now")
    if not paths:
        raise CliError("nothing to change: name at least one field, e.g. --name")
    response = stub(ctx).UpdateVenture(venture_pb2.UpdateVentureRequest(
        venture=venture, update_mask=field_mask_pb2.FieldMask(paths=paths),
        request_id=arguments.request_id()))
    show_venture(ctx, response.venture, "venture updated")


@app.command("kill")
def kill(ctx: typer.Context, venture_id: str = typer.Argument(...),
         reason: str = typer.Option(..., "--reason", help="Why; kept in the audit trail.")
         ) -> None:
    """Engage the venture's kill switch: every campaign of it stops sending at once."""
    response = stub(ctx).SetVentureKillSwitch(venture_pb2.SetVentureKillSwitchRequest(
        venture_id=venture_id, reason=reason, request_id=arguments.request_id()))
    show_venture(ctx, response.venture, "venture kill switch engaged")
    state_of(ctx).output.note(arguments.propagation_note(response.propagation))


@app.command("unkill")
def unkill(ctx: typer.Context, venture_id: str = typer.Argument(...),
           reason: str = typer.Option(..., "--reason")) -> None:
    """Clear the venture's kill switch."""
    response = stub(ctx).ClearVentureKillSwitch(venture_pb2.ClearVentureKillSwitchRequest(
        venture_id=venture_id, reason=reason, request_id=arguments.request_id()))
    show_venture(ctx, response.venture, "venture kill switch cleared")


@app.command("deactivate")
def deactivate(ctx: typer.Context, venture_id: str = typer.Argument(...),
               reason: str = typer.Option("", "--reason")) -> None:
    """Mark a venture inactive (every verdict for its campaigns denies)."""
    response = stub(ctx).DeactivateVenture(venture_pb2.DeactivateVentureRequest(
        venture_id=venture_id, reason=reason, request_id=arguments.request_id()))
    show_venture(ctx, response.venture, "venture deactivated")


@app.command("activate")
def activate(ctx: typer.Context, venture_id: str = typer.Argument(...),
             reason: str = typer.Option("", "--reason")) -> None:
    """Mark an inactive venture active again."""
    response = stub(ctx).ActivateVenture(venture_pb2.ActivateVentureRequest(
        venture_id=venture_id, reason=reason, request_id=arguments.request_id()))
    show_venture(ctx, response.venture, "venture activated")


global_app = typer.Typer(help="The global kill switch: every send everywhere, at once.",
                         no_args_is_help=True)


def _show_switch(ctx: typer.Context, switch: venture_pb2.KillSwitch, title: str) -> None:
    state_of(ctx).output.record(message_to_dict(switch), title=title)


@global_app.command("kill")
def global_kill(ctx: typer.Context, reason: str = typer.Option(..., "--reason")) -> None:
    """Engage the global kill switch (admins only)."""
    response = stub(ctx).SetGlobalKillSwitch(venture_pb2.SetGlobalKillSwitchRequest(
        reason=reason, request_id=arguments.request_id()))
    _show_switch(ctx, response.kill_switch, "global kill switch engaged")
    state_of(ctx).output.note(arguments.propagation_note(response.propagation))


@global_app.command("unkill")
def global_unkill(ctx: typer.Context, reason: str = typer.Option(..., "--reason")) -> None:
    """Clear the global kill switch (admins only)."""
    response = stub(ctx).ClearGlobalKillSwitch(venture_pb2.ClearGlobalKillSwitchRequest(
        reason=reason, request_id=arguments.request_id()))
    _show_switch(ctx, response.kill_switch, "global kill switch cleared")


@global_app.command("show")
def global_show(ctx: typer.Context) -> None:
    """Show the global kill switch."""
    response = stub(ctx).GetGlobalKillSwitch(venture_pb2.GetGlobalKillSwitchRequest())
    _show_switch(ctx, response.kill_switch, "global kill switch")
