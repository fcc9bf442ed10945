"""Carries the feedback outbox to leads' ApplyFeedback: the relay's destination for it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import grpc
from google.protobuf import timestamp_pb2

from aicmo.common.v1 import common_pb2
from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo_common.config import TlsConfig
from aicmo_common.outbox import LazyStub

log = logging.getLogger("aicmo.distribution.feedback")


class ItemsRefused(Exception):
    """Leads refused some items of a batch as invalid (the others were applied)."""

    def __init__(self, positions: set[int], detail: str) -> None:
        super().__init__(detail)
        self.positions = positions


def feedback_input(payload: dict) -> leads_pb2.FeedbackInput:
    """The ApplyFeedback item for one feedback-outbox payload."""
    occurred = timestamp_pb2.Timestamp()
    occurred.FromDatetime(dt.datetime.fromisoformat(payload["occurred_at"]).astimezone(dt.UTC))
    return leads_pb2.FeedbackInput(
        feedback_id=payload["feedback_id"], lead_id=payload["lead_id"],
        kind=leads_pb2.FeedbackKind.Value("FEEDBACK_KIND_" + payload["kind"]),
        channel=common_pb2.Channel.Value("CHANNEL_" + payload["channel"]),
        identifier=payload.get("identifier", ""), send_id=payload.get("send_id", ""),
        campaign_id=payload.get("campaign_id", ""), template_id=payload.get("template_id", ""),
        occur_time=occurred, evidence_sha256=payload.get("evidence_sha256", ""),
        detail_code=payload.get("detail_code", ""), text=payload.get("text", ""))


class LeadsFeedback:
    """An ``OutboxDestination``: feedback-outbox rows to ``LeadsService.ApplyFeedback``.

    Leads applies each feedback id once, so a redelivery changes nothing. An item leads cannot
    apply because its lead is gone (NOT_FOUND: erased or never there) is done with; an item it
    refuses as invalid stays pending for review and does not hold up the others.
    """

    name = "leads"
    max_batch = 500  # ApplyFeedback's batch limit

    def __init__(self, address: str, *, token: Callable[[], str] | str,
                 timeout_seconds: float = 2.0, tls: TlsConfig | None = None) -> None:
        self._peer = LazyStub(address, leads_pb2_grpc.LeadsServiceStub, token=token,
                              timeout_seconds=timeout_seconds, tls=tls)

    async def send(self, rows: list[dict]) -> None:
        request = leads_pb2.ApplyFeedbackRequest(
            items=[feedback_input(row["payload"]) for row in rows])
        response = await self._peer.stub.ApplyFeedback(request, timeout=self._peer.timeout)
        refused: set[int] = set()
        for position, result in enumerate(response.results):
            if not result.HasField("error"):
                continue
            if result.error.code == grpc.StatusCode.NOT_FOUND.value[0]:
                log.info("feedback for a lead leads no longer has; dropped",
                         extra={"fields": {"feedback_id": result.feedback_id}})
            else:
                refused.add(position)
        if refused:
            raise ItemsRefused(refused, f"leads refused {len(refused)} feedback items")

    def refused(self, error: Exception, size: int) -> set[int]:
        if isinstance(error, ItemsRefused):
            return {position for position in error.positions if position < size}
        return set()

    async def close(self) -> None:
        await self._peer.close()
