"""Keeping a login's requests inside the service's limits, so error 9 stays rare.

At most ``LOOKUPS_PER_MESSAGE`` requests for one message and ``MASS_PER_WINDOW`` mass request
per minute (with a second of margin for the two clocks), and fewer than ``CONCURRENT_LIMIT``
requests in flight, across every thread, and every process sharing the ``LimitStore``. A
place in flight and a place in the window are taken together, atomically, when the request
is about to leave: a request that waited for a place is counted when it is sent. By default
a request that would break a limit waits for its turn, within the call's deadline; with
``wait=False`` it is refused with ``RateLimitError``. A call the ``gate`` refuses (the
lockout) is refused before it asks, so it takes no place. Every wait is a wait on the client's
``Clock``.

A place is a lease that ends by itself ``LEASE_MARGIN`` seconds after the call's deadline,
so a process killed while holding one gives it back. A request given up on for a timeout may
still be running at the server, so its place is kept ``ABANDONED_HOLD`` seconds longer.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from smsc_soap.errors import RateLimitError, RequestTimeoutError
from smsc_soap.limits.service_limits import (
    CONCURRENT_LIMIT,
    LOOKUPS_PER_MESSAGE,
    MASS_PER_WINDOW,
    WINDOW_SECONDS,
)
from smsc_soap.limits.stores import Ask, Granted, LimitStore
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.clock import Clock

__all__ = ["ABANDONED_HOLD", "LEASE_MARGIN", "Limiter", "windows_not_waited_for"]

LEASE_MARGIN = 5.0
"""Seconds a place outlives its call's deadline before it is given back by itself."""
ABANDONED_HOLD = 30.0
"""Seconds a place is kept after its request timed out: the service may still be answering
it (as long as the default read timeout)."""

_CLOCK_MARGIN = 1.0
_WINDOW = WINDOW_SECONDS + _CLOCK_MARGIN

_WAIT_FOR_WINDOWS: ContextVar[bool] = ContextVar("smsc_soap_wait_for_windows", default=True)


@contextmanager
def windows_not_waited_for() -> Iterator[None]:
    """Within the block, a request whose window is full is refused at once with
    ``RateLimitError`` instead of waiting for the window to open: for a caller that has an
    older answer to give meanwhile (the gateway's cache)."""
    token = _WAIT_FOR_WINDOWS.set(False)
    try:
        yield
    finally:
        _WAIT_FOR_WINDOWS.reset(token)


class Limiter:
    """Admits one request at a time into the service's limits for ``scope`` (a login, as it
    is known in ``store``); thread-safe."""

    def __init__(
        self,
        store: LimitStore,
        scope: str,
        *,
        clock: Clock,
        wait: bool = True,
        lease_margin: float = LEASE_MARGIN,
        gate: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.scope = scope
        self.wait = wait
        self.lease_margin = lease_margin
        self.in_flight_limit = CONCURRENT_LIMIT - 1
        self._clock = clock
        self._gate = gate
        """Raises if a call may not be sent at all (the lockout): run before every ask, so a
        call it refuses takes no place in a window."""
        self._releases = _releases_on(store)

    def lookup(
        self, message: tuple[str, str], deadline: float, *, probe: bool = False
    ) -> AbstractContextManager[None]:
        """Hold a place for one request about ``message`` while the block runs."""
        phone, message_id = message
        return self._admitted(
            f"message:{phone}:{message_id}",
            LOOKUPS_PER_MESSAGE,
            deadline,
            probe,
            f"{LOOKUPS_PER_MESSAGE} lookups of this message",
        )

    def mass_lookup(self, deadline: float, *, probe: bool = False) -> AbstractContextManager[None]:
        """Hold a place for one mass request while the block runs."""
        return self._admitted(
            "mass", MASS_PER_WINDOW, deadline, probe, f"{MASS_PER_WINDOW} mass request"
        )

    @contextmanager
    def _admitted(
        self, bucket: str, allowed: int, deadline: float, probe: bool, limit: str
    ) -> Iterator[None]:
        lease = self._take(bucket, allowed, deadline, probe, limit)
        linger = 0.0
        try:
            yield
        except RequestTimeoutError:
            linger = ABANDONED_HOLD
            raise
        finally:
            self.store.release(self.scope, lease, linger=linger)
            self._wake()

    def _wake(self) -> None:
        with self._releases.freed:
            self._releases.count += 1
            self._releases.freed.notify_all()

    def _take(self, bucket: str, allowed: int, deadline: float, probe: bool, limit: str) -> str:
        while True:
            cancellation.check()  # a call given up on while it waited takes no place
            self._gate()
            time_left = deadline - self._clock.monotonic()
            releases_seen = self._releases.count
            answer = self.store.acquire(
                Ask(
                    scope=self.scope,
                    bucket=bucket,
                    allowed=allowed,
                    window=_WINDOW,
                    in_flight=self.in_flight_limit,
                    lease_for=max(time_left, 0.0) + self.lease_margin,
                    probe=probe,
                )
            )
            if isinstance(answer, Granted):
                return answer.lease
            window = answer.reason == "window"
            wait = self.wait and (_WAIT_FOR_WINDOWS.get() or not window)
            if not wait or time_left <= 0 or (window and answer.retry_in >= time_left):
                raise RateLimitError(_held_back(answer.reason, limit, waiting=wait))
            if window:
                cancellation.sleep(self._clock, answer.retry_in)  # only time frees a window place
                continue
            # A place freed in this process wakes the wait; one freed elsewhere is seen at
            # the next ask.
            with cancellation.on_cancel(self._wake), self._releases.freed:
                cancellation.check()  # again under the lock: a later cancel's wake is not missed
                if self._releases.count == releases_seen:  # none came since the ask
                    self._clock.wait(self._releases.freed, min(answer.retry_in, time_left))


class _Releases:
    """Places freed (and cancels) on one store in this process so far, and the condition
    their waiters wait on: a waiter that saw one come after its ask does not wait for it."""

    def __init__(self) -> None:
        self.freed = threading.Condition()
        self.count = 0


_RELEASES: weakref.WeakKeyDictionary[LimitStore, _Releases] = weakref.WeakKeyDictionary()
_RELEASES_LOCK = threading.Lock()


def _releases_on(store: LimitStore) -> _Releases:
    """One per store object, so a place freed by any client of the process (another password
    of the login, as in the gateway) wakes every client waiting on that store."""
    with _RELEASES_LOCK:
        try:
            return _RELEASES.setdefault(store, _Releases())
        except TypeError:  # a store that cannot be weakly referenced: its own client's waits
            return _Releases()


def _held_back(reason: str, limit: str, *, waiting: bool) -> str:
    until = " until the call's deadline" if waiting else ""
    if reason == "window":
        after = ", and the next one would pass the call's deadline" if waiting else ""
        return f"held back by the client: {limit} in the last {WINDOW_SECONDS:g} s{after}"
    if reason == "probe":
        return (
            "held back by the client: these credentials have not been accepted by the service"
            f" yet, so one request of theirs goes at a time{until}"
        )
    return (
        f"held back by the client: {CONCURRENT_LIMIT - 1} requests already in flight on"
        f" this login{until}"
    )
