"""Addresses on 127.0.0.1 that take no connection in the ways a network fails."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def full_listener() -> Iterator[str]:
    """An address whose listener never accepts and whose queue is full: connecting times out."""
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        host, port = listener.getsockname()
        filler.connect((host, port))
        yield f"http://{host}:{port}/sys/soap.php"
