"""Starts a real audit server on port 0 for tests (audit's own, and the outbox relay's)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from aicmo.audit.v1 import audit_pb2_grpc
from aicmo_audit.bootstrap import Dependencies, create_server
from aicmo_audit.config import AuditConfig
from aicmo_common.server import AicmoServer
from tests.conftest import TOKEN_SECRET


@dataclass
class RunningAudit:
    """A started audit server, its address, and a stub on an open channel."""

    server: AicmoServer
    port: int
    channel: grpc.aio.Channel
    stub: audit_pb2_grpc.AuditServiceStub

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def audit_config(database_url: str, **environ: str) -> AuditConfig:
    return AuditConfig.from_env(environ={
        "AICMO_TOKEN_SECRET": TOKEN_SECRET,
        "AICMO_GRPC_HOST": "127.0.0.1",
        "AICMO_DATABASE_URL": database_url,
        "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
        **environ,
    })


@contextlib.asynccontextmanager
async def running_audit(database_url: str, *, port: int = 0,
                        dependencies: Dependencies | None = None,
                        **environ: str) -> AsyncIterator[RunningAudit]:
    """An audit server on ``port`` (0: any free port), stopped on exit."""
    server, bound = create_server(audit_config(database_url, **environ), dependencies,
                                  port=port)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{bound}")
    try:
        yield RunningAudit(server, bound, channel, audit_pb2_grpc.AuditServiceStub(channel))
    finally:
        await channel.close()
        await server.stop(0)
