"""Distribution's objects as protos and back: the one place the API's messages meet the
service layer's types (SendJob, Template, RunView, DryRunPage) and the API's enums are read."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo_common.errors import FieldErrors
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.sends import SendJob
from aicmo_distribution.domain.templates import Template
from aicmo_distribution.service_layer.dry_run import DryRunPage
from aicmo_distribution.service_layer.runs import Audience, RunView


def stamp(moment: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if moment is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.UTC))
    return stamp


def moment_of(value: timestamp_pb2.Timestamp, field_name: str, errors: FieldErrors
              ) -> dt.datetime | None:
    """The UTC moment of a timestamp; None (and ``field_name`` in ``errors``) for one that is
    no moment."""
    try:
        return value.ToDatetime(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        errors.add(field_name, "is not a valid timestamp")
        return None


def channel_name(value: int) -> str:
    """'EMAIL' for CHANNEL_EMAIL; '' for UNSPECIFIED or an unknown number."""
    if value == common_pb2.CHANNEL_UNSPECIFIED:
        return ""
    try:
        return common_pb2.Channel.Name(value).removeprefix("CHANNEL_")
    except ValueError:
        return ""


def channel_value(name: str) -> int:
    return common_pb2.Channel.Value("CHANNEL_" + name) if name else 0


def reason_values(text_or_list) -> list[int]:
    names = text_or_list.split(",") if isinstance(text_or_list, str) else text_or_list or []
    return [pb.BlockReason.Value("BLOCK_REASON_" + name) for name in names if name]


def content_of(message: pb.Message) -> tpl.MessageContent:
    return tpl.MessageContent(message.subject, message.body_text, message.body_html)


def message_proto(content: tpl.MessageContent) -> pb.Message:
    return pb.Message(subject=content.subject, body_text=content.body_text,
                      body_html=content.body_html)


def send_state_value(name: str) -> int:
    """SEND_STATE_SENT for 'SENT'; UNSPECIFIED for ''."""
    return pb.SendState.Value("SEND_STATE_" + name) if name else pb.SEND_STATE_UNSPECIFIED


def template_proto(template: Template) -> pb.Template:
    return pb.Template(
        id=template.id, venture_id=template.venture_id, name=template.name,
        channel=channel_value(template.channel),
        message=message_proto(template.message),
        variables=list(template.variables), revision=template.revision,
        create_time=stamp(template.created_at), update_time=stamp(template.updated_at),
        held=template.held_at is not None, hold_reason=template.hold_reason,
        hold_time=stamp(template.held_at))


def send_proto(job: SendJob) -> pb.SendJob:
    return pb.SendJob(
        id=job.id, request_id=job.request_id or "", campaign_id=job.campaign_id,
        venture_id=job.venture_id, lead_id=job.lead_id,
        channel=channel_value(job.channel), step=job.step,
        template_id=job.template_id or "", run_id=job.run_id or "",
        dry_run=job.dry_run, state=send_state_value(str(job.state)),
        block_reasons=reason_values([str(reason) for reason in job.block_reasons]),
        transient=job.transient, detail=job.detail,
        delivery_attempts=job.delivery_attempts, check_attempts=job.check_attempts,
        message_id=job.message_id, remaining_quota_today=job.remaining_quota,
        next_attempt_time=stamp(job.next_attempt_at),
        create_time=stamp(job.created_at), update_time=stamp(job.updated_at),
        sent_time=stamp(job.sent_at), resolution_note=job.resolution_note,
        delivery_stage=pb.DeliveryStage.Value(f"DELIVERY_STAGE_{job.delivery_stage}")
        if job.delivery_stage else pb.DELIVERY_STAGE_UNSPECIFIED)


def run_proto(view: RunView) -> pb.Run:
    row = view.run
    audience = Audience.from_dict(row["audience"])
    return pb.Run(
        id=row["id"], request_id=row["request_id"], campaign_id=row["campaign_id"],
        venture_id=row["venture_id"], template_id=row["template_id"],
        channel=channel_value(row["channel"]), step=row["step"],
        audience=pb.AudienceFilter(consented_only=audience.consented_only,
                                   source_channel=audience.source_channel,
                                   lead_ids=list(audience.lead_ids)),
        dry_run=row["dry_run"], state=pb.RunState.Value("RUN_STATE_" + view.state),
        halt_reason=row["halt_reason"],
        halt_block_reasons=reason_values(row["halt_block_reasons"]),
        auto_paused=row["auto_paused"], lead_count=row["lead_count"],
        skipped_existing=row["skipped_existing"], planning_done=row["planning_done"],
        state_counts=[pb.StateCount(state=send_state_value(state), count=count)
                      for state, count in sorted(view.state_counts.items())],
        block_reason_counts=[pb.BlockReasonCount(
            reason=pb.BlockReason.Value("BLOCK_REASON_" + reason), count=count)
            for reason, count in sorted(view.reason_counts.items())],
        next_wake_time=stamp(row["next_wake_at"]), create_time=stamp(row["created_at"]),
        update_time=stamp(row["updated_at"]), finish_time=stamp(row["finished_at"]))


def count_bucket_proto(channel: str, state: str, day: str, count: int) -> pb.CountBucket:
    return pb.CountBucket(channel=channel_value(channel), state=send_state_value(state),
                          day=day, count=count)


def dry_run_proto(page: DryRunPage) -> pb.DryRunCampaignResponse:
    return pb.DryRunCampaignResponse(
        recipients=[pb.DryRunRecipient(
            lead_id=r["lead_id"], would_send=r["would_send"], would_defer=r["would_defer"],
            block_reasons=reason_values([str(x) for x in r["block_reasons"]]),
            already_exists=r["already_exists"],
            existing_state=send_state_value(r["existing_state"]),
            existing_send_id=r["existing_send_id"]) for r in page.recipients],
        remaining_quota_today=page.remaining_quota, projected_quota_use=page.projected,
        would_send=page.would_send, would_defer=page.would_defer,
        would_block=page.would_block, next_page_token=page.next_token,
        already_existing=page.already_existing)


def audience_of(message: pb.AudienceFilter) -> Audience:
    return Audience(message.consented_only, message.source_channel, tuple(message.lead_ids))


def _state_name(states, prefix: str, what: str, value: int, field_name: str,
                errors: FieldErrors) -> str | None:
    """'SENT' for SEND_STATE_SENT; None for UNSPECIFIED, or for an unknown number (named in
    ``errors``)."""
    if value == 0:
        return None
    try:
        return str(states.Name(value)).removeprefix(prefix)
    except ValueError:
        errors.add(field_name, f"is not a known {what}")
        return None


def send_state_name(value: int, field_name: str, errors: FieldErrors) -> str | None:
    return _state_name(pb.SendState, "SEND_STATE_", "send state", value, field_name, errors)


def run_state_name(value: int, field_name: str, errors: FieldErrors) -> str | None:
    return _state_name(pb.RunState, "RUN_STATE_", "run state", value, field_name, errors)
