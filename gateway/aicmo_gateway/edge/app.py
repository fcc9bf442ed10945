"""The edge's routes: hosted lead forms, JSON capture, one-click unsubscribe (RFC 8058).

Every lead goes through the leads service (which validates, resolves identity and keeps the
consent ledger); the edge adds what only it knows: the form URL, the submitter's IP address,
the time and the version of the consent text that was on the page.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.protobuf import json_format, timestamp_pb2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2, leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2, venture_pb2_grpc
from aicmo_common import unsubscribe
from aicmo_common.auth import TokenSigner
from aicmo_common.clients import open_channel
from aicmo_common.errors import ServiceError, decode_rpc_error
from aicmo_gateway.edge.config import EdgeConfig
from aicmo_gateway.edge.metrics import EdgeMetrics
from aicmo_gateway.edge.rate_limit import SharedRateLimiter, SlidingWindowRateLimiter
from aicmo_gateway.inbound.routes import InboundEdge

log = logging.getLogger("aicmo.edge")

# The consent text and its version travel together: the version recorded as evidence names
# exactly the words the person saw. Change the text, change the version.
CONSENT_TEXT_VERSION = "2026-11-v1"
CONSENT_TEXT = ("I agree that {sender} may contact me by email or phone about this offer. "
                "I can withdraw at any time with the unsubscribe link in every message.")
FORM_FIELDS = ("name", "email", "phone", "company")
UTM_FIELDS = {"utm_source": "source", "utm_medium": "medium", "utm_campaign": "campaign",
              "utm_term": "term", "utm_content": "content"}
HONEYPOT_FIELD = "website"
FINAL_STATUSES = (venture_pb2.CAMPAIGN_STATUS_STOPPED, venture_pb2.CAMPAIGN_STATUS_COMPLETED)
# The reasons the unsubscribe page offers (form value -> words), as the contract lists them.
UNSUBSCRIBE_REASONS = {"too_frequent": "Too many messages",
                       "not_relevant": "The messages are not relevant to me",
                       "never_signed_up": "I never signed up",
                       "no_longer_needed": "I no longer need this",
                       "other": "Another reason"}
REASON_TEXT_MAX = 1000
_PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                    "X-Robots-Tag": "noindex, nofollow"}
_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401, grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404, grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409, grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429, grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


@dataclass
class EdgeBackends:
    """The gRPC stubs the edge calls (the edge's own service token rides on each call)."""

    venture: venture_pb2_grpc.VentureServiceStub
    leads: leads_pb2_grpc.LeadsServiceStub
    channels: list[grpc.aio.Channel] = field(default_factory=list)
    # Where the inbound side hands delivery events (None: it answers 503).
    distribution: distribution_pb2_grpc.DistributionServiceStub | None = None

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


def open_backends(config: EdgeConfig, signer: TokenSigner) -> EdgeBackends:
    token = signer.service_token_source("edge")
    venture = open_channel(config.venture_addr, token=token,
                           timeout_seconds=config.call_timeout_seconds, tls=config.tls)
    leads = open_channel(config.leads_addr, token=token,
                         timeout_seconds=config.call_timeout_seconds, tls=config.tls)
    backends = EdgeBackends(venture_pb2_grpc.VentureServiceStub(venture),
                            leads_pb2_grpc.LeadsServiceStub(leads), [venture, leads])
    if config.distribution_addr:
        distribution = open_channel(config.distribution_addr, token=token,
                                    timeout_seconds=config.call_timeout_seconds, tls=config.tls)
        backends.channels.append(distribution)
        backends.distribution = distribution_pb2_grpc.DistributionServiceStub(distribution)
    return backends


def page(template: str, status_code: int = 200, headers: dict[str, str] | None = None,
         **context) -> HTMLResponse:
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def message_page(heading: str, message: str, status_code: int = 200,
                 headers: dict[str, str] | None = None) -> HTMLResponse:
    return page("message.html", status_code, headers, title=heading, heading=heading,
                message=message)


def client_ip(request: Request, trust_proxy_headers: bool) -> str:
    if trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.client.host if request.client else "unknown"


def now_timestamp(clock: Callable[[], float]) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(clock() * 1_000_000_000))
    return stamp


