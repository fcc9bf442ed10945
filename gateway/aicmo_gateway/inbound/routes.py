"""The inbound side of the edge: webhook routes, the SMTP receiver, and their one hand-off.

``InboundEdge`` is built with the app and started in its lifespan with distribution's stub.
Each webhook: authenticate the raw request (nothing is parsed before), refuse a replay, parse,
hand off, answer. 200 means distribution answered for every event; 503 asks the provider to
retry; a refusal answers ``{"error": {"reason": ..., "message": ...}}`` with the status of
:data:`aicmo_gateway.inbound.webhooks.REFUSAL_STATUS`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aicmo.distribution.v1 import distribution_pb2, distribution_pb2_grpc
from aicmo_gateway.edge.config import InboundConfig
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.inbound import signatures, webhooks
from aicmo_gateway.inbound.events import InboundEvent, Refusal, sha256_hex
from aicmo_gateway.inbound.handoff import DeliveryEventHandoff, HandoffUnavailable
from aicmo_gateway.inbound.quarantine import Quarantine
from aicmo_gateway.inbound.smtp import InboundMailHandler, start_smtp_receiver

log = logging.getLogger("aicmo.edge.inbound")

MAX_BODY_BYTES = 5 * 1024 * 1024


async def https_get(url: str) -> bytes:
    """GET over verified HTTPS (the SNS certificate and subscription confirmation)."""
    async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


class InboundEdge:
    """Webhook routes and the SMTP receiver, sharing one batching hand-off."""

    def __init__(self, config: InboundConfig, metrics: EdgeMetrics, *,
                 clock: Callable[[], float] = time.time,
                 http_get: Callable[[str], Awaitable[bytes]] = https_get) -> None:
        self.config = config
        self.metrics = metrics
        self.clock = clock
        self.http_get = http_get
        self.handoff: DeliveryEventHandoff | None = None
        self.smtp_port: int | None = None
        self._smtp_server: asyncio.base_events.Server | None = None
        self.replays = webhooks.ReplayGuard()
        self.sns = webhooks.SnsVerifier(config.sns_topic_arns, http_get)
        self.sendgrid_key = (signatures.ec_p256_key(config.sendgrid_public_key)
                             if config.sendgrid_public_key else None)

    def routes(self) -> list[Route]:
        return [
            Route("/inbound/ses", self.ses, methods=["POST"]),
            Route("/inbound/sendgrid", self.sendgrid, methods=["POST"]),
            Route("/inbound/postmark", self.postmark, methods=["POST"]),
            Route("/inbound/events", self.generic, methods=["POST"]),
        ]

    async def start(self, distribution: distribution_pb2_grpc.DistributionServiceStub | None
                    ) -> None:
        if distribution is not None:
            self.handoff = DeliveryEventHandoff(distribution, metrics=self.metrics)
        if self.config.smtp_port is None:
            return
        if self.handoff is None:
            raise RuntimeError("the inbound SMTP receiver needs AICMO_DISTRIBUTION_ADDR")
        quarantine = (Quarantine(Path(self.config.quarantine_dir))
                      if self.config.quarantine_dir else None)
        handler = InboundMailHandler(
            domain=self.config.domain, secret=self.config.return_path_secret,
            handoff=self.handoff, metrics=self.metrics, max_bytes=self.config.max_bytes,
            message_id_domain=self.config.message_id_domain, quarantine=quarantine)
        self._smtp_server, self.smtp_port = await start_smtp_receiver(
            handler, self.config.smtp_host, self.config.smtp_port)
        log.info("inbound SMTP receiver listening", extra={"fields": {
            "port": self.smtp_port, "domain": self.config.domain}})

    async def stop(self) -> None:
        if self._smtp_server is not None:
            self._smtp_server.close()
            await self._smtp_server.wait_closed()
        if self.handoff is not None:
            await self.handoff.close()

    # -- shared steps ---------------------------------------------------------------------

    def _refused(self, source: str, refusal: Refusal) -> JSONResponse:
        self.metrics.inbound_refusals.labels(source, refusal.reason).inc()
        return JSONResponse({"error": {"reason": refusal.reason, "message": refusal.detail}},
                            status_code=webhooks.REFUSAL_STATUS.get(refusal.reason, 400))

    async def _body(self, request: Request) -> bytes | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return None
        return body

    @staticmethod
    def _json(body: bytes) -> object | Refusal:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Refusal("malformed", "the body is not JSON")

    def _received_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)

    async def _deliver(self, source: str, replay_key: str,
                       events: list[InboundEvent] | Refusal) -> Response:
        if isinstance(events, Refusal):
            return self._refused(source, events)
        if self.replays.seen(replay_key):
            return self._refused(source, Refusal("replayed", "this request was already "
                                                             "accepted"))
        if events and self.handoff is None:
            return JSONResponse({"error": {"reason": "unavailable", "message":
                                           "delivery events cannot be recorded here"}},
                                status_code=503, headers={"Retry-After": "30"})
        try:
            results = await self.handoff.submit(events) if events else []
        except HandoffUnavailable as error:
            log.warning("webhook events not handed off; the provider will retry",
                        extra={"fields": {"source": source, "detail": error.detail}})
            return JSONResponse({"error": {"reason": "unavailable", "message":
                                           "try again later"}}, status_code=503,
                                headers={"Retry-After": "30"})
        self.replays.remember(replay_key)
        return JSONResponse({"accepted": len(results), "results": [{
            "event_id": r.event_id, "send_id": r.send_id,
            "outcome": distribution_pb2.DeliveryEventOutcome.Name(r.outcome).removeprefix(
                "DELIVERY_EVENT_OUTCOME_").lower()} for r in results]})

    async def _authenticated_body(self, request: Request, source: str,
                                  configured: bool) -> bytes | Response:
        if not configured:
            return self._refused(source, Refusal("not_configured", f"the {source} webhook "
                                                                   "is not configured"))
        body = await self._body(request)
        if body is None:
            return self._refused(source, Refusal("malformed", "the body is too large"))
        return body

    # -- the providers ------------------------------------------------------------------

    async def _signed_post(self, request: Request, source: str, configured: bool,
                           verify: Callable[[bytes], Refusal | None],
                           parse: Callable[[object, str, dt.datetime],
                                           list[InboundEvent] | Refusal],
                           replay_key: Callable[[bytes], str]) -> Response:
        """The steps every HMAC, ECDSA or basic-auth webhook shares."""
        body = await self._authenticated_body(request, source, configured)
        if isinstance(body, Response):
            return body
        refusal = verify(body)
        if refusal is not None:
            return self._refused(source, refusal)
        payload = self._json(body)
        events = payload if isinstance(payload, Refusal) else parse(
            payload, sha256_hex(body), self._received_at())
        return await self._deliver(source, f"{source}:{replay_key(body)}", events)

    async def generic(self, request: Request) -> Response:
        return await self._signed_post(
            request, "generic", bool(self.config.webhook_secret),
            lambda body: webhooks.verify_generic(
                self.config.webhook_secret, body, request.headers, self.clock(),
                self.config.webhook_tolerance_seconds),
            webhooks.parse_generic, lambda body: request.headers["x-aicmo-signature"])

    async def sendgrid(self, request: Request) -> Response:
        return await self._signed_post(
            request, "sendgrid", self.sendgrid_key is not None,
            lambda body: webhooks.verify_sendgrid(
                self.sendgrid_key, body, request.headers, self.clock(),
                self.config.webhook_tolerance_seconds),
            webhooks.parse_sendgrid, lambda body: request.headers[webhooks.SENDGRID_SIGNATURE])

    async def postmark(self, request: Request) -> Response:
        # Postmark signs nothing and sends no timestamp: a replay is the same body again.
        return await self._signed_post(
            request, "postmark", bool(self.config.postmark_user),
            lambda body: webhooks.verify_postmark(
                self.config.postmark_user, self.config.postmark_password, request.headers),
            webhooks.parse_postmark, sha256_hex)

    async def ses(self, request: Request) -> Response:
        source = "ses"
        body = await self._authenticated_body(request, source, bool(self.config.sns_topic_arns))
        if isinstance(body, Response):
            return body
        envelope = self._json(body)
        if isinstance(envelope, Refusal):
            return self._refused(source, envelope)
        refusal = await self.sns.verify(envelope)
        if refusal is not None:
            return self._refused(source, refusal)
        if envelope["Type"] == "SubscriptionConfirmation":
            return await self._confirm(envelope)
        if envelope["Type"] == "UnsubscribeConfirmation":
            return JSONResponse({"accepted": 0, "results": []})
        message = self._json(str(envelope.get("Message", "")).encode("utf-8"))
        events = message if isinstance(message, Refusal) else webhooks.parse_ses(
            message, envelope["MessageId"], sha256_hex(body), self._received_at(),
            secret=self.config.return_path_secret, domain=self.config.domain)
        return await self._deliver(source, f"{source}:{envelope['MessageId']}", events)

    async def _confirm(self, envelope: dict) -> Response:
        url = envelope.get("SubscribeURL")
        if not isinstance(url, str) or not webhooks.sns_host_allowed(url):
            return self._refused("ses", Refusal("bad_certificate_url",
                                                "the SubscribeURL is not an SNS one"))
        try:
            await self.http_get(url)
        except Exception as error:  # SNS sends the confirmation again on a 5xx
            log.warning("SNS subscription not confirmed", extra={"fields": {
                "error": type(error).__name__}})
            return JSONResponse({"error": {"reason": "unavailable", "message":
                                           "could not confirm the subscription"}},
                                status_code=503)
        log.info("SNS subscription confirmed", extra={"fields": {
            "topic": envelope["TopicArn"]}})
        return JSONResponse({"confirmed": envelope["TopicArn"]})
