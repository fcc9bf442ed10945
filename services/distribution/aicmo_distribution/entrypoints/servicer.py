"""The DistributionService servicer: translates protos to use-case calls and back."""

from __future__ import annotations

from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo_common.access import Caller
from aicmo_common.errors import FieldErrors
from aicmo_distribution.entrypoints.mapping import (
    audience_of,
    channel_name,
    content_of,
    count_bucket_proto,
    dry_run_proto,
    message_proto,
    moment_of,
    run_proto,
    run_state_name,
    send_proto,
    send_state_name,
    template_proto,
)
from aicmo_distribution.entrypoints.run_worker import RunWorker
from aicmo_distribution.feedback.endpoint import FeedbackEndpoint
from aicmo_distribution.sequences.endpoint import SequenceEndpoint
from aicmo_distribution.service_layer import dry_run, runs, sends, templates
from aicmo_distribution.service_layer.deps import Deps
from aicmo_distribution.service_layer.sending import SendPath


class DistributionServicer(distribution_pb2_grpc.DistributionServiceServicer):
    """Every RPC: the caller, the use case, the answer as protos."""

    def __init__(self, deps: Deps, path: SendPath, worker: RunWorker,
                 feedback: FeedbackEndpoint) -> None:
        self._deps = deps
        self._path = path
        self._worker = worker
        self._feedback = feedback
        self._sequences = SequenceEndpoint(deps)

    # -- sequences -------------------------------------------------------------------------

    async def CreateSequence(self, request, context):
        return await self._sequences.create(request)

    async def GetSequence(self, request, context):
        return await self._sequences.get(request)

    async def ListSequences(self, request, context):
        return await self._sequences.list(request)

    async def UpdateSequence(self, request, context):
        return await self._sequences.update(request)

    async def ValidateSequence(self, request, context):
        return await self._sequences.validate(request)

    async def PreviewSequence(self, request, context):
        return await self._sequences.preview(request)

    async def EnrollLeads(self, request, context):
        answer = await self._sequences.enroll(request)
        self._worker.wake()
        return answer

    async def UnenrollLead(self, request, context):
        return await self._sequences.unenroll(request)

    async def MoveEnrollment(self, request, context):
        answer = await self._sequences.move(request)
        self._worker.wake()
        return answer

    async def ListEnrollments(self, request, context):
        return await self._sequences.list_enrollments(request)

    async def GetSequenceStatus(self, request, context):
        return await self._sequences.status(request)

    # -- delivery events -------------------------------------------------------------------

    async def RecordDeliveryEvents(self, request, context):
        return await self._feedback.record(request)

    async def ListDeliveryEvents(self, request, context):
        return await self._feedback.list(request)

    # -- templates -------------------------------------------------------------------------

    async def CreateTemplate(self, request, context):
        template = request.template
        created = await templates.create_template(
            self._deps, venture_id=template.venture_id, name=template.name,
            channel=channel_name(template.channel), content=content_of(template.message),
            request_id=request.request_id, caller=Caller.current())
        return pb.CreateTemplateResponse(template=template_proto(created))

    async def ReleaseTemplate(self, request, context):
        await self._feedback.release(request)
        template = await templates.get_template(self._deps, request.template_id,
                                                Caller.current())
        return pb.ReleaseTemplateResponse(template=template_proto(template))

    async def GetTemplate(self, request, context):
        template = await templates.get_template(self._deps, request.template_id,
                                                Caller.current())
        return pb.GetTemplateResponse(template=template_proto(template))

    async def ListTemplates(self, request, context):
        found, token = await templates.list_templates(
            self._deps, venture_id=request.venture_id,
            channel=channel_name(request.channel) or None, size=request.page_size,
            token=request.page_token, caller=Caller.current())
        return pb.ListTemplatesResponse(templates=[template_proto(t) for t in found],
                                        next_page_token=token)

    async def UpdateTemplate(self, request, context):
        template = request.template
        updated = await templates.update_template(
            self._deps, template_id=template.id, name=template.name,
            content=content_of(template.message), mask=list(request.update_mask.paths),
            caller=Caller.current())
        return pb.UpdateTemplateResponse(template=template_proto(updated))

    async def PreviewTemplate(self, request, context):
        rendered = await templates.preview(
            self._deps, template_id=request.template_id,
            content=content_of(request.message) if request.HasField("message") else None,
            lead_id=request.lead_id, campaign_id=request.campaign_id, step=request.step,
            caller=Caller.current())
        return pb.PreviewTemplateResponse(rendered=message_proto(rendered))

    # -- sends -----------------------------------------------------------------------------

    async def CreateSend(self, request, context):
        job, replayed = await sends.create_send(self._deps, self._path, sends.SendRequest(
            request_id=request.request_id, campaign_id=request.campaign_id,
            lead_id=request.lead_id, channel=channel_name(request.channel),
            template_id=request.template_id,
            message=content_of(request.message) if request.HasField("message") else None,
            step=request.step, dry_run=request.dry_run), Caller.current())
        self._worker.wake()
        return pb.CreateSendResponse(send=send_proto(job), replayed=replayed)

    async def GetSend(self, request, context):
        job = await sends.get_send(self._deps, request.send_id, Caller.current())
        return pb.GetSendResponse(send=send_proto(job))

    async def ListSends(self, request, context):
        errors = FieldErrors()
        state = send_state_name(request.state, "state", errors)
        errors.raise_if_any()
        jobs, token = await sends.list_sends(
            self._deps, caller=Caller.current(), campaign_id=request.campaign_id,
            lead_id=request.lead_id, state=state,
            channel=channel_name(request.channel) or None, run_id=request.run_id,
            size=request.page_size, token=request.page_token)
        return pb.ListSendsResponse(sends=[send_proto(job) for job in jobs],
                                    next_page_token=token)

    async def ResolveUnknownOutcome(self, request, context):
        errors = FieldErrors()
        outcome = send_state_name(request.outcome, "outcome", errors) or ""
        errors.raise_if_any()
        job = await sends.resolve_unknown(self._deps, send_id=request.send_id, outcome=outcome,
                                          note=request.note, caller=Caller.current())
        return pb.ResolveUnknownOutcomeResponse(send=send_proto(job))

    async def CountSends(self, request, context):
        errors = FieldErrors()
        since = (moment_of(request.since_time, "since_time", errors)
                 if request.HasField("since_time") else None)
        errors.raise_if_any()
        total, sent, buckets = await sends.count_sends(
            self._deps, campaign_id=request.campaign_id, since=since,
            include_dry_run=request.include_dry_run, caller=Caller.current())
        return pb.CountSendsResponse(total=total, sent=sent,
                                     buckets=[count_bucket_proto(*b) for b in buckets])

    # -- runs ------------------------------------------------------------------------------

    async def RunCampaign(self, request, context):
        view = await runs.run_campaign(
            self._deps, request_id=request.request_id,
            campaign_id=request.campaign_id, template_id=request.template_id,
            step=request.step, audience=audience_of(request.audience), dry_run=request.dry_run,
            caller=Caller.current())
        self._worker.wake()
        return pb.RunCampaignResponse(run=run_proto(view))

    async def GetRun(self, request, context):
        view = await runs.get_run(self._deps, request.run_id, Caller.current())
        return pb.GetRunResponse(run=run_proto(view))

    async def ListRuns(self, request, context):
        errors = FieldErrors()
        state = run_state_name(request.state, "state", errors)
        errors.raise_if_any()
        views, token = await runs.list_runs(
            self._deps, campaign_id=request.campaign_id, state=state, size=request.page_size,
            token=request.page_token, caller=Caller.current())
        return pb.ListRunsResponse(runs=[run_proto(v) for v in views], next_page_token=token)

    async def ResumeRun(self, request, context):
        view = await runs.resume_run(self._deps, request.run_id, Caller.current())
        self._worker.wake()
        return pb.ResumeRunResponse(run=run_proto(view))

    async def CancelRun(self, request, context):
        view = await runs.cancel_run(self._deps, request.run_id, request.reason,
                                     Caller.current())
        return pb.CancelRunResponse(run=run_proto(view))

    async def DryRunCampaign(self, request, context):
        page = await dry_run.dry_run_campaign(
            self._deps, campaign_id=request.campaign_id, template_id=request.template_id,
            step=request.step, audience=audience_of(request.audience), size=request.page_size,
            token=request.page_token, caller=Caller.current())
        return dry_run_proto(page)
