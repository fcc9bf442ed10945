"""The service skeleton: a server factory tests start on port 0, and ``serve`` for production.

Health answers NOT_SERVING until the start hooks have run (migrations, crash reconciliation,
background workers), SERVING while ready, and NOT_SERVING again the moment shutdown begins, so
a load balancer stops sending before in-flight calls are drained.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from aicmo_common import auth, telemetry
from aicmo_common.config import ServiceConfig
from aicmo_common.interceptors import ServerInterceptor

log = logging.getLogger("aicmo.server")

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ServiceBinding:
    """One gRPC service to expose: its full name, the servicer and its generated adder."""

    full_name: str
    servicer: object
    add_to_server: Callable[[object, grpc.aio.Server], None]


@dataclass
class Lifecycle:
    """Work to do once the port is bound (before SERVING) and after the server stops."""

    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)


class AicmoServer:
    """A started-or-startable gRPC server with health, reflection and a lifecycle."""

    def __init__(self, server: grpc.aio.Server, health_servicer: health.aio.HealthServicer,
                 names: Sequence[str], lifecycle: Lifecycle, metrics: telemetry.ServerMetrics,
                 grace_seconds: float) -> None:
        self.grpc = server
        self.health = health_servicer
        self.metrics = metrics
        self._names = list(names)
        self._lifecycle = lifecycle
        self._grace = grace_seconds
        self._stopped = asyncio.Event()
        self._stopping = False

    async def start(self) -> None:
        # The library's health servicer says SERVING for "" from birth; nothing is ready
        # until the start hooks (migrations, reconciliation) have run.
        for name in ("", *self._names):
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.grpc.start()
        for hook in self._lifecycle.on_start:
            await hook()
        for name in ("", *self._names):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float | None = None) -> None:
        """Stops accepting calls, lets in-flight calls finish within the grace period, then
        runs the stop hooks (background workers, database)."""
        if self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        try:
            await self.health.enter_graceful_shutdown()
            await self.grpc.stop(self._grace if grace is None else grace)
            for hook in reversed(self._lifecycle.on_stop):
                try:
                    await hook()
                except Exception:  # noqa: BLE001 - one failing hook must not skip the rest
                    log.exception("stop hook failed")
        finally:
            self._stopped.set()

    async def wait_for_termination(self) -> None:
        await self._stopped.wait()


def build_server(config: ServiceConfig, bindings: Sequence[ServiceBinding], *,
                 signer: auth.TokenSigner, lifecycle: Lifecycle | None = None,
                 metrics: telemetry.ServerMetrics | None = None,
                 port: int | None = None) -> tuple[AicmoServer, int]:
    """Creates the server and binds its port (``port`` overrides the configured one; 0 picks
    a free port). Returns the server, not yet started, and the bound port."""
    metrics = metrics or telemetry.ServerMetrics(config.service)
    server = grpc.aio.server(
        interceptors=[ServerInterceptor(signer, metrics)],
        options=[
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
        ],
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for binding in bindings:
        binding.add_to_server(binding.servicer, server)
    names = [binding.full_name for binding in bindings]
    reflection.enable_server_reflection(
        (*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME), server)
    address = f"{config.host}:{config.port if port is None else port}"
    if config.tls is None:
        bound = server.add_insecure_port(address)
    else:
        credentials = grpc.ssl_server_credentials(
            [(config.tls.key_file.read_bytes(), config.tls.cert_file.read_bytes())],
            root_certificates=config.tls.ca_file.read_bytes() if config.tls.ca_file else None,
            require_client_auth=config.tls.mutual,
        )
        bound = server.add_secure_port(address, credentials)
    aicmo_server = AicmoServer(server, health_servicer, names, lifecycle or Lifecycle(), metrics,
                               config.grace_seconds)
    return aicmo_server, bound


async def serve(config: ServiceConfig,
                factory: Callable[[ServiceConfig], tuple[AicmoServer, int]]) -> None:
    """Runs a service until SIGTERM or SIGINT, then shuts it down gracefully."""
    telemetry.configure_logging(config.service, config.log_level)
    server, port = factory(config)
    if config.metrics_port is not None:
        start_http_server(config.metrics_port, registry=server.metrics.registry)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    log.info("serving", extra={"fields": {"port": port, "metrics_port": config.metrics_port}})
    await stop.wait()
    log.info("shutting down", extra={"fields": {"grace_seconds": config.grace_seconds}})
    await server.stop()
    log.info("stopped")
