"""One waitress server on a socket map of its own, run in a background thread or the
foreground, and closed from outside its loop: what the sandbox and the gateway share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from waitress.server import BaseWSGIServer, create_server

from smsc_soap.serving.body import MAX_BODY_BYTES

__all__ = ["WaitressServer"]

# How long the loop waits for sockets when nothing happens, in seconds. waitress takes it as a
# whole number (int(0.05) would be 0: a loop that never waits and spins a core). Stopping does
# not wait for it: it wakes the loop through waitress's trigger.
_LOOP_WAIT = 1

_Server = TypeVar("_Server", bound="WaitressServer")


class WaitressServer:
    """``app`` served on ``host:port`` (``port=0`` picks a free one)."""

    thread_name = "smsc-soap-server"

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        host: str,
        port: int,
        threads: int,
        channel_timeout: int,
    ) -> None:
        if channel_timeout < 1:
            raise ValueError(f"channel_timeout must be at least 1 second, not {channel_timeout}")
        self.channel_timeout = channel_timeout
        """Seconds after which a connection with no request in progress and no traffic is
        closed, so that idle or half-open connections cannot tie the server up."""
        # The server's loop runs while this map holds its socket or any connection.
        self._channels: dict[int, Any] = {}  # waitress's dispatchers (its stubs say sockets)
        server = create_server(
            app,
            map=self._channels,
            host=host,
            port=port,
            threads=threads,
            asyncore_loop_timeout=_LOOP_WAIT,
            channel_timeout=channel_timeout,
            # How often the loop looks for connections idle too long.
            cleanup_interval=max(1, min(channel_timeout // 2, 10)),
            # Bodies over what ``read_body`` takes get waitress's 413 before they are read in.
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

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.run()

    def start(self: _Server) -> _Server:
        self._thread = threading.Thread(target=self._server.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Close the listening socket and every connection, and end the loop."""
        self._in_loop(self._close_channels)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()

    def stop(self) -> None:
        self.close()

    def _in_loop(self, action: Callable[[], None]) -> None:
        if self._thread is None or not self._thread.is_alive():
            action()  # no loop is running (serve_forever has returned, or never ran)
            return
        # Closing sockets under a running select() breaks it; let the loop run the action. It
        # runs the trigger's callbacks under the trigger's lock, and a worker thread's pull can
        # wake it at any time: hold the lock until the pull is written, or the loop may have
        # closed the trigger (and its file descriptor be reused) before the write.
        trigger: Any = self._server.trigger  # waitress's stubs type it as int
        with trigger.lock:
            trigger.thunks.append(action)
            trigger.pull_trigger()

    def _close_channels(self) -> None:
        # The listening socket, the trigger and every connection: the loop ends when none is left.
        for channel in list(self._channels.values()):
            channel.close()

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
