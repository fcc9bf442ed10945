"""``aicmo leads``: capture, import, find, export, opt out, consent and erase leads."""

from __future__ import annotations

import csv
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_gateway import csv_safe, lead_rows
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError, ExitCode
from aicmo_gateway.output import message_to_dict

app = typer.Typer(help="Leads: capture, import, list, export, opt-outs, consent, erasure.",
                  no_args_is_help=True)

COLUMNS = ("lead_id", "venture_id", "email", "phone", "name", "company", "consent_status",
           "state", "touch_count")
STREAM_TIMEOUT_SECONDS = 3600.0
IDENTIFIER_FIELDS = ("email", "phone", "linkedin_url")


def stub(ctx: typer.Context):
    return state_of(ctx).connection.stub("leads", leads_pb2_grpc.LeadsServiceStub)


def lead_view(lead: leads_pb2.Lead) -> dict[str, Any]:
    data = message_to_dict(lead)
    data["consent_status"] = arguments.enum_word(leads_pb2.ConsentStatus, "CONSENT_STATUS_",
                                                 lead.consent_status)
    data["state"] = arguments.enum_word(leads_pb2.LeadState, "LEAD_STATE_", lead.state)
    return data


def _consent_status(word: str, flag: str = "--consent") -> int:
    return arguments.enum_value(leads_pb2.ConsentStatus, "CONSENT_STATUS_", word, flag)


@app.command("capture")
def capture(
    ctx: typer.Context,
    venture: str = typer.Option("", "--venture", help="The venture (or the token's)."),
    campaign: str = typer.Option("", "--campaign"),
    email: str = typer.Option("", "--email"),
    phone: str = typer.Option("", "--phone"),
    linkedin: str = typer.Option("", "--linkedin", help="LinkedIn profile URL."),
    name: str = typer.Option("", "--name"),
    first_name: str = typer.Option("", "--first-name"),
    company: str = typer.Option("", "--company"),
    title: str = typer.Option("", "--title"),
    source: str = typer.Option("cli", "--source", help="How the lead came in."),
    source_ref: str = typer.Option("", "--source-ref"),
    utm: list[str] = typer.Option([], "--utm", help="KEY=VALUE, e.g. source=newsletter."),
    consent: str = typer.Option("", "--consent", help="consented, unknown or dnc."),
    consent_source: str = typer.Option("", "--consent-source"),
    consent_text_version: str = typer.Option("", "--consent-text-version"),
    form_url: str = typer.Option("", "--form-url"),
    ip: str = typer.Option("", "--ip"),
    attribute: list[str] = typer.Option([], "--attr", help="KEY=VALUE free attribute."),
    request_id: str | None = typer.Option(None, "--request-id"),
) -> None:
    """Capture one lead (resolving identity: a known person is matched, not duplicated)."""
    fields = {"venture_id": venture, "campaign_id": campaign, "email": email, "phone": phone,
              "linkedin_url": linkedin, "name": name, "first_name": first_name,
              "company": company, "title": title, "source_channel": source,
              "source_reference": source_ref, "consent_status": consent,
              "consent_source": consent_source, "consent_text_version": consent_text_version,
              "consent_form_url": form_url, "consent_ip": ip}
    for pair in utm:
        key, sep, value = pair.partition("=")
        if not sep or f"utm_{key.strip().lower()}" not in lead_rows.UTM_FIELDS:
            raise CliError(f"--utm {pair!r} is not KEY=VALUE with KEY one of source, medium, "
                           "campaign, term, content")
        fields[f"utm_{key.strip().lower()}"] = value
    for pair in attribute:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--attr {pair!r} is not KEY=VALUE")
        fields[lead_rows.ATTRIBUTE_PREFIX + key.strip()] = value
    message, problems = lead_rows.capture_from_fields(fields)
    if problems:
        raise CliError("the lead is not valid", details=problems)
    response = stub(ctx).CaptureLead(leads_pb2.CaptureLeadRequest(
        request_id=arguments.request_id(request_id), capture=message))
    output = state_of(ctx).output
    outcome = arguments.enum_word(leads_pb2.CaptureOutcome, "CAPTURE_OUTCOME_",
                                  response.outcome)
    if output.json:
        output.emit_json({"outcome": outcome, "suppressed": response.suppressed,
                          "matched_on": arguments.enum_word(
                              leads_pb2.IdentifierKind, "IDENTIFIER_KIND_",
                              response.matched_on),
                          "merged_lead_ids": list(response.merged_lead_ids),
                          "lead": lead_view(response.lead)})
        return
    output.record(lead_view(response.lead), title=f"lead {outcome}"
                  + (" (suppressed: on the do-not-contact list)" if response.suppressed else ""))


