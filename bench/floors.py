"""The floors: what the skeleton costs with no work at all, measured beside the real thing.

- ``empty``: an empty unary RPC on the same server skeleton (interceptor, token check, metrics).
- ``chain``: an empty call of the same shape as the send path: client -> a distribution-shaped
  server that calls a leads-shaped and then a venture-shaped server, each empty, through the
  same outbound client (deadline, token, request id) that distribution uses.
"""

from __future__ import annotations

import asyncio
import multiprocessing

import grpc

from aicmo_common.auth import Role, TokenSigner
from aicmo_common.clients import open_channel
from aicmo_common.config import ServiceConfig
from aicmo_common.server import ServiceBinding, build_server

SERVICE = "aicmo.bench.v1.EmptyService"
METHOD = f"/{SERVICE}/Empty"


def _identity(data: bytes) -> bytes:
    return data


def _binding(behaviour) -> ServiceBinding:
    def add(_servicer, server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            SERVICE, {"Empty": grpc.unary_unary_rpc_method_handler(
                behaviour, request_deserializer=_identity, response_serializer=_identity)}),))
    return ServiceBinding(SERVICE, None, add)


def empty_method(channel: grpc.aio.Channel):
    return channel.unary_unary(METHOD, request_serializer=_identity,
                               response_deserializer=_identity)


async def _serve(secret: str, behaviour, port_queue) -> None:
    config = ServiceConfig.from_env("venture", {"AICMO_TOKEN_SECRET": secret,
                                                "AICMO_GRPC_HOST": "127.0.0.1"})
    server, port = build_server(config, [_binding(behaviour)], signer=TokenSigner(secret),
                                port=0)
    await server.start()
    port_queue.put(port)
    await asyncio.Event().wait()


def serve_empty(secret: str, port_queue) -> None:
    async def empty(request, context):
        return b""

    asyncio.run(_serve(secret, empty, port_queue))


def serve_front(secret: str, leads_port: int, venture_port: int, port_queue) -> None:
    async def main() -> None:
        token = TokenSigner(secret).service_token("distribution")
        leads = empty_method(open_channel(f"127.0.0.1:{leads_port}", token=token))
        venture = empty_method(open_channel(f"127.0.0.1:{venture_port}", token=token))

        async def send_shaped(request, context):
            await leads(b"")
            await venture(b"")
            return b""

        await _serve(secret, send_shaped, port_queue)

    asyncio.run(main())


class FloorProcesses:
    """Starts the floor servers in their own processes, as the real services are."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[multiprocessing.Process] = []
        self.empty_port = 0
        self.chain_port = 0

    def _start(self, target, *args) -> int:
        queue = self._context.Queue()
        process = self._context.Process(target=target, args=(*args, queue), daemon=True)
        process.start()
        self._processes.append(process)
        return queue.get(timeout=60)

    def __enter__(self) -> FloorProcesses:
        self.empty_port = self._start(serve_empty, self._secret)
        leads = self._start(serve_empty, self._secret)
        venture = self._start(serve_empty, self._secret)
        self.chain_port = self._start(serve_front, self._secret, leads, venture)
        return self

    def __exit__(self, *exc) -> None:
        for process in self._processes:
            process.kill()
            process.join()

    def token(self) -> str:
        return TokenSigner(self._secret).issue("bench", Role.ADMIN)
