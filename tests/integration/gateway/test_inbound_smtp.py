"""The inbound SMTP receiver over real SMTP (smtplib) against a real gRPC server standing in for
distribution's RecordDeliveryEvents: 250 only after distribution answered, 451 while it is
down, 550 for addresses that are not signed return paths, 552 for oversize mail."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from aicmo.distribution.v1 import distribution_pb2, distribution_pb2_grpc
from aicmo_common.clients import open_channel
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.inbound.handoff import DeliveryEventHandoff
from aicmo_gateway.inbound.quarantine import Quarantine
from aicmo_gateway.inbound.smtp import InboundMailHandler, start_smtp_receiver
from tests.unit.gateway.inbound.mail_samples import (
    BOUNCE,
    DOMAIN,
    MAIL_DOMAIN,
    REPLY,
    SECRET,
    SEND_ID,
    sample,
)


class RecordingDistribution(distribution_pb2_grpc.DistributionServiceServicer):
    """Answers RecordDeliveryEvents like distribution: RECORDED once per event id, then
    DUPLICATE; keeps every request it got."""

    def __init__(self) -> None:
        self.requests: list[distribution_pb2.RecordDeliveryEventsRequest] = []
        self.seen: set[str] = set()
        self.fail = False  # answer UNAVAILABLE, as a distribution that cannot reach its db

    async def RecordDeliveryEvents(self, request, context):
        if self.fail:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "database unavailable")
        self.requests.append(request)
        results = []
        for event in request.events:
            duplicate = event.event_id in self.seen
            self.seen.add(event.event_id)
            results.append(distribution_pb2.DeliveryEventResult(
                event_id=event.event_id, send_id=event.send_id,
                outcome=(distribution_pb2.DELIVERY_EVENT_OUTCOME_DUPLICATE if duplicate
                         else distribution_pb2.DELIVERY_EVENT_OUTCOME_RECORDED)))
        return distribution_pb2.RecordDeliveryEventsResponse(results=results)


async def serve_distribution(servicer: RecordingDistribution, port: int = 0
                             ) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    distribution_pb2_grpc.add_DistributionServiceServicer_to_server(servicer, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server, bound


@dataclass
class Receiver:
    port: int
    distribution: RecordingDistribution
    distribution_port: int
    metrics: EdgeMetrics
    servers: list = field(default_factory=list)


@contextlib.asynccontextmanager
async def receiver(*, distribution_up: bool = True, quarantine: Path | None = None,
                   max_bytes: int = 10 * 1024 * 1024) -> AsyncIterator[Receiver]:
    servicer = RecordingDistribution()
    grpc_server, grpc_port = await serve_distribution(servicer)
    if not distribution_up:
        await grpc_server.stop(None)
    channel = open_channel(f"127.0.0.1:{grpc_port}", timeout_seconds=2.0)
    metrics = EdgeMetrics()
    handoff = DeliveryEventHandoff(distribution_pb2_grpc.DistributionServiceStub(channel),
                                   metrics=metrics)
    handler = InboundMailHandler(domain=DOMAIN, secret=SECRET, handoff=handoff,
                                 metrics=metrics, max_bytes=max_bytes,
                                 message_id_domain=MAIL_DOMAIN,
                                 quarantine=Quarantine(quarantine) if quarantine else None)
    smtp_server, port = await start_smtp_receiver(handler, "127.0.0.1", 0)
    state = Receiver(port, servicer, grpc_port, metrics, [grpc_server])
    try:
        yield state
    finally:
        smtp_server.close()
        await smtp_server.wait_closed()
        await handoff.close()
        await channel.close()
        for server in state.servers:
            await server.stop(None)


def send(port: int, raw: bytes, to: list[str], mail_from: str = "") -> dict:
    """One SMTP transaction (CRLF line ends, as on the wire); returns smtplib's
    refused-recipients dict or raises."""
    wire = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail(mail_from, to, wire)


async def deliver(port: int, raw: bytes, to: list[str], mail_from: str = "") -> None:
    await asyncio.to_thread(send, port, raw, to, mail_from)


async def test_a_bounce_is_accepted_only_after_distribution_recorded_it():
    raw = sample("dsn_hard.eml")
    async with receiver() as inbound:
        await deliver(inbound.port, raw, [BOUNCE])
        (request,) = inbound.distribution.requests
        (event,) = request.events
        assert event.kind == distribution_pb2.DELIVERY_EVENT_KIND_BOUNCE_HARD
        assert event.source == distribution_pb2.DELIVERY_EVENT_SOURCE_INBOUND_SMTP
        assert (event.send_id, event.status_code) == (SEND_ID, "5.1.1")
        assert event.recipient == "jane.doe@recipient.example"
        # The same message again (an MTA retrying) carries the same event id: one effect.
        await deliver(inbound.port, raw, [BOUNCE])
        assert [e.event_id for r in inbound.distribution.requests for e in r.events] == \
            [event.event_id] * 2
        assert inbound.metrics.inbound_events.labels(
            "inbound_smtp", "bounce_hard", "duplicate")._value.get() == 1


async def test_while_distribution_is_down_the_sender_is_told_to_retry_and_nothing_is_lost():
    raw = sample("reply_gmail.eml")
    async with receiver(distribution_up=False) as inbound:
        with pytest.raises(smtplib.SMTPDataError) as raised:
            await deliver(inbound.port, raw, [REPLY], "erin@prospect.example")
        assert raised.value.smtp_code == 451
        assert inbound.distribution.requests == []
        # Distribution comes back on its address; the MTA's next try is recorded.
        server, _ = await serve_distribution(inbound.distribution, inbound.distribution_port)
        inbound.servers.append(server)
        async with asyncio.timeout(20):
            while True:
                try:
                    await deliver(inbound.port, raw, [REPLY], "erin@prospect.example")
                    break
                except smtplib.SMTPDataError as error:
                    assert error.smtp_code == 451  # still reconnecting; the MTA would wait
        (request,) = inbound.distribution.requests
        assert request.events[0].kind == distribution_pb2.DELIVERY_EVENT_KIND_REPLY
        assert request.events[0].reply_text.startswith("Thanks for reaching out")


async def test_only_signed_return_paths_of_the_domain_are_accepted_as_recipients():
    raw = sample("reply_gmail.eml")
    local, _, domain = REPLY.partition("@")
    forged = f"{local.rsplit('.', 1)[0]}.{'c' * 13}@{domain}"
    async with receiver() as inbound:
        for address, code, words in ((forged, 550, b"signature does not match"),
                                     (f"postmaster@{DOMAIN}", 550, b"No such mailbox"),
                                     (REPLY.replace(DOMAIN, "other.example"), 550, b"")):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
                await deliver(inbound.port, raw, [address], "erin@prospect.example")
            (answer,) = raised.value.recipients.values()
            assert answer[0] == code and words in answer[1]
        assert inbound.distribution.requests == []
        assert inbound.metrics.inbound_refusals.labels(
            "inbound_smtp", "forged_return_path")._value.get() == 1


async def test_oversize_mail_is_refused_at_data_with_552():
    async with receiver(max_bytes=50_000) as inbound:
        raw = sample("reply_gmail.eml") + b"\r\n" + (b"A" * 70 + b"\r\n") * 1000 + b"\r\n"
        with pytest.raises(smtplib.SMTPException) as raised:
            await deliver(inbound.port, raw, [REPLY], "erin@prospect.example")
        assert getattr(raised.value, "smtp_code", None) == 552
        assert inbound.distribution.requests == []


async def test_unreadable_mail_is_refused_with_its_reason_or_quarantined(tmp_path: Path):
    raw = f"From: a@prospect.example\r\nTo: {BOUNCE}\r\nSubject: hi\r\n\r\nhello\r\n".encode()
    async with receiver() as inbound:
        with pytest.raises(smtplib.SMTPDataError) as raised:
            await deliver(inbound.port, raw, [BOUNCE], "a@prospect.example")
        assert raised.value.smtp_code == 550 and b"not_a_bounce" in raised.value.smtp_error
    async with receiver(quarantine=tmp_path / "q") as inbound:
        await deliver(inbound.port, raw, [BOUNCE], "a@prospect.example")
        (kept,) = (tmp_path / "q").glob("*.json")
        assert '"reason": "not_a_bounce"' in kept.read_text()
        assert inbound.distribution.requests == []


async def test_concurrent_messages_share_batches_and_each_gets_its_own_answer():
    kinds = ["dsn_hard.eml", "dsn_soft.eml", "arf_complaint.eml", "bounce_plain_qmail.eml"]
    async with receiver() as inbound:
        await asyncio.gather(*(deliver(inbound.port, sample(name), [BOUNCE]) for name in kinds))
        events = [e for r in inbound.distribution.requests for e in r.events]
        assert len(events) == 4 and len({e.event_id for e in events}) == 4
        assert len(inbound.distribution.requests) <= 4