def _column_mapping(headings: list[str], mapping: list[str]) -> dict[str, str]:
    """CSV heading -> lead field, from --map COLUMN=FIELD first, then the headings' names."""
    explicit: dict[str, str] = {}
    problems = []
    for pair in mapping:
        column, sep, target = pair.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            problems.append(f"--map {pair!r} is not COLUMN=FIELD")
        elif column not in headings:
            problems.append(f"--map: the file has no column {column!r}")
        elif target == "-":
            explicit[column] = ""
        elif target not in lead_rows.IMPORT_FIELDS \
                and not target.startswith(lead_rows.ATTRIBUTE_PREFIX):
            problems.append(f"--map: {target!r} is not a lead field (one of "
                            f"{', '.join(lead_rows.IMPORT_FIELDS)} or attr:<key>)")
        else:
            explicit[column] = target
    if problems:
        raise CliError("the column mapping is not valid", details=problems)
    result = {}
    for heading in headings:
        field = explicit[heading] if heading in explicit else lead_rows.canonical_field(heading)
        if field:
            result[heading] = field
    if not any(field in IDENTIFIER_FIELDS for field in result.values()):
        raise CliError("no column holds an email, phone or linkedin_url; map one with "
                       "--map COLUMN=email (columns: " + ", ".join(headings) + ")")
    return result


class _RejectedRows:
    """The rejected-rows file: the original columns plus the row number and every reason.
    Opened on the first rejection, written from both the sending and the receiving side."""

    def __init__(self, path: Path, headings: list[str]) -> None:
        self.path = path
        self._headings = headings
        self._lock = threading.Lock()
        self._file = None
        self._writer: csv_safe.DictWriter | None = None
        self.count = 0
        self.row_numbers: list[int] = []

    def add(self, row_number: int, row: dict[str, str], reasons: list[str]) -> None:
        with self._lock:
            if self._writer is None:
                self._file = self.path.open("w", newline="", encoding="utf-8")
                self._writer = csv_safe.DictWriter(self._file,
                                                   ["row", *self._headings, "reasons"],
                                                   extrasaction="ignore")
                self._writer.writeheader()
            self._writer.writerow({"row": row_number, **row, "reasons": "; ".join(reasons)})
            self.count += 1
            self.row_numbers.append(row_number)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _import_help() -> str:
    """``aicmo leads import --help``: the headings it reads by itself and the consent words
    and evidence columns, from the same tables the import uses."""
    headings = "\n".join(f"- {field}: {', '.join(repr(h) for h in names)}"
                          for field, names in lead_rows.understood_headings().items()
                          if field not in lead_rows.CONSENT_EVIDENCE_FIELDS)
    evidence = "\n".join(f"- {field}: {meaning}"
                          for field, meaning in lead_rows.CONSENT_EVIDENCE_FIELDS.items())
    return f"""Import a CSV file of leads, with a progress bar and a file of rejected rows.

Headings are matched without regard to case, spaces or dashes; other columns are ignored
unless named with --map COLUMN=FIELD (attr:KEY keeps one as a free attribute).

Headings understood:

{headings}

Consent column (consent_status or Consent): {', '.join(lead_rows.CONSENTED_WORDS)} mean
consented; {', '.join(lead_rows.DNC_WORDS)} put the person on the do-not-contact list for
good; unknown or empty leave consent as it is. Anything else, "no" included, is refused with
the row named.

Consent-evidence columns (headed by these names, e.g. "Consent text version"):

{evidence}

Rejected rows go to NAME.rejected.csv beside FILE (people.csv: people.rejected.csv), or to
--rejected, with their line number and every reason. When any row is rejected the command
exits 2 after importing the others; --allow-partial makes that exit 0.
"""


REJECTED_SUFFIX = ".rejected.csv"


