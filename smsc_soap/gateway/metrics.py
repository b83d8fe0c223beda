"""The gateway's Prometheus metrics, in a registry of its own."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "GatewayMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_WAIT_BUCKETS = (0.0, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 12.0, 30.0, 60.0, float("inf"))


class _LabelledCounter(Counter):
    """A counter whose children already made are found without its lock and checks: every
    request counts its lookups under labels seen many times before."""

    def labels(self, *labelvalues: Any, **labelkwargs: Any) -> _LabelledCounter:
        made: dict[tuple[str, ...], _LabelledCounter] | None = getattr(self, "_metrics", None)
        child = None if made is None or labelkwargs else made.get(labelvalues)
        return child if child is not None else super().labels(*labelvalues, **labelkwargs)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.lookups = _LabelledCounter(
            "smsc_gateway_lookups",
            "Lookups answered, by face (soap, http, json) and outcome (a status outcome such"
            " as not_found, bad_request, error_N, or what stopped the lookup).",
            ["face", "outcome"],
            registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "smsc_gateway_upstream_seconds",
            "Time taken by lookups sent to the service, limiter waits and retries included.",
            registry=self.registry,
        )
        self.limiter_wait_seconds = Histogram(
            "smsc_gateway_limiter_wait_seconds",
            "Time requests sent to the service waited for a place within its limits (0: none).",
            buckets=_WAIT_BUCKETS,
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
        self.store_served = _LabelledCounter(
            "smsc_gateway_store_served",
            "Lookups answered from the status store, by how its status was learned (lookup,"
            " callback, receipt).",
            ["learned"],
            registry=self.registry,
        )
        self.callbacks = Counter(
            "smsc_gateway_callbacks",
            "Callbacks the service pushed, by kind (status, incoming, call) and verdict"
            " (stored, unchanged, acknowledged, bad_signature, malformed, failed).",
            ["kind", "verdict"],
            registry=self.registry,
        )
        self.receipts = Counter(
            "smsc_gateway_receipts",
            "SMPP delivery receipts received, by verdict (stored, unchanged, unreadable, failed).",
            ["verdict"],
            registry=self.registry,
        )
        self.smpp_session_held = Gauge(
            "smsc_gateway_smpp_session_held",
            "1 while this replica holds the SMPP receipts session (serve --smpp-receipts).",
            registry=self.registry,
        )
        self.events = Counter(
            "smsc_gateway_events",
            "Status changes sent to /v1/events subscribers.",
            registry=self.registry,
        )
        self.event_streams = Gauge(
            "smsc_gateway_event_streams",
            "/v1/events subscribers connected now.",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "smsc_gateway_in_flight", "Requests being answered.", registry=self.registry
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
