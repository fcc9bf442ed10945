"""Who calls whom: the one description of the call graph.

Clients are configured from it, and the deployment's NetworkPolicy allow-list is tested against
it, so the network can never drift from what the code actually calls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    """One deployable part of aicmo."""

    name: str
    grpc_port: int | None
    metrics_port: int
    http_port: int | None = None


VENTURE = Component("venture", grpc_port=50051, metrics_port=9101)
LEADS = Component("leads", grpc_port=50052, metrics_port=9102)
DISTRIBUTION = Component("distribution", grpc_port=50053, metrics_port=9103)
AUDIT = Component("audit", grpc_port=50054, metrics_port=9104)
EDGE = Component("edge", grpc_port=None, metrics_port=9105, http_port=8080)

SERVICES: tuple[Component, ...] = (VENTURE, LEADS, DISTRIBUTION, AUDIT)
COMPONENTS: tuple[Component, ...] = (*SERVICES, EDGE)

# caller -> the gRPC services it calls. Every service feeds audit through its outbox relay.
CALL_GRAPH: dict[str, tuple[str, ...]] = {
    "venture": ("audit",),
    "leads": ("audit",),
    "distribution": ("venture", "leads", "audit"),
    "audit": (),
    "edge": ("venture", "leads", "distribution", "audit"),
}

# Egress that is not another aicmo service.
EXTERNAL_EGRESS: dict[str, tuple[str, ...]] = {
    "venture": ("postgresql", "dns"),
    "leads": ("postgresql", "dns"),
    "distribution": ("postgresql", "dns", "smtp", "https"),
    "audit": ("postgresql", "dns"),
    # The edge's form rate limit, shared by its replicas (AICMO_RATE_LIMIT_DATABASE_URL), and
    # HTTPS to Amazon SNS for the certificates that sign SES notifications.
    "edge": ("postgresql", "dns", "https"),
}


def by_name(name: str) -> Component:
    """Returns the component called ``name``."""
    for component in COMPONENTS:
        if component.name == name:
            return component
    raise KeyError(name)
