"""The distribution service's configuration: the shared settings plus its own variables.

| variable | default | meaning |
|---|---|---|
| AICMO_SMTP_HOST | unset | SMTP server for EMAIL (unset: EMAIL goes to the file channel if set) |
| AICMO_SMTP_PORT | 587 | SMTP port |
| AICMO_SMTP_USERNAME, AICMO_SMTP_PASSWORD | unset | SMTP credentials |
| AICMO_SMTP_TLS | starttls | none, starttls or tls |
| AICMO_SMTP_POOL_SIZE | 8 | SMTP connections kept and reused |
| AICMO_WEBHOOK_URL | unset | provider endpoint for SMS, LINKEDIN and WEBHOOK |
| AICMO_WEBHOOK_SECRET | unset | HMAC key of webhook signatures (required with the URL) |
| AICMO_FILE_CHANNEL_PATH | unset | JSON-lines file for channels without another adapter |
| AICMO_UNSUBSCRIBE_BASE_URL | http://localhost:8080 | the HTTP edge; links are <base>/u/<token> |
| AICMO_MAIL_DOMAIN | aicmo.invalid | right-hand side of Message-IDs |
| AICMO_INBOUND_DOMAIN | unset | the edge's inbound SMTP domain: signed return paths, Reply-To |
| AICMO_RETURN_PATH_SECRET | AICMO_TOKEN_SECRET | key of those addresses (the edge's too) |
| AICMO_DELIVERY_TIMEOUT_SECONDS | 10 | bound on one channel call |
| AICMO_SEND_MAX_ATTEMPTS | 5 | channel attempts before a send fails (runs outlast peer outages) |
| AICMO_RETRY_BASE_SECONDS, AICMO_RETRY_MAX_SECONDS | 1, 300 | retry backoff |
| AICMO_RUN_CONCURRENCY | 256 | run sends in flight per replica |
| AICMO_RUN_BATCH_SIZE | 64 | run sends checked, authorized and driven together |
| AICMO_WORKER_INTERVAL_SECONDS | 0.5 | how often the run worker looks for due work |
| AICMO_CLAIM_TTL_SECONDS | 120 | how long a replica's claim on a send holds |
| AICMO_AUTOPAUSE_FAILURE_RATIO | 0.2 | failure share above which a run pauses (0: off) |
| AICMO_AUTOPAUSE_WINDOW | 50 | how many recent delivery attempts of a run are looked at |
| AICMO_DEFER_FALLBACK_SECONDS | 900 | when to retry a deferral the verdict gave no time for |
| AICMO_DELIVERY_GATE_MS | 20 | max age of the last look before a delivery (kill switch, pause) |
| AICMO_TEMPLATE_HOLD_WINDOW | 200 | recent deliveries a template's complaint rates are taken over |
| AICMO_TEMPLATE_HOLD_MIN_DELIVERIES | 50 | deliveries a template needs before it can be held |
| AICMO_TEMPLATE_COMPLAINT_RATIO | 0.003 | complaint share above which a template is held (0: off) |
| AICMO_TEMPLATE_UNSUBSCRIBE_RATIO | 0.05 | unsubscribe share that holds a template (0: off) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from aicmo_common import verp
from aicmo_common.config import ConfigError, Env, ServiceConfig
from aicmo_distribution.adapters.channels.smtp import TLS_MODES, SmtpSettings
from aicmo_distribution.adapters.channels.webhook import WebhookSettings
from aicmo_distribution.feedback.events import HoldRule

SERVICE = "distribution"


@dataclass(frozen=True)
class DistributionConfig(ServiceConfig):
    """``ServiceConfig`` plus everything only the distribution service reads at start."""

    smtp: SmtpSettings | None = None
    webhook: WebhookSettings | None = None
    file_channel_path: Path | None = None
    unsubscribe_base_url: str = "http://localhost:8080"
    mail_domain: str = "aicmo.invalid"
    inbound_domain: str = ""
    return_path_secret: str = field(default="", repr=False)
    delivery_timeout_seconds: float = 10.0
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 300.0
    run_concurrency: int = 256
    run_batch_size: int = 64
    worker_interval_seconds: float = 0.5
    claim_ttl_seconds: float = 120.0
    autopause_failure_ratio: float = 0.2
    autopause_window: int = 50
    defer_fallback_seconds: float = 900.0
    delivery_gate_seconds: float = 0.02
    template_hold: HoldRule = HoldRule()

    @classmethod
    def from_env(cls, service: str = SERVICE,
                 environ: Mapping[str, str] | None = None) -> DistributionConfig:
        env = Env(environ)
        shared = ServiceConfig.from_env(service, environ)
        smtp = None
        host = env.str("AICMO_SMTP_HOST")
        if host:
            smtp = SmtpSettings(
                host=host,
                port=env.int("AICMO_SMTP_PORT", 587, minimum=1, maximum=65535),
                username=env.str("AICMO_SMTP_USERNAME"),
                password=env.str("AICMO_SMTP_PASSWORD"),
                tls=env.choice("AICMO_SMTP_TLS", "starttls", TLS_MODES),
                timeout_seconds=env.float("AICMO_DELIVERY_TIMEOUT_SECONDS", 10.0,
                                          minimum=0.1, maximum=300.0),
                pool_size=env.int("AICMO_SMTP_POOL_SIZE", 8, minimum=1, maximum=64),
            )
            if (smtp.username is None) != (smtp.password is None):
                raise ConfigError("AICMO_SMTP_USERNAME and AICMO_SMTP_PASSWORD go together")
        webhook = None
        url = env.str("AICMO_WEBHOOK_URL")
        if url:
            if not url.startswith(("https://", "http://")):
                raise ConfigError(f"AICMO_WEBHOOK_URL={url!r} is not an http(s) URL")
            secret = env.required("AICMO_WEBHOOK_SECRET",
                                  hint="the key that signs webhook bodies")
            if len(secret) < 16:
                raise ConfigError("AICMO_WEBHOOK_SECRET must be at least 16 characters long")
            webhook = WebhookSettings(url, secret, env.float(
                "AICMO_DELIVERY_TIMEOUT_SECONDS", 10.0, minimum=0.1, maximum=300.0))
        file_path = env.str("AICMO_FILE_CHANNEL_PATH")
        base_url = env.str("AICMO_UNSUBSCRIBE_BASE_URL", "http://localhost:8080")
        if not base_url.startswith(("https://", "http://")):
            raise ConfigError(f"AICMO_UNSUBSCRIBE_BASE_URL={base_url!r} is not an http(s) URL")
        inbound_domain = env.str("AICMO_INBOUND_DOMAIN", "").strip().lower()
        return_path_secret = env.str("AICMO_RETURN_PATH_SECRET", "") or shared.token_secret
        if len(return_path_secret) < 32:
            raise ConfigError("AICMO_RETURN_PATH_SECRET must be at least 32 characters long")
        if inbound_domain:
            try:
                verp.return_path("0", secret=return_path_secret, domain=inbound_domain)
            except ValueError as error:
                raise ConfigError(f"AICMO_INBOUND_DOMAIN={inbound_domain!r}: {error}") from None
        return cls(
            **{f.name: getattr(shared, f.name) for f in fields(ServiceConfig)},
            smtp=smtp,
            webhook=webhook,
            file_channel_path=Path(file_path) if file_path else None,
            unsubscribe_base_url=base_url,
            mail_domain=env.str("AICMO_MAIL_DOMAIN", "aicmo.invalid"),
            inbound_domain=inbound_domain, return_path_secret=return_path_secret,
            delivery_timeout_seconds=env.float("AICMO_DELIVERY_TIMEOUT_SECONDS", 10.0,
                                               minimum=0.1, maximum=300.0),
            max_attempts=env.int("AICMO_SEND_MAX_ATTEMPTS", 5, minimum=1, maximum=100),
            retry_base_seconds=env.float("AICMO_RETRY_BASE_SECONDS", 1.0, minimum=0.001,
                                         maximum=3600.0),
            retry_max_seconds=env.float("AICMO_RETRY_MAX_SECONDS", 300.0, minimum=0.001,
                                        maximum=86400.0),
            run_concurrency=env.int("AICMO_RUN_CONCURRENCY", 256, minimum=1, maximum=4096),
            run_batch_size=env.int("AICMO_RUN_BATCH_SIZE", 64, minimum=1, maximum=500),
            worker_interval_seconds=env.float("AICMO_WORKER_INTERVAL_SECONDS", 0.5,
                                              minimum=0.01, maximum=60.0),
            claim_ttl_seconds=env.float("AICMO_CLAIM_TTL_SECONDS", 120.0, minimum=1.0,
                                        maximum=86400.0),
            autopause_failure_ratio=env.float("AICMO_AUTOPAUSE_FAILURE_RATIO", 0.2,
                                              minimum=0.0, maximum=1.0),
            autopause_window=env.int("AICMO_AUTOPAUSE_WINDOW", 50, minimum=1,
                                     maximum=100_000),
            template_hold=HoldRule(
                window=env.int("AICMO_TEMPLATE_HOLD_WINDOW", 200, minimum=1, maximum=100_000),
                minimum=env.int("AICMO_TEMPLATE_HOLD_MIN_DELIVERIES", 50, minimum=1,
                                maximum=100_000),
                complaint_ratio=env.float("AICMO_TEMPLATE_COMPLAINT_RATIO", 0.003,
                                          minimum=0.0, maximum=1.0),
                unsubscribe_ratio=env.float("AICMO_TEMPLATE_UNSUBSCRIBE_RATIO", 0.05,
                                            minimum=0.0, maximum=1.0)),
            defer_fallback_seconds=env.float("AICMO_DEFER_FALLBACK_SECONDS", 900.0,
                                             minimum=1.0, maximum=86400.0),
            delivery_gate_seconds=env.float("AICMO_DELIVERY_GATE_MS", 20.0, minimum=0.0,
                                            maximum=1000.0) / 1000,
        )


def load() -> DistributionConfig:
    return DistributionConfig.from_env()
