"""How long lookups sent to the service waited for a place within its limits.

The client's limiter asks the limit store for a place and, refused, waits and asks again.
Passing the store's calls through this one shows those waits without reaching into the
client: a thread's wait runs from its first refused ask to the ask that is granted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from smsc_soap.limits.stores import Ask, Granted, LimitStore, Refused

__all__ = ["LimitWaits"]

Observer = Callable[[float], None]


class LimitWaits:
    """A ``LimitStore`` passing every call on to ``store``; each place granted within
    ``watching()`` is reported to the observers with the seconds waited for it (0 for none)."""

    def __init__(self, store: LimitStore, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._observers: list[Observer] = []
        self._local = threading.local()

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Report the places this thread is granted while the block runs; a wait given up
        on (the limiter refused the call) is not carried into the next block."""
        self._local.watching, self._local.since = True, None
        try:
            yield
        finally:
            self._local.watching = False

    def acquire(self, ask: Ask) -> Granted | Refused:
        answer = self._store.acquire(ask)
        if not getattr(self._local, "watching", False):
            return answer
        now = self._clock()
        if isinstance(answer, Refused):
            self._local.since = self._local.since if self._local.since is not None else now
            return answer
        waited = 0.0 if self._local.since is None else now - self._local.since
        self._local.since = None
        for observer in self._observers:
            observer(waited)
        return answer

    def release(
        self, scope: str, lease: str, *, linger: float = 0.0, unsent: str | None = None
    ) -> None:
        self._store.release(scope, lease, linger=linger, unsent=unsent)

    def hold(self, key: str, value: str, seconds: float) -> None:
        self._store.hold(key, value, seconds)

    def held(self, key: str) -> tuple[str, float] | None:
        return self._store.held(key)

    def drop(self, key: str) -> None:
        self._store.drop(key)

    def salt(self) -> bytes:
        return self._store.salt()

    def restarts(self) -> int:
        """Times the store was found to have lost its keys (a Redis server restarted without
        persistence), if it tells; 0 for a store that does not."""
        found = getattr(self._store, "restarts", 0)
        return found if isinstance(found, int) else 0

    def close(self) -> None:
        self._store.close()
