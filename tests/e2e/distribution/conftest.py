"""Real venture, leads and distribution servers on port 0, talking real gRPC, and a real SMTP
server (aiosmtpd) on port 0 that keeps every message it receives.

Venture and leads run on SQLite files; distribution runs on the ``database_url`` fixture
(SQLite, then PostgreSQL). A forwarding proxy can sit between distribution and venture or leads
to make them slow, failing or unreachable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import email.policy
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc
import pytest
from aiosmtpd.smtp import SMTP

from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from aicmo_distribution.bootstrap import Dependencies, create_server
from aicmo_distribution.config import DistributionConfig
from aicmo_leads.bootstrap import create_server as create_leads
from aicmo_leads.config import LeadsConfig
from aicmo_venture.bootstrap import VentureDependencies
from aicmo_venture.bootstrap import create_server as create_venture
from aicmo_venture.config import VentureConfig
from tests.conftest import TOKEN_SECRET, bearer

EMAIL = common_pb2.CHANNEL_EMAIL
IDENTITY_KEY = "distribution-test-identity-key-" + "k" * 32
BASE_ENV = {
    "AICMO_TOKEN_SECRET": TOKEN_SECRET,
    "AICMO_GRPC_HOST": "127.0.0.1",
    "AICMO_METRICS_PORT": "off",
    "AICMO_AUDIT_ADDR": "off",
    "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
}


async def wait_for(condition: Callable[[], Awaitable[bool]], *, within: float = 15.0,
                   what: str = "condition") -> None:
    """Polls ``condition`` until it holds; fails the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def free_port() -> int:
    """A port nothing listens on (bound, then released), for 'a dead address'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message as the SMTP server got it."""

    recipients: list[str]
    sender: str
    message: email.message.EmailMessage
    started_at: float


