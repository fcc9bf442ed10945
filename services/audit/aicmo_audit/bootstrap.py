"""Wiring: builds the audit server from its configuration and replaceable dependencies."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aicmo.audit.v1 import audit_pb2, audit_pb2_grpc
from aicmo_audit.config import AuditConfig
from aicmo_audit.entrypoints.servicer import AuditServicer
from aicmo_audit.service_layer.verify import VERIFY_CHUNK
from aicmo_common.auth import TokenSigner
from aicmo_common.config import ServiceConfig
from aicmo_common.db import Database, migrate_url
from aicmo_common.server import AicmoServer, Lifecycle, ServiceBinding, build_server

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_audit"
FULL_NAME = audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Dependencies:
    """What tests may replace: the clock, the database (then the caller closes it), and the
    number of entries VerifyChain reads per transaction."""

    clock: Callable[[], dt.datetime] = _utc_now
    database: Database | None = None
    verify_chunk: int = VERIFY_CHUNK


def _audit_config(config: ServiceConfig) -> AuditConfig:
    # A plain ServiceConfig (as the shared tooling builds it) gets the audit defaults.
    return config if isinstance(config, AuditConfig) else AuditConfig.extend(config, {})


def create_server(config: ServiceConfig, dependencies: Dependencies | None = None, *,
                  port: int | None = None) -> tuple[AicmoServer, int]:
    """The audit server, bound but not started, and its port. Starting it migrates the
    database first; stopping it closes the database (unless the caller supplied it)."""
    config = _audit_config(config)
    dependencies = dependencies or Dependencies()
    owns_database = dependencies.database is None
    database = dependencies.database or Database(config.database_url)
    servicer = AuditServicer(database, clock=dependencies.clock,
                             checkpoint_every=config.checkpoint_every,
                             verify_chunk=dependencies.verify_chunk)

    async def migrate_database() -> None:
        await database.offload(database.migrate, MIGRATIONS, VERSION_TABLE)

    async def close_database() -> None:
        if owns_database:
            # Not on the database's own threads: closing waits for them to finish.
            await asyncio.to_thread(database.close)

    lifecycle = Lifecycle(on_start=[migrate_database], on_stop=[close_database])
    binding = ServiceBinding(FULL_NAME, servicer, audit_pb2_grpc.add_AuditServiceServicer_to_server)
    return build_server(config, [binding], signer=TokenSigner(config.token_secret),
                        lifecycle=lifecycle, port=port)


def migrate(config: ServiceConfig) -> None:
    """Upgrades the audit database to the newest revision."""
    migrate_url(config.database_url, MIGRATIONS, VERSION_TABLE)
