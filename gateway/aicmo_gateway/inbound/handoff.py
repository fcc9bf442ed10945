"""The hand-off to distribution: events from concurrent SMTP sessions and webhook requests are
gathered for a few milliseconds (or until 500 wait) and sent in one ``RecordDeliveryEvents``.

Each caller gets the results of its own events. A failed call fails every caller of that batch
with :class:`HandoffUnavailable`, which the SMTP receiver answers with 451 and the webhooks with
503, so the sender keeps the event and tries again: nothing is lost, and event ids make the
retry harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import grpc
from google.protobuf import timestamp_pb2

from aicmo.distribution.v1 import distribution_pb2, distribution_pb2_grpc
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.inbound.events import (
    MAX_DIAGNOSTIC,
    MAX_EVENT_ID,
    MAX_REPLY_TEXT,
    EventKind,
    EventSource,
    InboundEvent,
)

MAX_BATCH = 500
DEFAULT_LINGER_SECONDS = 0.005

_KINDS = {
    EventKind.BOUNCE_HARD: distribution_pb2.DELIVERY_EVENT_KIND_BOUNCE_HARD,
    EventKind.BOUNCE_SOFT: distribution_pb2.DELIVERY_EVENT_KIND_BOUNCE_SOFT,
    EventKind.COMPLAINT: distribution_pb2.DELIVERY_EVENT_KIND_COMPLAINT,
    EventKind.REPLY: distribution_pb2.DELIVERY_EVENT_KIND_REPLY,
    EventKind.AUTO_REPLY: distribution_pb2.DELIVERY_EVENT_KIND_AUTO_REPLY,
    EventKind.UNSUBSCRIBE: distribution_pb2.DELIVERY_EVENT_KIND_UNSUBSCRIBE,
    EventKind.DELIVERED: distribution_pb2.DELIVERY_EVENT_KIND_DELIVERED,
}
_SOURCES = {
    EventSource.INBOUND_SMTP: distribution_pb2.DELIVERY_EVENT_SOURCE_INBOUND_SMTP,
    EventSource.SES: distribution_pb2.DELIVERY_EVENT_SOURCE_SES,
    EventSource.SENDGRID: distribution_pb2.DELIVERY_EVENT_SOURCE_SENDGRID,
    EventSource.POSTMARK: distribution_pb2.DELIVERY_EVENT_SOURCE_POSTMARK,
    EventSource.GENERIC: distribution_pb2.DELIVERY_EVENT_SOURCE_GENERIC,
}


class HandoffUnavailable(Exception):
    """Distribution did not take the batch (unreachable, timed out, refused it whole): the
    events were not recorded and the sender must try again later."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def to_delivery_event(event: InboundEvent) -> distribution_pb2.DeliveryEvent:
    """The contract's ``DeliveryEvent`` for an :class:`InboundEvent` (bounds applied)."""
    message = distribution_pb2.DeliveryEvent(
        event_id=event.event_id[:MAX_EVENT_ID], kind=_KINDS[event.kind],
        source=_SOURCES[event.source], send_id=event.send_id, message_id=event.message_id,
        recipient=event.recipient, status_code=event.status_code,
        diagnostic=event.diagnostic[:MAX_DIAGNOSTIC], evidence_sha256=event.evidence_sha256,
        reply_text=event.reply_text[:MAX_REPLY_TEXT], feedback_type=event.feedback_type)
    if event.occurred_at is not None:
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(event.occurred_at)
        message.occur_time.CopyFrom(stamp)
    return message


class DeliveryEventHandoff:
    """Batches events into ``RecordDeliveryEvents`` calls; one instance per process."""

    def __init__(self, stub: distribution_pb2_grpc.DistributionServiceStub, *,
                 linger_seconds: float = DEFAULT_LINGER_SECONDS, max_batch: int = MAX_BATCH,
                 timeout_seconds: float | None = None,
                 metrics: EdgeMetrics | None = None) -> None:
        self._stub = stub
        self._metrics = metrics
        self._linger = linger_seconds
        self._max_batch = max_batch
        self._timeout = timeout_seconds
        self._pending: list[tuple[distribution_pb2.DeliveryEvent, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._calls: set[asyncio.Task] = set()

    async def submit(self, events: Sequence[InboundEvent]
                     ) -> list[distribution_pb2.DeliveryEventResult]:
        """Records ``events`` (in one or more batches shared with other callers) and returns
        their results in order; raises :class:`HandoffUnavailable` when any batch failed."""
        if not events:
            return []
        loop = asyncio.get_running_loop()
        futures = []
        for event in events:
            future = loop.create_future()
            self._pending.append((to_delivery_event(event), future))
            futures.append(future)
            if len(self._pending) >= self._max_batch:
                self._flush()
        if self._pending and self._timer is None:
            self._timer = loop.call_later(self._linger, self._flush)
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        self._count(events, outcomes)
        if failure is not None:
            raise failure
        return list(outcomes)

    def _count(self, events: Sequence[InboundEvent], outcomes: list) -> None:
        if self._metrics is None:
            return
        for event, outcome in zip(events, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                name = "unavailable"
            else:
                name = distribution_pb2.DeliveryEventOutcome.Name(outcome.outcome).removeprefix(
                    "DELIVERY_EVENT_OUTCOME_").lower()
            self._metrics.inbound_events.labels(event.source.value, event.kind.value,
                                                name).inc()

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending:
            batch, self._pending = (self._pending[:self._max_batch],
                                    self._pending[self._max_batch:])
            task = asyncio.ensure_future(self._call(batch))
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)

    async def _call(self, batch: list[tuple[distribution_pb2.DeliveryEvent, asyncio.Future]]
                    ) -> None:
        request = distribution_pb2.RecordDeliveryEventsRequest(
            events=[event for event, _ in batch])
        try:
            response = await self._stub.RecordDeliveryEvents(request, timeout=self._timeout)
            if len(response.results) != len(batch):
                raise HandoffUnavailable(f"distribution answered {len(response.results)} "
                                         f"results for {len(batch)} events")
        except grpc.RpcError as error:
            self._fail(batch, HandoffUnavailable(f"RecordDeliveryEvents: {error.code().name}"))
            return
        except HandoffUnavailable as error:
            self._fail(batch, error)
            return
        except asyncio.CancelledError:
            self._fail(batch, HandoffUnavailable("the edge is stopping"))
            raise
        for (_, future), result in zip(batch, response.results, strict=True):
            if not future.done():
                future.set_result(result)

    @staticmethod
    def _fail(batch, error: HandoffUnavailable) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(error)

    async def close(self) -> None:
        """Sends what is waiting and waits for the calls in flight."""
        self._flush()
        if self._calls:
            with contextlib.suppress(Exception):
                await asyncio.gather(*self._calls, return_exceptions=True)
