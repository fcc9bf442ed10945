"""Asks the gRPC server in this container whether it is SERVING; exit status 0 means it is.

Kubernetes' native gRPC probe connects in plaintext, so once mutual TLS is switched on the pods
probe with this instead. It reads the same AICMO_TLS_* variables as the server, presents the
pod's own certificate, trusts the pod's CA, and checks --server-name against the server's
certificate (the server listens on every address, so the probe dials localhost).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _read(variable: str) -> bytes | None:
    path = os.environ.get(variable, "").strip()
    return Path(path).read_bytes() if path else None


def _channel(target: str, server_name: str | None) -> grpc.Channel:
    certificate = _read("AICMO_TLS_CERT_FILE")
    if certificate is None:
        return grpc.insecure_channel(target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read("AICMO_TLS_CA_FILE"),
        private_key=_read("AICMO_TLS_KEY_FILE"),
        certificate_chain=certificate,
    )
    options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
    return grpc.secure_channel(target, credentials, options=options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("AICMO_GRPC_PORT", "0")),
                        help="the server's port (default: AICMO_GRPC_PORT)")
    parser.add_argument("--service", default="",
                        help="full gRPC service name to ask about (default: the whole server)")
    parser.add_argument("--server-name",
                        help="a name in the server's certificate (needed with TLS)")
    parser.add_argument("--timeout", type=float, default=2.0, help="deadline in seconds")
    args = parser.parse_args(argv)
    if not args.port:
        parser.error("no port: pass --port or set AICMO_GRPC_PORT")

    with _channel(f"localhost:{args.port}", args.server_name) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=args.service),
                                  timeout=args.timeout)
        except grpc.RpcError as error:
            print(f"health check failed: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"health check failed: {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
