"""Prometheus metrics of the edge, in its own registry (served on AICMO_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class EdgeMetrics:
    """Requests by route and status, latency by route, and what the bot defences caught."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter("aicmo_http_requests", "HTTP requests, by route and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("aicmo_http_request_seconds", "Time to answer, by route.",
                                 ["route"], registry=self.registry)
        self.blocked = Counter("aicmo_edge_form_blocked", "Form posts refused as likely bots.",
                               ["why"], registry=self.registry)
        self.captures = Counter("aicmo_edge_captures", "Leads captured through the edge.",
                                ["via", "outcome"], registry=self.registry)
        self.unsubscribes = Counter("aicmo_edge_unsubscribes", "One-click unsubscribes done.",
                                    registry=self.registry)
        self.unsubscribe_refused = Counter(
            "aicmo_edge_unsubscribe_refused",
            "Unsubscribe links refused by the venture's policy (expired or revoked).", ["why"],
            registry=self.registry)
        self.inbound_events = Counter(
            "aicmo_edge_inbound_events",
            "Delivery events handed to distribution, by source, kind and outcome (recorded, "
            "duplicate, unmatched, refused, or unavailable when distribution did not answer).",
            ["source", "kind", "outcome"], registry=self.registry)
        self.inbound_refusals = Counter(
            "aicmo_edge_inbound_refusals",
            "Inbound mail and webhook posts refused before any event, by source and reason.",
            ["source", "reason"], registry=self.registry)
        self.rate_limit_store_errors = Counter(
            "aicmo_edge_rate_limit_store_errors",
            "Rate-limit checks answered by the local limiter because the shared store failed.",
            registry=self.registry)
