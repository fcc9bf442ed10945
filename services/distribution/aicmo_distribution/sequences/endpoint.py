"""The sequence calls of DistributionService, for the servicer to delegate to."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aicmo.distribution.v1 import sequences_pb2 as pb
from aicmo_common.access import Caller
from aicmo_common.errors import FieldErrors
from aicmo_distribution.entrypoints.mapping import moment_of
from aicmo_distribution.sequences import enrolling, messages, service
from aicmo_distribution.sequences.definition import Definition
from aicmo_distribution.service_layer.deps import Deps


def _definition(message: pb.Sequence) -> Definition:
    definition, bad = messages.definition_of(message)
    if bad:
        errors = FieldErrors()
        for path, description in bad:
            errors.add(path, description)
        errors.raise_if_any()
    return definition


@dataclass
class SequenceEndpoint:
    deps: Deps

    async def create(self, request: pb.CreateSequenceRequest) -> pb.CreateSequenceResponse:
        created = await service.create(
            self.deps, request_id=request.request_id,
            campaign_id=request.sequence.campaign_id,
            definition=_definition(request.sequence), caller=Caller.current())
        return pb.CreateSequenceResponse(sequence=messages.sequence_proto(created))

    async def get(self, request: pb.GetSequenceRequest) -> pb.GetSequenceResponse:
        found = await service.get(self.deps, request.campaign_id, request.version,
                                  Caller.current())
        return pb.GetSequenceResponse(sequence=messages.sequence_proto(found))

    async def list(self, request: pb.ListSequencesRequest) -> pb.ListSequencesResponse:
        found, token = await service.list_latest(
            self.deps, venture_id=request.venture_id, size=request.page_size,
            token=request.page_token, caller=Caller.current())
        return pb.ListSequencesResponse(sequences=[messages.sequence_proto(v) for v in found],
                                        next_page_token=token)

    async def update(self, request: pb.UpdateSequenceRequest) -> pb.UpdateSequenceResponse:
        updated = await service.update(
            self.deps, campaign_id=request.sequence.campaign_id,
            definition=_definition(request.sequence), base_version=request.base_version,
            caller=Caller.current())
        return pb.UpdateSequenceResponse(sequence=messages.sequence_proto(updated))

    async def validate(self, request: pb.ValidateSequenceRequest
                       ) -> pb.ValidateSequenceResponse:
        definition, bad = messages.definition_of(request.sequence)
        found = bad + await service.validate(
            self.deps, campaign_id=request.sequence.campaign_id, definition=definition,
            caller=Caller.current())
        return pb.ValidateSequenceResponse(valid=not found, problems=[
            pb.FieldProblem(field=path, description=text) for path, text in found])

    async def preview(self, request: pb.PreviewSequenceRequest) -> pb.PreviewSequenceResponse:
        errors = FieldErrors()
        start = (moment_of(request.start_time, "start_time", errors)
                 if request.HasField("start_time") else None)
        errors.raise_if_any()
        planned, zone = await service.preview(
            self.deps, campaign_id=request.campaign_id, lead_id=request.lead_id, start=start,
            number=request.version, caller=Caller.current())
        return pb.PreviewSequenceResponse(
            timeline=messages.timeline_proto(planned, ZoneInfo(zone)), time_zone=zone)

    async def _enrollments(self, rows: list[dict]) -> list[pb.Enrollment]:
        keys = await enrolling.step_keys(self.deps, rows)
        return [messages.enrollment_proto(row, key) for row, key in zip(rows, keys,
                                                                          strict=True)]

    async def enroll(self, request: pb.EnrollLeadsRequest) -> pb.EnrollLeadsResponse:
        answer = await enrolling.enroll(
            self.deps, campaign_id=request.campaign_id, lead_ids=list(request.lead_ids),
            consented_only=request.consented_only, source_channel=request.source_channel,
            version=request.version, caller=Caller.current())
        return pb.EnrollLeadsResponse(enrolled=answer.enrolled,
                                      already_enrolled=answer.already,
                                      enrollments=await self._enrollments(answer.rows))

    async def unenroll(self, request: pb.UnenrollLeadRequest) -> pb.UnenrollLeadResponse:
        row = await enrolling.unenroll(self.deps, campaign_id=request.campaign_id,
                                       lead_id=request.lead_id, reason=request.reason,
                                       caller=Caller.current())
        return pb.UnenrollLeadResponse(enrollment=(await self._enrollments([row]))[0])

    async def move(self, request: pb.MoveEnrollmentRequest) -> pb.MoveEnrollmentResponse:
        row = await enrolling.move(self.deps, campaign_id=request.campaign_id,
                                   lead_id=request.lead_id, step_key=request.step_key,
                                   version=request.version, caller=Caller.current())
        return pb.MoveEnrollmentResponse(enrollment=(await self._enrollments([row]))[0])

    async def list_enrollments(self, request: pb.ListEnrollmentsRequest
                               ) -> pb.ListEnrollmentsResponse:
        state, known = messages.state_filter(request.state)
        if not known:
            errors = FieldErrors()
            errors.add("state", "is not an enrolment state")
            errors.raise_if_any()
        rows, token = await enrolling.list_enrollments(
            self.deps, campaign_id=request.campaign_id, state=state, size=request.page_size,
            token=request.page_token, caller=Caller.current())
        return pb.ListEnrollmentsResponse(enrollments=await self._enrollments(rows),
                                          next_page_token=token)

    async def status(self, request: pb.GetSequenceStatusRequest
                     ) -> pb.GetSequenceStatusResponse:
        return messages.status_proto(await enrolling.status(self.deps, request.campaign_id,
                                                            Caller.current()))
