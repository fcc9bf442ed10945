"""Outbound gRPC: every call carries a deadline, the caller's request id and a bearer token.

Only UNAVAILABLE is retried, by gRPC's own retry policy, so a retry never repeats a call that
the other side may already have acted on for any other reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import grpc

from aicmo_common import telemetry
from aicmo_common.config import TlsConfig

RETRY_SERVICE_CONFIG = json.dumps({
    "methodConfig": [{
        "name": [{}],
        "retryPolicy": {
            "maxAttempts": 3,
            "initialBackoff": "0.05s",
            "maxBackoff": "0.5s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }]
})


class _CallDetails(grpc.aio.ClientCallDetails):
    pass


class _Outbound:
    """Adds the token, the request id and a default deadline to an outbound call."""

    def __init__(self, token: Callable[[], str] | str | None, timeout_seconds: float) -> None:
        self._token = token
        self._timeout = timeout_seconds

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = list(details.metadata or ())
        keys = {key for key, _ in metadata}
        token = self._token() if callable(self._token) else self._token
        if token and "authorization" not in keys:
            metadata.append(("authorization", f"Bearer {token}"))
        if telemetry.REQUEST_ID_KEY not in keys:
            metadata.append((telemetry.REQUEST_ID_KEY,
                             telemetry.current_request_id() or telemetry.new_request_id()))
        timeout = details.timeout if details.timeout is not None else self._timeout
        return _CallDetails(details.method, timeout, metadata, details.credentials,
                            details.wait_for_ready)


class _UnaryUnary(_Outbound, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class _UnaryStream(_Outbound, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class _StreamUnary(_Outbound, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, client_call_details,
                                     request_iterator):
        return await continuation(self._details(client_call_details), request_iterator)


class _StreamStream(_Outbound, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, client_call_details,
                                      request_iterator):
        return await continuation(self._details(client_call_details), request_iterator)


def outbound_interceptors(token: Callable[[], str] | str | None, timeout_seconds: float
                          ) -> list[_Outbound]:
    """One interceptor per call shape: grpc.aio files an interceptor under the first shape it
    implements only, so a single class implementing all four would leave every streaming
    call without its token, request id and deadline."""
    return [kind(token, timeout_seconds)
            for kind in (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)]


def open_channel(address: str, *, token: Callable[[], str] | str | None = None,
                 timeout_seconds: float = 2.0, tls: TlsConfig | None = None,
                 streaming_timeout_seconds: float | None = None) -> grpc.aio.Channel:
    """An asyncio channel to ``address``; mutual TLS when ``tls`` carries a CA."""
    options = [
        ("grpc.service_config", RETRY_SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
        # A peer that comes back is found within a second, not after gRPC's default
        # reconnect backoff, which grows to two minutes while the peer is down.
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.min_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 1000),
    ]
    interceptors = outbound_interceptors(token, timeout_seconds)
    if tls is None:
        return grpc.aio.insecure_channel(address, options=options, interceptors=interceptors)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=tls.ca_file.read_bytes() if tls.ca_file else None,
        private_key=tls.key_file.read_bytes(),
        certificate_chain=tls.cert_file.read_bytes(),
    )
    return grpc.aio.secure_channel(address, credentials, options=options,
                                   interceptors=interceptors)
