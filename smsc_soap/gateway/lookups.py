"""Identical lookups in flight coalesced into one, and statuses served from a cache: its
own (for ``get_status2``), or one kept elsewhere that the caller passes as ``held`` (the
gateway's status store, for ``get_status``).

A status that can no longer change (failed) is kept and served without asking again. A
status that can still change, and "not found" (a message asked about the moment it was sent
may not be found yet), is asked for again at most once every ``ASK_EVERY`` seconds, evenly
spaced so that the service's per-message limit is never reached; in between it is served
from the cache with its age, so callers polling faster than the service allows get the
latest status rather than error 9. When it is due but the message's window is full all the
same (other gateways or programs on the login have used it), the cached status is served
rather than waiting for the window to open; and so it is when the store of the limits
cannot be used (nothing can be sent then): the status held is served, with its age.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from smsc_soap.errors import LimitStoreError, RateLimitError, SmscError
from smsc_soap.limits.service_limits import LOOKUPS_PER_MESSAGE, WINDOW_SECONDS
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import Outcome

__all__ = ["ASK_EVERY", "Answer", "Fetch", "Lookup", "Lookups"]

ASK_EVERY = WINDOW_SECONDS / LOOKUPS_PER_MESSAGE
"""Seconds between two lookups of one message sent to the service: 12, so 5 a minute."""

_FINAL = frozenset({Outcome.FAILED})  # delivered can still become read

Source = Literal["upstream", "cache", "coalesced"]


class Fetch(Protocol):
    """Asks the service for a status; with ``wait_for_windows=False`` a full window of the
    message is refused at once (``RateLimitError``) instead of waited for."""

    def __call__(self, *, wait_for_windows: bool = True) -> MessageStatus: ...


@dataclass(frozen=True, kw_only=True)
class Lookup:
    """One status a caller asks for, with the caller's own login and password."""

    login: str
    password: str
    phone: str
    message_id: str
    all: int = 0
    operation: str = "get_status"
    query: str | None = None
    """``get_status2``'s query, None for ``get_status``."""

    def __repr__(self) -> str:  # the password is never shown
        return f"{type(self).__name__}({self.operation}, id={self.message_id!r})"


@dataclass(frozen=True)
class Answer:
    status: MessageStatus
    age: float
    """Seconds since the service gave this status."""
    source: Source


@dataclass
class _Entry:
    status: MessageStatus
    at: float


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    entry: _Entry | None = None
    error: SmscError | None = None


class Lookups:
    """The cache and the lookups in flight, keyed by whatever identifies a lookup."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 100_000
    ) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._cache: dict[Hashable, _Entry] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def cached(self, key: Hashable) -> Answer | None:
        """The status ``key`` names if the cache answers it now, else None: nothing waits."""
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and self._fresh(cached):
                return self._served(cached, "cache")
        return None

    def answer(
        self,
        key: Hashable,
        fetch: Fetch,
        *,
        held: tuple[MessageStatus, float] | None = None,
    ) -> Answer:
        """The status ``key`` names: from the cache, from a lookup in flight, or ``fetch``ed.
        With ``held`` (a status, and when a source gave it, from a cache kept elsewhere: the
        gateway's status store) this one keeps nothing: ``held`` is the older answer served
        while the message's window is full."""
        with self._lock:
            cached = None if held is None else _Entry(*held)
            if held is None:
                cached = self._cache.get(key)
                if cached is not None and self._fresh(cached):
                    return self._served(cached, "cache")
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.entry is None:
                raise (flight.error or SmscError("the lookup being waited for failed")).copy()
            return self._served(flight.entry, "coalesced")
        return self._lead(key, flight, fetch, cached, keep=held is None)

    def _lead(
        self, key: Hashable, flight: _Flight, fetch: Fetch, older: _Entry | None, *, keep: bool
    ) -> Answer:
        try:
            if older is None:
                status = fetch()
            else:
                try:
                    # Not waited for: the older answer is served meanwhile.
                    status = fetch(wait_for_windows=False)
                except RateLimitError as error:
                    if error.from_service:
                        raise
                    flight.entry = older  # the limits refused it now: the older answer
                    return self._served(older, "cache")
                except LimitStoreError:
                    flight.entry = older  # nothing can be sent: the older answer
                    return self._served(older, "cache")
            flight.entry = _Entry(status, self._clock())
            if keep:
                self._keep(key, flight.entry)
            return Answer(status, 0.0, "upstream")
        except SmscError as error:
            flight.error = error
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _fresh(self, entry: _Entry) -> bool:
        """Served without asking: final, or asked for less than ``ASK_EVERY`` seconds ago."""
        return entry.status.outcome in _FINAL or self._clock() - entry.at < ASK_EVERY

    def _keep(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            if len(self._cache) >= self._max_entries:
                self._cache.pop(next(iter(self._cache)))  # the oldest kept
            self._cache.pop(key, None)
            self._cache[key] = entry

    def _served(self, entry: _Entry, source: Source) -> Answer:
        return Answer(entry.status, max(0.0, self._clock() - entry.at), source)
