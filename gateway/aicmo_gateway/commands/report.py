"""``aicmo report generate``: the proof of a campaign, as HTML and CSV."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path

import typer

from aicmo_gateway.cli_state import state_of
from aicmo_gateway.reports.collect import collect
from aicmo_gateway.reports.model import report_of
from aicmo_gateway.reports.render import render_html, write_csvs

app = typer.Typer(help="Campaign reports: funnel, attribution, limits, verdicts, audit.",
                  no_args_is_help=True)


class ReportFormat(enum.StrEnum):
    HTML = "html"
    CSV = "csv"
    ALL = "all"


@app.command("generate")
def generate(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(...),
    fmt: ReportFormat = typer.Option(ReportFormat.HTML, "--format",
                                     help="html (one self-contained file), csv (leads, "
                                     "sends, audit) or all."),
    out: Path = typer.Option(Path("reports"), "--out", help="The folder to write into."),
) -> None:
    """Generate the report of one campaign from the live services."""
    state = state_of(ctx)
    facts = collect(state.connection, campaign_id)
    report = report_of(facts)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if fmt in (ReportFormat.HTML, ReportFormat.ALL):
        html = out / f"report-{campaign_id}.html"
        html.write_text(render_html(report), encoding="utf-8")
        files["html"] = str(html)
    if fmt in (ReportFormat.CSV, ReportFormat.ALL):
        files.update({name: str(path) for name, path in write_csvs(facts, out).items()})
    output = state.output
    if output.json:
        output.emit_json({"files": files, "report": dataclasses.asdict(report)})
        return
    funnel = report.funnel
    output.record({
        "campaign": f"{report.campaign['name']} ({campaign_id})",
        "captured": funnel.captured, "consented": funnel.consented,
        "contactable": funnel.contactable, "sent": funnel.sent,
        "blocked": funnel.blocked, "suppressed": funnel.suppressed, "failed": funnel.failed,
        "audit chain": "verified" if report.audit.get("valid") else "DOES NOT VERIFY",
        **{f"file ({kind})": path for kind, path in files.items()},
    }, title="campaign report")
    for line in report.insights:
        output.note(f"- {line}")
