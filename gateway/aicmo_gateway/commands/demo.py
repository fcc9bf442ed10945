"""``aicmo demo``: a whole campaign against a running stack, narrated.

It creates a venture and a campaign, captures leads through the hosted form and the API
(with the same people arriving again in other forms, and one opting out), runs the campaign
into the local SMTP server, lets a bounce and a reply come back over SMTP to the edge's
inbound receiver (when the stack runs one) and shows the follow-up skipping those two people,
shows a kill switch stopping a run, and generates the report.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import httpx
import typer

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo.distribution.v1 import distribution_pb2_grpc as dist_grpc
from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import demo_mail
from aicmo_gateway.commands.distribution import follow_run, run_view
from aicmo_gateway.exit_codes import CliError, ExitCode
from aicmo_gateway.reports.collect import collect
from aicmo_gateway.reports.model import report_of
from aicmo_gateway.reports.render import render_html, write_csvs

EMAIL = 1  # aicmo.common.v1.CHANNEL_EMAIL

PEOPLE = [
    # (first name, full name, email, phone, company, utm source, via)
    ("Ada", "Ada Lovelace", "ada@example.com", "", "Analytical Ltd", "newsletter", "form"),
    ("Grace", "Grace Hopper", "grace@example.com", "+1 415 555 0101", "Navy Labs", "linkedin",
     "form"),
    ("Alan", "Alan Turing", "alan@example.com", "", "Bletchley", "newsletter", "api"),
    ("Edsger", "Edsger Dijkstra", "edsger@example.com", "", "THE", "ads", "api"),
    ("Barbara", "Barbara Liskov", "barbara@example.com", "+1 617 555 0199", "CLU Inc", "ads",
     "api"),
]


def _rid() -> str:
    return str(uuid.uuid4())


def _submit_form(edge_url: str, campaign_id: str, person: tuple, utm: str) -> str:
    """Fills in the hosted form like a visitor: read the page, tick consent, send."""
    with httpx.Client(timeout=10) as client:
        page = client.get(f"{edge_url}/f/{campaign_id}", params={"utm_source": utm})
        page.raise_for_status()
        version = re.search(r'name="consent_text_version" value="([^"]+)"', page.text)
        response = client.post(f"{edge_url}/f/{campaign_id}", data={
            "name": person[1], "email": person[2], "phone": person[3], "company": person[4],
            "consent": "yes", "consent_text_version": version.group(1) if version else "",
            "utm_source": utm, "website": ""})
    if response.status_code != 200:
        raise CliError(f"the hosted form answered {response.status_code}",
                       ExitCode.UNEXPECTED)
    return "hosted form"


def _what_comes_back(connection, campaign_id: str, lead_ids: dict[str, str], say) -> None:
    """Ada's address bounces and Grace answers, both as mail to the inbound receiver; waits
    until distribution recorded both and leads suppressed Ada's address."""
    folder = Path("var") / "mail"
    bounce_to, bounce = demo_mail.bounce_of(demo_mail.delivered_to(folder, "ada@example.com"))
    demo_mail.send(connection.inbound_smtp, bounce_to, bounce)
    say("   ada@example.com bounced: the receiving server sent a delivery status notification "
        "(5.1.1 user unknown) to the message's signed return path")
    reply_to, reply = demo_mail.reply_of(demo_mail.delivered_to(folder, "grace@example.com"),
                                         "Sounds useful. Can we book a call next week?")
    demo_mail.send(connection.inbound_smtp, reply_to, reply)
    say("   grace@example.com replied: \"Sounds useful. Can we book a call next week?\"")
    leads_api = connection.stub("leads", leads_pb2_grpc.LeadsServiceStub)
    deadline = time.monotonic() + 15
    while True:
        items = leads_api.ListFeedback(leads_pb2.ListFeedbackRequest(
            campaign_id=campaign_id)).items
        contact = leads_api.CheckContactability(leads_pb2.CheckContactabilityRequest(
            lead_id=lead_ids["ada@example.com"], channel=EMAIL))
        if len(items) >= 2 and not contact.allowed:
            break
        if time.monotonic() > deadline:
            raise CliError("the bounce and the reply did not reach leads within 15 s",
                           ExitCode.UNEXPECTED)
        time.sleep(0.2)  # the relay carries them over within milliseconds
    for item in items:
        if item.kind == leads_pb2.FEEDBACK_KIND_REPLY:
            said = leads_pb2.Objection.Name(item.classification.objection)
            say(f"   the reply was read as {said.removeprefix('OBJECTION_').lower()} "
                f"(matched: {', '.join(item.classification.matched_terms) or '-'})")
    say("   ada@example.com is now suppressed on email; grace gets no more of this campaign")


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("reports"), "--out", help="Where the report goes."),
) -> None:
    """Run a complete campaign against the running stack and explain each step."""
    state = state_of(ctx)
    output = state.output
    connection = state.connection
    venture_api = connection.stub("venture", venture_pb2_grpc.VentureServiceStub)
    leads_api = connection.stub("leads", leads_pb2_grpc.LeadsServiceStub)
    dist_api = connection.stub("distribution", dist_grpc.DistributionServiceStub)
    say = output.note
    suffix = uuid.uuid4().hex[:6]
    venture_id = f"demo-{suffix}"

    say(f"[bold]1. A venture and a campaign[/bold] (venture [cyan]{venture_id}[/cyan])")
    venture_api.CreateVenture(venture_pb2.CreateVentureRequest(request_id=_rid(),
                                                               venture=venture_pb2.Venture(
        id=venture_id, name="Demo Analytics", offer_summary="Dashboards for small teams.",
        primary_cta="Book a demo", default_channels=[EMAIL], timezone="Europe/London",
        owner_contact="owner@demo.example",
        sender=venture_pb2.SenderIdentity(from_address="hello@demo.example",
                                          from_name="Demo Analytics",
                                          postal_address="1 Demo Street, London"))))
    campaign = venture_api.CreateCampaign(venture_pb2.CreateCampaignRequest(
        request_id=_rid(), campaign=venture_pb2.Campaign(
            venture_id=venture_id, name="Spring launch", objective="Book demos",
            allowed_channels=[EMAIL], daily_send_limit=50))).campaign
    say(f"   campaign [cyan]{campaign.id}[/cyan], daily limit 50, status DRAFT")
    template = dist_api.CreateTemplate(dist_pb2.CreateTemplateRequest(
        request_id=_rid(), template=dist_pb2.Template(
            venture_id=venture_id, name="launch", channel=EMAIL, message=dist_pb2.Message(
                subject="{{ lead.first_name }}, meet {{ venture.name }}",
                body_text="Hi {{ lead.first_name }},\n\nDashboards for small teams. "
                          "Book a demo?\n\nUnsubscribe: {{ unsubscribe_url }}\n")))).template

    say("[bold]2. Leads arrive[/bold]")
    lead_ids: dict[str, str] = {}
    for person in PEOPLE:
        first, name, email, phone, company, utm, via = person
        if via == "form" and connection.edge_url:
            how = _submit_form(connection.edge_url, campaign.id, person, utm)
            found = leads_api.ListLeads(leads_pb2.ListLeadsRequest(
                venture_id=venture_id, page_size=500)).leads
            lead_ids[email] = next(lead.lead_id for lead in found if lead.email == email)
        else:
            how = "API"
            captured = leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(
                request_id=_rid(), capture=leads_pb2.LeadCapture(
                    venture_id=venture_id, campaign_id=campaign.id, email=email, phone=phone,
                    name=name, first_name=first, company=company, source_channel="api",
                    utm=leads_pb2.UtmParameters(source=utm))))
            lead_ids[email] = captured.lead.lead_id
        say(f"   {name} <{email}> via {how} (utm_source={utm})")
    again = leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(
        request_id=_rid(), capture=leads_pb2.LeadCapture(
            venture_id=venture_id, campaign_id=campaign.id, email="ADA@Example.COM",
            phone="+44 20 7946 0001", source_channel="webinar",
            utm=leads_pb2.UtmParameters(source="webinar"))))
    say(f"   ADA@Example.COM with a new phone -> "
        f"{leads_pb2.CaptureOutcome.Name(again.outcome).removeprefix('CAPTURE_OUTCOME_')}"
        f" the existing lead (still one person, {again.lead.touch_count} touches)")
    dnc = lead_ids["edsger@example.com"]
    leads_api.MarkDnc(leads_pb2.MarkDncRequest(lead_id=dnc, reason="asked not to be contacted",
                                               request_id=_rid()))
    say("   Edsger asked not to be contacted: marked DNC (suppressed for good)")

    say("[bold]3. Start, preview, run[/bold]")
    venture_api.StartCampaign(venture_pb2.StartCampaignRequest(
        campaign_id=campaign.id, reason="demo", request_id=_rid()))
    preview = dist_api.DryRunCampaign(dist_pb2.DryRunCampaignRequest(
        campaign_id=campaign.id, template_id=template.id, page_size=500))
    say(f"   dry run: {preview.would_send} would be sent, {preview.would_block} blocked, "
        f"{preview.would_defer} deferred; nothing delivered yet")
    run = dist_api.RunCampaign(dist_pb2.RunCampaignRequest(
        request_id=_rid(), campaign_id=campaign.id, template_id=template.id)).run
    run = follow_run(ctx, run)
    counts = run_view(run)["state_counts"]
    say(f"   run {run.id}: {counts.get('sent', 0)} sent to the local SMTP server "
        f"(see var/mail/), {counts.get('suppressed', 0)} suppressed (the DNC lead)")

    follow_up = None
    if connection.inbound_smtp:
        say("[bold]4. What comes back[/bold] (real SMTP to the edge's inbound receiver)")
        _what_comes_back(connection, campaign.id, lead_ids, say)
        say("[bold]5. The follow-up[/bold]")
        follow_up = follow_run(ctx, dist_api.RunCampaign(dist_pb2.RunCampaignRequest(
            request_id=_rid(), campaign_id=campaign.id, template_id=template.id, step=2)).run)
        stopped = [set(job.block_reasons) for job in dist_api.ListSends(
            dist_pb2.ListSendsRequest(run_id=follow_up.id, page_size=500)).sends
            if job.block_reasons]
        opted_out = sum(dist_pb2.BLOCK_REASON_LEAD_DNC in why for why in stopped)
        replied = sum(dist_pb2.BLOCK_REASON_LEAD_REPLIED in why for why in stopped)
        bounced = sum(why == {dist_pb2.BLOCK_REASON_LEAD_SUPPRESSED} for why in stopped)
        say(f"   step 2: {run_view(follow_up)['state_counts'].get('sent', 0)} sent; not sent: "
            f"{bounced} bounced, {replied} replied (a person takes it from there), "
            f"{opted_out} opted out")

    say(f"[bold]{6 if follow_up else 4}. The kill switch[/bold]")
    leads_api.CaptureLead(leads_pb2.CaptureLeadRequest(request_id=_rid(),
                                                       capture=leads_pb2.LeadCapture(
        venture_id=venture_id, campaign_id=campaign.id, email="late@example.com",
        first_name="Late", source_channel="api")))
    say("   Late <late@example.com> signs up after the first run (a sixth person)")
    venture_api.SetCampaignKillSwitch(venture_pb2.SetCampaignKillSwitchRequest(
        campaign_id=campaign.id, reason="demo: stop everything", request_id=_rid()))
    second = dist_api.RunCampaign(dist_pb2.RunCampaignRequest(
        request_id=_rid(), campaign_id=campaign.id, template_id=template.id,
        step=3 if follow_up else 2)).run
    second = follow_run(ctx, second)
    second_counts = run_view(second)["state_counts"]
    say(f"   follow-up run is {run_view(second)['state']}: "
        f"{second_counts.get('sent', 0)} sent; {second.halt_reason or 'no reason given'}")

    say(f"[bold]{7 if follow_up else 5}. The report[/bold]")
    facts = collect(connection, campaign.id)
    report = report_of(facts)
    out.mkdir(parents=True, exist_ok=True)
    html = out / f"report-{campaign.id}.html"
    html.write_text(render_html(report), encoding="utf-8")
    files = {"html": str(html), **{k: str(v) for k, v in write_csvs(facts, out).items()}}
    for line in report.insights:
        say(f"   - {line}")
    say(f"   audit chain: {'verified' if report.audit.get('valid') else 'DOES NOT VERIFY'}")
    summary = {"venture_id": venture_id, "campaign_id": campaign.id, "template_id": template.id,
               "first_run": run_view(run), "kill_switch_run": run_view(second),
               "follow_up_run": run_view(follow_up) if follow_up else None,
               "funnel": report.funnel.__dict__, "came_back": report.feedback.__dict__,
               "files": files}
    if output.json:
        output.emit_json(summary)
    else:
        output.record({"report": files["html"], "leads csv": files["leads"],
                       "sends csv": files["sends"], "audit csv": files["audit"]},
                      title="demo finished")
