"""The report as one self-contained HTML file (inline CSS and SVG charts) and as CSV files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from aicmo.distribution.v1 import distribution_pb2 as dist_pb2
from aicmo_gateway import csv_safe, lead_rows
from aicmo_gateway.commands.audit import EXPORT_COLUMNS as AUDIT_COLUMNS
from aicmo_gateway.commands.audit import entry_row
from aicmo_gateway.reports.collect import CampaignFacts
from aicmo_gateway.reports.model import NO_UTM, CampaignReport, reason_text

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))
_templates.filters["reason"] = reason_text

SEND_COLUMNS = ("send_id", "lead_id", "channel", "step", "state", "block_reasons", "detail",
                "run_id", "template_id", "message_id", "delivery_attempts", "create_time",
                "sent_time", "dry_run")


def bar_chart(rows: list[tuple[str, int]], *, colour: str = "#2563eb",
              limit: int | None = None) -> Markup:
    """A horizontal bar chart as inline SVG; ``limit`` draws a dashed line at that value."""
    if not rows:
        return Markup("<p><em>no data</em></p>")
    label_width, bar_width, row_height = 220, 360, 22
    top = max([value for _, value in rows] + [limit or 0, 1])
    height = row_height * len(rows) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" '
             f'height="{height}" role="img">']
    for index, (label, value) in enumerate(rows):
        y = index * row_height + 3
        width = round(bar_width * value / top)
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{_escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{width}" height="16" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{label_width + width + 4}" y="{y + 13}" '
                     f'font-size="12">{value}</text>')
    if limit:
        x = label_width + round(bar_width * limit / top)
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height}" stroke="#dc2626" '
                     f'stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def render_html(report: CampaignReport) -> str:
    funnel = report.funnel
    funnel_rows = [("captured", funnel.captured), ("consented", funnel.consented),
                   ("contactable", funnel.contactable), ("sent", funnel.sent),
                   ("suppressed", funnel.suppressed), ("blocked", funnel.blocked),
                   ("deferred", funnel.deferred), ("failed", funnel.failed)]
    charts = {
        "funnel": bar_chart(funnel_rows),
        "blocked": bar_chart([(reason_text(reason), people) for reason, people
                              in funnel.blocked_by_reason.items()], colour="#dc2626"),
        "channels": bar_chart([(r.key, r.first_touch) for r in report.by_channel]),
        "utm": bar_chart([(r.key, r.first_touch) for r in report.by_utm], colour="#7c3aed"),
        "days": bar_chart([(d.day, d.sent) for d in report.per_day], colour="#059669",
                          limit=report.campaign.get("daily_send_limit") or None),
        "deny": bar_chart([(reason_text(reason), count) for reason, count
                           in report.deny_reasons.items()], colour="#dc2626"),
    }
    return _templates.get_template("report.html").render(
        report=report, funnel=funnel, funnel_rows=funnel_rows, charts=charts,
        has_utm=any(row.key != NO_UTM for row in report.by_utm),
        # Machine-readable copy of every number; "</" escaped so it cannot close the script.
        data_json=Markup(json.dumps(dataclasses.asdict(report), indent=1, default=str)
                         .replace("</", "<\\/")))


def _time(stamp, present: bool) -> str:
    return stamp.ToDatetime().isoformat() + "Z" if present else ""


def write_csvs(facts: CampaignFacts, folder: Path) -> dict[str, Path]:
    """leads.csv, sends.csv and audit.csv of the campaign in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    campaign_id = facts.campaign.id
    paths = {name: folder / f"{name}-{campaign_id}.csv" for name in ("leads", "sends", "audit")}
    with csv_safe.output_file(paths["leads"]) as handle:
        writer = csv_safe.DictWriter(handle, (*lead_rows.EXPORT_COLUMNS, "contactable"))
        writer.writeheader()
        for lead in facts.leads:
            writer.writerow({**lead_rows.lead_row(lead),
                             "contactable": lead.lead_id in facts.contactable_ids})
    with csv_safe.output_file(paths["sends"]) as handle:
        writer = csv_safe.DictWriter(handle, SEND_COLUMNS)
        writer.writeheader()
        for job in facts.sends:
            writer.writerow({
                "send_id": job.id, "lead_id": job.lead_id,
                "channel": lead_rows.channel_word(job.channel), "step": job.step,
                "state": dist_pb2.SendState.Name(job.state).removeprefix("SEND_STATE_").lower(),
                "block_reasons": ";".join(dist_pb2.BlockReason.Name(r)
                                          .removeprefix("BLOCK_REASON_").lower()
                                          for r in job.block_reasons),
                "detail": job.detail, "run_id": job.run_id, "template_id": job.template_id,
                "message_id": job.message_id, "delivery_attempts": job.delivery_attempts,
                "create_time": _time(job.create_time, job.HasField("create_time")),
                "sent_time": _time(job.sent_time, job.HasField("sent_time")),
                "dry_run": job.dry_run,
            })
    with csv_safe.output_file(paths["audit"]) as handle:
        writer = csv_safe.DictWriter(handle, AUDIT_COLUMNS)
        writer.writeheader()
        for entry in facts.audit_entries:
            writer.writerow(entry_row(entry))
    return paths
