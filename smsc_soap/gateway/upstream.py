"""The service behind the gateway: one client per caller's login and password.

Every client shares one limit store, so all callers of a login (and, with Redis, every
gateway replica) keep the service's limits together, and the clients' shared lockout answers
a stale password without asking the service again. The store's calls pass through
``limit_waits``, which tells how long lookups waited for a place within the limits.

At most ``MAX_CLIENTS`` clients are kept, the least recently used let go first, so that
callers with ever new (or wrong) passwords cannot grow the gateway without bound. A client
let go is closed once the lookups using it are done.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from smsc_soap.client import StatusClient
from smsc_soap.gateway.limit_waits import LimitWaits
from smsc_soap.limits.stores import LimitStore
from smsc_soap.service.credentials import fingerprint

__all__ = ["MAX_CLIENTS", "Upstream"]

MAX_CLIENTS = 1_000
"""The most login-and-password pairs whose clients are kept."""

ClientFactory = Callable[..., StatusClient]


@dataclass
class _Kept:
    client: StatusClient
    users: int = 0
    let_go: bool = False


class Upstream:
    """``StatusClient``s made by ``make_client(login, password, limits=store)``, kept per
    credential pair under its fingerprint with the store's salt, ``max_clients`` at most."""

    def __init__(
        self, store: LimitStore, make_client: ClientFactory, *, max_clients: int = MAX_CLIENTS
    ) -> None:
        self.limit_waits = LimitWaits(store)
        self.store: LimitStore = self.limit_waits
        self._make_client = make_client
        self._max_clients = max_clients
        self._salt: bytes | None = None
        # The pairs' keys lately made, so that a cached answer need not hash again; as many as
        # the clients kept, which hold the same credentials.
        self._known: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._clients: OrderedDict[str, _Kept] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}
        self._hashing: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """The clients kept."""
        return len(self._clients)

    def pair_key(self, login: str, password: str) -> str:
        """Tells pairs apart without keeping the password: the pair's fingerprint, the one its
        client's lockout keeps in the store."""
        if self._salt is None:  # read at the first lookup: building the gateway touches no store
            self._salt = self.store.salt()
        pair = (login, password)
        with self._lock:
            hashing = self._hashing.setdefault(pair, threading.Lock())
        # The slow hash once per pair, however many of its lookups come at once.
        with hashing:
            key = self.known_pair_key(login, password)
            if key is None:
                key = fingerprint(login, password, self._salt)
            with self._lock:
                self._hashing.pop(pair, None)
                self._known[pair] = key
                self._known.move_to_end(pair)
                while len(self._known) > self._max_clients:
                    self._known.popitem(last=False)
        return key

    def known_pair_key(self, login: str, password: str) -> str | None:
        """The pair's key if ``pair_key`` gave it lately, else None: a dictionary look-up, not
        the slow hash nor the store (for answers worked out on the event loop)."""
        with self._lock:
            return self._known.get((login, password))

    @contextmanager
    def client(self, login: str, password: str) -> Iterator[StatusClient]:
        """The pair's client, for as long as the ``with`` block uses it."""
        key = self.pair_key(login, password)
        with self._lock:
            kept = self._in_use(key)
            if kept is None:
                building = self._building.setdefault(key, threading.Lock())
        if kept is None:
            kept = self._built(key, building, login, password)
        try:
            yield kept.client
        finally:
            with self._lock:
                kept.users -= 1
                done = kept.let_go and kept.users == 0
            if done:
                kept.client.close()

    def _built(self, key: str, building: threading.Lock, login: str, password: str) -> _Kept:
        """The pair's client, made once however many of its lookups come at once, and
        outside the lock, so that other pairs' lookups do not wait for it."""
        with building:
            with self._lock:
                kept = self._in_use(key)
            if kept is not None:  # made while this lookup waited for it
                return kept
            try:
                made = self._make_client(login, password, limits=self.store)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                kept = self._clients[key] = _Kept(made, users=1)
                idle = self._let_go_over_the_bound()
        for client in idle:
            client.close()
        return kept

    def _in_use(self, key: str) -> _Kept | None:
        """The pair's kept client, marked used (and recently), if there is one."""
        kept = self._clients.get(key)
        if kept is not None:
            self._clients.move_to_end(key)
            kept.users += 1
        return kept

    def _let_go_over_the_bound(self) -> list[StatusClient]:
        """Lets the least recently used clients go; those no lookup uses, to close now."""
        idle = []
        while len(self._clients) > self._max_clients:
            _, oldest = self._clients.popitem(last=False)
            oldest.let_go = True
            if oldest.users == 0:
                idle.append(oldest.client)
        return idle

    def close(self) -> None:
        with self._lock:
            kept = list(self._clients.values())
            self._clients.clear()
        for each in kept:
            each.client.close()
