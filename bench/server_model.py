"""Which server model: ``grpc.aio`` or the threaded server, measured on an empty unary RPC.

    .venv/bin/python -m bench.server_model

Each server runs in its own process with the same token check on every call; the client runs
64 calls in flight from another process. Prints the median of several repetitions.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from concurrent import futures

import grpc

from bench.loadgen import median, run_load

METHOD = "/aicmo.bench.v1.EmptyService/Empty"
SECRET = "bench-secret-" + "z" * 40


def _identity(data: bytes) -> bytes:
    return data


def _serve_aio(port_queue) -> None:
    from aicmo_common.auth import TokenSigner
    from aicmo_common.config import ServiceConfig
    from aicmo_common.server import ServiceBinding, build_server

    async def empty(request, context):
        return b""

    def add(_servicer, server):
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "aicmo.bench.v1.EmptyService", {"Empty": grpc.unary_unary_rpc_method_handler(
                empty, request_deserializer=_identity, response_serializer=_identity)}),))

    async def main():
        config = ServiceConfig.from_env("venture", {"AICMO_TOKEN_SECRET": SECRET,
                                                    "AICMO_GRPC_HOST": "127.0.0.1"})
        server, port = build_server(config, [ServiceBinding("aicmo.bench.v1.EmptyService",
                                                            None, add)],
                                    signer=TokenSigner(SECRET), port=0)
        await server.start()
        port_queue.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


def _serve_threaded(port_queue) -> None:
    from aicmo_common.auth import TokenSigner, bearer_from_metadata

    signer = TokenSigner(SECRET)

    def empty(request, context):
        signer.verify(bearer_from_metadata(context.invocation_metadata()))
        return b""

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "aicmo.bench.v1.EmptyService", {"Empty": grpc.unary_unary_rpc_method_handler(
            empty, request_deserializer=_identity, response_serializer=_identity)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    port_queue.put(port)
    server.wait_for_termination()


async def _measure(port: int, total: int) -> float:
    from aicmo_common.auth import Role, TokenSigner

    token = TokenSigner(SECRET).issue("bench", Role.SERVICE)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(METHOD, request_serializer=_identity,
                                   response_deserializer=_identity)
        metadata = (("authorization", f"Bearer {token}"),)
        await run_load(lambda i: call(b"", metadata=metadata), total=500)
        result = await run_load(lambda i: call(b"", metadata=metadata), total=total)
        return result.rate


def measure(targets, total: int = 20000, repeats: int = 5) -> list[float]:
    """Starts every server, then measures them in turns, so drift hits all alike."""
    context = multiprocessing.get_context("spawn")
    processes, ports = [], []
    try:
        for target in targets:
            queue = context.Queue()
            process = context.Process(target=target, args=(queue,), daemon=True)
            process.start()
            processes.append(process)
            ports.append(queue.get(timeout=30))
        rates: list[list[float]] = [[] for _ in targets]
        for _ in range(repeats):
            for index, port in enumerate(ports):
                rates[index].append(asyncio.run(_measure(port, total)))
        return [median(r) for r in rates]
    finally:
        for process in processes:
            process.kill()
            process.join()


def main() -> int:
    total = int(os.environ.get("AICMO_BENCH_CALLS", "20000"))
    aio, threaded = measure([_serve_aio, _serve_threaded], total)
    print(f"empty unary RPC, 64 in flight, median of 5 x {total} calls, taken in turns")
    print(f"  grpc.aio server (aicmo skeleton):  {aio:8.0f} calls/s")
    print(f"  threaded server (token check):     {threaded:8.0f} calls/s")
    print(f"  ratio aio/threaded:                {aio / threaded:8.2f}")
    print("reproduce: .venv/bin/python -m bench.server_model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
