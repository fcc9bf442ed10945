"""Wires the distribution service: database, peers, channels, the dependencies object the use
cases share (``service_layer.deps.Deps``), the send path, the run worker, the relay."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aicmo.distribution.v1 import distribution_pb2, distribution_pb2_grpc
from aicmo.leads.v1 import leads_pb2_grpc
from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import TokenSigner
from aicmo_common.clients import open_channel
from aicmo_common.db import Database, migrate_url
from aicmo_common.outbox import OutboxRelay
from aicmo_common.replica import node_name
from aicmo_common.server import AicmoServer, Lifecycle, ServiceBinding, build_server
from aicmo_common.unsubscribe import UnsubscribeSigner
from aicmo_distribution.adapters.channels import ChannelRegistry
from aicmo_distribution.adapters.channels.file import FileChannel
from aicmo_distribution.adapters.channels.smtp import SmtpChannel
from aicmo_distribution.adapters.channels.webhook import WebhookChannel
from aicmo_distribution.adapters.kill_switches import KillSwitchMirror
from aicmo_distribution.adapters.peers import LeadsClient, VentureClient
from aicmo_distribution.adapters.tables import audit_outbox, feedback_outbox
from aicmo_distribution.config import DistributionConfig
from aicmo_distribution.domain.delivery import ChannelAdapter
from aicmo_distribution.domain.sends import FailureWindow
from aicmo_distribution.entrypoints.run_worker import RunWorker
from aicmo_distribution.entrypoints.servicer import DistributionServicer
from aicmo_distribution.feedback.endpoint import FeedbackEndpoint
from aicmo_distribution.feedback.to_leads import LeadsFeedback
from aicmo_distribution.sequences.scheduler import Scheduler
from aicmo_distribution.service_layer.deps import Deps, SendSettings
from aicmo_distribution.service_layer.sending import SendPath

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_distribution"
FULL_NAME = distribution_pb2.DESCRIPTOR.services_by_name["DistributionService"].full_name


@dataclass
class Dependencies:
    """What tests replace. Anything left None is built from the configuration."""

    clock: Callable[[], dt.datetime] | None = None
    channels: Mapping[str, ChannelAdapter] | None = None
    venture_stub: object | None = None
    leads_stub: object | None = None
    replica_id: str | None = None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_channels(config: DistributionConfig) -> dict[str, ChannelAdapter]:
    """EMAIL over SMTP when configured, the provider channels over the webhook when
    configured; otherwise the file channel when a path is set; otherwise nothing (such sends
    are blocked with CHANNEL_UNAVAILABLE)."""
    adapters: dict[str, ChannelAdapter] = {}
    file_channel = FileChannel(config.file_channel_path) if config.file_channel_path else None
    if config.smtp is not None:
        adapters["EMAIL"] = SmtpChannel(config.smtp)
    elif file_channel is not None:
        adapters["EMAIL"] = file_channel
    webhook = WebhookChannel(config.webhook) if config.webhook is not None else None
    for channel in ("SMS", "LINKEDIN", "WEBHOOK"):
        if webhook is not None:
            adapters[channel] = webhook
        elif file_channel is not None:
            adapters[channel] = file_channel
    return adapters


def migrate(config: DistributionConfig) -> None:
    migrate_url(config.database_url, MIGRATIONS, VERSION_TABLE)


def create_server(config: DistributionConfig, dependencies: Dependencies | None = None, *,
                  port: int | None = None) -> tuple[AicmoServer, int]:
    overrides = dependencies or Dependencies()
    service = config
    signer = TokenSigner(service.token_secret)
    database = Database(service.database_url)
    token = signer.service_token_source("distribution")
    opened = []
    venture_stub = overrides.venture_stub
    if venture_stub is None:
        channel = open_channel(service.peers["venture"], token=token,
                               timeout_seconds=service.call_timeout_seconds, tls=service.tls)
        opened.append(channel)
        venture_stub = venture_pb2_grpc.VentureServiceStub(channel)
    leads_stub = overrides.leads_stub
    if leads_stub is None:
        channel = open_channel(service.peers["leads"], token=token,
                               timeout_seconds=service.call_timeout_seconds, tls=service.tls)
        opened.append(channel)
        leads_stub = leads_pb2_grpc.LeadsServiceStub(channel)
    relay = OutboxRelay(database, audit_outbox, audit_address=service.audit_addr, token=token,
                        interval_seconds=service.outbox_interval_seconds,
                        linger_seconds=service.outbox_linger_seconds,
                        timeout_seconds=service.call_timeout_seconds, tls=service.tls)
    # Feedback about people goes to leads through the same relay as audit's events.
    feedback_relay = OutboxRelay(
        database, feedback_outbox,
        destination=LeadsFeedback(service.peers["leads"], token=token,
                                  timeout_seconds=service.call_timeout_seconds,
                                  tls=service.tls),
        interval_seconds=service.outbox_interval_seconds,
        linger_seconds=service.outbox_linger_seconds,
        timeout_seconds=service.call_timeout_seconds)

    def events_recorded() -> None:
        relay.notify()
        feedback_relay.notify()

    replica = overrides.replica_id or node_name()
    kill_switches = KillSwitchMirror(venture_stub, replica,
                                     first_wait_seconds=service.call_timeout_seconds)
    registry = ChannelRegistry(overrides.channels if overrides.channels is not None
                               else build_channels(config))
    deps = Deps(
        db=database, venture=VentureClient(venture_stub), leads=LeadsClient(leads_stub),
        channels=registry,
        unsubscribe=UnsubscribeSigner(service.token_secret, config.unsubscribe_base_url),
        clock=overrides.clock or _utc_now,
        settings=SendSettings(
            mail_domain=config.mail_domain,
            inbound_domain=config.inbound_domain,
            return_path_secret=config.return_path_secret,
            delivery_timeout_seconds=config.delivery_timeout_seconds,
            max_attempts=config.max_attempts, retry_base_seconds=config.retry_base_seconds,
            retry_max_seconds=config.retry_max_seconds,
            claim_ttl_seconds=config.claim_ttl_seconds,
            defer_fallback_seconds=config.defer_fallback_seconds,
            gate_freshness_seconds=config.delivery_gate_seconds,
            autopause=FailureWindow(config.autopause_failure_ratio, config.autopause_window)),
        replica=replica, on_change=relay.notify, kill_switches=kill_switches)
    path = SendPath.from_deps(deps)
    worker = RunWorker(deps, path, concurrency=config.run_concurrency,
                       batch_size=config.run_batch_size,
                       interval_seconds=config.worker_interval_seconds,
                       scheduler=Scheduler(deps))

    async def on_start() -> None:
        await asyncio.to_thread(database.migrate, MIGRATIONS, VERSION_TABLE)
        # Before serving: whatever an earlier process left SENDING is settled for review.
        await worker.reconcile()
        await kill_switches.start()
        await worker.start()
        await relay.start()
        await feedback_relay.start()

    async def on_stop() -> None:
        await worker.stop(service.grace_seconds)
        await kill_switches.stop()
        await relay.stop()
        await feedback_relay.stop()
        await registry.close()
        for channel in opened:
            await channel.close()
        await asyncio.to_thread(database.close)

    feedback = FeedbackEndpoint(database, clock=overrides.clock or _utc_now,
                                mail_domain=config.mail_domain, after_commit=events_recorded,
                                hold_rule=config.template_hold)
    servicer = DistributionServicer(deps, path, worker, feedback)
    server, bound = build_server(
        service, [ServiceBinding(FULL_NAME, servicer,
                                 distribution_pb2_grpc.add_DistributionServiceServicer_to_server)],
        signer=signer, lifecycle=Lifecycle(on_start=[on_start], on_stop=[on_stop]), port=port)
    # Handles for tests and operators: the send path and the worker of this replica.
    server.distribution = path  # type: ignore[attr-defined]
    server.distribution_worker = worker  # type: ignore[attr-defined]
    server.feedback_relay = feedback_relay  # type: ignore[attr-defined]
    return server, bound
