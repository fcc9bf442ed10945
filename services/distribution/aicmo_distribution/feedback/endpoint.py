"""The two delivery-event calls of DistributionService, for the servicer to delegate to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from aicmo.distribution.v1 import distribution_pb2 as pb
from aicmo_common.access import Caller
from aicmo_common.db import Database
from aicmo_common.errors import FieldErrors
from aicmo_distribution.feedback import messages, recording
from aicmo_distribution.feedback.events import DeliveryEvent, EventResult, HoldRule


@dataclass
class FeedbackEndpoint:
    """RecordDeliveryEvents and ListDeliveryEvents over the service's database."""

    database: Database
    clock: Callable[[], dt.datetime]
    mail_domain: str
    after_commit: Callable[[], None]
    hold_rule: HoldRule | None = None

    async def record(self, request: pb.RecordDeliveryEventsRequest
                     ) -> pb.RecordDeliveryEventsResponse:
        caller = Caller.current()
        errors = FieldErrors()
        recording.check_batch(len(request.events), errors)
        errors.raise_if_any()
        now = self.clock()
        answers: list[DeliveryEvent | EventResult] = [
            messages.event_from(event, index, now) for index, event in enumerate(request.events)]
        events = [answer for answer in answers if isinstance(answer, DeliveryEvent)]
        recorded = iter(await recording.record_delivery_events(
            self.database, events, mail_domain=self.mail_domain, caller=caller, now=now,
            after_commit=self.after_commit, hold_rule=self.hold_rule))
        results = [answer if isinstance(answer, EventResult) else next(recorded)
                   for answer in answers]
        return pb.RecordDeliveryEventsResponse(
            results=[messages.result_proto(result) for result in results])

    async def list(self, request: pb.ListDeliveryEventsRequest
                   ) -> pb.ListDeliveryEventsResponse:
        kinds, bad = messages.kinds_from(request.kinds)
        if bad:
            errors = FieldErrors()
            for position in bad:
                errors.add(f"kinds[{position}]", "is not a delivery event kind")
            errors.raise_if_any()
        rows, token = await recording.list_delivery_events(
            self.database, caller=Caller.current(), campaign_id=request.campaign_id,
            send_id=request.send_id, kinds=kinds, size=request.page_size,
            token=request.page_token)
        return pb.ListDeliveryEventsResponse(
            events=[messages.recorded_proto(row) for row in rows], next_page_token=token)

    async def release(self, request: pb.ReleaseTemplateRequest) -> None:
        await recording.release_template(self.database, caller=Caller.current(),
                                         template_id=request.template_id,
                                         reason=request.reason, now=self.clock())
        self.after_commit()
