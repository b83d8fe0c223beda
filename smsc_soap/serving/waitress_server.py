"""One waitress server on a socket map of its own, run in a background thread or the
foreground, and stopped from outside its loop without cutting a request off: how the sandbox
and the gateway are served."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, TypeVar

from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from smsc_soap.serving.app import ServiceApp
from smsc_soap.serving.body import MAX_BODY_BYTES
from smsc_soap.serving.status_php import STATUS_PATH
from smsc_soap.serving.wsdl import SOAP_PATH

__all__ = ["WaitressServer"]

# How long the loop waits for sockets when nothing happens, in seconds. waitress takes it as a
# whole number (int(0.05) would be 0: a loop that never waits and spins a core). Stopping does
# not wait for it: it wakes the loop through waitress's trigger.
_LOOP_WAIT = 1
_POLL = 0.02  # seconds between looks at whether requests are still in flight, when stopping

_Server = TypeVar("_Server", bound="WaitressServer")


class WaitressServer:
    """``app`` served on ``host:port`` (``port=0`` picks a free one). A subclass sets how
    many threads answer, the default ``channel_timeout``, and how long ``stop`` waits."""

    thread_name: ClassVar[str] = "smsc-soap-server"
    threads: ClassVar[int] = 12
    idle_timeout: ClassVar[int] = 30
    """The default ``channel_timeout``."""
    stop_grace: ClassVar[float] = 0.0
    """The default seconds ``stop`` lets requests in flight take."""

    def __init__(
        self,
        app: ServiceApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        channel_timeout: int | None = None,
    ) -> None:
        channel_timeout = self.idle_timeout if channel_timeout is None else channel_timeout
        if channel_timeout < 1:
            raise ValueError(f"channel_timeout must be at least 1 second, not {channel_timeout}")
        self.channel_timeout = channel_timeout
        """Seconds after which a connection with no request in progress and no traffic is
        closed, so that idle or half-open connections cannot tie the server up."""
        # Resolved here first: waitress reports a name that does not resolve as a ValueError.
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        # The server's loop runs while this map holds its socket or any connection.
        self._channels: dict[int, Any] = {}  # waitress's dispatchers (its stubs say sockets)
        server = create_server(
            app,
            map=self._channels,
            host=host,
            port=port,
            threads=self.threads,
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
        self.app = app
        bound_host, bound_port = server.socket.getsockname()[:2]
        listening = (
            f"[{bound_host}]:{bound_port}" if ":" in bound_host else f"{bound_host}:{bound_port}"
        )
        self.url = f"http://{listening}"
        """The base URL, e.g. ``http://127.0.0.1:8080``."""
        app.listening = listening
        self._thread: threading.Thread | None = None

    @property
    def soap_endpoint(self) -> str:
        return f"{self.url}{SOAP_PATH}"

    @property
    def status_endpoint(self) -> str:
        return f"{self.url}{STATUS_PATH}"

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

    def stop(self, grace: float | None = None) -> bool:
        """Stop accepting, let requests in flight finish for up to ``grace`` seconds (by
        default ``stop_grace``), then close every connection. True if none was cut off."""
        self._in_loop(self._stop_listening)
        deadline = time.monotonic() + (self.stop_grace if grace is None else grace)
        while self._busy() and time.monotonic() < deadline:
            time.sleep(_POLL)
        finished = not self._busy()
        self.close()
        return finished

    def _busy(self) -> bool:
        # A request is in flight from the moment it is read until its reply is sent.
        return self.app.answering > 0 or any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(self._channels.values())
        )

    def _stop_listening(self) -> None:
        # The server's own close() closes the trigger too, which the loop still needs.
        wasyncore.dispatcher.close(self._server)

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
