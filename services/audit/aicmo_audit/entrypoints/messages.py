"""Translation between the proto messages and the domain, with request validation.

Validation names every bad field by its path in the request (``events[3].id``) so one answer
lists everything a caller must fix.
"""

from __future__ import annotations

import datetime as dt
import uuid

from google.protobuf import struct_pb2, timestamp_pb2

from aicmo.audit.v1 import audit_pb2
from aicmo_audit.domain import chain
from aicmo_audit.domain.model import (
    FIELD_LIMITS,
    MAX_BATCH_EVENTS,
    MAX_CONTEXT_BYTES,
    REQUIRED_FIELDS,
    ChainFault,
    Checkpoint,
    Entry,
    Event,
    Verification,
)
from aicmo_common.errors import FieldErrors

FAULTS = {
    ChainFault.CONTENT_ALTERED: audit_pb2.CHAIN_FAULT_CONTENT_ALTERED,
    ChainFault.LINK_BROKEN: audit_pb2.CHAIN_FAULT_LINK_BROKEN,
    ChainFault.ENTRY_MISSING: audit_pb2.CHAIN_FAULT_ENTRY_MISSING,
    ChainFault.CHECKPOINT_MISMATCH: audit_pb2.CHAIN_FAULT_CHECKPOINT_MISMATCH,
    ChainFault.TAIL_MISSING: audit_pb2.CHAIN_FAULT_TAIL_MISSING,
}


# --- proto -> domain ----------------------------------------------------------------------

def value_from_proto(value: struct_pb2.Value) -> object:
    """A Struct value as plain Python (numbers stay floats; chain.canonical_value fixes them)."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_from_proto(value.struct_value)
    if kind == "list_value":
        return [value_from_proto(item) for item in value.list_value.values]
    if kind == "number_value":
        return value.number_value
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def struct_from_proto(struct: struct_pb2.Struct) -> dict[str, object]:
    return {key: value_from_proto(item) for key, item in struct.fields.items()}


def time_from_proto(stamp: timestamp_pb2.Timestamp) -> dt.datetime:
    """The timestamp as an aware UTC datetime (to the microsecond); ValueError if out of
    range."""
    try:
        return stamp.ToDatetime(tzinfo=dt.UTC)
    except (ValueError, OverflowError) as error:
        raise ValueError(str(error)) from None


def optional_time(stamp: timestamp_pb2.Timestamp, has: bool, path: str,
                  problems: FieldErrors) -> dt.datetime | None:
    if not has:
        return None
    try:
        return time_from_proto(stamp)
    except ValueError:
        problems.add(path, "is not a valid timestamp")
        return None


def event_from_proto(message: audit_pb2.AuditEvent, path: str,
                     problems: FieldErrors) -> Event | None:
    """The event, or None after adding each of its bad fields to ``problems``."""
    before = len(problems.violations)
    event_id = ""
    if not message.id:
        problems.add(f"{path}.id", "is required")
    else:
        try:
            if len(message.id) != 36:
                raise ValueError
            event_id = str(uuid.UUID(message.id))
        except ValueError:
            problems.add(f"{path}.id", "must be a UUID such as "
                                       "'123e4567-e89b-12d3-a456-426614174000'")
    occurred_at = None
    if not message.HasField("occurred_at"):
        problems.add(f"{path}.occurred_at", "is required")
    else:
        try:
            occurred_at = time_from_proto(message.occurred_at)
        except ValueError:
            problems.add(f"{path}.occurred_at", "is not a valid timestamp")
    for name, limit in FIELD_LIMITS.items():
        value = getattr(message, name)
        if name in REQUIRED_FIELDS and not value.strip():
            problems.add(f"{path}.{name}", "is required")
        elif len(value) > limit:
            problems.add(f"{path}.{name}", f"is {len(value)} characters long; at most "
                                           f"{limit} are allowed")
    context: dict[str, object] = {}
    try:
        context = chain.canonical_value(struct_from_proto(message.context))
        size = len(chain.canonical_json(context).encode("utf-8"))
        if size > MAX_CONTEXT_BYTES:
            problems.add(f"{path}.context", f"encodes to {size} bytes; at most "
                                            f"{MAX_CONTEXT_BYTES} are allowed")
    except ValueError as error:
        problems.add(f"{path}.context", str(error))
    if len(problems.violations) > before or occurred_at is None:
        return None
    return Event(id=event_id, occurred_at=occurred_at, service=message.service,
                 entity_type=message.entity_type, entity_id=message.entity_id,
                 action=message.action, actor=message.actor, venture_id=message.venture_id,
                 request_id=message.request_id, context=context)


def events_from_request(request: audit_pb2.AppendEventsRequest) -> tuple[list[Event],
                                                                          FieldErrors]:
    """The batch's events and the problems found (check ``problems`` before using them)."""
    problems = FieldErrors()
    count = len(request.events)
    if count == 0:
        problems.add("events", "must hold at least one event")
    elif count > MAX_BATCH_EVENTS:
        # Not worth inspecting each event of a batch that is refused anyway.
        problems.add("events", f"holds {count} events; at most {MAX_BATCH_EVENTS} are allowed "
                               "per call")
        return [], problems
    events = []
    for index, message in enumerate(request.events):
        event = event_from_proto(message, f"events[{index}]", problems)
        if event is not None:
            events.append(event)
    return events, problems


# --- domain -> proto ----------------------------------------------------------------------

def time_to_proto(moment: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(chain.utc(moment))
    return stamp


def entry_to_proto(entry: Entry) -> audit_pb2.AuditEntry:
    event = entry.event
    context = struct_pb2.Struct()
    context.update(event.context)
    return audit_pb2.AuditEntry(
        event=audit_pb2.AuditEvent(
            id=event.id, occurred_at=time_to_proto(event.occurred_at), service=event.service,
            entity_type=event.entity_type, entity_id=event.entity_id, action=event.action,
            actor=event.actor, venture_id=event.venture_id, request_id=event.request_id,
            context=context),
        sequence=entry.sequence,
        recorded_at=time_to_proto(entry.recorded_at),
        previous_hash=entry.previous_hash,
        hash=entry.hash,
    )


def checkpoint_to_proto(checkpoint: Checkpoint) -> audit_pb2.Checkpoint:
    return audit_pb2.Checkpoint(sequence=checkpoint.sequence, hash=checkpoint.hash,
                                created_at=time_to_proto(checkpoint.created_at),
                                created_by=checkpoint.created_by)


def verification_to_proto(result: Verification) -> audit_pb2.VerifyChainResponse:
    fault = result.fault
    return audit_pb2.VerifyChainResponse(
        valid=result.valid,
        start_sequence=result.start_sequence,
        end_sequence=result.end_sequence,
        entries_checked=result.entries_checked,
        checkpoints_checked=result.checkpoints_checked,
        head_hash=result.head_hash,
        failed_sequence=fault.sequence if fault else 0,
        fault=FAULTS[fault.kind] if fault else audit_pb2.CHAIN_FAULT_UNSPECIFIED,
        detail=fault.detail if fault else "",
    )
