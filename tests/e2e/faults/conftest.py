"""The whole stack as real processes (``bench.stack.ServiceProcesses``), for fault tests that
SIGKILL and restart services, and a real SMTP server (aiosmtpd, port 0) in the test process
that records every message at the moment its DATA arrives and can hold one on demand.

Service databases are SQLite files in the test's directory, or (indirect parameter
``"postgresql"`` of ``database_urls``) one fresh PostgreSQL database per service.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

import grpc
import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from aicmo.audit.v1 import audit_pb2_grpc
from aicmo.common.v1 import common_pb2
from aicmo.distribution.v1 import distribution_pb2 as dpb
from aicmo.distribution.v1 import distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2 as lpb
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2 as vpb
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import Role, TokenSigner
from bench.stack import RunningService, ServiceProcesses  # noqa: E402
from tests.conftest import TOKEN_SECRET, _fresh_postgres_database, bearer

EMAIL = common_pb2.CHANNEL_EMAIL
IDENTITY_KEY = "fault-tests-identity-key-" + "k" * 40
SERVICES = ("audit", "venture", "leads", "distribution")
RUN_CONCURRENCY = 8

# Short intervals so faults are noticed and recovered from within seconds.
FAST_ENV = {
    "AICMO_OUTBOX_INTERVAL_SECONDS": "0.05",
    "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
    "AICMO_CALL_TIMEOUT_SECONDS": "1",
}


def distribution_env(smtp_port: int, **overrides: str) -> dict[str, str]:
    """Distribution on the test's SMTP server, retrying fast and long enough to outlast the
    outages here; the autopause is off because a killed peer makes sends fail on purpose."""
    return {
        "AICMO_SMTP_HOST": "127.0.0.1", "AICMO_SMTP_PORT": str(smtp_port),
        "AICMO_SMTP_TLS": "none", "AICMO_DELIVERY_TIMEOUT_SECONDS": "5",
        "AICMO_WORKER_INTERVAL_SECONDS": "0.05", "AICMO_RETRY_BASE_SECONDS": "0.05",
        "AICMO_RETRY_MAX_SECONDS": "0.5", "AICMO_SEND_MAX_ATTEMPTS": "60",
        # A killed replica's claims lapse after this; the restarted one then reconciles them.
        "AICMO_CLAIM_TTL_SECONDS": "3", "AICMO_AUTOPAUSE_FAILURE_RATIO": "0",
        "AICMO_RUN_CONCURRENCY": str(RUN_CONCURRENCY),
        "AICMO_UNSUBSCRIBE_BASE_URL": "https://edge.example", "AICMO_MAIL_DOMAIN": "mail.example",
        **overrides,
    }


async def wait_for(condition: Callable[[], Awaitable[bool]], *, within: float,
                   what: str, every: float = 0.05) -> None:
    """Polls ``condition`` until it holds; fails the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(every)  # polling a condition, bounded by the deadline


# --- SMTP ------------------------------------------------------------------------------------

@dataclass
class Delivery:
    """One message as the SMTP server got it: recorded when DATA arrived, so a message whose
    sender died while the server held it still counts as received."""

    send_id: str
    recipients: list[str]
    started_at: float  # wall clock (time.time()), comparable with the services' timestamps


class Mailbox:
    """An aiosmtpd handler keeping every message. ``hold`` (a predicate over the delivery)
    makes DATA wait for ``release``; ``held`` is set when a delivery is being held."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.hold: Callable[[Delivery], bool] | None = None
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        self.held_deliveries: list[Delivery] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        headers = BytesHeaderParser().parsebytes(raw)
        delivery = Delivery((headers.get("X-Aicmo-Send-Id") or "").strip(),
                            list(envelope.rcpt_tos), time.time())
        self.deliveries.append(delivery)
        if self.hold is not None and self.hold(delivery):
            self.held_deliveries.append(delivery)
            self.held.set()
            await self.release.wait()
        return "250 OK"

    def by_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for delivery in self.deliveries:
            for recipient in delivery.recipients:
                counts[recipient] = counts.get(recipient, 0) + 1
        return counts

    def by_send(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for delivery in self.deliveries:
            counts[delivery.send_id] = counts.get(delivery.send_id, 0) + 1
        return counts


@pytest.fixture
async def smtp() -> tuple[Mailbox, int]:
    mailbox = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(mailbox, hostname="fault-smtp"),
                                      host="127.0.0.1", port=0)
    try:
        yield mailbox, server.sockets[0].getsockname()[1]
    finally:
        mailbox.release.set()
        server.close()
        await server.wait_closed()


# --- databases -------------------------------------------------------------------------------

@pytest.fixture
def database_urls(request, tmp_path) -> Iterator[dict[str, str]]:
    """One database per service: SQLite files by default; with the indirect parameter
    ``"postgresql"``, fresh PostgreSQL databases dropped afterwards (skipped when none
    answers)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield {name: f"sqlite:///{tmp_path / 'stack' / name}.db" for name in SERVICES}
        return
    with contextlib.ExitStack() as stack:
        urls = {}
        for name in SERVICES:
            urls[name] = stack.enter_context(
                contextlib.contextmanager(_fresh_postgres_database)())
        yield urls


