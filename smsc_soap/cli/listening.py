"""The command line's servers (``sandbox`` and ``serve``): the address they listen on, and
serving in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

import click

from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.cli.os_errors import os_error_text
from smsc_soap.serving.server import ServiceServer

__all__ = ["bound", "listen_options", "serve_until_stopped"]

_Server = TypeVar("_Server", bound=ServiceServer)
_Command = TypeVar("_Command", bound=Callable[..., object])


def listen_options(default_port: int) -> Callable[[_Command], _Command]:
    """``--host`` (passed as ``listen``) and ``--port``, ``default_port`` unless told."""
    free = "default: a free one" if default_port == 0 else "0: a free one"

    def decorated(command: _Command) -> _Command:
        port = click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=default_port,
            show_default=default_port != 0,
            help=f"Port to listen on ({free}).",
        )
        host = click.option(
            "--host", "listen", default="127.0.0.1", show_default=True, help="Address to listen on."
        )
        return host(port(command))

    return decorated


def bound(make: Callable[[], _Server], listen: str, port: int) -> _Server:
    """The server ``make`` binds to ``listen:port``; if it cannot, the command ends saying why."""
    try:
        return make()
    except OSError as error:
        click.echo(f"error: {os_error_text(error, f'cannot listen on {listen}:{port}')}", err=True)
        sys.exit(ExitCode.SYSTEM)


def serve_until_stopped(server: ServiceServer, grace: float | None = None) -> bool:
    """Serve until SIGTERM or Ctrl-C, then stop, letting requests in flight take ``grace``
    seconds (the server's default if None); True if none was cut off. After Ctrl-C the
    command ends with exit 130, as every command does (``interrupted``)."""
    stopping = threading.Event()
    signals: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        signals.append(signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    stopping.wait()
    clean = server.stop(grace)
    if signals[0] == signal.SIGINT:
        if not clean:
            click.echo("warning: requests still in flight were cut off", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    return clean
