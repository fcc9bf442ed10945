"""``aicmo feedback`` and ``aicmo objections``: a lead's feedback ledger (bounces, complaints,
replies, unsubscribes, notes) and the objections it holds."""

from __future__ import annotations

from typing import Any

import typer

from aicmo.leads.v1 import leads_pb2
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.leads import stub
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError
from aicmo_gateway.output import message_to_dict

app = typer.Typer(help="Feedback: record notes, list a lead's, a campaign's or a venture's "
                       "feedback.", no_args_is_help=True)
objections_app = typer.Typer(help="Objections: what replies and notes say, most frequent "
                                  "first.", no_args_is_help=True)

COLUMNS = ("record_time", "kind", "channel", "objection", "effects", "unsubscribe_reason",
           "campaign_id", "lead_id", "feedback_id")


def item_view(item: leads_pb2.FeedbackItem) -> dict[str, Any]:
    data = message_to_dict(item)
    data["kind"] = arguments.enum_word(leads_pb2.FeedbackKind, "FEEDBACK_KIND_", item.kind)
    data["channel"] = (arguments.channel_words([item.channel])[0] if item.channel else "")
    data["effects"] = [arguments.enum_word(leads_pb2.FeedbackEffect, "FEEDBACK_EFFECT_", e)
                       for e in item.effects]
    data["unsubscribe_reason"] = (arguments.enum_word(
        leads_pb2.UnsubscribeReason, "UNSUBSCRIBE_REASON_", item.unsubscribe_reason)
        if item.unsubscribe_reason else "")
    data["objection"] = ""
    if item.HasField("classification"):
        data["objection"] = arguments.enum_word(leads_pb2.Objection, "OBJECTION_",
                                                item.classification.objection)
        data["classification"] = {
            "objection": data["objection"],
            "matched_terms": list(item.classification.matched_terms),
            "classifier": item.classification.classifier,
            "language": item.classification.language}
    return data


def _table_view(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "effects": ", ".join(data["effects"])}


@app.command("add")
def add(
    ctx: typer.Context,
    lead_id: str = typer.Argument(..., help="The lead the note is about."),
    text: str = typer.Option(..., "--text", help="The note (classified like a reply)."),
    campaign: str = typer.Option("", "--campaign", help="The campaign it is about."),
    channel: str = typer.Option("", "--channel", help="How it came: email, sms, linkedin, "
                                                      "webhook."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="A UUID, to retry without recording twice."),
) -> None:
    """Record a manual note on a lead; an unsubscribe request in its words makes the lead
    do-not-contact."""
    if not text.strip():
        raise CliError("--text is empty: write the note")
    request = leads_pb2.RecordFeedbackRequest(
        lead_id=lead_id, text=text, campaign_id=campaign,
        request_id=arguments.request_id(request_id))
    if channel:
        request.channel = arguments.channel(channel)
    item = stub(ctx).RecordFeedback(request).item
    view = item_view(item)
    output = state_of(ctx).output
    if output.json:
        output.emit_json(view)
        return
    title = f"feedback recorded: {view['objection'] or 'unclassified'}"
    if item.HasField("classification") and item.classification.matched_terms:
        title += f" (because of: {', '.join(item.classification.matched_terms)})"
    if view["effects"]:
        title += f"; effect: {', '.join(view['effects'])}"
    output.record(_table_view(view), title=title)


@app.command("list")
def list_feedback(
    ctx: typer.Context,
    lead: str = typer.Option("", "--lead", help="One lead's feedback."),
    campaign: str = typer.Option("", "--campaign", help="Feedback about a campaign's sends."),
    venture: str = typer.Option("", "--venture", help="A venture's feedback (or the "
                                                      "token's)."),
    kind: list[str] = typer.Option([], "--kind", help="Only these kinds (bounce_hard, "
                                   "bounce_soft, complaint, reply, auto_reply, unsubscribe, "
                                   "note); repeatable."),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List feedback, newest first."""
    if not (lead or campaign or venture):
        raise CliError("name what to list: --lead, --campaign or --venture")
    request = leads_pb2.ListFeedbackRequest(
        lead_id=lead, campaign_id=campaign, venture_id=venture,
        kinds=[arguments.enum_value(leads_pb2.FeedbackKind, "FEEDBACK_KIND_", word, "--kind")
               for value in kind for word in value.split(",") if word.strip()])
    items = [item_view(item) for item in every_item(stub(ctx).ListFeedback, request, "items",
                                                    limit)]
    state_of(ctx).output.rows([_table_view(item) for item in items], COLUMNS,
                              title="feedback", json_data=items)


@objections_app.command("top")
def top(
    ctx: typer.Context,
    venture: str = typer.Option("", "--venture", help="The venture (or the token's)."),
    campaign: str = typer.Option("", "--campaign"),
    template: str = typer.Option("", "--template"),
    examples: int = typer.Option(3, "--examples", min=0, max=20,
                                 help="Example feedback ids per objection."),
) -> None:
    """The most frequent objections of a venture (a campaign, a template), with example
    feedback ids (never the text)."""
    response = stub(ctx).TopObjections(leads_pb2.TopObjectionsRequest(
        venture_id=venture, campaign_id=campaign, template_id=template, examples=examples))
    rows = [{"objection": arguments.enum_word(leads_pb2.Objection, "OBJECTION_", o.objection),
             "count": o.count,
             "share": f"{o.count / response.total:.0%}" if response.total else "",
             "example_feedback_ids": list(o.example_feedback_ids)}
            for o in response.objections]
    output = state_of(ctx).output
    if output.json:
        output.emit_json({"total": response.total, "objections": rows})
        return
    output.rows([{**row, "example_feedback_ids": ", ".join(row["example_feedback_ids"])}
                 for row in rows], ("objection", "count", "share", "example_feedback_ids"),
                title=f"objections ({response.total} replies and notes)")
