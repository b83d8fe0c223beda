"""The service behind the gateway: one client per caller's login and password.

Every client shares one limit store, so all callers of a login (and, with Redis, every
gateway replica) keep the service's limits together, and the clients' shared lockout answers
a stale password without asking the service again.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable

from ..client import StatusClient
from ..limit_stores import LimitStore

__all__ = ["Upstream"]

ClientFactory = Callable[..., StatusClient]


class Upstream:
    """``StatusClient``s made by ``make_client(login, password, limits=store)``, kept per
    credential pair under a salted hash of it."""

    def __init__(self, store: LimitStore, make_client: ClientFactory) -> None:
        self.store = store
        self._make_client = make_client
        self._salt = os.urandom(16)
        self._clients: dict[str, StatusClient] = {}
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

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