class Databases:
    """Read-only access to the services' own databases, to compare what they hold."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self._engines: dict[str, Engine] = {}

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = create_engine(self.urls[name])
        return self._engines[name]

    def _rows(self, name: str, sql: str) -> list[tuple]:
        with self.engine(name).connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    async def rows(self, name: str, sql: str) -> list[tuple]:
        return await asyncio.to_thread(self._rows, name, sql)

    def _table_rows(self, name: str) -> dict[str, list[tuple]]:
        engine = self.engine(name)
        tables = inspect(engine).get_table_names()
        with engine.connect() as connection:
            return {table: [tuple(row) for row in connection.execute(
                text(f'SELECT * FROM "{table}"'))] for table in tables}

    async def every_row(self, name: str) -> dict[str, list[tuple]]:
        """Every row of every table of the service's database."""
        return await asyncio.to_thread(self._table_rows, name)

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


# --- the stack -------------------------------------------------------------------------------

@dataclass
class Stack:
    """The services as processes, stubs on them, and the story's helpers."""

    processes: ServiceProcesses
    databases: Databases
    mailbox: Mailbox
    smtp_port: int
    signer: TokenSigner
    admin: str
    _started: dict[str, dict] = field(default_factory=dict)
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    _replicas: list[ServiceProcesses] = field(default_factory=list)

    @property
    def md(self):
        return bearer(self.admin)

    # -- processes --------------------------------------------------------------------------

    async def start(self, name: str, **env: str) -> RunningService:
        environ = {**FAST_ENV, **(distribution_env(self.smtp_port) if name == "distribution"
                                  else {}), **env}
        self._started[name] = environ
        return await asyncio.to_thread(self.processes.start, name,
                                       database_url=self.databases.urls[name], env=environ)

    async def start_all(self, *names: str, **env: str) -> None:
        for name in names or SERVICES:  # audit first, so the others get its address
            await self.start(name, **env)

    def port(self, name: str) -> int:
        return self.processes.running[name].port

    async def kill(self, name: str) -> int:
        """SIGKILL; returns the port it served on, for a restart on the same address."""
        port = self.port(name)
        await self._drop_channel(name)
        await asyncio.to_thread(self.processes.kill, name)
        return port

    async def restart(self, name: str, port: int) -> RunningService:
        """Starts a killed service again on its old port, with its old environment."""
        return await asyncio.to_thread(self.processes.start, name,
                                       database_url=self.databases.urls[name], port=port,
                                       env=self._started[name])

    async def start_second_distribution(self) -> tuple[RunningService, grpc.aio.Channel]:
        """Another distribution process on the same database as the first, talking to the
        same peers: a second replica. Returns it and a channel to it."""
        replica = ServiceProcesses(self.processes.workdir / "replica-2", self.processes.secret,
                                   self.processes.identity_key)
        self._replicas.append(replica)
        peers = {f"AICMO_{name.upper()}_ADDR": service.address
                 for name, service in self.processes.running.items()}
        service = await asyncio.to_thread(
            replica.start, "distribution", database_url=self.databases.urls["distribution"],
            env={**self._started["distribution"], **peers})
        channel = grpc.aio.insecure_channel(service.address)
        self._channels["distribution-2"] = channel
        return service, channel

    async def close(self) -> None:
        for name in list(self._channels):
            await self._drop_channel(name)
        for replica in self._replicas:
            await asyncio.to_thread(replica.stop_all)
        await asyncio.to_thread(self.processes.stop_all)
        self.databases.close()

    async def _drop_channel(self, name: str) -> None:
        channel = self._channels.pop(name, None)
        if channel is not None:
            await channel.close()

    def _channel(self, name: str) -> grpc.aio.Channel:
        if name not in self._channels:
            self._channels[name] = grpc.aio.insecure_channel(
                self.processes.running[name].address)
        return self._channels[name]

    @property
    def venture(self) -> venture_pb2_grpc.VentureServiceStub:
        return venture_pb2_grpc.VentureServiceStub(self._channel("venture"))

    @property
    def leads(self) -> leads_pb2_grpc.LeadsServiceStub:
        return leads_pb2_grpc.LeadsServiceStub(self._channel("leads"))

    @property
    def dist(self) -> distribution_pb2_grpc.DistributionServiceStub:
        return distribution_pb2_grpc.DistributionServiceStub(self._channel("distribution"))

    @property
    def audit(self) -> audit_pb2_grpc.AuditServiceStub:
        return audit_pb2_grpc.AuditServiceStub(self._channel("audit"))

    # -- the story ----------------------------------------------------------------------------

    async def campaign(self, *, limit: int = 10_000, venture_id: str | None = None
                       ) -> vpb.Campaign:
        """A venture (created when new) and a RUNNING email campaign."""
        venture_id = venture_id or f"v{uuid.uuid4().hex[:10]}"
        try:
            await self.venture.CreateVenture(vpb.CreateVentureRequest(venture=vpb.Venture(
                id=venture_id, name="Faulty Acme", timezone="UTC",
                owner_contact="owner@acme.example", default_channels=[EMAIL],
                sender=vpb.SenderIdentity(from_address="hello@acme.example",
                                          from_name="Acme", postal_address="1 Main St"))),
                metadata=self.md, timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise
        created = await self.venture.CreateCampaign(vpb.CreateCampaignRequest(
            campaign=vpb.Campaign(venture_id=venture_id, name="Launch",
                                  allowed_channels=[EMAIL], daily_send_limit=limit)),
            metadata=self.md, timeout=10)
        started = await self.venture.StartCampaign(vpb.StartCampaignRequest(
            campaign_id=created.campaign.id, reason="go"), metadata=self.md, timeout=10)
        return started.campaign

    async def capture_many(self, campaign: vpb.Campaign, count: int, *, tag: str = ""
                           ) -> dict[str, str]:
        """``count`` new leads of the campaign; returns lead id -> email address."""
        tag = tag or uuid.uuid4().hex[:6]
        leads: dict[str, str] = {}
        semaphore = asyncio.Semaphore(16)

        async def one(index: int) -> None:
            address = f"lead{index}.{tag}@example.org"
            async with semaphore:
                answer = await self.leads.CaptureLead(lpb.CaptureLeadRequest(
                    capture=lpb.LeadCapture(venture_id=campaign.venture_id,
                                            campaign_id=campaign.id, email=address,
                                            first_name="Ada", source_channel="web_form")),
                    metadata=self.md, timeout=10)
            leads[answer.lead.lead_id] = address

        await asyncio.gather(*(one(index) for index in range(count)))
        return leads

    async def template(self, venture_id: str) -> dpb.Template:
        answer = await self.dist.CreateTemplate(dpb.CreateTemplateRequest(
            template=dpb.Template(venture_id=venture_id, name="Intro", channel=EMAIL,
                                  message=dpb.Message(subject="Hi {{ lead.first_name }}",
                                                      body_text="Hello {{ lead.first_name }}."
                                                      ))), metadata=self.md, timeout=10)
        return answer.template

    async def run(self, campaign: vpb.Campaign, template: dpb.Template, *, step: int = 1,
                  dist: distribution_pb2_grpc.DistributionServiceStub | None = None
                  ) -> dpb.Run:
        answer = await (dist or self.dist).RunCampaign(dpb.RunCampaignRequest(
            request_id=str(uuid.uuid4()), campaign_id=campaign.id, template_id=template.id,
            step=step), metadata=self.md, timeout=10)
        return answer.run

    async def get_run(self, run_id: str) -> dpb.Run:
        return (await self.dist.GetRun(dpb.GetRunRequest(run_id=run_id), metadata=self.md,
                                       timeout=10)).run

    async def wait_run(self, run_id: str, *states: int, within: float = 30.0) -> dpb.Run:
        latest: list[dpb.Run] = []

        async def reached() -> bool:
            try:
                latest[:] = [await self.get_run(run_id)]
            except grpc.aio.AioRpcError as error:
                if error.code() is grpc.StatusCode.UNAVAILABLE:
                    return False
                raise
            return latest[0].state in states

        await wait_for(reached, within=within, what=f"run {run_id} in states {states}",
                       every=0.1)
        return latest[0]

    async def sends(self, **filters) -> list[dpb.SendJob]:
        found, token = [], ""
        while True:
            answer = await self.dist.ListSends(dpb.ListSendsRequest(
                page_size=500, page_token=token, **filters), metadata=self.md, timeout=10)
            found.extend(answer.sends)
            token = answer.next_page_token
            if not token:
                return found

    async def verdicts(self, campaign_id: str) -> list[vpb.Verdict]:
        found, token = [], ""
        while True:
            answer = await self.venture.ListVerdicts(vpb.ListVerdictsRequest(
                campaign_id=campaign_id, page_size=500, page_token=token), metadata=self.md,
                timeout=10)
            found.extend(answer.verdicts)
            token = answer.next_page_token
            if not token:
                return found


@pytest.fixture
async def stack(tmp_path, database_urls, smtp, signer) -> Stack:
    mailbox, smtp_port = smtp
    processes = ServiceProcesses(tmp_path / "stack", TOKEN_SECRET, IDENTITY_KEY)
    running = Stack(processes, Databases(database_urls), mailbox, smtp_port, signer,
                    admin=signer.issue("admin@faults", Role.ADMIN))
    try:
        yield running
    finally:
        await running.close()


def state_name(state: int) -> str:
    return dpb.SendState.Name(state)
