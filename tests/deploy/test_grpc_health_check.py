"""The probe the prod overlay runs under mutual TLS, against a real gRPC health service."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent import futures
from pathlib import Path

import pytest

from tests.support.certificates import make_certificates

grpc = pytest.importorskip("grpc")
health = pytest.importorskip("grpc_health.v1.health")
health_pb2 = pytest.importorskip("grpc_health.v1.health_pb2")
health_pb2_grpc = pytest.importorskip("grpc_health.v1.health_pb2_grpc")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture(scope="module")
def script(repo: Path) -> Path:
    return repo / "deploy" / "image" / "grpc_health_check.py"


def probe(script: Path, port: int, *args: str, tls: dict[str, Path] | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICMO_TLS_")}
    for part, path in (tls or {}).items():
        env[f"AICMO_TLS_{part}_FILE"] = str(path)
    return subprocess.run([sys.executable, str(script), "--port", str(port), *args],
                          capture_output=True, text=True, timeout=30, env=env, check=False)


def start_server(bind) -> tuple[grpc.Server, health.HealthServicer, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = bind(server)
    server.start()
    return server, servicer, port


@pytest.fixture
def plaintext_server():
    server, servicer, port = start_server(lambda s: s.add_insecure_port("localhost:0"))
    yield servicer, port
    server.stop(None)


def test_serving_server_passes(script, plaintext_server):
    _, port = plaintext_server
    result = probe(script, port)
    assert result.returncode == 0, result.stderr


def test_a_server_shutting_down_fails(script, plaintext_server):
    servicer, port = plaintext_server
    servicer.enter_graceful_shutdown()
    result = probe(script, port)
    assert result.returncode == 1
    assert "NOT_SERVING" in result.stderr


def test_one_named_service_can_be_asked_about(script, plaintext_server):
    servicer, port = plaintext_server
    servicer.set("aicmo.venture.v1.VentureService", NOT_SERVING)
    assert probe(script, port).returncode == 0
    assert probe(script, port, "--service", "aicmo.venture.v1.VentureService").returncode == 1


def test_nothing_listening_fails(script):
    result = probe(script, 1, "--timeout", "1")  # port 1: privileged, and nothing serves it
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stderr or "DEADLINE_EXCEEDED" in result.stderr


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A CA and one certificate for the name "venture", good for server and client."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mutual_tls_server(certificates):
    credentials = grpc.ssl_server_credentials(
        [(certificates["KEY"].read_bytes(), certificates["CERT"].read_bytes())],
        root_certificates=certificates["CA"].read_bytes(), require_client_auth=True)
    server, _, port = start_server(lambda s: s.add_secure_port("localhost:0", credentials))
    yield port
    server.stop(None)


def test_mutual_tls_server_passes_with_the_pods_certificate(script, certificates,
                                                             mutual_tls_server):
    result = probe(script, mutual_tls_server, "--server-name", "venture", tls=certificates)
    assert result.returncode == 0, result.stderr


def test_the_server_name_is_checked_against_its_certificate(script, certificates,
                                                            mutual_tls_server):
    result = probe(script, mutual_tls_server, "--server-name", "leads", "--timeout", "1",
                   tls=certificates)
    assert result.returncode == 1


def test_a_plaintext_probe_cannot_pass_a_mutual_tls_server(script, mutual_tls_server):
    result = probe(script, mutual_tls_server, "--timeout", "1")
    assert result.returncode == 1
