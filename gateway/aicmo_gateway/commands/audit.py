"""``aicmo audit``: the compliance log: trails, queries, chain verification, export."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from google.protobuf import json_format

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo_gateway import csv_safe, lead_rows
from aicmo_gateway.cli_state import state_of
from aicmo_gateway.commands import arguments
from aicmo_gateway.commands.paging import every_item
from aicmo_gateway.exit_codes import CliError, ExitCode

app = typer.Typer(help="The audit trail: who did what, when, and proof it was not altered.",
                  no_args_is_help=True)

COLUMNS = ("sequence", "occurred_at", "service", "action", "entity_type", "entity_id", "actor",
           "venture_id")
EXPORT_COLUMNS = ("sequence", "event_id", "occurred_at", "recorded_at", "service",
                  "entity_type", "entity_id", "action", "actor", "venture_id", "request_id",
                  "context", "previous_hash", "hash")
STREAM_TIMEOUT_SECONDS = 3600.0


def stub(ctx: typer.Context):
    return state_of(ctx).connection.stub("audit", audit_pb2_grpc.AuditServiceStub)


def _time_text(stamp, present: bool) -> str:
    return stamp.ToDatetime().isoformat() + "Z" if present else ""


def entry_row(entry: audit_pb2.AuditEntry) -> dict[str, Any]:
    """One log entry as a flat record (the export's columns)."""
    event = entry.event
    return {
        "sequence": entry.sequence, "event_id": event.id,
        "occurred_at": _time_text(event.occurred_at, event.HasField("occurred_at")),
        "recorded_at": _time_text(entry.recorded_at, entry.HasField("recorded_at")),
        "service": event.service, "entity_type": event.entity_type,
        "entity_id": event.entity_id, "action": event.action, "actor": event.actor,
        "venture_id": event.venture_id, "request_id": event.request_id,
        "context": json.dumps(json_format.MessageToDict(event.context), sort_keys=True)
        if event.HasField("context") else "{}",
        "previous_hash": entry.previous_hash, "hash": entry.hash,
    }


def _time_option(text: str | None, flag: str):
    if not text:
        return None
    try:
        return lead_rows.parse_time(text)
    except ValueError as error:
        raise CliError(f"{flag} {text!r} is not an ISO 8601 time with an offset "
                       f"({error})") from None


@app.command("trail")
def trail(ctx: typer.Context, entity_type: str = typer.Argument(..., help="campaign, lead, "
                                                                   "send, venture ..."),
          entity_id: str = typer.Argument(...),
          limit: int | None = typer.Option(None, "--limit", min=1)) -> None:
    """Everything that happened to one entity, oldest first."""
    entries = [entry_row(e) for e in every_item(stub(ctx).GetTrail, audit_pb2.GetTrailRequest(
        entity_type=entity_type, entity_id=entity_id), "entries", limit)]
    state_of(ctx).output.rows(entries, COLUMNS, title=f"trail of {entity_type} {entity_id}")


@app.command("list")
def list_events(
    ctx: typer.Context,
    venture: str = typer.Option("", "--venture"),
    actor: str = typer.Option("", "--actor", help="<role>:<subject>"),
    action: str = typer.Option("", "--action", help="e.g. campaign.started"),
    entity_type: str = typer.Option("", "--entity-type"),
    entity_id: str = typer.Option("", "--entity-id"),
    service: str = typer.Option("", "--service"),
    since: str | None = typer.Option(None, "--since", help="ISO 8601, e.g. 2026-01-31T00:00Z"),
    until: str | None = typer.Option(None, "--until"),
    limit: int | None = typer.Option(100, "--limit", min=1),
) -> None:
    """Query the log by venture, actor, action, entity, service and time."""
    request = audit_pb2.ListEventsRequest(venture_id=venture, actor=actor, action=action,
                                          entity_type=entity_type, entity_id=entity_id,
                                          service=service)
    for flag, text, field in (("--since", since, "start_time"), ("--until", until, "end_time")):
        stamp = _time_option(text, flag)
        if stamp is not None:
            getattr(request, field).CopyFrom(stamp)
    entries = [entry_row(e) for e in every_item(stub(ctx).ListEvents, request, "entries",
                                                limit)]
    state_of(ctx).output.rows(entries, COLUMNS, title="audit log")


@app.command("verify")
def verify(
    ctx: typer.Context,
    start: int = typer.Option(0, "--from", min=0, help="First sequence (default: the first)."),
    end: int = typer.Option(0, "--to", min=0, help="Last sequence (default: the last)."),
    checkpoint: str | None = typer.Option(None, "--checkpoint",
                                          help="SEQUENCE:HASH kept outside the service."),
) -> None:
    """Verify the hash chain; exits 3 when it does not verify, naming the first bad entry."""
    request = audit_pb2.VerifyChainRequest(start_sequence=start, end_sequence=end)
    if checkpoint:
        sequence, sep, digest = checkpoint.partition(":")
        if not sep or not sequence.isdigit() or not digest:
            raise CliError(f"--checkpoint {checkpoint!r} is not SEQUENCE:HASH")
        request.checkpoint.sequence, request.checkpoint.hash = int(sequence), digest
    result = stub(ctx).VerifyChain(request)
    data = {
        "valid": result.valid, "entries_checked": result.entries_checked,
        "checkpoints_checked": result.checkpoints_checked,
        "start_sequence": result.start_sequence, "end_sequence": result.end_sequence,
        "head_hash": result.head_hash,
    }
    if not result.valid:
        data.update({"failed_sequence": result.failed_sequence,
                     "fault": arguments.enum_word(audit_pb2.ChainFault, "CHAIN_FAULT_",
                                                  result.fault),
                     "detail": result.detail})
    output = state_of(ctx).output
    output.record(data, title="audit chain " + ("verified" if result.valid else "BROKEN"))
    if not result.valid:
        raise typer.Exit(int(ExitCode.REFUSED))


@app.command("export")
def export(
    ctx: typer.Context,
    out: str = typer.Option("-", "--out", help="File to write (default: stdout)."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl."),
    venture: str = typer.Option("", "--venture"),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
) -> None:
    """Stream the log as CSV or JSON lines (any size)."""
    if fmt not in ("csv", "jsonl"):
        raise CliError(f"--format {fmt!r} is not csv or jsonl")
    request = audit_pb2.ExportEventsRequest(venture_id=venture)
    for flag, text, field in (("--since", since, "start_time"), ("--until", until, "end_time")):
        stamp = _time_option(text, flag)
        if stamp is not None:
            getattr(request, field).CopyFrom(stamp)
    count = write_export(stub(ctx), request, out, fmt)
    if out != "-":
        state_of(ctx).output.record({"file": out, "entries": count}, title="audit export")


def write_export(api, request: audit_pb2.ExportEventsRequest, out: str, fmt: str = "csv"
                 ) -> int:
    """Writes the streamed entries to ``out`` (``-``: stdout); returns how many. A file is
    written whole or not at all."""
    if out == "-":
        return _write_entries(api, request, sys.stdout, fmt)
    with csv_safe.output_file(out) as handle:
        return _write_entries(api, request, handle, fmt)


def _write_entries(api, request: audit_pb2.ExportEventsRequest, handle, fmt: str) -> int:
    writer = csv_safe.DictWriter(handle, EXPORT_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    for response in api.stream("ExportEvents", request, timeout=STREAM_TIMEOUT_SECONDS):
        for entry in response.entries:
            row = entry_row(entry)
            if writer is not None:
                writer.writerow(row)
            else:
                handle.write(json.dumps(row) + "\n")
            count += 1
    return count
