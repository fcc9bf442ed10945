"""The end-to-end stack: real venture, leads, distribution (and audit) servers on port 0, an
SMTP server in the test process, stubs on them, and the calls a test story is made of.

Two ways to run the services, one interface on top:
- ``ServerStack``: the servers in the test's event loop, built with each service's
  ``bootstrap.create_server``; distribution starts when the test asks, with the clock and
  dependencies it chooses, and venture shares that clock.
- ``ProcessStack``: the services as processes (``bench.stack.ServiceProcesses``), for fault
  tests that SIGKILL and restart them, each on its own database.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
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
from aicmo_distribution.bootstrap import Dependencies, create_server
from aicmo_distribution.config import DistributionConfig
from aicmo_leads.bootstrap import create_server as create_leads
from aicmo_leads.config import LeadsConfig
from aicmo_venture.bootstrap import VentureDependencies
from aicmo_venture.bootstrap import create_server as create_venture
from aicmo_venture.config import VentureConfig
from bench.stack import RunningService, ServiceProcesses
from tests.conftest import TOKEN_SECRET, _fresh_postgres_database, bearer
from tests.support.mailbox import Mailbox
from tests.support.waiting import wait_for

EMAIL = common_pb2.CHANNEL_EMAIL
IDENTITY_KEY = "e2e-stack-identity-key-" + "k" * 40
SERVICES = ("audit", "venture", "leads", "distribution")  # audit first: the others need it
RUN_CONCURRENCY = 8  # the process stack's distribution

# Every in-process server: loopback, no metrics port, no audit relay, a quick shutdown.
BASE_ENV = {
    "AICMO_TOKEN_SECRET": TOKEN_SECRET,
    "AICMO_GRPC_HOST": "127.0.0.1",
    "AICMO_METRICS_PORT": "off",
    "AICMO_AUDIT_ADDR": "off",
    "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
}

# The process stack: short intervals so faults are noticed and recovered from within seconds.
FAST_ENV = {
    "AICMO_OUTBOX_INTERVAL_SECONDS": "0.05",
    "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
    "AICMO_CALL_TIMEOUT_SECONDS": "1",
}


def distribution_env(smtp_port: int, **overrides: str) -> dict[str, str]:
    """Distribution delivering to the test's SMTP server, with short worker and retry
    intervals; ``overrides`` win."""
    return {
        "AICMO_SMTP_HOST": "127.0.0.1", "AICMO_SMTP_PORT": str(smtp_port),
        "AICMO_SMTP_TLS": "none", "AICMO_DELIVERY_TIMEOUT_SECONDS": "5",
        "AICMO_WORKER_INTERVAL_SECONDS": "0.05", "AICMO_RETRY_BASE_SECONDS": "0.05",
        "AICMO_UNSUBSCRIBE_BASE_URL": "https://edge.example", "AICMO_MAIL_DOMAIN": "mail.example",
        **overrides,
    }


# --- the story: what a test does through the public API, on either stack -----------------

class StackCalls:
    """The calls a story is made of, over the stubs ``venture``, ``leads`` and ``dist`` and
    the admin metadata ``md`` that a stack provides."""

    venture: venture_pb2_grpc.VentureServiceStub
    leads: leads_pb2_grpc.LeadsServiceStub
    dist: distribution_pb2_grpc.DistributionServiceStub
    admin: str
    call_timeout: float | None = None  # the deadline of each call made here
    daily_limit = 100  # a new campaign's, unless the test says
    run_wait_seconds = 20.0
    run_poll_seconds = 0.02

    @property
    def md(self):
        return bearer(self.admin)

    async def campaign(self, venture_id: str | None = None, *, limit: int | None = None,
                       running: bool = True, consent_required: bool = False,
                       channels: tuple[int, ...] = (EMAIL,)) -> vpb.Campaign:
        """A venture (created when new) and a campaign of it, RUNNING unless told."""
        venture_id = venture_id or f"v{uuid.uuid4().hex[:10]}"
        try:
            await self.venture.CreateVenture(vpb.CreateVentureRequest(venture=vpb.Venture(
                id=venture_id, name="Acme", timezone="UTC", owner_contact="o@acme.example",
                default_channels=[EMAIL], sender=vpb.SenderIdentity(
                    from_address="hello@acme.example", from_name="Acme Outreach",
                    postal_address="1 Main St, Springfield"))),
                metadata=self.md, timeout=self.call_timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise
        answer = await self.venture.CreateCampaign(vpb.CreateCampaignRequest(
            campaign=vpb.Campaign(venture_id=venture_id, name="Launch",
                                  allowed_channels=list(channels),
                                  daily_send_limit=self.daily_limit if limit is None else limit,
                                  consent_required=consent_required)),
            metadata=self.md, timeout=self.call_timeout)
        campaign = answer.campaign
        if running:
            campaign = (await self.venture.StartCampaign(vpb.StartCampaignRequest(
                campaign_id=campaign.id, reason="go"), metadata=self.md,
                timeout=self.call_timeout)).campaign
        return campaign

    async def capture(self, campaign: vpb.Campaign, address: str, **fields) -> lpb.Lead:
        answer = await self.leads.CaptureLead(lpb.CaptureLeadRequest(capture=lpb.LeadCapture(
            venture_id=campaign.venture_id, campaign_id=campaign.id, email=address,
            first_name=fields.pop("first_name", "Ada"), source_channel="web_form", **fields)),
            metadata=self.md, timeout=self.call_timeout)
        return answer.lead

    async def capture_many(self, campaign: vpb.Campaign, count: int, *, tag: str = ""
                           ) -> dict[str, str]:
        """``count`` new leads of the campaign; returns lead id -> email address."""
        tag = tag or uuid.uuid4().hex[:6]
        leads: dict[str, str] = {}
        semaphore = asyncio.Semaphore(16)

        async def one(index: int) -> None:
            address = f"lead{index}.{tag}@example.org"
            async with semaphore:
                lead = await self.capture(campaign, address)
            leads[lead.lead_id] = address

        await asyncio.gather(*(one(index) for index in range(count)))
        return leads

    async def template(self, venture_id: str, channel: int = EMAIL) -> dpb.Template:
        answer = await self.dist.CreateTemplate(dpb.CreateTemplateRequest(
            template=dpb.Template(venture_id=venture_id, name="Intro", channel=channel,
                                  message=dpb.Message(
                                      subject="Hi {{ lead.first_name }}",
                                      body_text="Hello {{ lead.first_name }} from "
                                                "{{ venture.from_name }}.\n"))),
            metadata=self.md, timeout=self.call_timeout)
        return answer.template

    async def run(self, campaign: vpb.Campaign, template: dpb.Template, *, step: int = 1,
                  dry_run: bool = False,
                  dist: distribution_pb2_grpc.DistributionServiceStub | None = None
                  ) -> dpb.Run:
        """Starts a run of ``step`` (on ``dist``, another replica, when given)."""
        answer = await (dist or self.dist).RunCampaign(dpb.RunCampaignRequest(
            request_id=str(uuid.uuid4()), campaign_id=campaign.id, template_id=template.id,
            step=step, dry_run=dry_run), metadata=self.md, timeout=self.call_timeout)
        return answer.run

    async def get_run(self, run_id: str) -> dpb.Run:
        return (await self.dist.GetRun(dpb.GetRunRequest(run_id=run_id), metadata=self.md,
                                       timeout=self.call_timeout)).run

    async def wait_run(self, run_id: str, *states: int, within: float | None = None
                       ) -> dpb.Run:
        """The run once it is in one of ``states`` (distribution may be restarting)."""
        latest: list[dpb.Run] = []

        async def reached() -> bool:
            try:
                latest[:] = [await self.get_run(run_id)]
            except grpc.aio.AioRpcError as error:
                if error.code() is grpc.StatusCode.UNAVAILABLE:
                    return False
                raise
            return latest[0].state in states

        await wait_for(reached, within=within or self.run_wait_seconds,
                       what=f"run {run_id} in states {states}", every=self.run_poll_seconds)
        return latest[0]

    async def sends(self, **filters) -> list[dpb.SendJob]:
        found, token = [], ""
        while True:
            answer = await self.dist.ListSends(dpb.ListSendsRequest(
                page_size=500, page_token=token, **filters), metadata=self.md,
                timeout=self.call_timeout)
            found.extend(answer.sends)
            token = answer.next_page_token
            if not token:
                return found

    async def verdicts(self, campaign_id: str) -> list[vpb.Verdict]:
        found, token = [], ""
        while True:
            answer = await self.venture.ListVerdicts(vpb.ListVerdictsRequest(
                campaign_id=campaign_id, page_size=500, page_token=token), metadata=self.md,
                timeout=self.call_timeout)
            found.extend(answer.verdicts)
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
            dry_run=dry_run), metadata=self.md, timeout=self.call_timeout)


# --- in the test's event loop ------------------------------------------------------------

class ShiftedClock:
    """The in-process stack's clock: real time plus an offset the tests move. Distribution
    calls it; venture asks it for ``now()``; both see the same time, as in production."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def now(self) -> dt.datetime:
        return self()


