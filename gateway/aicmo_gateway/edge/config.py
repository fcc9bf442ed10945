"""The edge's configuration, from environment variables only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aicmo_common import topology
from aicmo_common.config import ConfigError, Env, TlsConfig, read_tls


@dataclass(frozen=True)
class EdgeConfig:
    """Where the edge listens, whom it calls, and how hard it pushes back on bots."""

    host: str
    port: int
    metrics_port: int | None
    token_secret: str = field(repr=False)
    venture_addr: str
    leads_addr: str
    call_timeout_seconds: float = 2.0
    form_rate_limit: int = 10
    form_rate_window_seconds: float = 60.0
    trust_proxy_headers: bool = False
    # The SQL database every replica's form rate limit shares; empty: each process alone.
    rate_limit_database_url: str = field(default="", repr=False)
    log_level: str = "info"
    # Client certificate and CA for the edge's calls to the services (mutual TLS).
    tls: TlsConfig | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EdgeConfig:
        env = Env(environ)
        metrics_text = env.str("AICMO_METRICS_PORT", str(topology.EDGE.metrics_port))
        metrics_port = None if metrics_text == "off" else env.int(
            "AICMO_METRICS_PORT", topology.EDGE.metrics_port, minimum=0, maximum=65535)
        secret = env.required("AICMO_TOKEN_SECRET",
                              hint="the shared key that signs bearer and unsubscribe tokens")
        if len(secret) < 32:
            raise ConfigError("AICMO_TOKEN_SECRET must be at least 32 characters long")
        return cls(
            host=env.str("AICMO_HTTP_HOST", "0.0.0.0"),
            port=env.int("AICMO_HTTP_PORT", topology.EDGE.http_port or 8080, minimum=0,
                         maximum=65535),
            metrics_port=metrics_port,
            token_secret=secret,
            venture_addr=env.str("AICMO_VENTURE_ADDR",
                                 f"localhost:{topology.VENTURE.grpc_port}"),
            leads_addr=env.str("AICMO_LEADS_ADDR", f"localhost:{topology.LEADS.grpc_port}"),
            call_timeout_seconds=env.float("AICMO_CALL_TIMEOUT_SECONDS", 2.0, minimum=0.01,
                                           maximum=60.0),
            form_rate_limit=env.int("AICMO_FORM_RATE_LIMIT", 10, minimum=1),
            form_rate_window_seconds=env.float("AICMO_FORM_RATE_WINDOW_SECONDS", 60.0,
                                               minimum=1.0),
            trust_proxy_headers=env.bool("AICMO_TRUST_PROXY_HEADERS", False),
            rate_limit_database_url=env.str("AICMO_RATE_LIMIT_DATABASE_URL", ""),
            log_level=env.choice("AICMO_LOG_LEVEL", "info",
                                 ("debug", "info", "warning", "error")),
            tls=read_tls(env),
        )
