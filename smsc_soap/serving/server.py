"""One uvicorn server on a socket of its own, run in a background thread or the foreground,
and stopped from outside its loop without cutting a request off: how the sandbox and the
gateway are served.

uvicorn keeps connections on an asyncio loop, so an idle or slow connection costs memory, not
a thread. Three things it lacks are added here: a connection that has sent nothing is closed
after the idle timeout like one kept alive between requests; a request's headers must arrive
within the read deadline (408 after it, the connection closed), as its body must
(``AsgiBridge``); and the cap of requests at once answers 503 with ``Retry-After`` (uvicorn's
own ``limit_concurrency`` counts idle connections and says nothing of when to come back).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import ClassVar, TypeVar

from smsc_soap.serving.app import ServiceApp
from smsc_soap.serving.asgi import AsgiBridge
from smsc_soap.serving.status_php import STATUS_PATH
from smsc_soap.serving.wsdl import SOAP_PATH

__all__ = ["ServiceServer"]

_Server = TypeVar("_Server", bound="ServiceServer")


class ServiceServer:
    """``app`` served on ``host:port`` (``port=0`` picks a free one). A subclass sets how many
    threads answer, how many requests may be in at once, the default timeouts, and how long
    ``stop`` waits."""

    thread_name: ClassVar[str] = "smsc-soap-server"
    threads: ClassVar[int] = 12
    """Requests answered at once; more wait for a thread."""
    max_in_flight: ClassVar[int] = 1000
    """Requests being read or answered at once; more are answered 503."""
    idle_timeout: ClassVar[int] = 30
    """The default ``channel_timeout``."""
    read_deadline: ClassVar[float] = 10.0
    """The default ``read_timeout``."""
    stop_grace: ClassVar[float] = 0.0
    """The default seconds ``stop`` lets requests in flight take."""

    def __init__(
        self,
        app: ServiceApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        channel_timeout: int | None = None,
        read_timeout: float | None = None,
    ) -> None:
        channel_timeout = self.idle_timeout if channel_timeout is None else channel_timeout
        if channel_timeout < 1:
            raise ValueError(f"channel_timeout must be at least 1 second, not {channel_timeout}")
        read_timeout = self.read_deadline if read_timeout is None else read_timeout
        if read_timeout <= 0:
            raise ValueError(f"read_timeout must be more than 0 seconds, not {read_timeout}")
        self.channel_timeout = channel_timeout
        """Seconds after which a connection with no request in progress is closed."""
        self.read_timeout = read_timeout
        """Seconds a request's headers, and then its body, have to arrive (408 after)."""
        self._socket = _listening_socket(host, port)
        self.app = app
        bound_host, bound_port = self._socket.getsockname()[:2]
        listening = (
            f"[{bound_host}]:{bound_port}" if ":" in bound_host else f"{bound_host}:{bound_port}"
        )
        self.url = f"http://{listening}"
        """The base URL, e.g. ``http://127.0.0.1:8080``."""
        app.listening = listening
        self.bridge = AsgiBridge(
            app, threads=self.threads, max_in_flight=self.max_in_flight, read_timeout=read_timeout
        )
        # uvicorn loads click: imported when a server is made, not with the package.
        import uvicorn

        from smsc_soap.serving.deadlines import with_read_deadline
        from smsc_soap.serving.prompt_server import PromptServer

        protocol = with_read_deadline(read_timeout)
        config = uvicorn.Config(
            self.bridge,
            http=protocol,
            ws="none",
            lifespan="off",
            interface="asgi3",
            timeout_keep_alive=channel_timeout,
            log_config=None,  # a library configures no logging
            access_log=False,  # the gateway writes its own, without the query string
            proxy_headers=False,
            server_header=False,
            backlog=4096,
        )
        self._server = PromptServer(config)
        self._thread: threading.Thread | None = None

    @property
    def soap_endpoint(self) -> str:
        return f"{self.url}{SOAP_PATH}"

    @property
    def status_endpoint(self) -> str:
        return f"{self.url}{STATUS_PATH}"

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop`` is called from another (or, in the main
        thread, until SIGTERM or SIGINT, after which the signal is raised again)."""
        self._run()

    def start(self: _Server) -> _Server:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Close the listening socket and every connection at once."""
        self.stop(0)

    def stop(self, grace: float | None = None) -> bool:
        """Stop accepting, let requests in flight finish for up to ``grace`` seconds (by
        default ``stop_grace``), then close every connection. True if none was cut off."""
        grace = self.stop_grace if grace is None else grace
        if self._thread is None or not self._thread.is_alive():
            self._socket.close()  # never served, or already stopped
            self.bridge.close()
            return True
        self._server.config.timeout_graceful_shutdown = grace  # type: ignore[assignment]
        self._server.ask_to_exit()
        self._thread.join(timeout=grace + 5)
        self.bridge.close()
        return self.bridge.cut_off == 0

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            # Connections left after the grace (a request cancelled, a body never finished).
            for connection in list(self._server.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
            self._socket.close()

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening: bound here, so that a port in use or a
    name that does not resolve is an ``OSError`` when the server is made."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(4096)
        listener.setblocking(False)
    except OSError:
        listener.close()
        raise
    return listener