@dataclass
class ServerStack(StackCalls):
    """Venture and leads on SQLite files, running from the start; distribution on
    ``database_url`` once ``start_distribution`` is called (again after a stop: a restart)."""

    tmp_path: Path
    database_url: str
    inbox: Mailbox
    smtp_port: int
    signer: TokenSigner
    admin: str = ""
    venture_addr: str = ""
    leads_addr: str = ""
    clock: ShiftedClock = field(default_factory=ShiftedClock)
    venture: venture_pb2_grpc.VentureServiceStub | None = None
    leads: leads_pb2_grpc.LeadsServiceStub | None = None
    dist: distribution_pb2_grpc.DistributionServiceStub | None = None
    dist_server: object | None = None
    _closers: list = field(default_factory=list)
    _dist_channel: grpc.aio.Channel | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, tmp_path: Path, database_url: str, mailbox: Mailbox,
                      smtp_port: int, signer: TokenSigner) -> AsyncIterator[ServerStack]:
        stack = cls(tmp_path, database_url, mailbox, smtp_port, signer,
                    admin=signer.issue("admin@test", Role.ADMIN))
        try:
            await stack.start_peers()
            yield stack
        finally:
            await stack.close()

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
        self.venture = venture_pb2_grpc.VentureServiceStub(self._open(self.venture_addr))
        self.leads = leads_pb2_grpc.LeadsServiceStub(self._open(self.leads_addr))

    def _open(self, address: str) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(address)
        self._closers.append(channel.close)
        return channel

    def config(self, **env) -> DistributionConfig:
        values = {**BASE_ENV, "AICMO_DATABASE_URL": self.database_url,
                  "AICMO_VENTURE_ADDR": self.venture_addr, "AICMO_LEADS_ADDR": self.leads_addr,
                  **distribution_env(self.smtp_port, AICMO_CALL_TIMEOUT_SECONDS="0.5",
                                     AICMO_RETRY_MAX_SECONDS="0.2",
                                     AICMO_CLAIM_TTL_SECONDS="30"),
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


# --- as processes ------------------------------------------------------------------------

@contextlib.contextmanager
def service_databases(kind: str, folder: Path) -> Iterator[dict[str, str]]:
    """One database per service: SQLite files in ``folder`` (``kind`` "sqlite"), or fresh
    PostgreSQL databases dropped afterwards ("postgresql"; skipped when none answers)."""
    if kind == "sqlite":
        yield {name: f"sqlite:///{folder / name}.db" for name in SERVICES}
        return
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(contextlib.contextmanager(_fresh_postgres_database)())
               for name in SERVICES}


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


