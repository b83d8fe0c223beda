"""Serving the gateway, and stopping it without cutting a request off."""

from __future__ import annotations

from typing import Any

from smsc_soap.gateway.app import GatewayApp
from smsc_soap.serving.server import ServiceServer

__all__ = ["Gateway"]


class Gateway(ServiceServer):
    """A running gateway server on ``host`` (127.0.0.1 unless told); ``port=0`` picks one."""

    thread_name = "smsc-gateway"
    # Callers wait in these threads for their turn under the service's limits; more wait for
    # a thread, costing memory only.
    threads = 64
    max_in_flight = 4096
    stop_grace = 10.0

    app: GatewayApp

    def __init__(self, app: GatewayApp, **options: Any) -> None:
        super().__init__(app, **options)
        app.known.follow()

    def stop(self, grace: float | None = None) -> bool:
        """As the server's ``stop``, the event streams ended first; then the clients of the
        service are closed, and the following of the status store's changes."""
        self.app.events.close()
        finished = super().stop(grace)
        self.app.upstream.close()
        self.app.known.close()
        return finished
