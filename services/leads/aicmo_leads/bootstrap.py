"""Wires the leads service: database, migrations, outbox relay, servicer, server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from aicmo_common.auth import TokenSigner
from aicmo_common.db import Database, migrate_url
from aicmo_common.outbox import OutboxRelay
from aicmo_common.server import AicmoServer, Lifecycle, ServiceBinding, build_server
from aicmo_leads.adapters.store.contactability import PooledContactabilityRead
from aicmo_leads.adapters.tables import audit_outbox
from aicmo_leads.config import LeadsConfig
from aicmo_leads.domain.identifiers import IdentityKeys
from aicmo_leads.entrypoints.registration import SERVICE_NAME, add_leads_servicer
from aicmo_leads.entrypoints.servicer import LeadsDependencies, LeadsServicer
from aicmo_leads.feedback.domain import SoftBouncePolicy
from aicmo_leads.service_layer.unit import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_leads"


@dataclass
class Dependencies:
    """What tests may replace: the clock, and the database (to share or inspect it)."""

    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    database: Database | None = None


def open_database(url: str) -> Database:
    """The service's database; on SQLite with secure deletion, so erased personal data is
    overwritten in the file rather than left in free pages."""
    database = Database(url)
    if database.sqlite:
        @event.listens_for(database.engine, "connect")
        def secure_delete(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()
    return database


def migrate(config: LeadsConfig) -> None:
    """Brings the database to the newest revision (``python -m aicmo_leads migrate``)."""
    migrate_url(config.database_url, MIGRATIONS, VERSION_TABLE)


def create_server(config: LeadsConfig, dependencies: Dependencies | None = None, *,
                  port: int | None = None) -> tuple[AicmoServer, int]:
    """Builds the server (not started) and binds its port; migrations run when it starts."""
    dependencies = dependencies or Dependencies()
    owns_database = dependencies.database is None
    database = dependencies.database or open_database(config.database_url)
    signer = TokenSigner(config.token_secret)
    relay = OutboxRelay(database, audit_outbox, audit_address=config.audit_addr,
                        token=signer.service_token_source("leads"),
                        interval_seconds=config.outbox_interval_seconds,
                        linger_seconds=config.outbox_linger_seconds,
                        timeout_seconds=config.call_timeout_seconds, tls=config.tls)
    settings = Settings(keys=IdentityKeys(config.identity_hash_key),
                        default_region=config.default_phone_region, clock=dependencies.clock)
    servicer = LeadsServicer(LeadsDependencies(
        database=database, settings=settings,
        contactability_read=PooledContactabilityRead(database.engine),
        import_batch_size=config.import_batch_size, after_commit=relay.notify,
        soft_bounces=SoftBouncePolicy(config.soft_bounce_limit,
                                      config.soft_bounce_window_days)))

    async def run_migrations() -> None:
        await asyncio.get_running_loop().run_in_executor(
            None, database.migrate, MIGRATIONS, VERSION_TABLE)

    async def close_database() -> None:
        if owns_database:
            await asyncio.get_running_loop().run_in_executor(None, database.close)

    lifecycle = Lifecycle(on_start=[run_migrations, relay.start],
                          on_stop=[close_database, relay.stop])
    return build_server(config, [ServiceBinding(SERVICE_NAME, servicer, add_leads_servicer)],
                        signer=signer, lifecycle=lifecycle, port=port)