@dataclass
class ProcessStack(StackCalls):
    """The services as processes, started when the test asks, and stubs on them. Calls made
    here carry a deadline, since a service may be down on purpose."""

    processes: ServiceProcesses
    databases: Databases
    mailbox: Mailbox
    smtp_port: int
    signer: TokenSigner
    admin: str
    _started: dict[str, dict] = field(default_factory=dict)
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    _replicas: list[ServiceProcesses] = field(default_factory=list)

    call_timeout = 10.0
    daily_limit = 10_000
    run_wait_seconds = 30.0
    run_poll_seconds = 0.1

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, workdir: Path, database_urls: dict[str, str], mailbox: Mailbox,
                      smtp_port: int, signer: TokenSigner) -> AsyncIterator[ProcessStack]:
        stack = cls(ServiceProcesses(workdir, TOKEN_SECRET, IDENTITY_KEY),
                    Databases(database_urls), mailbox, smtp_port, signer,
                    admin=signer.issue("admin@faults", Role.ADMIN))
        try:
            yield stack
        finally:
            await stack.close()

    # -- processes --------------------------------------------------------------------------

    async def start(self, name: str, **env: str) -> RunningService:
        environ = {**FAST_ENV, **(self._distribution_env() if name == "distribution"
                                  else {}), **env}
        self._started[name] = environ
        return await asyncio.to_thread(self.processes.start, name,
                                       database_url=self.databases.urls[name], env=environ)

    def _distribution_env(self) -> dict[str, str]:
        """Retrying fast and long enough to outlast the outages here; the autopause is off
        because a killed peer makes sends fail on purpose."""
        return distribution_env(
            self.smtp_port, AICMO_RETRY_MAX_SECONDS="0.5", AICMO_SEND_MAX_ATTEMPTS="60",
            # A killed replica's claims lapse after this; the restarted one reconciles them.
            AICMO_CLAIM_TTL_SECONDS="3", AICMO_AUTOPAUSE_FAILURE_RATIO="0",
            AICMO_RUN_CONCURRENCY=str(RUN_CONCURRENCY))

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


def state_name(state: int) -> str:
    return dpb.SendState.Name(state)
