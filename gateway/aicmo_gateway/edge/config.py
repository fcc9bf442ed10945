"""The edge's configuration, from environment variables only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aicmo_common import topology
from aicmo_common.config import ConfigError, Env, TlsConfig, read_tls

DEFAULT_INBOUND_SMTP_PORT = 2525
DEFAULT_INBOUND_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class InboundConfig:
    """The inbound side: the SMTP receiver for bounces and replies, and the provider webhooks.
    A webhook whose credentials are not set answers 404; the receiver runs when it has a
    port."""

    smtp_host: str = "0.0.0.0"
    smtp_port: int | None = None  # None: no SMTP receiver
    domain: str = ""
    # Signs and verifies the return paths; distribution must hold the same value.
    return_path_secret: str = field(default="", repr=False)
    max_bytes: int = DEFAULT_INBOUND_MAX_BYTES
    quarantine_dir: str = ""
    # The right-hand side of the product's Message-IDs (distribution's AICMO_MAIL_DOMAIN).
    message_id_domain: str = ""
    sendgrid_public_key: str = field(default="", repr=False)
    postmark_user: str = ""
    postmark_password: str = field(default="", repr=False)
    sns_topic_arns: tuple[str, ...] = ()
    webhook_secret: str = field(default="", repr=False)
    webhook_tolerance_seconds: float = 300.0

    @classmethod
    def from_env(cls, env: Env, token_secret: str) -> InboundConfig:
        port_text = env.str("AICMO_INBOUND_SMTP_PORT", "off")
        smtp_port = None if port_text == "off" else env.int(
            "AICMO_INBOUND_SMTP_PORT", DEFAULT_INBOUND_SMTP_PORT, minimum=0, maximum=65535)
        domain = env.str("AICMO_INBOUND_DOMAIN", "").strip().lower()
        if smtp_port is not None and not domain:
            raise ConfigError("AICMO_INBOUND_DOMAIN is required when AICMO_INBOUND_SMTP_PORT "
                              "is set: the domain of the bounce and reply addresses")
        return_path_secret = env.str("AICMO_RETURN_PATH_SECRET", "") or token_secret
        if len(return_path_secret) < 32:
            raise ConfigError("AICMO_RETURN_PATH_SECRET must be at least 32 characters long")
        password = env.str("AICMO_POSTMARK_WEBHOOK_PASSWORD", "")
        user = env.str("AICMO_POSTMARK_WEBHOOK_USER", "")
        if bool(user) != bool(password):
            raise ConfigError("AICMO_POSTMARK_WEBHOOK_USER and AICMO_POSTMARK_WEBHOOK_PASSWORD "
                              "are set together")
        webhook_secret = env.str("AICMO_WEBHOOK_INBOUND_SECRET", "")
        if webhook_secret and len(webhook_secret) < 32:
            raise ConfigError("AICMO_WEBHOOK_INBOUND_SECRET must be at least 32 characters")
        arns = tuple(a.strip() for a in env.str("AICMO_SNS_TOPIC_ARNS", "").split(",")
                     if a.strip())
        for arn in arns:
            if not arn.startswith("arn:aws") or arn.count(":") != 5:
                raise ConfigError(f"AICMO_SNS_TOPIC_ARNS: {arn!r} is not a topic ARN")
        return cls(
            smtp_host=env.str("AICMO_INBOUND_SMTP_HOST", "0.0.0.0"),
            smtp_port=smtp_port, domain=domain, return_path_secret=return_path_secret,
            max_bytes=env.int("AICMO_INBOUND_MAX_BYTES", DEFAULT_INBOUND_MAX_BYTES,
                              minimum=1024, maximum=100 * 1024 * 1024),
            quarantine_dir=env.str("AICMO_INBOUND_QUARANTINE_DIR", ""),
            message_id_domain=env.str("AICMO_MAIL_DOMAIN", "aicmo.invalid").strip().lower(),
            sendgrid_public_key=env.str("AICMO_SENDGRID_PUBLIC_KEY", ""),
            postmark_user=user, postmark_password=password, sns_topic_arns=arns,
            webhook_secret=webhook_secret,
            webhook_tolerance_seconds=env.float("AICMO_WEBHOOK_TOLERANCE_SECONDS", 300.0,
                                                minimum=1.0, maximum=3600.0),
        )


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
    # Where delivery events go (RecordDeliveryEvents); empty: the inbound side answers 503.
    distribution_addr: str = ""
    inbound: InboundConfig = field(default_factory=InboundConfig)

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
            distribution_addr=env.str("AICMO_DISTRIBUTION_ADDR",
                                      f"localhost:{topology.DISTRIBUTION.grpc_port}"),
            inbound=InboundConfig.from_env(env, secret),
        )