def error_json(error: grpc.RpcError) -> JSONResponse:
    details = decode_rpc_error(error)
    code = details.code if isinstance(details.code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
    return JSONResponse({"error": {
        "code": code.name, "reason": details.reason, "message": details.message,
        "field_violations": [{"field": v.field, "description": v.description}
                             for v in details.field_violations],
    }}, status_code=_HTTP_STATUS.get(code, 500))


class _Metrics(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics: EdgeMetrics = request.app.state.metrics
        metrics.requests.labels(template, request.method, str(response.status_code)).inc()
        metrics.latency.labels(template).observe(time.perf_counter() - started)
        return response


def masked_address(email: str, phone: str) -> str:
    """Enough of the address for its owner to recognise it, too little to learn it from a
    forwarded link: ``a***@example.com``; a phone shows only its last two digits."""
    local, at, domain = email.rpartition("@")
    if at and local:
        return f"{local[0]}***@{domain}"
    digits = [c for c in phone if c.isdigit()]
    if len(digits) >= 4:
        return "***" + "".join(digits[-2:])
    return ""


@dataclass(frozen=True)
class Subscription:
    """What the unsubscribe pages may say about a token's subscription, and the venture's
    link policy (``revoked_before`` in Unix seconds)."""

    venture_name: str
    address: str
    ttl_days: int
    revoked_before: float | None

    @property
    def outcome(self) -> str:
        sender = self.venture_name or "us"
        if self.address:
            return f"You will no longer receive messages from {sender} at {self.address}."
        return f"You will no longer receive messages from {sender}."


@dataclass
class CampaignForm:
    """What a hosted form needs to know about its campaign."""

    campaign: venture_pb2.Campaign
    venture: venture_pb2.Venture

    @property
    def consent_text(self) -> str:
        sender = self.venture.sender.from_name or self.venture.name or self.venture.id
        return CONSENT_TEXT.format(sender=sender)


class EdgeRoutes:
    """The handlers, sharing the backends, the signer, the rate limiter and the clock."""

    def __init__(self, config: EdgeConfig, signer: TokenSigner, metrics: EdgeMetrics,
                 limiter: SlidingWindowRateLimiter | SharedRateLimiter,
                 clock: Callable[[], float]) -> None:
        self.config = config
        self.signer = signer
        self.metrics = metrics
        self.limiter = limiter
        self.clock = clock
        self.backends: EdgeBackends | None = None

    # -- hosted form ------------------------------------------------------------------------

    async def _campaign_form(self, campaign_id: str) -> CampaignForm | Response:
        assert self.backends is not None
        try:
            campaign = (await self.backends.venture.GetCampaign(
                venture_pb2.GetCampaignRequest(campaign_id=campaign_id))).campaign
            venture = (await self.backends.venture.GetVenture(
                venture_pb2.GetVentureRequest(venture_id=campaign.venture_id))).venture
        except grpc.RpcError as error:
            code = error.code()
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return message_page("Form not found", "There is no form at this address.", 404)
            log.warning("campaign lookup failed", extra={"fields": {"code": code.name}})
            return message_page("Please try again later",
                                "This form is temporarily unavailable.", 503)
        if campaign.status in FINAL_STATUSES:
            return message_page("This form is closed",
                                "This campaign has ended and no longer takes sign-ups.", 410)
        return CampaignForm(campaign, venture)

    def _render_form(self, request: Request, form: CampaignForm, *, values: dict[str, str],
                     utm: dict[str, str], errors: list[str] | None = None,
                     field_errors: dict[str, str] | None = None,
                     status_code: int = 200) -> HTMLResponse:
        return page("form.html", status_code, {"Cache-Control": "no-store"},
                    title=form.campaign.name or "Sign up",
                    heading=form.campaign.name or form.venture.name,
                    venture_name=form.venture.name, offer=form.venture.offer_summary,
                    privacy_policy_url=form.venture.privacy_policy_url,
                    action=request.url.path,
                    values=values, utm=utm, errors=errors or [],
                    field_errors=field_errors or {}, consent_text=form.consent_text,
                    consent_text_version=CONSENT_TEXT_VERSION)

    async def form_page(self, request: Request) -> Response:
        found = await self._campaign_form(request.path_params["campaign_id"])
        if isinstance(found, Response):
            return found
        utm = {key: request.query_params[key][:256] for key in UTM_FIELDS
               if request.query_params.get(key)}
        return self._render_form(request, found, values={}, utm=utm)

    async def form_submit(self, request: Request) -> Response:
        ip = client_ip(request, self.config.trust_proxy_headers)
        decision = await self.limiter.acquire(ip)
        if not decision.allowed:
            self.metrics.blocked.labels("rate_limit").inc()
            retry = decision.retry_after
            return message_page("Too many attempts",
                                f"Please wait {retry} seconds before trying again.", 429,
                                {"Retry-After": str(retry)})
        async with request.form(max_files=0, max_fields=30, max_part_size=16 * 1024) as data:
            submitted = {key: str(data.get(key) or "").strip()
                         for key in (*FORM_FIELDS, *UTM_FIELDS, HONEYPOT_FIELD, "consent",
                                     "consent_text_version")}
        if submitted[HONEYPOT_FIELD]:
            # Answer exactly like a success so the bot learns nothing; capture nothing.
            self.metrics.blocked.labels("honeypot").inc()
            log.info("form honeypot filled; nothing captured")
            return message_page("Thank you", "Thank you! We will be in touch.")
        campaign_id = request.path_params["campaign_id"]
        found = await self._campaign_form(campaign_id)
        if isinstance(found, Response):
            return found
        values = {key: submitted[key] for key in FORM_FIELDS}
        values["consent"] = submitted["consent"]
        utm = {key: submitted[key][:256] for key in UTM_FIELDS if submitted[key]}
        if submitted["consent"] and submitted["consent_text_version"] != CONSENT_TEXT_VERSION:
            # The page was rendered with older words than we now hold evidence for.
            return self._render_form(
                request, found, values=values, utm=utm, status_code=400,
                errors=["The consent text has changed since this page was loaded; please "
                        "read it again and resubmit."])
        if not values["email"] and not values["phone"]:
            return self._render_form(
                request, found, values=values, utm=utm, status_code=400,
                errors=["Please give an email address or a phone number."],
                field_errors={"email": "An email address or a phone number is needed."})
        capture = leads_pb2.LeadCapture(
            venture_id=found.campaign.venture_id, campaign_id=campaign_id,
            email=values["email"], phone=values["phone"], name=values["name"],
            company=values["company"], source_channel="web_form",
            source_reference=f"form:{campaign_id}",
            utm=leads_pb2.UtmParameters(**{UTM_FIELDS[k]: v for k, v in utm.items()}))
        if submitted["consent"]:
            capture.consent_status = leads_pb2.CONSENT_STATUS_CONSENTED
            capture.consent_evidence.CopyFrom(leads_pb2.ConsentEvidence(
                source="web_form", form_url=str(request.url), ip_address=ip,
                consent_text_version=CONSENT_TEXT_VERSION,
                consent_time=now_timestamp(self.clock)))
        try:
            result = await self.backends.leads.CaptureLead(leads_pb2.CaptureLeadRequest(
                request_id=str(uuid.uuid4()), capture=capture))
        except grpc.RpcError as error:
            details = decode_rpc_error(error)
            if details.code is grpc.StatusCode.INVALID_ARGUMENT:
                field_errors, general = {}, []
                for violation in details.field_violations:
                    name = violation.field.rsplit(".", 1)[-1]
                    if name in FORM_FIELDS:
                        field_errors[name] = violation.description
                        general.append(f"{name.capitalize()}: {violation.description}")
                    else:
                        general.append(violation.description)
                return self._render_form(request, found, values=values, utm=utm,
                                         errors=general or [details.message],
                                         field_errors=field_errors, status_code=400)
            log.warning("form capture failed", extra={"fields": {
                "code": details.code.name, "reason": details.reason}})
            return message_page("Please try again later",
                                "We could not record your details just now.", 503)
        outcome = leads_pb2.CaptureOutcome.Name(result.outcome)
        self.metrics.captures.labels("form", outcome).inc()
        return message_page("Thank you", "Thank you! We will be in touch.")

    # -- JSON capture -----------------------------------------------------------------------

    async def api_capture(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse({"error": {"code": "UNAUTHENTICATED", "reason": "TOKEN_MISSING",
                                           "message": "send Authorization: Bearer <token>"}},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        token = token.strip()
        try:
            self.signer.verify(token)
        except ServiceError as error:
            return JSONResponse({"error": {"code": error.code.name, "reason": error.reason,
                                           "message": error.message}}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": {"code": "INVALID_ARGUMENT", "reason":
                                           "INVALID_ARGUMENT",
                                           "message": "the body must be a JSON object"}},
                                status_code=400)
        request_id = str(body.pop("request_id", "") or request.headers.get(
            "idempotency-key", "") or uuid.uuid4())
        try:
            capture = json_format.ParseDict(body, leads_pb2.LeadCapture())
        except json_format.ParseError as error:
            return JSONResponse({"error": {"code": "INVALID_ARGUMENT",
                                           "reason": "INVALID_ARGUMENT",
                                           "message": str(error)}}, status_code=400)
        if not capture.source_channel:
            capture.source_channel = "api"
        if capture.HasField("consent_evidence") and not capture.consent_evidence.ip_address:
            capture.consent_evidence.ip_address = client_ip(request,
                                                            self.config.trust_proxy_headers)
        try:
            result = await self.backends.leads.CaptureLead(
                leads_pb2.CaptureLeadRequest(request_id=request_id, capture=capture),
                metadata=(("authorization", f"Bearer {token}"),))
        except grpc.RpcError as error:
            return error_json(error)
        outcome = leads_pb2.CaptureOutcome.Name(result.outcome)
        self.metrics.captures.labels("api", outcome).inc()
        created = result.outcome == leads_pb2.CAPTURE_OUTCOME_CREATED
        return JSONResponse({
            "outcome": outcome.removeprefix("CAPTURE_OUTCOME_"),
            "suppressed": result.suppressed,
            "matched_on": leads_pb2.IdentifierKind.Name(result.matched_on),
            "merged_lead_ids": list(result.merged_lead_ids),
            "lead": json_format.MessageToDict(result.lead, preserving_proto_field_name=True),
        }, status_code=201 if created else 200)

    # -- one-click unsubscribe (RFC 8058) ---------------------------------------------------

    def _target(self, token: str) -> unsubscribe.UnsubscribeTarget | None:
        try:
            return unsubscribe.verify(token, self.config.token_secret)
        except unsubscribe.InvalidUnsubscribeToken:
            return None

    async def _subscription(self, target: unsubscribe.UnsubscribeTarget) -> Subscription:
        """Whose subscription a token names and the venture's link policy; raises
        ``grpc.RpcError`` when leads or venture cannot answer."""
        assert self.backends is not None
        address, venture_id = "", ""
        try:
            lead = (await self.backends.leads.GetLead(
                leads_pb2.GetLeadRequest(lead_id=target.lead_id))).lead
            address = masked_address(lead.email, lead.phone)
            venture_id = lead.venture_id
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.NOT_FOUND:
                raise
        if not venture_id and target.campaign_id:
            with contextlib.suppress(grpc.RpcError):
                venture_id = (await self.backends.venture.GetCampaign(
                    venture_pb2.GetCampaignRequest(campaign_id=target.campaign_id))
                ).campaign.venture_id
        if not venture_id:
            return Subscription("", address, 0, None)
        venture = (await self.backends.venture.GetVenture(
            venture_pb2.GetVentureRequest(venture_id=venture_id))).venture
        links = venture.unsubscribe_links
        revoked = (links.revoked_before.ToNanoseconds() / 1e9
                   if links.HasField("revoked_before") else None)
        return Subscription(venture.name, address, links.ttl_days, revoked)

    def _refused(self, target: unsubscribe.UnsubscribeTarget, subscription: Subscription, *,
                 one_click: bool) -> bool:
        why = unsubscribe.refusal(target, ttl_days=subscription.ttl_days,
                                  revoked_before=subscription.revoked_before,
                                  now=self.clock(), one_click=one_click)
        if why is not None:
            self.metrics.unsubscribe_refused.labels(why).inc()
        return why is not None

    @staticmethod
    def _expired_page() -> HTMLResponse:
        # The same words for an expired and a revoked link, and nothing about the person: the
        # link may have been forwarded.
        return message_page("This link has expired",
                            "This unsubscribe link has expired and nothing was changed. To "
                            "stop messages, use the unsubscribe link in a more recent message, "
                            "or reply to it and ask to be removed.", 410, _PRIVATE_HEADERS)

    async def unsubscribe_page(self, request: Request) -> Response:
        """GET never unsubscribes: link scanners and prefetchers follow every link."""
        target = self._target(request.path_params["token"])
        if target is None:
            return message_page("Invalid link", "This unsubscribe link is not valid.", 400,
                                _PRIVATE_HEADERS)
        try:
            subscription = await self._subscription(target)
        except grpc.RpcError as error:
            log.warning("unsubscribe lookup failed", extra={"fields": {
                "code": error.code().name}})
            return message_page("Please try again",
                                "This page is temporarily unavailable; please try again in a "
                                "few minutes.", 503, _PRIVATE_HEADERS)
        if self._refused(target, subscription, one_click=False):
            return self._expired_page()
        return page("unsubscribe.html", 200, _PRIVATE_HEADERS, title="Unsubscribe",
                    action=request.url.path, venture_name=subscription.venture_name,
                    address=subscription.address, outcome=subscription.outcome)

    async def unsubscribe_post(self, request: Request) -> Response:
        """The RFC 8058 one-click POST (and the page's button). It works for 60 days after the
        message was sent whatever the venture's link policy (a mailbox provider may offer its
        button that long: see ``aicmo_common.unsubscribe``); after that the policy decides."""
        token = request.path_params["token"]
        target = self._target(token)
        if target is None:
            return message_page("Invalid link", "This unsubscribe link is not valid.", 400,
                                _PRIVATE_HEADERS)
        try:
            subscription: Subscription | None = await self._subscription(target)
        except grpc.RpcError as error:
            subscription = None
            if not unsubscribe.in_one_click_grace(target, self.clock()):
                # Without the policy we cannot tell an old link from a revoked one.
                log.warning("unsubscribe lookup failed", extra={"fields": {
                    "code": error.code().name}})
                return message_page("Please try again",
                                    "We could not unsubscribe you just now; please try again "
                                    "in a few minutes.", 503, _PRIVATE_HEADERS)
        if subscription is not None and self._refused(target, subscription, one_click=True):
            return self._expired_page()
        reason = "one-click unsubscribe"
        if target.campaign_id:
            reason += f" (campaign {target.campaign_id})"
        # The same link clicked twice is the same request: the ledger records it once.
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aicmo-unsubscribe:{token}"))
        try:
            await self.backends.leads.MarkDnc(leads_pb2.MarkDncRequest(
                lead_id=target.lead_id, reason=reason, request_id=request_id))
        except grpc.RpcError as error:
            details = decode_rpc_error(error)
            if details.code is grpc.StatusCode.FAILED_PRECONDITION \
                    and details.reason == "LEAD_ERASED":
                pass  # an erased lead's identifiers are already suppressed
            elif details.code is grpc.StatusCode.NOT_FOUND:
                return message_page("Not found", "We could not find this subscription.", 404,
                                    _PRIVATE_HEADERS)
            else:
                log.warning("unsubscribe failed", extra={"fields": {
                    "code": details.code.name, "reason": details.reason}})
                return message_page("Please try again",
                                    "We could not unsubscribe you just now; please try again "
                                    "in a few minutes.", 503, _PRIVATE_HEADERS)
        self.metrics.unsubscribes.inc()
        outcome = (subscription.outcome if subscription is not None
                   else "You will not receive further messages from us.")
        return self._unsubscribed_page(request.url.path, token,
                                       f"You have been unsubscribed. {outcome}")

    # The optional reason, offered once the unsubscribe has taken effect. The form carries a
    # key derived from the (signed) unsubscribe token, so another site cannot post a reason
    # for someone; whatever happens here never touches the unsubscribe itself.

    def _form_key(self, token: str) -> str:
        return hmac.new(self.config.token_secret.encode(),
                        b"unsubscribe-reason\0" + token.encode(), hashlib.sha256).hexdigest()

    def _unsubscribed_page(self, unsubscribe_path: str, token: str, message: str, *,
                           status_code: int = 200, error: str = "", chosen: str = "",
                           text: str = "") -> HTMLResponse:
        return page("unsubscribed.html", status_code, _PRIVATE_HEADERS, title="Unsubscribed",
                    heading="Unsubscribed", message=message,
                    reason_action=f"{unsubscribe_path}/reason",
                    form_key=self._form_key(token), reasons=UNSUBSCRIBE_REASONS.items(),
                    chosen=chosen, text=text, error=error, text_max=REASON_TEXT_MAX)

    async def unsubscribe_reason_post(self, request: Request) -> Response:
        token = request.path_params["token"]
        target = self._target(token)
        if target is None:
            return message_page("Invalid link", "This unsubscribe link is not valid.", 400,
                                _PRIVATE_HEADERS)
        async with request.form(max_files=0, max_fields=10, max_part_size=8 * 1024) as data:
            key = str(data.get("form_key") or "")
            chosen = str(data.get("reason") or "")
            text = str(data.get("text") or "").strip()
        if not hmac.compare_digest(key, self._form_key(token)):
            return message_page("Unsubscribed", "You are unsubscribed. This form could not be "
                                "accepted; nothing else was changed.", 403, _PRIVATE_HEADERS)
        problem = ""
        if chosen not in UNSUBSCRIBE_REASONS:
            problem = "Please choose one of the reasons."
        elif len(text) > REASON_TEXT_MAX:
            problem = f"Please keep it under {REASON_TEXT_MAX} characters."
        elif chosen == "other" and not text:
            problem = "Please say in a few words why, or choose another reason."
        if problem:
            return self._unsubscribed_page(request.url.path.removesuffix("/reason"), token,
                                           "You are unsubscribed.", status_code=400,
                                           error=problem, chosen=chosen, text=text)
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                    f"aicmo-unsubscribe-reason:{token}:{chosen}:{text}"))
        try:
            await self.backends.leads.RecordUnsubscribeReason(
                leads_pb2.RecordUnsubscribeReasonRequest(
                    lead_id=target.lead_id, campaign_id=target.campaign_id, text=text,
                    reason=leads_pb2.UnsubscribeReason.Value(
                        f"UNSUBSCRIBE_REASON_{chosen.upper()}"),
                    request_id=request_id))
        except grpc.RpcError as error:
            details = decode_rpc_error(error)
            log.warning("unsubscribe reason not recorded", extra={"fields": {
                "code": details.code.name, "reason": details.reason}})
            return message_page("Unsubscribed", "You are unsubscribed. We could not save "
                                "your reason just now, but nothing else depends on it.", 200,
                                _PRIVATE_HEADERS)
        return message_page("Thank you", "Thank you for telling us. You are unsubscribed.",
                            200, _PRIVATE_HEADERS)

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")


