"""Serving the sandbox with waitress on 127.0.0.1, in a background thread or the foreground."""

from __future__ import annotations

from ..waitress_server import WaitressServer
from .app import MAX_BODY_BYTES, SandboxApp

__all__ = ["Sandbox"]

_THREADS = 12  # above the service's concurrency limit, so error 9 comes from the rules
_IDLE_TIMEOUT = 30


class Sandbox(WaitressServer):
    """A running sandbox server. ``port=0`` picks a free port.

    >>> with Sandbox(SandboxApp(default_book())) as sandbox:  # doctest: +SKIP
    ...     StatusClient("demo", "demo", endpoint=sandbox.soap_endpoint, allow_insecure_http=True)
    """

    thread_name = "smsc-sandbox"

    def __init__(
        self,
        app: SandboxApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        channel_timeout: int = _IDLE_TIMEOUT,
    ) -> None:
        super().__init__(
            app,
            host=host,
            port=port,
            threads=_THREADS,
            channel_timeout=channel_timeout,
            max_body_bytes=MAX_BODY_BYTES,
        )
        self.app = app

    @property
    def status_endpoint(self) -> str:
        return f"{self.url}/sys/status.php"
