"""Keeping a login's requests inside the service's limits, so error 9 stays rare.

At most ``LOOKUPS_PER_MESSAGE`` requests for one message and ``MASS_PER_WINDOW`` mass request
per minute (with a second of margin for the two clocks), and fewer than ``CONCURRENT_LIMIT``
requests in flight, across every thread, and every process sharing the ``LimitStore``. A
place in flight and a place in the window are taken together, atomically, when the request
is about to leave: a request that waited for a place is counted when it is sent. By default
a request that would break a limit waits for its turn, within the call's deadline; with
``wait=False`` it is refused with ``RateLimitError``, and a call that does not wait for
windows (``wait_for_windows=False``) is refused a full window at once. Every wait is a wait
on the client's ``Clock``.

The limiter is the lockout's gate: a call the lockout refuses is refused before each ask, so
it takes no place, and once more while holding the place; the request's answer is recorded
on the lockout before the place is given back.

A place is given back by the call that holds it, as soon as the service can be done with its
request: at once when the request was never sent or no connection was made (its window place
too: it never reached the service), at once after an answer, and ``ABANDONED_HOLD`` seconds
later when the request was given up on (a timeout, a broken connection, a cancel) and may
still be running at the service. A place is also a lease that ends by itself ``LEASE_MARGIN``
seconds (the same hold) after the call's deadline, which is how a killed process's places are
given back: never sooner, since its requests may still run.

The store never costs a call its outcome: each wait on it is bounded by what is left of the
call's deadline, and a store that fails while a place is given back (or an answer recorded)
is logged and counted (``store_faults``) while the call returns its result or raises its
own error; the place then ends with its lease.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from smsc_soap.errors import (
    ApiError,
    HTTPStatusError,
    LimitStoreError,
    MalformedResponseError,
    RateLimitError,
    SoapFaultError,
)
from smsc_soap.limits.lockout import Lockout
from smsc_soap.limits.service_limits import (
    CONCURRENT_LIMIT,
    LOOKUPS_PER_MESSAGE,
    MASS_PER_WINDOW,
    WINDOW_SECONDS,
)
from smsc_soap.limits.stores import Ask, Granted, LimitStore
from smsc_soap.limits.stores.base import bounded
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.clock import Clock

__all__ = ["ABANDONED_HOLD", "LEASE_MARGIN", "MASS", "Limiter", "Place", "Window"]

logger = logging.getLogger("smsc_soap.limits.limiter")

ABANDONED_HOLD = 30.0
"""Seconds a place is kept after its request was given up on: the service may still be
answering it (as long as the default read timeout)."""
LEASE_MARGIN = ABANDONED_HOLD
"""Seconds a place outlives its call's deadline before it ends by itself: a request of a
process killed at its deadline may run that much longer at the service."""

_CLOCK_MARGIN = 1.0
_WINDOW = WINDOW_SECONDS + _CLOCK_MARGIN


@dataclass(frozen=True, slots=True)
class Window:
    """The window a request counts in: ``allowed`` requests of ``bucket`` a minute, named
    ``limit`` when a request is refused for it."""

    bucket: str
    allowed: int
    limit: str

    @classmethod
    def of_message(cls, phone: str, message_id: str) -> Window:
        """The lookups of one message."""
        return cls(
            f"message:{phone}:{message_id}",
            LOOKUPS_PER_MESSAGE,
            f"{LOOKUPS_PER_MESSAGE} lookups of this message",
        )


MASS = Window("mass", MASS_PER_WINDOW, f"{MASS_PER_WINDOW} mass request")
"""The mass requests of a login."""


@dataclass(slots=True)
class Place:
    """One request's place, as the call holding it sees it: the lockout to record the
    answer on, and what became of the request, which says when the place is given back.
    ``sent``: the request was handed to the transport; ``reached``: it may have reached the
    service (False when no connection was made)."""

    lockout: Lockout
    sent: bool = False
    reached: bool = True
    _fault: Callable[[str, LimitStoreError], None] = field(
        default=lambda doing, error: None, repr=False
    )

    def store_failed(self, doing: str, error: LimitStoreError) -> None:
        """The store failed while ``doing`` something once the place was granted: logged and
        counted, and the call goes on with its own outcome."""
        self._fault(doing, error)


class Limiter:
    """Admits one request at a time into the service's limits for the credentials of
    ``lockout`` (their scope in ``store``); thread-safe."""

    def __init__(
        self,
        store: LimitStore,
        lockout: Lockout,
        *,
        clock: Clock,
        wait: bool = True,
        lease_margin: float = LEASE_MARGIN,
    ) -> None:
        self.store = store
        self.lockout = lockout
        self.wait = wait
        self.lease_margin = lease_margin
        self.in_flight_limit = CONCURRENT_LIMIT - 1
        self.store_faults = 0
        """Times the store failed once a place was granted (giving it back, or recording an
        answer on the lockout), each logged; the call kept its own outcome."""
        self._clock = clock
        self._releases = _releases_on(store)
        self._faults_lock = threading.Lock()

    @contextmanager
    def admitted(
        self, window: Window, deadline: float, *, wait_for_windows: bool = True
    ) -> Iterator[Place]:
        """Hold a place for one request in ``window`` while the block runs. The block gets
        the ``Place``, to say when its request leaves and whether it can have reached the
        service, and to record its answer on the lockout before the place is given back."""
        # Every wait on the store, the giving back included, within the call's deadline.
        with bounded(deadline - self._clock.monotonic()):
            lease = self._take(window, deadline, wait_for_windows)
            place = Place(self.lockout, _fault=self._store_failed)
            error: BaseException | None = None
            try:
                # Checked again while holding the place: a failure recorded by whoever held
                # it between the last ask and the grant is seen before this request repeats it.
                self.lockout.check()
                yield place
            except BaseException as raised:
                error = raised
                raise
            finally:
                self._give_back(window, lease, place, error)

    def _give_back(
        self, window: Window, lease: str, place: Place, error: BaseException | None
    ) -> None:
        never_reached = not (place.sent and place.reached)
        linger = 0.0 if never_reached or _answered(error) else ABANDONED_HOLD
        try:
            self.store.release(
                self.lockout.scope,
                lease,
                linger=linger,
                unsent=window.bucket if never_reached else None,
            )
        except LimitStoreError as failure:
            self._store_failed("giving a place back", failure)
        finally:
            self._wake()

    def _store_failed(self, doing: str, error: LimitStoreError) -> None:
        with self._faults_lock:
            self.store_faults += 1
        logger.warning(
            "the limit store failed %s; the call keeps its outcome and the place ends with"
            " its lease: %s",
            doing,
            error,
        )

    def _wake(self) -> None:
        with self._releases.freed:
            self._releases.count += 1
            self._releases.freed.notify_all()

    def _take(self, window: Window, deadline: float, wait_for_windows: bool) -> str:
        while True:
            cancellation.check()  # a call given up on while it waited takes no place
            self.lockout.check()  # before every ask: a call it refuses takes no place
            time_left = deadline - self._clock.monotonic()
            releases_seen = self._releases.count
            answer = self.store.acquire(
                Ask(
                    scope=self.lockout.scope,
                    bucket=window.bucket,
                    allowed=window.allowed,
                    window=_WINDOW,
                    in_flight=self.in_flight_limit,
                    lease_for=max(time_left, 0.0) + self.lease_margin,
                    # Credentials not yet accepted go one request at a time (a wrong password
                    # costs one bad login, not one per thread); asked anew at every ask, so a
                    # wait that began before the first answer goes on with the others.
                    probe=not self.lockout.accepted(),
                )
            )
            if isinstance(answer, Granted):
                return answer.lease
            full = answer.reason == "window"
            wait = self.wait and (wait_for_windows or not full)
            if not wait or time_left <= 0 or (full and answer.retry_in >= time_left):
                raise RateLimitError(_held_back(answer.reason, window.limit, waiting=wait))
            if full:
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


def _answered(error: BaseException | None) -> bool:
    """Whether a request that ended with ``error`` (None: a result) was answered, so the
    service is done with it."""
    if error is None:
        return True
    if isinstance(error, ApiError):
        return error.from_service
    return isinstance(error, HTTPStatusError | SoapFaultError | MalformedResponseError)


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
