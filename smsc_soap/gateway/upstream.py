"""The service behind the gateway: one client per caller's login and password.

Every client shares one limit store, so all callers of a login (and, with Redis, every
gateway replica) keep the service's limits together, and the clients' shared lockout answers
a stale password without asking the service again. The store's calls pass through
``limit_waits``, which tells how long lookups waited for a place within the limits.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..client import StatusClient
from ..limit_stores import LimitStore
from .limit_waits import LimitWaits

__all__ = ["Upstream"]

ClientFactory = Callable[..., StatusClient]


class Upstream:
    """``StatusClient``s made by ``make_client(login, password, limits=store)``, kept per
    credential pair under a salted hash of it."""

    def __init__(self, store: LimitStore, make_client: ClientFactory) -> None:
        self.limit_waits = LimitWaits(store)
        self.store: LimitStore = self.limit_waits
        self._make_client = make_client
        self._salt = os.urandom(16)
        self._clients: dict[str, StatusClient] = {}
        self._unproven: dict[str, threading.Lock] = {}
        self._proven: set[str] = set()
        self._lock = threading.Lock()

    def pair_key(self, login: str, password: str) -> str:
        """Tells pairs apart without keeping the password."""
        digest = hashlib.sha256(self._salt + f"{login}\0{password}".encode())
        return digest.hexdigest()

    def client(self, login: str, password: str) -> StatusClient:
        key = self.pair_key(login, password)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._clients[key] = self._make_client(login, password, limits=self.store)
            return found

    @contextmanager
    def turn(self, login: str, password: str) -> Iterator[None]:
        """Until the service has answered a pair with a status, its lookups go one at a time
        here: the client would hold them back anyway, and waiting here wakes the next one as
        soon as the first is answered."""
        key = self.pair_key(login, password)
        with self._lock:
            proven = key in self._proven
            lock = None if proven else self._unproven.setdefault(key, threading.Lock())
        if lock is None:
            yield
            return
        with lock:
            yield
            with self._lock:
                self._proven.add(key)
                self._unproven.pop(key, None)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
