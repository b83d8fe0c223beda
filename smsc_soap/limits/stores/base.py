"""The seam behind which the service's limits are kept: one small protocol, three stores.

A ``LimitStore`` keeps, for one login (its *scope*), the requests in flight as leases that
expire by themselves, the windows of recent requests per message (and for mass requests),
and values held for a while (the lockout after error 2 or 4). ``acquire`` is one atomic
check-and-take on the store's own clock: a place in flight and a place in the window, both or
neither. A place is given back by its holder or ends with its lease, never because its process
seems gone: a request of a killed process may still run at the service. No store needs a
cleanup job.

Every wait on a store is bounded: within ``bounded(seconds)`` (the limiter's, with what is
left of the call's deadline) a store gives up after ``time_left()`` seconds, raising
``LimitStoreError``, instead of its own longer timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

__all__ = ["Ask", "Granted", "LimitStore", "Refused", "bounded", "time_left"]

UNBOUNDED_WAIT = 10.0
"""Seconds a store waits at most outside ``bounded`` (a lockout reset, a gateway's own use)."""
LEAST_WAIT = 0.2
"""Seconds a store is given even when the deadline has passed: time to give a place back."""

_BOUND: ContextVar[float | None] = ContextVar("smsc_soap_store_bound", default=None)


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Bound every store wait in this context to ``seconds`` from now (real time)."""
    token = _BOUND.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _BOUND.reset(token)


def time_left() -> float:
    """The seconds a store may wait now: what is left of the bound, at least ``LEAST_WAIT``."""
    bound = _BOUND.get()
    if bound is None:
        return UNBOUNDED_WAIT
    return min(max(bound - time.monotonic(), LEAST_WAIT), UNBOUNDED_WAIT)


@dataclass(frozen=True, slots=True)
class Ask:
    """What one request needs: a place among ``in_flight`` leases of ``scope``, and a place
    among ``allowed`` events of ``bucket`` within ``window`` seconds. A ``probe`` (a request
    with credentials the service has not accepted yet) goes only while no other probe of
    the scope is in flight."""

    scope: str
    bucket: str
    allowed: int
    window: float
    in_flight: int
    lease_for: float
    probe: bool = False


@dataclass(frozen=True, slots=True)
class Granted:
    lease: str


@dataclass(frozen=True, slots=True)
class Refused:
    """Not now; ``retry_in`` seconds until asking again may succeed (exact for a window,
    a polling interval for places held by others)."""

    reason: Literal["in_flight", "probe", "window"]
    retry_in: float


@runtime_checkable
class LimitStore(Protocol):
    def acquire(self, ask: Ask) -> Granted | Refused:
        """Take a lease and record the request in its window, or say why not."""
        ...

    def release(
        self, scope: str, lease: str, *, linger: float = 0.0, unsent: str | None = None
    ) -> None:
        """Give a lease back, ``linger`` seconds from now (0: at once); a lingering lease
        is no longer a probe. ``unsent`` names the bucket whose window the lease's request
        leaves too: it never reached the service."""
        ...

    def hold(self, key: str, value: str, seconds: float) -> None:
        """Keep ``value`` under ``key`` for ``seconds``."""
        ...

    def held(self, key: str) -> tuple[str, float] | None:
        """The value under ``key`` and the seconds it is still held, or None."""
        ...

    def drop(self, key: str) -> None: ...

    def salt(self) -> bytes:
        """A random value made once per store, for hashing credentials into keys."""
        ...

    def close(self) -> None: ...