class Inbox:
    """An aiosmtpd handler that keeps every message; ``hold`` makes DATA wait."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.data_started: list[float] = []
        self.hold: asyncio.Event | None = None
        self.reply = "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        started = time.monotonic()
        self.data_started.append(started)
        if self.hold is not None:
            await self.hold.wait()
        if not self.reply.startswith("250"):
            return self.reply
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), envelope.mail_from, parsed,
                                      started))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


class Proxy:
    """A raw gRPC forwarder in front of a real service: ``mode`` is pass, slow, error or
    unavailable; methods named in ``unimplemented`` answer UNIMPLEMENTED, as a peer of an
    older version would. It forwards bytes, so it works for any service."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.mode = "pass"
        self.delay = 0.0
        self.calls: list[str] = []
        self.unimplemented: set[str] = set()
        self._server: grpc.aio.Server | None = None
        self._channel = grpc.aio.insecure_channel(target)

    async def _handle(self, method: str, request: bytes, context) -> bytes:
        self.calls.append(method)
        if method.rsplit("/", 1)[-1] in self.unimplemented:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "proxy: no such method")
        if self.mode == "unavailable":
            await context.abort(grpc.StatusCode.UNAVAILABLE, "proxy: down")
        if self.mode == "error":
            await context.abort(grpc.StatusCode.INTERNAL, "proxy: broken")
        if self.mode == "slow":
            await asyncio.sleep(self.delay)  # the behaviour under test: an answer too late
        call = self._channel.unary_unary(method, request_serializer=None,
                                         response_deserializer=None)
        metadata = [(k, v) for k, v in context.invocation_metadata()
                    if k in ("authorization", "x-request-id")]
        try:
            return await call(request, metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            await context.abort(error.code(), error.details() or "")

    async def start(self, port: int = 0) -> int:
        proxy = self

        class Handler(grpc.GenericRpcHandler):
            def service(self, details):
                method = details.method

                async def behaviour(request, context):
                    return await proxy._handle(method, request, context)

                return grpc.unary_unary_rpc_method_handler(behaviour)

        self._server = grpc.aio.server()
        self._server.add_generic_rpc_handlers((Handler(),))
        bound = self._server.add_insecure_port(f"127.0.0.1:{port}")
        await self._server.start()
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(0)
        await self._channel.close()


class Clock:
    """The stack's clock: real time plus an offset the tests move. Distribution calls it;
    venture asks it for ``now()``; both see the same time, as in production."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def now(self) -> dt.datetime:
        return self()


@dataclass
class Stack:
    tmp_path: object
    database_url: str
    inbox: Inbox
    smtp_port: int
    signer: TokenSigner
    admin: str = ""
    venture_addr: str = ""
    leads_addr: str = ""
    clock: Clock = field(default_factory=Clock)
    venture: venture_pb2_grpc.VentureServiceStub | None = None
    leads: leads_pb2_grpc.LeadsServiceStub | None = None
    dist: distribution_pb2_grpc.DistributionServiceStub | None = None
    dist_server: object | None = None
    _closers: list = field(default_factory=list)
    _dist_channel: grpc.aio.Channel | None = None

    @property
    def md(self):
        return bearer(self.admin)

    async def start_peers(self) -> None:
        env = {**BASE_ENV, "AICMO_DATABASE_URL": f"sqlite:///{self.tmp_path}/venture.db"}
        venture_server, port = create_venture(VentureConfig.from_env("venture", env),
                                              VentureDependencies(clock=self.clock), port=0)
        await venture_server.start()
        self._closers.append(lambda: venture_server.stop(0))
        self.venture_addr = f"127.0.0.1:{port}"
        env = {**BASE_ENV, "AICMO_DATABASE_URL": f"sqlite:///{self.tmp_path}/leads.db",
               "AICMO_IDENTITY_HASH_KEY": IDENTITY_KEY}
        leads_server, port = create_leads(LeadsConfig.load(env), port=0)
        await leads_server.start()
        self._closers.append(lambda: leads_server.stop(0))
        self.leads_addr = f"127.0.0.1:{port}"
        for addr, name in ((self.venture_addr, "venture"), (self.leads_addr, "leads")):
            channel = grpc.aio.insecure_channel(addr)
            self._closers.append(channel.close)
            if name == "venture":
                self.venture = venture_pb2_grpc.VentureServiceStub(channel)
            else:
                self.leads = leads_pb2_grpc.LeadsServiceStub(channel)

    def config(self, **env) -> DistributionConfig:
        values = {**BASE_ENV, "AICMO_DATABASE_URL": self.database_url,
                  "AICMO_VENTURE_ADDR": self.venture_addr, "AICMO_LEADS_ADDR": self.leads_addr,
                  "AICMO_SMTP_HOST": "127.0.0.1", "AICMO_SMTP_PORT": str(self.smtp_port),
                  "AICMO_SMTP_TLS": "none", "AICMO_CALL_TIMEOUT_SECONDS": "0.5",
                  "AICMO_WORKER_INTERVAL_SECONDS": "0.05", "AICMO_RETRY_BASE_SECONDS": "0.05",
                  "AICMO_RETRY_MAX_SECONDS": "0.2", "AICMO_CLAIM_TTL_SECONDS": "30",
                  "AICMO_UNSUBSCRIBE_BASE_URL": "https://edge.example",
                  "AICMO_MAIL_DOMAIN": "mail.example", "AICMO_DELIVERY_TIMEOUT_SECONDS": "5",
                  **{k: str(v) for k, v in env.items()}}
        return DistributionConfig.from_env("distribution", values)

    async def start_distribution(self, dependencies: Dependencies | None = None, **env):
        deps = dependencies or Dependencies()
        if deps.clock is None:
            deps = dataclasses.replace(deps, clock=self.clock)
        server, port = create_server(self.config(**env), deps, port=0)
        await server.start()
        self.dist_server = server
        self._dist_channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        self.dist = distribution_pb2_grpc.DistributionServiceStub(self._dist_channel)
        return server

    async def stop_distribution(self) -> None:
        if self.dist_server is not None:
            await self.dist_server.stop(0)
            self.dist_server = None
        if self._dist_channel is not None:
            await self._dist_channel.close()
            self._dist_channel = None

    async def close(self) -> None:
        await self.stop_distribution()
        for closer in reversed(self._closers):
            await closer()

    # -- fixtures of the story -------------------------------------------------------------

    async def campaign(self, venture_id: str | None = None, *, limit: int = 100,
                       running: bool = True, consent_required: bool = False,
                       channels: tuple[int, ...] = (EMAIL,)) -> vpb.Campaign:
        venture_id = venture_id or f"v{uuid.uuid4().hex[:8]}"
        try:
            await self.venture.CreateVenture(vpb.CreateVentureRequest(venture=vpb.Venture(
                id=venture_id, name="Acme", timezone="UTC", owner_contact="o@acme.example",
                default_channels=[EMAIL], sender=vpb.SenderIdentity(
                    from_address="hello@acme.example", from_name="Acme Outreach",
                    postal_address="1 Main St, Springfield"))), metadata=self.md)
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise
        answer = await self.venture.CreateCampaign(vpb.CreateCampaignRequest(
            campaign=vpb.Campaign(venture_id=venture_id, name="Launch",
                                  allowed_channels=list(channels), daily_send_limit=limit,
                                  consent_required=consent_required)), metadata=self.md)
        campaign = answer.campaign
        if running:
            campaign = (await self.venture.StartCampaign(vpb.StartCampaignRequest(
                campaign_id=campaign.id, reason="go"), metadata=self.md)).campaign
        return campaign

    async def capture(self, campaign: vpb.Campaign, address: str, **fields) -> lpb.Lead:
        answer = await self.leads.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
            venture_id=campaign.venture_id, campaign_id=campaign.id, email=address,
            first_name=fields.pop("first_name", "Ada"), source_channel="web_form", **fields)),
            metadata=self.md)
        return answer.lead

    async def template(self, venture_id: str, channel: int = EMAIL) -> dpb.Template:
        answer = await self.dist.CreateTemplate(dpb.CreateTemplateRequest(
            template=dpb.Template(venture_id=venture_id, name="Intro", channel=channel,
                                  message=dpb.Message(
                                      subject="Hi {{ lead.first_name }}",
                                      body_text="Hello {{ lead.first_name }} from "
                                                "{{ venture.from_name }}.\n"))),
            metadata=self.md)
        return answer.template

    async def run(self, campaign: vpb.Campaign, template: dpb.Template, *, step: int = 1,
                  dry_run: bool = False) -> dpb.Run:
        answer = await self.dist.RunCampaign(dpb.RunCampaignRequest(
            request_id=str(uuid.uuid4()), campaign_id=campaign.id, template_id=template.id,
            step=step, dry_run=dry_run), metadata=self.md)
        return answer.run

    async def get_run(self, run_id: str) -> dpb.Run:
        return (await self.dist.GetRun(dpb.GetRunRequest(run_id=run_id), metadata=self.md)).run

    async def wait_run(self, run_id: str, *states: int, within: float = 20.0) -> dpb.Run:
        latest: list[dpb.Run] = []

        async def reached() -> bool:
            latest[:] = [await self.get_run(run_id)]
            return latest[0].state in states

        await wait_for(reached, within=within, what=f"run in {states}")
        return latest[0]

    async def sends(self, **filters) -> list[dpb.SendJob]:
        found, token = [], ""
        while True:
            answer = await self.dist.ListSends(dpb.ListSendsRequest(
                page_size=500, page_token=token, **filters), metadata=self.md)
            found.extend(answer.sends)
            token = answer.next_page_token
            if not token:
                return found

    async def create_send(self, campaign, lead_id: str, template_id: str, *,
                          request_id: str | None = None, step: int = 1,
                          dry_run: bool = False, channel: int = EMAIL
                          ) -> dpb.CreateSendResponse:
        return await self.dist.CreateSend(dpb.CreateSendRequest(
            request_id=request_id or str(uuid.uuid4()), campaign_id=campaign.id,
            lead_id=lead_id, channel=channel, template_id=template_id, step=step,
            dry_run=dry_run), metadata=self.md)


@pytest.fixture
async def stack(tmp_path, database_url, signer):
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(inbox, hostname="test-smtp"),
                                    host="127.0.0.1", port=0)
    stack = Stack(tmp_path, database_url, inbox, smtp.sockets[0].getsockname()[1], signer,
                  admin=signer.issue("admin@test", Role.ADMIN))
    await stack.start_peers()
    try:
        yield stack
    finally:
        await stack.close()
        smtp.close()
        await smtp.wait_closed()