def create_app(config: EdgeConfig, backends: EdgeBackends | None = None, *,
               metrics: EdgeMetrics | None = None,
               limiter: SlidingWindowRateLimiter | SharedRateLimiter | None = None,
               clock: Callable[[], float] = time.time,
               inbound: InboundEdge | None = None) -> Starlette:
    """The ASGI app. Without ``backends`` it opens channels from ``config`` at startup.

    The form rate limit is shared by every replica when ``rate_limit_database_url`` names a
    database, and held in this process otherwise."""
    signer = TokenSigner(config.token_secret)
    metrics = metrics or EdgeMetrics()
    if limiter is None and config.rate_limit_database_url:
        limiter = SharedRateLimiter(config.rate_limit_database_url, config.form_rate_limit,
                                    config.form_rate_window_seconds,
                                    on_store_error=metrics.rate_limit_store_errors.inc)
    limiter = limiter or SlidingWindowRateLimiter(config.form_rate_limit,
                                                  config.form_rate_window_seconds)
    routes = EdgeRoutes(config, signer, metrics, limiter, clock)
    inbound = inbound or InboundEdge(config.inbound, metrics, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = backends is None
        routes.backends = open_backends(config, signer) if owned else backends
        await inbound.start(routes.backends.distribution)
        try:
            yield
        finally:
            await inbound.stop()
            if owned:
                await routes.backends.close()
            if isinstance(limiter, SharedRateLimiter):
                limiter.close()

    app = Starlette(
        routes=[
            Route("/healthz", routes.health, methods=["GET"]),
            Route("/f/{campaign_id}", routes.form_page, methods=["GET"]),
            Route("/f/{campaign_id}", routes.form_submit, methods=["POST"]),
            Route("/api/v1/leads", routes.api_capture, methods=["POST"]),
            Route("/u/{token}", routes.unsubscribe_page, methods=["GET"]),
            Route("/u/{token}", routes.unsubscribe_post, methods=["POST"]),
            Route("/u/{token}/reason", routes.unsubscribe_reason_post, methods=["POST"]),
            *inbound.routes(),
        ],
        middleware=[Middleware(_Metrics)],
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.routes = routes
    app.state.inbound = inbound
    return app
