"""Serving the gateway, and stopping it without cutting a request off."""

from __future__ import annotations

from smsc_soap.gateway.app import GatewayApp
from smsc_soap.serving.waitress_server import WaitressServer

__all__ = ["Gateway"]


class Gateway(WaitressServer):
    """A running gateway server on ``host`` (127.0.0.1 unless told); ``port=0`` picks one."""

    thread_name = "smsc-gateway"
    threads = 48  # callers wait here for their turn under the service's limits, not at the door
    stop_grace = 10.0

    app: GatewayApp

    def stop(self, grace: float | None = None) -> bool:
        """As the server's ``stop``; then the clients of the service are closed."""
        finished = super().stop(grace)
        self.app.upstream.close()
        return finished
