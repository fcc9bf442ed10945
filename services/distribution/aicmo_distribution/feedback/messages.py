"""The delivery-event messages of the contract, to and from the feedback package's values."""

from __future__ import annotations

import datetime as dt

from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo_distribution.entrypoints.mapping import stamp
from aicmo_distribution.feedback.events import (
    DeliveryEvent,
    EventKind,
    EventResult,
    EventSource,
    Outcome,
    problems,
)


def _name(enum, prefix: str, value: int) -> str:
    try:
        return enum.Name(value).removeprefix(prefix)
    except ValueError:
        return ""


def event_from(message: pb.DeliveryEvent, index: int,
               received_at: dt.datetime) -> DeliveryEvent | EventResult:
    """The checked event, or the REFUSED answer naming every bad field
    (``events[index].field``)."""
    kind = _name(pb.DeliveryEventKind, "DELIVERY_EVENT_KIND_", message.kind)
    source = _name(pb.DeliveryEventSource, "DELIVERY_EVENT_SOURCE_", message.source)
    found = problems(event_id=message.event_id, kind=kind, source=source,
                     send_id=message.send_id, message_id=message.message_id,
                     status_code=message.status_code, diagnostic=message.diagnostic,
                     evidence_sha256=message.evidence_sha256, reply_text=message.reply_text,
                     feedback_type=message.feedback_type)
    occurred = received_at
    if message.HasField("occur_time"):
        try:
            occurred = message.occur_time.ToDatetime(tzinfo=dt.UTC)
        except (ValueError, OverflowError):
            found.append(("occur_time", "is not a valid timestamp"))
    if found:
        detail = "; ".join(f"events[{index}].{field}: {what}" for field, what in found)
        return EventResult(message.event_id, Outcome.REFUSED, "", detail)
    return DeliveryEvent(
        event_id=message.event_id, kind=EventKind(kind), source=EventSource(source),
        send_id=message.send_id, message_id=message.message_id.strip(),
        recipient=message.recipient.strip(), occurred_at=occurred,
        status_code=message.status_code, diagnostic=message.diagnostic,
        evidence_sha256=message.evidence_sha256, reply_text=message.reply_text,
        feedback_type=message.feedback_type)


def result_proto(result: EventResult) -> pb.DeliveryEventResult:
    return pb.DeliveryEventResult(
        event_id=result.event_id,
        outcome=pb.DeliveryEventOutcome.Value("DELIVERY_EVENT_OUTCOME_" + result.outcome),
        send_id=result.send_id, detail=result.detail)


def recorded_proto(row: dict) -> pb.RecordedDeliveryEvent:
    return pb.RecordedDeliveryEvent(
        event=pb.DeliveryEvent(
            event_id=row["event_id"],
            kind=pb.DeliveryEventKind.Value("DELIVERY_EVENT_KIND_" + row["kind"]),
            source=pb.DeliveryEventSource.Value("DELIVERY_EVENT_SOURCE_" + row["source"]),
            send_id=row["send_id"] or "", message_id=row["message_id"],
            occur_time=stamp(row["occurred_at"]), status_code=row["status_code"],
            diagnostic=row["diagnostic"], evidence_sha256=row["evidence_sha256"],
            feedback_type=row["feedback_type"]),
        send_id=row["send_id"] or "", campaign_id=row["campaign_id"],
        lead_id=row["lead_id"], record_time=stamp(row["recorded_at"]))


def kinds_from(values) -> tuple[list[str], list[int]]:
    """The kind names of a filter, and the positions of values that are not kinds."""
    names, bad = [], []
    for position, value in enumerate(values):
        name = _name(pb.DeliveryEventKind, "DELIVERY_EVENT_KIND_", value)
        if not name or name == "UNSPECIFIED":
            bad.append(position)
        else:
            names.append(name)
    return names, bad
