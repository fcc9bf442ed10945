"""A raw gRPC forwarder that sits between a service and its peer to make the peer slow,
failing or unreachable, and a dead address."""

from __future__ import annotations

import asyncio
import socket

import grpc


def free_port() -> int:
    """A port nothing listens on (bound, then released), for 'a dead address'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
