"""Wires the venture service: database, migrations, outbox relay, servicer, server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aicmo.venture.v1 import venture_pb2_grpc
from aicmo_common.auth import TokenSigner
from aicmo_common.config import ServiceConfig
from aicmo_common.db import Database, migrate_url
from aicmo_common.outbox import OutboxRelay
from aicmo_common.replica import node_name
from aicmo_common.server import AicmoServer, Lifecycle, ServiceBinding, build_server
from aicmo_common.unit_of_work import UnitOfWork
from aicmo_venture.adapters import tables
from aicmo_venture.adapters.repository import SqlVentureRepository
from aicmo_venture.domain.clock import Clock, SystemClock
from aicmo_venture.entrypoints.servicer import SERVICE_NAME, VentureServicer
from aicmo_venture.service_layer.kill_propagation import KillSwitchHub

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_venture"


@dataclass
class VentureDependencies:
    """What tests replace: the clock (to cross midnights and DST changes without waiting)."""

    clock: Clock = field(default_factory=SystemClock)


def migrate(config: ServiceConfig) -> None:
    """Upgrades the venture database to the newest revision, and nothing else."""
    migrate_url(config.database_url, MIGRATIONS, VERSION_TABLE)


def create_server(config: ServiceConfig, dependencies: VentureDependencies | None = None, *,
                  port: int | None = None) -> tuple[AicmoServer, int]:
    """The venture server, bound (``port`` 0 picks a free one) but not started; start runs
    the migrations and the outbox relay before health says SERVING."""
    dependencies = dependencies or VentureDependencies()
    signer = TokenSigner(config.token_secret)
    # Group commit on PostgreSQL too: the verdicts of a campaign serialise on its quota row
    # anyway, each holding it until its own COMMIT is flushed; grouped, one flush serves many.
    database = Database(config.database_url, workers=getattr(config, "db_workers", 8),
                        group_commit=True)
    relay = OutboxRelay(database, tables.audit_outbox, audit_address=config.audit_addr,
                        token=signer.service_token_source("venture"),
                        interval_seconds=config.outbox_interval_seconds,
                        linger_seconds=config.outbox_linger_seconds,
                        timeout_seconds=config.call_timeout_seconds, tls=config.tls)
    hub = KillSwitchHub(database, node_name(),
                        lease_seconds=getattr(config, "kill_switch_lease_seconds", 2.0))
    servicer = VentureServicer(UnitOfWork(database, after_commit=relay.notify,
                                                repository=SqlVentureRepository),
                               dependencies.clock, hub)

    async def on_start() -> None:
        await database.offload(database.migrate, MIGRATIONS, VERSION_TABLE)
        await relay.start()

    async def on_stop() -> None:
        await hub.close()
        await relay.stop()
        database.close()

    binding = ServiceBinding(SERVICE_NAME, servicer,
                             venture_pb2_grpc.add_VentureServiceServicer_to_server)
    return build_server(config, [binding], signer=signer,
                        lifecycle=Lifecycle(on_start=[on_start], on_stop=[on_stop]), port=port)
