"""A deadline that holds at the socket: what a call reads through is shut when it passes.

http.client and urllib3 read the status line and headers, chunk-size lines and trailers, and
decompress, each inside one call, waiting up to the read timeout for every byte; a server that
drips bytes within it can hold such a call for minutes, and nothing between reads gets a say.
So a call runs under a ``Watch``: the sockets its connections make or reuse, and the reply it
streams, are registered with it, and one watchdog thread shuts them down when its deadline
passes. The blocked read returns at once and the wire reports the deadline.

Sessions the transports make send through ``WatchedAdapter``, whose connections register
their sockets, from the TCP connection on (the TLS handshake included). With a caller's own
session the reply is registered once its headers are in.
"""

from __future__ import annotations

import functools
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.poolmanager import pool_classes_by_scheme as urllib3_pool_classes

from smsc_soap.runtime.cancellation import on_cancel

__all__ = ["Watch", "WatchedAdapter", "watch_reply", "watching"]

Closer = Callable[[], None]


class Watch:
    """One call's deadline and what to shut when it passes."""

    __slots__ = ("_closers", "_lock", "_owned", "deadline", "fired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._closers: list[Closer] = []
        self._owned: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, closer: Closer) -> None:
        """Shut with the others at the deadline; at once if it has passed."""
        with self._lock:
            if not self.fired:
                self._closers.append(closer)
                return
        closer()

    def add_socket(self, sock: socket.socket) -> None:
        self.add(functools.partial(_shut, sock))

    def add_duplicate(self, sock: socket.socket) -> None:
        """Watch a descriptor of the watch's own on ``sock``'s connection: a TLS wrap takes
        the descriptor from the socket object it wraps, and shutting the connection through
        either wakes a read on the other."""
        duplicate = sock.dup()
        with self._lock:
            self._owned.append(duplicate)
        self.add_socket(duplicate)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            closers, self._closers = self._closers, []
        for closer in closers:
            closer()

    def release(self) -> None:
        """Close the watch's own descriptors (the connections stay open on theirs)."""
        with self._lock:
            owned, self._owned = self._owned, []
        for duplicate in owned:
            duplicate.close()


class _Watchdog:
    """One daemon thread that fires every watch whose deadline has passed."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._condition = threading.Condition()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None
        self._wakes_at = math.inf

    def arm(self, watch: Watch) -> None:
        with self._condition:
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="smsc-soap-watchdog", daemon=True
                )
                self._thread.start()
            elif watch.deadline < self._wakes_at:
                self._condition.notify()

    def disarm(self, watch: Watch) -> None:
        with self._condition:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                for watch in [watch for watch in self._watches if watch.deadline <= now]:
                    self._watches.discard(watch)
                    watch.fire()
                self._wakes_at = min((watch.deadline for watch in self._watches), default=math.inf)
                self._condition.wait(None if math.isinf(self._wakes_at) else self._wakes_at - now)


_WATCHDOG = _Watchdog()
_current = threading.local()

if hasattr(os, "register_at_fork"):
    # A forked child has no watchdog thread, and perhaps a lock held by one of the parent's.
    os.register_at_fork(after_in_child=_WATCHDOG.reset)


@contextmanager
def watching(deadline: float) -> Iterator[Watch]:
    """Run the block under a watch with ``deadline`` (``time.monotonic`` seconds): the
    sockets connections make or reuse in this thread meanwhile are shut when it passes, or
    when the call is cancelled."""
    watch = Watch(deadline)
    _current.watch = watch
    _WATCHDOG.arm(watch)
    try:
        with on_cancel(watch.fire):
            yield watch
    finally:
        _WATCHDOG.disarm(watch)
        _current.watch = None
        watch.release()


def _watch() -> Watch | None:
    watch: Watch | None = getattr(_current, "watch", None)
    return watch


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: it wakes a read blocked on the
    # descriptor without tearing the TLS object from under the thread that reads.
    with suppress(OSError):  # closed already, or never connected
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        # The connection as soon as it is made, before any TLS handshake on it.
        sock = super()._new_conn()
        watch = _watch()
        if watch is not None:
            watch.add_duplicate(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = _watch()
        if watch is not None and self.sock is not None:
            watch.add_socket(self.sock)  # a kept-alive connection, reused
        super().request(*args, **kwargs)


class WatchedHTTPSConnection(WatchedHTTPConnection, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": WatchedHTTPConnectionPool,
    "https": WatchedHTTPSConnectionPool,
}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections whose sockets a ``Watch`` can shut; through an
    HTTP proxy too (a SOCKS proxy keeps urllib3's own connections)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_watched_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, PoolManager):
            _use_watched_pools(manager)
        return manager


def _use_watched_pools(manager: PoolManager) -> None:
    if manager.pool_classes_by_scheme is urllib3_pool_classes:
        manager.pool_classes_by_scheme = _WATCHED_POOLS


def watch_reply(watch: Watch, raw: object) -> None:
    """Register a streamed reply: its socket is shut at the deadline, whoever made it."""
    if isinstance(raw, urllib3.BaseHTTPResponse):
        watch.add(functools.partial(_quietly, raw.shutdown))


def _quietly(shutdown: Closer) -> None:
    # A reply without a socket (a test adapter's) cannot be shut: there is nothing to wake.
    with suppress(OSError, ValueError):
        shutdown()
