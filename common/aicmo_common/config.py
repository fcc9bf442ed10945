"""Configuration from environment variables, read in one place.

Every value is parsed and checked at start; a bad value stops the process with a message naming
the variable, never later in the middle of a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aicmo_common import topology


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


class Env:
    """Typed access to a mapping of environment variables."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def required(self, name: str, *, hint: str = "") -> str:
        value = self.raw(name)
        if value is None:
            raise ConfigError(f"{name} is required{': ' + hint if hint else ''}")
        return value

    def int(self, name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"{name}={number} is below the minimum {minimum}")
        if maximum is not None and number > maximum:
            raise ConfigError(f"{name}={number} is above the maximum {maximum}")
        return number

    def float(self, name: str, default: float, *, minimum: float | None = None,
              maximum: float | None = None) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a number") from None
        if number != number or (minimum is not None and number < minimum):
            raise ConfigError(f"{name}={value} is below the minimum {minimum}")
        if maximum is not None and number > maximum:
            raise ConfigError(f"{name}={value} is above the maximum {maximum}")
        return number

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() not in choices:
            raise ConfigError(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value.lower()

    def file(self, name: str) -> Path | None:
        value = self.raw(name)
        if value is None:
            return None
        path = Path(value)
        if not path.is_file():
            raise ConfigError(f"{name}={value!r} does not name a readable file")
        return path


@dataclass(frozen=True)
class TlsConfig:
    """Server certificate and key; with a CA, clients must present a certificate (mutual TLS)."""

    cert_file: Path
    key_file: Path
    ca_file: Path | None

    @property
    def mutual(self) -> bool:
        return self.ca_file is not None


def read_tls(env: Env) -> TlsConfig | None:
    cert = env.file("AICMO_TLS_CERT_FILE")
    key = env.file("AICMO_TLS_KEY_FILE")
    ca = env.file("AICMO_TLS_CA_FILE")
    if cert is None and key is None:
        if ca is not None:
            raise ConfigError("AICMO_TLS_CA_FILE is set but AICMO_TLS_CERT_FILE is not")
        return None
    if cert is None or key is None:
        missing = "AICMO_TLS_CERT_FILE" if cert is None else "AICMO_TLS_KEY_FILE"
        raise ConfigError(f"{missing} is required when the other TLS file is set")
    return TlsConfig(cert, key, ca)


LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class ServiceConfig:
    """What every service needs to start; service-specific settings live beside it."""

    service: str
    host: str
    port: int
    metrics_port: int | None
    database_url: str = field(repr=False)  # may carry a password
    token_secret: str = field(repr=False)
    log_level: str = "info"
    grace_seconds: float = 10.0
    tls: TlsConfig | None = None
    audit_addr: str | None = None
    call_timeout_seconds: float = 2.0
    outbox_interval_seconds: float = 0.5
    outbox_linger_seconds: float = 0.05
    peers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None) -> ServiceConfig:
        env = Env(environ)
        component = topology.by_name(service)
        metrics = env.str("AICMO_METRICS_PORT", str(component.metrics_port))
        metrics_port: int | None
        if metrics == "off":
            metrics_port = None
        else:
            metrics_port = env.int("AICMO_METRICS_PORT", component.metrics_port,
                                   minimum=0, maximum=65535)
        peers = {}
        for peer in topology.CALL_GRAPH[service]:
            variable = f"AICMO_{peer.upper()}_ADDR"
            default = f"localhost:{topology.by_name(peer).grpc_port}"
            peers[peer] = env.str(variable, default)
        audit_addr = None
        if "audit" in peers:
            # An empty value switches the relay off (events stay in the outbox).
            audit_addr = None if env.raw("AICMO_AUDIT_ADDR") == "off" else peers["audit"]
        secret = env.required("AICMO_TOKEN_SECRET",
                              hint="the shared key that signs and verifies bearer tokens")
        if len(secret) < 32:
            raise ConfigError("AICMO_TOKEN_SECRET must be at least 32 characters long")
        return cls(
            service=service,
            host=env.str("AICMO_GRPC_HOST", "[::]"),
            port=env.int("AICMO_GRPC_PORT", component.grpc_port or 0, minimum=0, maximum=65535),
            metrics_port=metrics_port,
            database_url=env.str("AICMO_DATABASE_URL", f"sqlite:///var/{service}.db"),
            token_secret=secret,
            log_level=env.choice("AICMO_LOG_LEVEL", "info", LOG_LEVELS),
            grace_seconds=env.float("AICMO_SHUTDOWN_GRACE_SECONDS", 10.0, minimum=0.0,
                                    maximum=300.0),
            tls=read_tls(env),
            audit_addr=audit_addr,
            call_timeout_seconds=env.float("AICMO_CALL_TIMEOUT_SECONDS", 2.0, minimum=0.01,
                                           maximum=60.0),
            outbox_interval_seconds=env.float("AICMO_OUTBOX_INTERVAL_SECONDS", 0.5,
                                              minimum=0.01, maximum=60.0),
            outbox_linger_seconds=env.float("AICMO_OUTBOX_LINGER_MS", 50.0, minimum=0.0,
                                            maximum=5000.0) / 1000,
            peers=peers,
        )
