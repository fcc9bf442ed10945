"""The CLI over TLS: a venture server that demands mutual TLS answers the CLI with the client
certificate (from flags or the environment), and refuses it without one."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from aicmo_common.auth import Role, TokenSigner
from aicmo_gateway.cli import run
from aicmo_venture.bootstrap import VentureDependencies
from aicmo_venture.bootstrap import create_server as create_venture
from aicmo_venture.config import VentureConfig
from tests.conftest import TOKEN_SECRET
from tests.support.certificates import make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A CA and one certificate for "venture", good for server and client."""
    return {name.lower(): path
            for name, path in make_certificates(tmp_path_factory.mktemp("tls")).items()}


@pytest.fixture
async def venture_mtls(tmp_path, certificates):
    config = VentureConfig.from_env("venture", {
        "AICMO_TOKEN_SECRET": TOKEN_SECRET, "AICMO_GRPC_HOST": "127.0.0.1",
        "AICMO_METRICS_PORT": "off", "AICMO_AUDIT_ADDR": "off",
        "AICMO_SHUTDOWN_GRACE_SECONDS": "1",
        "AICMO_DATABASE_URL": f"sqlite:///{tmp_path / 'venture.db'}",
        "AICMO_TLS_CERT_FILE": str(certificates["cert"]),
        "AICMO_TLS_KEY_FILE": str(certificates["key"]),
        "AICMO_TLS_CA_FILE": str(certificates["ca"])})
    server, port = create_venture(config, VentureDependencies(), port=0)
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(0)


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """Runs `aicmo` in a thread (the servers share this test's event loop)."""
    for key in [k for k in os.environ if k.startswith("AICMO_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    token = TokenSigner(TOKEN_SECRET).issue("ops@tls", Role.ADMIN)

    async def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(run, ["--token", token, "--timeout", "3", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


async def test_mutual_tls_with_flags(cli, venture_mtls, certificates):
    code, out, err = await cli(
        "--venture-addr", venture_mtls, "--tls-ca", str(certificates["ca"]),
        "--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["key"]),
        "--tls-server-name", "venture", "venture", "list", "--output", "json")
    assert code == 0, err
    assert json.loads(out) == []


async def test_mutual_tls_from_the_environment(cli, venture_mtls, certificates, monkeypatch):
    monkeypatch.setenv("AICMO_TLS_CA_FILE", str(certificates["ca"]))
    monkeypatch.setenv("AICMO_TLS_CERT_FILE", str(certificates["cert"]))
    monkeypatch.setenv("AICMO_TLS_KEY_FILE", str(certificates["key"]))
    monkeypatch.setenv("AICMO_TLS_SERVER_NAME", "venture")
    code, out, err = await cli("--venture-addr", venture_mtls, "venture", "list", "-o", "json")
    assert code == 0, err


async def test_no_client_certificate_or_the_wrong_name_is_refused(cli, venture_mtls,
                                                                  certificates):
    plaintext = await cli("--venture-addr", venture_mtls, "venture", "list")
    assert plaintext[0] == 4, plaintext  # UNAVAILABLE: the handshake fails
    no_client_cert = await cli("--venture-addr", venture_mtls, "--tls-ca",
                               str(certificates["ca"]), "--tls-server-name", "venture",
                               "venture", "list")
    assert no_client_cert[0] == 4, no_client_cert
    wrong_name = await cli(
        "--venture-addr", venture_mtls, "--tls-ca", str(certificates["ca"]),
        "--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["key"]),
        "--tls-server-name", "leads", "venture", "list")
    assert wrong_name[0] == 4, wrong_name


async def test_half_a_client_certificate_is_bad_usage(cli, certificates):
    code, _, err = await cli("--venture-addr", "127.0.0.1:1", "--tls-cert",
                             str(certificates["cert"]), "venture", "list")
    assert code == 2
    assert "--tls-cert and --tls-key go together" in err
    code, _, err = await cli("--venture-addr", "127.0.0.1:1", "--tls-ca", "/no/such/file",
                             "venture", "list")
    assert code == 2
    assert "--tls-ca" in err and "not a readable file" in err
