"""The venture service's configuration: the shared settings plus its own, from the
environment only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from aicmo_common.config import Env, ServiceConfig

SERVICE = "venture"


@dataclass(frozen=True)
class VentureConfig(ServiceConfig):
    """``ServiceConfig`` plus ``AICMO_VENTURE_DB_WORKERS``: threads (and pooled connections)
    running units of work; verdicts in flight beyond it wait their turn; and
    ``AICMO_KILL_SWITCH_LEASE_MS``: how long a delivering replica may rely on the latest kill
    switch snapshot it heard (it stops delivering after that), which also bounds how long an
    engaging call waits for a replica that does not confirm."""

    db_workers: int = 8
    kill_switch_lease_seconds: float = 2.0

    @classmethod
    def from_env(cls, service: str = SERVICE,
                 environ: Mapping[str, str] | None = None) -> VentureConfig:
        shared = ServiceConfig.from_env(service, environ)
        env = Env(environ)
        return cls(**{f.name: getattr(shared, f.name) for f in fields(ServiceConfig)},
                   db_workers=env.int("AICMO_VENTURE_DB_WORKERS", 8, minimum=1, maximum=64),
                   kill_switch_lease_seconds=env.float("AICMO_KILL_SWITCH_LEASE_MS", 2000.0,
                                                       minimum=200.0, maximum=60000.0) / 1000)


def load_config() -> VentureConfig:
    return VentureConfig.from_env()