def rejected_path(file: Path) -> Path:
    """Where the rejected rows of ``file`` go unless --rejected says otherwise."""
    return file.with_name(f"{file.stem}{REJECTED_SUFFIX}")


@app.command("import", help=_import_help())
def import_leads(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="A CSV file with a heading row."),
    venture: str = typer.Option("", "--venture", help="The venture of rows without one."),
    campaign: str = typer.Option("", "--campaign", help="The campaign of rows without one."),
    mapping: list[str] = typer.Option([], "--map", help="COLUMN=FIELD (FIELD a lead field, "
                                      "attr:KEY, or - to ignore). Repeatable."),
    source: str = typer.Option("import", "--source", help="source_channel of every row."),
    rejected: Path | None = typer.Option(None, "--rejected", help="Where to write rejected "
                                         "rows (default: NAME.rejected.csv beside FILE)."),
    delimiter: str = typer.Option(",", "--delimiter"),
    allow_partial: bool = typer.Option(False, "--allow-partial",
                                       help="Exit 0 even when some rows were rejected."),
) -> None:
    output = state_of(ctx).output
    with file.open(newline="", encoding="utf-8-sig") as handle:
        total = max(0, sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1)
    handle = file.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(handle, delimiter=delimiter)
    headings = list(reader.fieldnames or [])
    if not headings:
        handle.close()
        raise CliError(f"{file} is empty: a CSV file with a heading row is needed")
    columns = _column_mapping(headings, mapping)
    rejected_rows = _RejectedRows(rejected or rejected_path(file), headings)
    in_flight: dict[int, tuple[dict[str, str], bool]] = {}
    counts = {"created": 0, "matched": 0, "rejected": 0, "suppressed": 0, "marked_dnc": 0,
              "merged": 0}
    progress = Progress(TextColumn("importing {task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(),
                        console=output.errors if output.json else output.console)
    task = progress.add_task(file.name, total=total)

    def requests() -> Iterator[leads_pb2.ImportLeadsRequest]:
        for row in reader:
            row_number = reader.line_num
            fields = {columns[k]: csv_safe.restore(v or "") for k, v in row.items()
                      if k in columns and columns[k]}
            fields.setdefault("venture_id", venture)
            fields.setdefault("campaign_id", campaign)
            fields.setdefault("source_channel", source)
            fields.setdefault("source_reference", file.name)
            if fields.get("consent_status") and not fields.get("consent_source"):
                # The file is where the consent claim comes from: say so in the evidence.
                fields["consent_source"] = f"import:{file.name}"
            message, problems = lead_rows.capture_from_fields(fields)
            if problems:
                rejected_rows.add(row_number, row, problems)
                progress.advance(task)
                continue
            in_flight[row_number] = (row,
                                     message.consent_status == leads_pb2.CONSENT_STATUS_DNC)
            yield leads_pb2.ImportLeadsRequest(row_number=row_number, capture=message)

    summary = None
    try:
        with progress:
            for response in stub(ctx).stream("ImportLeads", requests(),
                                             timeout=STREAM_TIMEOUT_SECONDS):
                for result in response.results:
                    row, asked_dnc = in_flight.pop(result.row_number, ({}, False))
                    if result.outcome == leads_pb2.CAPTURE_OUTCOME_REJECTED:
                        rejected_rows.add(result.row_number, row, [
                            f"{v.field}: {v.description}" for v in result.violations]
                            or ["rejected"])
                    else:
                        key = "created" if result.outcome == leads_pb2.CAPTURE_OUTCOME_CREATED \
                            else "matched"
                        counts[key] += 1
                        # Suppressed: the row's person is on the do-not-contact list now,
                        # by an earlier entry or by the row's own consent column.
                        counts["suppressed"] += int(result.suppressed or asked_dnc)
                        counts["marked_dnc"] += int(asked_dnc)
                    counts["merged"] += len(result.merged_lead_ids)
                    progress.advance(task)
                if response.HasField("summary"):
                    summary = response.summary
    finally:
        handle.close()
        rejected_rows.close()
    counts["rejected"] = rejected_rows.count
    report = {"file": str(file), "rows": total, **counts,
              "import_id": summary.import_id if summary else "",
              "rejected_file": str(rejected_rows.path) if rejected_rows.count else None,
              "rejected_lines": sorted(rejected_rows.row_numbers)}
    output.record(report, title="import finished")
    if rejected_rows.count and not allow_partial:
        lines = sorted(rejected_rows.row_numbers)
        shown = ", ".join(str(n) for n in lines[:20])
        more = "" if len(lines) <= 20 else f" and {len(lines) - 20} more"
        which = "lines" if len(lines) > 1 else "line"
        raise CliError(f"{len(lines)} of {total} row(s) rejected ({which} {shown}{more}); "
                       f"the others were imported; reasons in {rejected_rows.path} "
                       "(--allow-partial accepts a partial import)", ExitCode.BAD_USAGE)


@app.command("list")
def list_leads(
    ctx: typer.Context,
    venture: str = typer.Option("", "--venture"),
    campaign: str = typer.Option("", "--campaign"),
    consent: str | None = typer.Option(None, "--consent", help="consented, unknown or dnc."),
    source: str = typer.Option("", "--source"),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """List leads, oldest first."""
    request = leads_pb2.ListLeadsRequest(venture_id=venture, campaign_id=campaign,
                                         source_channel=source)
    if consent:
        request.consent_status = _consent_status(consent)
    leads = [lead_view(lead) for lead in every_item(stub(ctx).ListLeads, request, "leads",
                                                    limit)]
    state_of(ctx).output.rows(leads, COLUMNS, title="leads")


@app.command("show")
def show(ctx: typer.Context, lead_id: str = typer.Argument(...),
         history: bool = typer.Option(False, "--history",
                                      help="Also the consent ledger and the touches.")) -> None:
    """Show one lead (with --history: its consent ledger and attribution touches)."""
    api = stub(ctx)
    lead = api.GetLead(leads_pb2.GetLeadRequest(lead_id=lead_id)).lead
    output = state_of(ctx).output
    if not history:
        output.record(lead_view(lead), title=f"lead {lead_id}")
        return
    records = []
    for record in every_item(api.ListConsentHistory,
                             leads_pb2.ListConsentHistoryRequest(lead_id=lead_id), "records"):
        row = message_to_dict(record)
        for key in ("from_status", "to_status"):
            row[key] = arguments.enum_word(leads_pb2.ConsentStatus, "CONSENT_STATUS_",
                                           getattr(record, key))
        records.append(row)
    touches = [message_to_dict(t) for t in every_item(
        api.ListTouches, leads_pb2.ListTouchesRequest(lead_id=lead_id), "touches")]
    if output.json:
        output.emit_json({"lead": lead_view(lead), "consent_history": records,
                          "touches": touches})
        return
    output.record(lead_view(lead), title=f"lead {lead_id}")
    output.rows(records, ("change_time", "from_status", "to_status", "source", "reason",
                          "actor.subject"), title="consent ledger")
    output.rows(touches, ("touch_time", "source_channel", "campaign_id", "utm.source",
                          "utm.medium", "utm.campaign"), title="touches")


@app.command("export")
def export(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(..., help="The campaign whose leads to export."),
    out: str | None = typer.Option(None, "--out", help="The CSV file (default "
                                   "leads-<campaign>.csv; - for stdout)."),
    consent: str | None = typer.Option(None, "--consent"),
    include_inactive: bool = typer.Option(False, "--include-inactive",
                                          help="Also merged and erased leads."),
) -> None:
    """Write a campaign's leads as CSV (streamed: any size). An unknown campaign, or one
    outside the token's venture, is NOT_FOUND (exit 3) and writes no file."""
    output = state_of(ctx).output
    campaign = find_campaign(ctx, campaign_id)
    request = leads_pb2.ExportLeadsRequest(venture_id=campaign.venture_id,
                                           campaign_id=campaign_id,
                                           include_inactive=include_inactive)
    if consent:
        request.consent_status = _consent_status(consent)
    target = out or f"leads-{campaign_id}.csv"
    if target == "-":
        write_lead_export(stub(ctx), request, sys.stdout)
        return
    with csv_safe.output_file(target) as handle:
        count = write_lead_export(stub(ctx), request, handle)
    output.record({"file": target, "leads": count}, title="export written")


def find_campaign(ctx: typer.Context, campaign_id: str) -> venture_pb2.Campaign:
    """The campaign an export is about, as the venture service sees it for this token:
    NOT_FOUND (exit 3) when it does not exist or belongs to another venture."""
    api = state_of(ctx).connection.stub("venture", venture_pb2_grpc.VentureServiceStub)
    return api.GetCampaign(venture_pb2.GetCampaignRequest(campaign_id=campaign_id)).campaign


def write_lead_export(api, request: leads_pb2.ExportLeadsRequest, handle) -> int:
    """Streams the leads into ``handle`` as CSV; returns how many."""
    writer = csv_safe.DictWriter(handle, lead_rows.EXPORT_COLUMNS)
    writer.writeheader()
    count = 0
    for response in api.stream("ExportLeads", request, timeout=STREAM_TIMEOUT_SECONDS):
        writer.writerow(lead_rows.lead_row(response.lead))
        count += 1
    return count


@app.command("dnc")
def dnc(
    ctx: typer.Context,
    lead_id: str | None = typer.Argument(None, help="The lead (or give --email/--phone/"
                                         "--linkedin for a bare identifier)."),
    email: str = typer.Option("", "--email"),
    phone: str = typer.Option("", "--phone"),
    linkedin: str = typer.Option("", "--linkedin"),
    venture: str = typer.Option("", "--venture", help="The venture, for a bare identifier."),
    global_scope: bool = typer.Option(False, "--global", help="Suppress in every venture."),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Put a lead or an identifier on the do-not-contact list (forever, unless the person
    opts in again with evidence)."""
    given = [(kind, value) for kind, value in (
        (leads_pb2.IDENTIFIER_KIND_EMAIL, email), (leads_pb2.IDENTIFIER_KIND_PHONE, phone),
        (leads_pb2.IDENTIFIER_KIND_LINKEDIN, linkedin)) if value]
    if bool(lead_id) + len(given) != 1:
        raise CliError("name exactly one of: a lead id, --email, --phone, --linkedin")
    request = leads_pb2.MarkDncRequest(
        venture_id=venture, reason=reason, request_id=arguments.request_id(),
        scope=leads_pb2.SUPPRESSION_SCOPE_GLOBAL if global_scope
        else leads_pb2.SUPPRESSION_SCOPE_VENTURE)
    if lead_id:
        request.lead_id = lead_id
    else:
        request.identifier.CopyFrom(leads_pb2.Identifier(kind=given[0][0], value=given[0][1]))
    response = stub(ctx).MarkDnc(request)
    state_of(ctx).output.record({
        "affected_lead_ids": list(response.affected_lead_ids),
        "suppression_entries": len(response.entries)}, title="do not contact")


@app.command("consent")
def consent(
    ctx: typer.Context,
    lead_id: str = typer.Argument(...),
    status: str = typer.Option(..., "--status", help="consented, unknown or dnc."),
    source: str = typer.Option("", "--source", help="Evidence: where consent came from."),
    text_version: str = typer.Option("", "--text-version",
                                     help="Evidence: the consent text's version."),
    form_url: str = typer.Option("", "--form-url"),
    ip: str = typer.Option("", "--ip"),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Change a lead's consent; recorded in the consent ledger with its evidence."""
    request = leads_pb2.UpdateConsentRequest(
        lead_id=lead_id, consent_status=_consent_status(status, "--status"), reason=reason,
        request_id=arguments.request_id())
    if source or text_version or form_url or ip:
        request.evidence.CopyFrom(leads_pb2.ConsentEvidence(
            source=source, consent_text_version=text_version, form_url=form_url,
            ip_address=ip))
    response = stub(ctx).UpdateConsent(request)
    state_of(ctx).output.record(lead_view(response.lead), title="consent changed")


@app.command("erase")
def erase(
    ctx: typer.Context,
    lead_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    yes: bool = typer.Option(False, "--yes", help="Confirm: erasure cannot be undone."),
) -> None:
    """Erase a lead's personal data (right to be forgotten); its identifiers stay
    suppressed."""
    if not yes:
        raise CliError("erasure cannot be undone: add --yes to confirm")
    response = stub(ctx).EraseLead(leads_pb2.EraseLeadRequest(
        lead_id=lead_id, reason=reason, request_id=arguments.request_id()))
    state_of(ctx).output.record(lead_view(response.lead), title="lead erased")
