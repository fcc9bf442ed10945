"""The DistributionService servicer: translates protos to use-case calls and back."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo_common.auth import READERS, current_principal
from aicmo_common.errors import FieldErrors
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.entrypoints.run_worker import RunWorker
from aicmo_distribution.service_layer import dry_run, runs, sends, templates
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.runs import Audience, RunView
from aicmo_distribution.service_layer.sending import SendPath


def _stamp(moment: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if moment is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.UTC))
    return stamp


def channel_name(value: int) -> str:
    """'EMAIL' for CHANNEL_EMAIL; '' for UNSPECIFIED or an unknown number."""
    if value == common_pb2.CHANNEL_UNSPECIFIED:
        return ""
    try:
        return common_pb2.Channel.Name(value).removeprefix("CHANNEL_")
    except ValueError:
        return ""


def _channel_value(name: str) -> int:
    return common_pb2.Channel.Value("CHANNEL_" + name) if name else 0


def _reasons(text_or_list) -> list[int]:
    names = text_or_list.split(",") if isinstance(text_or_list, str) else text_or_list or []
    return [pb.BlockReason.Value("BLOCK_REASON_" + name) for name in names if name]


def _content(message: pb.Message) -> tpl.MessageContent:
    return tpl.MessageContent(message.subject, message.body_text, message.body_html)


def template_proto(row: dict) -> pb.Template:
    return pb.Template(
        id=row["id"], venture_id=row["venture_id"], name=row["name"],
        channel=_channel_value(row["channel"]),
        message=pb.Message(subject=row["subject"], body_text=row["body_text"],
                           body_html=row["body_html"]),
        variables=row["variables"], revision=row["revision"],
        create_time=_stamp(row["created_at"]), update_time=_stamp(row["updated_at"]))


def send_proto(row: dict) -> pb.SendJob:
    return pb.SendJob(
        id=row["id"], request_id=row["request_id"] or "", campaign_id=row["campaign_id"],
        venture_id=row["venture_id"], lead_id=row["lead_id"],
        channel=_channel_value(row["channel"]), step=row["step"],
        template_id=row["template_id"] or "", run_id=row["run_id"] or "",
        dry_run=row["dry_run"], state=pb.SendState.Value("SEND_STATE_" + row["state"]),
        block_reasons=_reasons(row["block_reasons"]), transient=row["transient"],
        detail=row["detail"], delivery_attempts=row["delivery_attempts"],
        check_attempts=row["check_attempts"], message_id=row["message_id"],
        remaining_quota_today=row["remaining_quota"],
        next_attempt_time=_stamp(row["next_attempt_at"]),
        create_time=_stamp(row["created_at"]), update_time=_stamp(row["updated_at"]),
        sent_time=_stamp(row["sent_at"]), resolution_note=row["resolution_note"],
        delivery_stage=pb.DeliveryStage.Value("DELIVERY_STAGE_" + row["delivery_stage"])
        if row.get("delivery_stage") else pb.DELIVERY_STAGE_UNSPECIFIED)


def run_proto(view: RunView) -> pb.Run:
    row = view.run
    audience = Audience.from_dict(row["audience"])
    return pb.Run(
        id=row["id"], request_id=row["request_id"], campaign_id=row["campaign_id"],
        venture_id=row["venture_id"], template_id=row["template_id"],
        channel=_channel_value(row["channel"]), step=row["step"],
        audience=pb.AudienceFilter(consented_only=audience.consented_only,
                                   source_channel=audience.source_channel,
                                   lead_ids=list(audience.lead_ids)),
        dry_run=row["dry_run"], state=pb.RunState.Value("RUN_STATE_" + view.state),
        halt_reason=row["halt_reason"],
        halt_block_reasons=_reasons(row["halt_block_reasons"]),
        auto_paused=row["auto_paused"], lead_count=row["lead_count"],
        skipped_existing=row["skipped_existing"], planning_done=row["planning_done"],
        state_counts=[pb.StateCount(state=pb.SendState.Value("SEND_STATE_" + state),
                                    count=count)
                      for state, count in sorted(view.state_counts.items())],
        block_reason_counts=[pb.BlockReasonCount(
            reason=pb.BlockReason.Value("BLOCK_REASON_" + reason), count=count)
            for reason, count in sorted(view.reason_counts.items())],
        next_wake_time=_stamp(row["next_wake_at"]), create_time=_stamp(row["created_at"]),
        update_time=_stamp(row["updated_at"]), finish_time=_stamp(row["finished_at"]))


def _audience(message: pb.AudienceFilter) -> Audience:
    return Audience(message.consented_only, message.source_channel, tuple(message.lead_ids))


def _send_state(value: int, field_name: str, errors: FieldErrors) -> str | None:
    if value == pb.SEND_STATE_UNSPECIFIED:
        return None
    try:
        return pb.SendState.Name(value).removeprefix("SEND_STATE_")
    except ValueError:
        errors.add(field_name, "is not a known send state")
        return None


class DistributionServicer(distribution_pb2_grpc.DistributionServiceServicer):
    """Every RPC: read the principal, call the use case, answer with protos."""

    def __init__(self, deps: Deps, path: SendPath, worker: RunWorker) -> None:
        self._deps = deps
        self._path = path
        self._worker = worker

    # -- templates -------------------------------------------------------------------------

    async def CreateTemplate(self, request, context):
        template = request.template
        row = await templates.create_template(
            self._deps, venture_id=template.venture_id, name=template.name,
            channel=channel_name(template.channel), content=_content(template.message),
            request_id=request.request_id, principal=current_principal())
        return pb.CreateTemplateResponse(template=template_proto(row))

    async def GetTemplate(self, request, context):
        row = await templates.get_template(self._deps, request.template_id, current_principal())
        return pb.GetTemplateResponse(template=template_proto(row))

    async def ListTemplates(self, request, context):
        rows, token = await templates.list_templates(
            self._deps, venture_id=request.venture_id,
            channel=channel_name(request.channel) or None, size=request.page_size,
            token=request.page_token, principal=current_principal())
        return pb.ListTemplatesResponse(templates=[template_proto(r) for r in rows],
                                        next_page_token=token)

    async def UpdateTemplate(self, request, context):
        template = request.template
        row = await templates.update_template(
            self._deps, template_id=template.id, name=template.name,
            content=_content(template.message), mask=list(request.update_mask.paths),
            principal=current_principal())
        return pb.UpdateTemplateResponse(template=template_proto(row))

    async def PreviewTemplate(self, request, context):
        rendered = await templates.preview(
            self._deps, template_id=request.template_id,
            content=_content(request.message) if request.HasField("message") else None,
            lead_id=request.lead_id, campaign_id=request.campaign_id, step=request.step,
            principal=current_principal())
        return pb.PreviewTemplateResponse(rendered=pb.Message(
            subject=rendered.subject, body_text=rendered.body_text,
            body_html=rendered.body_html))

    # -- sends -----------------------------------------------------------------------------

    async def CreateSend(self, request, context):
        job, replayed = await sends.create_send(self._deps, self._path, sends.SendRequest(
            request_id=request.request_id, campaign_id=request.campaign_id,
            lead_id=request.lead_id, channel=channel_name(request.channel),
            template_id=request.template_id,
            message=_content(request.message) if request.HasField("message") else None,
            step=request.step, dry_run=request.dry_run), current_principal())
        self._worker.wake()
        return pb.CreateSendResponse(send=send_proto(job), replayed=replayed)

    async def GetSend(self, request, context):
        job = await sends.get_send(self._deps, request.send_id, current_principal())
        return pb.GetSendResponse(send=send_proto(job))

    async def ListSends(self, request, context):
        errors = FieldErrors()
        state = _send_state(request.state, "state", errors)
        errors.raise_if_any()
        rows, token = await sends.list_sends(
            self._deps, principal=current_principal(), campaign_id=request.campaign_id,
            lead_id=request.lead_id, state=state,
            channel=channel_name(request.channel) or None, run_id=request.run_id,
            size=request.page_size, token=request.page_token)
        return pb.ListSendsResponse(sends=[send_proto(r) for r in rows], next_page_token=token)

    async def ResolveUnknownOutcome(self, request, context):
        errors = FieldErrors()
        outcome = _send_state(request.outcome, "outcome", errors) or ""
        errors.raise_if_any()
        job = await sends.resolve_unknown(self._deps, send_id=request.send_id, outcome=outcome,
                                          note=request.note, principal=current_principal())
        return pb.ResolveUnknownOutcomeResponse(send=send_proto(job))

    async def CountSends(self, request, context):
        principal = current_principal()
        principal.require(READERS, "CountSends")
        since = None
        if request.HasField("since_time"):
            try:
                since = request.since_time.ToDatetime(tzinfo=dt.UTC)
            except (ValueError, OverflowError):
                problems = FieldErrors()
                problems.add("since_time", "is not a valid timestamp")
                problems.raise_if_any()
        total, sent, buckets = await sends.count_sends(
            self._deps, campaign_id=request.campaign_id, since=since,
            include_dry_run=request.include_dry_run, principal=principal)
        return pb.CountSendsResponse(total=total, sent=sent, buckets=[
            pb.CountBucket(channel=_channel_value(channel),
                           state=pb.SendState.Value("SEND_STATE_" + state), day=day,
                           count=count)
            for channel, state, day, count in buckets])

    # -- runs ------------------------------------------------------------------------------

    async def RunCampaign(self, request, context):
        view = await runs.run_campaign(
            self._deps, request_id=request.request_id,
            campaign_id=request.campaign_id, template_id=request.template_id,
            step=request.step, audience=_audience(request.audience), dry_run=request.dry_run,
            principal=current_principal())
        self._worker.wake()
        return pb.RunCampaignResponse(run=run_proto(view))

    async def GetRun(self, request, context):
        view = await runs.get_run(self._deps, request.run_id, current_principal())
        return pb.GetRunResponse(run=run_proto(view))

    async def ListRuns(self, request, context):
        state = None
        if request.state:
            try:
                state = pb.RunState.Name(request.state).removeprefix("RUN_STATE_")
            except ValueError:
                errors = FieldErrors()
                errors.add("state", "is not a known run state")
                errors.raise_if_any()
        views, token = await runs.list_runs(
            self._deps, campaign_id=request.campaign_id, state=state, size=request.page_size,
            token=request.page_token, principal=current_principal())
        return pb.ListRunsResponse(runs=[run_proto(v) for v in views], next_page_token=token)

    async def ResumeRun(self, request, context):
        view = await runs.resume_run(self._deps, request.run_id, current_principal())
        self._worker.wake()
        return pb.ResumeRunResponse(run=run_proto(view))

    async def CancelRun(self, request, context):
        view = await runs.cancel_run(self._deps, request.run_id, request.reason,
                                     current_principal())
        return pb.CancelRunResponse(run=run_proto(view))

    async def DryRunCampaign(self, request, context):
        page = await dry_run.dry_run_campaign(
            self._deps, campaign_id=request.campaign_id, template_id=request.template_id,
            step=request.step, audience=_audience(request.audience), size=request.page_size,
            token=request.page_token, principal=current_principal())
        return pb.DryRunCampaignResponse(
            recipients=[pb.DryRunRecipient(
                lead_id=r["lead_id"], would_send=r["would_send"], would_defer=r["would_defer"],
                block_reasons=_reasons([str(x) for x in r["block_reasons"]]),
                already_exists=r["already_exists"],
                existing_state=(pb.SendState.Value("SEND_STATE_" + r["existing_state"])
                                if r["existing_state"] else pb.SEND_STATE_UNSPECIFIED),
                existing_send_id=r["existing_send_id"]) for r in page.recipients],
            remaining_quota_today=page.remaining_quota, projected_quota_use=page.projected,
            would_send=page.would_send, would_defer=page.would_defer,
            would_block=page.would_block, next_page_token=page.next_token,
            already_existing=page.already_existing)
