"""Configuration: defaults, and a bad value fails naming the variable."""

from __future__ import annotations

import pytest

from aicmo_common.config import ConfigError, ServiceConfig

SECRET = "c" * 40


def test_defaults_per_service():
    config = ServiceConfig.from_env("distribution", {"AICMO_TOKEN_SECRET": SECRET})
    assert config.port == 50053
    assert config.metrics_port == 9103
    assert config.database_url == "sqlite:///var/distribution.db"
    assert config.peers == {"venture": "localhost:50051", "leads": "localhost:50052",
                            "audit": "localhost:50054"}
    assert config.audit_addr == "localhost:50054"


@pytest.mark.parametrize(("environ", "variable"), [
    ({}, "AICMO_TOKEN_SECRET"),
    ({"AICMO_TOKEN_SECRET": "short"}, "AICMO_TOKEN_SECRET"),
    ({"AICMO_TOKEN_SECRET": SECRET, "AICMO_GRPC_PORT": "eighty"}, "AICMO_GRPC_PORT"),
    ({"AICMO_TOKEN_SECRET": SECRET, "AICMO_GRPC_PORT": "70000"}, "AICMO_GRPC_PORT"),
    ({"AICMO_TOKEN_SECRET": SECRET, "AICMO_LOG_LEVEL": "loud"}, "AICMO_LOG_LEVEL"),
    ({"AICMO_TOKEN_SECRET": SECRET, "AICMO_SHUTDOWN_GRACE_SECONDS": "-1"},
     "AICMO_SHUTDOWN_GRACE_SECONDS"),
    ({"AICMO_TOKEN_SECRET": SECRET, "AICMO_TLS_CERT_FILE": "/nonexistent/cert.pem"},
     "AICMO_TLS_CERT_FILE"),
])
def test_bad_values_name_the_variable(environ, variable):
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.from_env("venture", environ)
    assert variable in str(caught.value)


def test_metrics_can_be_switched_off():
    config = ServiceConfig.from_env("audit", {"AICMO_TOKEN_SECRET": SECRET,
                                              "AICMO_METRICS_PORT": "off"})
    assert config.metrics_port is None


def test_secrets_stay_out_of_the_repr():
    config = ServiceConfig.from_env("venture", {
        "AICMO_TOKEN_SECRET": SECRET,
        "AICMO_DATABASE_URL": "postgresql://aicmo:hunter2@db/venture"})
    assert SECRET not in repr(config)
    assert "hunter2" not in repr(config)
