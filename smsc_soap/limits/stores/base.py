"""The seam behind which the service's limits are kept: one small protocol, three stores.

A ``LimitStore`` keeps, for one login (its *scope*), the requests in flight as leases that
expire by themselves, the windows of recent requests per message (and for mass requests),
and values held for a while (the lockout after error 2 or 4). ``acquire`` is one atomic
check-and-take on the store's own clock: a place in flight and a place in the window, both or
neither. A process killed while holding places gives them back when its leases expire; no
store needs a cleanup job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

__all__ = ["Ask", "Granted", "LimitStore", "Refused"]


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

    def release(self, scope: str, lease: str, *, linger: float = 0.0) -> None:
        """Give a lease back, ``linger`` seconds from now (0: at once); a lingering lease
        is no longer a probe."""
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
