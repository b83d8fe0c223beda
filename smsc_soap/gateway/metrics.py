"""The gateway's Prometheus metrics, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "GatewayMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.lookups = Counter(
            "smsc_gateway_lookups",
            "Lookups answered, by face and outcome (a status outcome or error_N).",
            ["face", "outcome"],
            registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "smsc_gateway_upstream_seconds",
            "Time taken by lookups sent to the service, limiter waits included.",
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "smsc_gateway_cache_hits", "Lookups served from the cache.", registry=self.registry
        )
        self.coalesced = Counter(
            "smsc_gateway_coalesced",
            "Lookups answered by an identical lookup already in flight.",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "smsc_gateway_in_flight", "Requests being answered.", registry=self.registry
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
