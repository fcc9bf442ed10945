"""The audit service's configuration: the shared settings plus its own, from the environment."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from aicmo_common.config import Env, ServiceConfig

SERVICE = "audit"
DEFAULT_CHECKPOINT_EVERY = 1000


@dataclass(frozen=True)
class AuditConfig(ServiceConfig):
    """``ServiceConfig`` plus ``AICMO_AUDIT_CHECKPOINT_EVERY``: a checkpoint is taken
    automatically at every multiple of this many entries (0 turns periodic checkpoints off)."""

    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY

    @classmethod
    def from_env(cls, service: str = SERVICE,
                 environ: Mapping[str, str] | None = None) -> AuditConfig:
        return cls.extend(ServiceConfig.from_env(service, environ), environ)

    @classmethod
    def extend(cls, base: ServiceConfig, environ: Mapping[str, str] | None = None
               ) -> AuditConfig:
        """The audit settings on top of an already read ``ServiceConfig``."""
        env = Env(environ)
        shared = {f.name: getattr(base, f.name) for f in dataclasses.fields(ServiceConfig)}
        return cls(**shared,
                   checkpoint_every=env.int("AICMO_AUDIT_CHECKPOINT_EVERY",
                                            DEFAULT_CHECKPOINT_EVERY, minimum=0,
                                            maximum=10_000_000))


def load_config() -> AuditConfig:
    return AuditConfig.from_env()
