"""Registers the servicer with deserialisers that survive any bytes.

The generated adder parses with ``FromString``; a body that is not a valid message (for
example a string field holding invalid UTF-8) would then fail inside gRPC before our code
runs. Here such a body becomes a ``MalformedRequest`` that the handler answers with
INVALID_ARGUMENT, and an import stream rejects just that row.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf.message import DecodeError

from aicmo.leads.v1 import leads_pb2 as pb

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["LeadsService"].full_name


@dataclass(frozen=True)
class MalformedRequest:
    """A request body that did not parse as its message."""

    description: str


def _tolerant(message_type):
    def parse(data: bytes):
        try:
            return message_type.FromString(data)
        except (DecodeError, ValueError, UnicodeDecodeError):
            return MalformedRequest(f"is not a valid {message_type.DESCRIPTOR.full_name} "
                                    "(malformed bytes or invalid UTF-8 in a string field)")
    return parse


def add_leads_servicer(servicer, server: grpc.aio.Server) -> None:
    """Adds every LeadsService method, streaming kinds taken from the descriptor."""
    handlers = {}
    for method in pb.DESCRIPTOR.services_by_name["LeadsService"].methods:
        request_type = getattr(pb, method.input_type.name)
        response_type = getattr(pb, method.output_type.name)
        if method.client_streaming and method.server_streaming:
            factory = grpc.stream_stream_rpc_method_handler
        elif method.client_streaming:
            factory = grpc.stream_unary_rpc_method_handler
        elif method.server_streaming:
            factory = grpc.unary_stream_rpc_method_handler
        else:
            factory = grpc.unary_unary_rpc_method_handler
        handlers[method.name] = factory(
            getattr(servicer, method.name), request_deserializer=_tolerant(request_type),
            response_serializer=response_type.SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME,
                                                                          handlers),))
