"""Serving the gateway with waitress, and stopping it without cutting a request off."""

from __future__ import annotations

import time

from waitress import wasyncore

from smsc_soap.gateway.app import GatewayApp
from smsc_soap.serving.waitress_server import WaitressServer

__all__ = ["Gateway"]

_THREADS = 48  # callers wait here for their turn under the service's limits, not at the door
_IDLE_TIMEOUT = 30
_POLL = 0.02


class Gateway(WaitressServer):
    """A running gateway server on ``host`` (127.0.0.1 unless told); ``port=0`` picks one."""

    thread_name = "smsc-gateway"

    def __init__(self, app: GatewayApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(
            app,
            host=host,
            port=port,
            threads=_THREADS,
            channel_timeout=_IDLE_TIMEOUT,
        )
        self.app = app
        bound, _, bound_port = self.url.removeprefix("http://").rpartition(":")
        app.listening = f"[{bound}]:{bound_port}" if ":" in bound else f"{bound}:{bound_port}"

    def stop(self, grace: float = 10.0) -> bool:  # type: ignore[override]
        """Stop accepting, let requests in flight finish for up to ``grace`` seconds, then
        close every connection. True if none was cut off."""
        self._in_loop(self._stop_listening)
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(_POLL)
        finished = not self._busy()
        self.close()
        self.app.upstream.close()
        return finished

    def _busy(self) -> bool:
        # A request is in flight from the moment it is read until its reply is sent.
        return self.app.in_flight > 0 or any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(self._channels.values())
        )

    def _stop_listening(self) -> None:
        # The server's own close() closes the trigger too, which the loop still needs.
        wasyncore.dispatcher.close(self._server)
