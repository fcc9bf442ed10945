"""The edge in-process under uvicorn on a port-0 socket, calling the stack's real services."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from aicmo_gateway.edge.app import create_app
from aicmo_gateway.edge.config import EdgeConfig


def edge_config(stack, secret: str) -> EdgeConfig:
    return EdgeConfig(host="127.0.0.1", port=0, metrics_port=None, token_secret=secret,
                      venture_addr=stack.values["AICMO_VENTURE_ADDR"],
                      leads_addr=stack.values["AICMO_LEADS_ADDR"], call_timeout_seconds=5.0)


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serves ``app`` over real HTTP; yields its base URL; drains it afterwards."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                           lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


def app_for(stack, secret: str, **kwargs) -> Starlette:
    return create_app(edge_config(stack, secret), **kwargs)
