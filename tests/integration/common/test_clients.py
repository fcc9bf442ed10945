"""Every outbound call shape carries the token, the request id and a deadline (grpc.aio files
an interceptor under the first shape it implements only)."""

from __future__ import annotations

import grpc

from aicmo_common.clients import open_channel

SEEN: list[tuple[str, bool, bool]] = []


def _record(shape: str, context) -> None:
    metadata = dict(context.invocation_metadata())
    SEEN.append((shape, metadata.get("authorization") == "Bearer t0ken",
                 bool(metadata.get("x-request-id")) and context.time_remaining() is not None
                 and context.time_remaining() < 60))


async def _unary_unary(request, context):
    _record("unary_unary", context)
    return b"ok"


async def _unary_stream(request, context):
    _record("unary_stream", context)
    yield b"ok"


async def _stream_unary(requests, context):
    _record("stream_unary", context)
    async for _ in requests:
        pass
    return b"ok"


async def _stream_stream(requests, context):
    _record("stream_stream", context)
    async for _ in requests:
        yield b"ok"


HANDLERS = {
    "UnaryUnary": grpc.unary_unary_rpc_method_handler(_unary_unary),
    "UnaryStream": grpc.unary_stream_rpc_method_handler(_unary_stream),
    "StreamUnary": grpc.stream_unary_rpc_method_handler(_stream_unary),
    "StreamStream": grpc.stream_stream_rpc_method_handler(_stream_stream),
}


async def test_every_call_shape_carries_token_request_id_and_deadline():
    SEEN.clear()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.S", HANDLERS),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = open_channel(f"127.0.0.1:{port}", token="t0ken", timeout_seconds=5)
    try:
        await channel.unary_unary("/t.S/UnaryUnary")(b"x")
        [_ async for _ in channel.unary_stream("/t.S/UnaryStream")(b"x")]
        await channel.stream_unary("/t.S/StreamUnary")(iter([b"x"]))
        [_ async for _ in channel.stream_stream("/t.S/StreamStream")(iter([b"x"]))]
    finally:
        await channel.close()
        await server.stop(0)
    assert sorted(SEEN) == [("stream_stream", True, True), ("stream_unary", True, True),
                            ("unary_stream", True, True), ("unary_unary", True, True)]
