"""Serving the sandbox on 127.0.0.1, in a background thread or the foreground, and its SMPP
face beside it when asked for."""

from __future__ import annotations

from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.sandbox.app import SandboxApp
from smsc_soap.sandbox.callback_pusher import CallbackPusher
from smsc_soap.sandbox.smpp_server import SmppServer
from smsc_soap.serving.server import ServiceServer

__all__ = ["Sandbox"]


class Sandbox(ServiceServer):
    """A running sandbox server. ``port=0`` picks a free port; ``smpp_port`` (0: a free one)
    serves SMPP too, from the same app and message book, as ``smpp``. When the app's options
    name a ``callback_url``, its status changes are POSTed there by ``callbacks``, backing off
    by ``callback_clock``.

    >>> with Sandbox(SandboxApp(default_book())) as sandbox:  # doctest: +SKIP
    ...     StatusClient("demo", "demo", endpoint=sandbox.soap_endpoint, allow_insecure_http=True)
    """

    thread_name = "smsc-sandbox"
    threads = 12  # above the service's concurrency limit, so error 9 comes from the rules

    app: SandboxApp

    def __init__(
        self,
        app: SandboxApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        channel_timeout: int | None = None,
        read_timeout: float | None = None,
        smpp_port: int | None = None,
        callback_clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        # Made first: a callback URL that is no address is refused before a port is taken.
        self.callbacks = (
            None if app.options.callback_url is None else CallbackPusher(app, clock=callback_clock)
        )
        """What POSTs the status changes, if the options name a ``callback_url``."""
        super().__init__(
            app, host=host, port=port, channel_timeout=channel_timeout, read_timeout=read_timeout
        )
        self.smpp = None if smpp_port is None else SmppServer(app, host=host, port=smpp_port)
        """The SMPP server, if ``smpp_port`` was given: its ``port``, its ``binds``."""

    def serve_forever(self) -> None:
        self._start_pushing()
        super().serve_forever()

    def start(self) -> Sandbox:
        self._start_pushing()
        return super().start()

    def stop(self, grace: float | None = None) -> bool:
        if self.callbacks is not None:
            self.callbacks.close()
        finished = super().stop(grace)
        if self.smpp is not None:
            self.smpp.close()
        return finished

    def _start_pushing(self) -> None:
        if self.smpp is not None:
            self.smpp.start()
        if self.callbacks is not None:
            self.callbacks.start()
