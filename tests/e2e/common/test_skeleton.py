"""The shared skeleton, through real gRPC on port 0: health, reflection, auth, errors,
request ids, metrics and graceful shutdown."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from aicmo_common import errors, telemetry
from aicmo_common.auth import Role, current_principal
from aicmo_common.config import ServiceConfig
from aicmo_common.server import Lifecycle, build_server
from tests.conftest import TOKEN_SECRET, bearer

SERVICE = "aicmo.test.v1.ProbeService"


def _identity(data: bytes) -> bytes:
    return data


class Probe:
    """A service with raw-bytes methods, so the skeleton is tested without any proto."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = asyncio.Event()
        self.seen_request_ids: list[str] = []

    async def echo(self, request: bytes, context) -> bytes:
        self.seen_request_ids.append(telemetry.current_request_id())
        return request + b"|" + current_principal().actor.encode()

    async def invalid(self, request: bytes, context) -> bytes:
        problems = errors.FieldErrors()
        problems.add("campaign.name", "must not be empty")
        problems.add("campaign.daily_limit", "must be zero or more")
        problems.raise_if_any()
        return b""

    async def admin_only(self, request: bytes, context) -> bytes:
        current_principal().require({Role.ADMIN}, "AdminOnly")
        return b"ok"

    async def slow(self, request: bytes, context) -> bytes:
        self.entered.set()
        await self.release.wait()
        return b"finished"


def _add(probe: Probe, server: grpc.aio.Server) -> None:
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            fn, request_deserializer=_identity, response_serializer=_identity)
        for name, fn in (("Echo", probe.echo), ("Invalid", probe.invalid),
                         ("AdminOnly", probe.admin_only), ("Slow", probe.slow))
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))


def _config() -> ServiceConfig:
    return ServiceConfig.from_env("venture", {"AICMO_TOKEN_SECRET": TOKEN_SECRET,
                                              "AICMO_GRPC_HOST": "127.0.0.1",
                                              "AICMO_SHUTDOWN_GRACE_SECONDS": "5"})


@pytest.fixture
async def probe_server(signer):
    from aicmo_common.server import ServiceBinding

    probe = Probe()
    started: list[str] = []
    bound: dict[str, int] = {}

    async def on_start() -> None:
        # While the start hooks run, the port is open but health must not say SERVING yet.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{bound['port']}") as channel:
            answer = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""))
        started.append(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    server, port = build_server(_config(), [ServiceBinding(SERVICE, probe, _add)],
                                signer=signer, lifecycle=Lifecycle(on_start=[on_start]),
                                port=0)
    bound["port"] = port
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield server, channel, probe, started
    await channel.close()
    await server.stop(0)


def _method(channel: grpc.aio.Channel, name: str):
    return channel.unary_unary(f"/{SERVICE}/{name}", request_serializer=_identity,
                               response_deserializer=_identity)


async def test_health_serving_after_start_hooks_and_not_serving_on_shutdown(probe_server):
    server, channel, _, started = probe_server
    health = health_pb2_grpc.HealthStub(channel)
    assert started == ["NOT_SERVING"]
    for name in ("", SERVICE):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    await server.health.enter_graceful_shutdown()
    answer = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE))
    assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_reflection_lists_the_service_without_a_token(probe_server):
    _, channel, _, _ = probe_server
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one_request():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = []
    async for answer in stub.ServerReflectionInfo(one_request()):
        names = [s.name for s in answer.list_services_response.service]
    assert SERVICE in names and "grpc.health.v1.Health" in names


async def test_a_call_without_a_token_is_unauthenticated(probe_server):
    _, channel, _, _ = probe_server
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _method(channel, "Echo")(b"hi")
    details = errors.decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.UNAUTHENTICATED
    assert (details.reason, details.domain) == ("TOKEN_MISSING", "aicmo")


async def test_a_forged_or_expired_token_is_unauthenticated(probe_server, signer):
    _, channel, _, _ = probe_server
    from aicmo_common.auth import TokenSigner

    forged = TokenSigner("another-secret-" + "y" * 40).issue("mallory", Role.ADMIN)
    expired = signer.issue("old", Role.ADMIN, ttl_seconds=-10)
    for token, reason in ((forged, "TOKEN_INVALID"), (expired, "TOKEN_EXPIRED")):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _method(channel, "Echo")(b"hi", metadata=bearer(token))
        details = errors.decode_rpc_error(caught.value)
        assert details.code == grpc.StatusCode.UNAUTHENTICATED
        assert details.reason == reason


async def test_bad_fields_are_all_named(probe_server, admin_token):
    _, channel, _, _ = probe_server
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _method(channel, "Invalid")(b"", metadata=bearer(admin_token))
    details = errors.decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.fields == ["campaign.name", "campaign.daily_limit"]


async def test_role_check_is_permission_denied(probe_server, signer):
    _, channel, _, _ = probe_server
    viewer = signer.issue("v@test", Role.VIEWER)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _method(channel, "AdminOnly")(b"", metadata=bearer(viewer))
    details = errors.decode_rpc_error(caught.value)
    assert details.code == grpc.StatusCode.PERMISSION_DENIED
    assert details.reason == "ROLE_NOT_ALLOWED"


async def test_request_id_is_taken_from_metadata_and_metrics_count_calls(probe_server,
                                                                        admin_token):
    server, channel, probe, _ = probe_server
    answer = await _method(channel, "Echo")(
        b"hi", metadata=(*bearer(admin_token), ("x-request-id", "req-123")))
    assert answer == b"hi|admin:admin@test"
    assert probe.seen_request_ids == ["req-123"]
    value = server.metrics.registry.get_sample_value(
        "aicmo_grpc_server_handled_total",
        {"service": "venture", "method": "Echo", "code": "OK"})
    assert value == 1.0


async def test_graceful_shutdown_lets_an_in_flight_call_finish(probe_server, admin_token):
    server, channel, probe, _ = probe_server
    call = asyncio.ensure_future(_method(channel, "Slow")(b"", metadata=bearer(admin_token)))
    await asyncio.wait_for(probe.entered.wait(), 5)
    stopping = asyncio.ensure_future(server.stop(5))
    # New calls are refused once shutdown began; the in-flight one still completes.
    await asyncio.wait_for(_wait_refused(channel, admin_token), 5)
    probe.release.set()
    assert await asyncio.wait_for(call, 5) == b"finished"
    await asyncio.wait_for(stopping, 10)


async def _wait_refused(channel, token):
    """Returns once the stopping server refuses a new call."""
    while True:
        try:
            await _method(channel, "Echo")(b"late", metadata=bearer(token))
        except grpc.aio.AioRpcError as error:
            # Refused at the door (UNAVAILABLE), or cancelled as it raced the shutdown.
            assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
            return
        await asyncio.sleep(0)
