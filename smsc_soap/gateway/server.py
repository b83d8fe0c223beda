"""Serving the gateway with waitress, and stopping it without cutting a request off."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from .app import MAX_BODY_BYTES, GatewayApp

__all__ = ["Gateway"]

_THREADS = 48  # callers wait here for their turn under the service's limits, not at the door
_LOOP_WAIT = 1  # whole seconds (waitress's unit); stop() wakes the loop through its trigger
_IDLE_TIMEOUT = 30
_POLL = 0.02


class Gateway:
    """A running gateway server on ``host`` (127.0.0.1 unless told); ``port=0`` picks one."""

    def __init__(self, app: GatewayApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._channels: dict[int, Any] = {}  # waitress's dispatchers (its stubs say sockets)
        server = create_server(
            app,
            map=self._channels,
            host=host,
            port=port,
            threads=_THREADS,
            asyncore_loop_timeout=_LOOP_WAIT,
            channel_timeout=_IDLE_TIMEOUT,
            cleanup_interval=10,
            max_request_body_size=MAX_BODY_BYTES + 1,
        )
        if not isinstance(server, BaseWSGIServer) or server.socket is None:
            raise RuntimeError(f"expected one listening socket on {host}:{port}")
        self._server = server
        bound_host, bound_port = server.socket.getsockname()[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        """The base URL, e.g. ``http://127.0.0.1:8080``."""
        self._thread: threading.Thread | None = None

    @property
    def soap_endpoint(self) -> str:
        return f"{self.url}/sys/soap.php"

    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self._server.run, name="smsc-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self, grace: float = 10.0) -> bool:
        """Stop accepting, let requests in flight finish for up to ``grace`` seconds, then
        close every connection. True if none was cut off."""
        self._in_loop(self._stop_listening)
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(_POLL)
        finished = not self._busy()
        self._in_loop(self._close_channels)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()
        self.app.upstream.close()
        return finished

    def _busy(self) -> bool:
        # A request is in flight from the moment it is read until its reply is sent.
        return self.app.in_flight > 0 or any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(self._channels.values())
        )

    def _in_loop(self, action: Any) -> None:
        if self._thread is None or not self._thread.is_alive():
            action()
            return
        # Sockets closed under a running select() break it: the loop closes them itself.
        trigger: Any = self._server.trigger  # waitress's stubs type it as int
        with trigger.lock:
            trigger.thunks.append(action)
            trigger.pull_trigger()

    def _stop_listening(self) -> None:
        # The server's own close() closes the trigger too, which the loop still needs.
        wasyncore.dispatcher.close(self._server)

    def _close_channels(self) -> None:
        for channel in list(self._channels.values()):
            channel.close()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
