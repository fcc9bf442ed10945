"""The leads service's configuration: the shared settings plus its own, from the environment."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

from aicmo_common.config import ConfigError, Env, ServiceConfig
from aicmo_leads.domain.identifiers import IDENTITY_KEY_MIN_LENGTH


@dataclass(frozen=True)
class LeadsConfig(ServiceConfig):
    """The shared ``ServiceConfig`` (so the shared ``serve`` runs it as is) plus the leads
    settings. ``identity_hash_key`` keys the identifier hashes: the unique index and the
    suppression list depend on it, so it must never change for a database once set."""

    identity_hash_key: str = ""
    default_phone_region: str = "US"
    import_batch_size: int = 200
    soft_bounce_limit: int = 3
    soft_bounce_window_days: int = 7

    def __post_init__(self) -> None:
        if len(self.identity_hash_key) < IDENTITY_KEY_MIN_LENGTH:
            raise ConfigError(f"AICMO_IDENTITY_HASH_KEY must be at least "
                              f"{IDENTITY_KEY_MIN_LENGTH} characters long")
        if self.default_phone_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"AICMO_DEFAULT_PHONE_REGION={self.default_phone_region!r} is "
                              "not a region code phonenumbers knows (for example US, GB, DE)")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> LeadsConfig:
        """Reads every variable; a missing or bad one raises ``ConfigError`` naming it."""
        env = Env(environ)
        shared = ServiceConfig.from_env("leads", environ)
        key = env.required("AICMO_IDENTITY_HASH_KEY",
                           hint="the secret that keys identifier hashes (at least "
                                f"{IDENTITY_KEY_MIN_LENGTH} characters)")
        return cls(
            **{f.name: getattr(shared, f.name) for f in dataclasses.fields(ServiceConfig)},
            identity_hash_key=key,
            default_phone_region=(env.str("AICMO_DEFAULT_PHONE_REGION", "US") or "US").upper(),
            import_batch_size=env.int("AICMO_LEADS_IMPORT_BATCH_SIZE", 200, minimum=1,
                                      maximum=1000),
            soft_bounce_limit=env.int("AICMO_SOFT_BOUNCE_LIMIT", 3, minimum=1, maximum=100),
            soft_bounce_window_days=env.int("AICMO_SOFT_BOUNCE_WINDOW_DAYS", 7, minimum=1,
                                            maximum=365),
        )
