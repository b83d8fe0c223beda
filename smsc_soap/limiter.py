"""Keeping one client's requests inside the service's limits, so error 9 stays rare.

At most ``LOOKUPS_PER_MESSAGE`` requests for one message and ``MASS_PER_WINDOW`` mass request
per minute (with a second of margin for the two clocks), and fewer than ``CONCURRENT_LIMIT``
requests in flight, across every thread that shares the client. By default a request that
would break a limit waits for its turn, within the call's deadline; with ``wait=False`` it is
refused with ``RateLimitError``. Every wait is a wait on the client's ``Clock``.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager

from .clock import Clock
from .errors import RateLimitError
from .service_limits import CONCURRENT_LIMIT, LOOKUPS_PER_MESSAGE, MASS_PER_WINDOW, WINDOW_SECONDS
from .sliding_window import SlidingWindow

__all__ = ["Limiter"]

_CLOCK_MARGIN = 1.0


class Limiter:
    """Admits one request at a time into the service's limits; thread-safe."""

    def __init__(self, *, clock: Clock, wait: bool = True) -> None:
        self.wait = wait
        self._clock = clock
        window = WINDOW_SECONDS + _CLOCK_MARGIN
        self._per_message = SlidingWindow(LOOKUPS_PER_MESSAGE, window, clock=clock.monotonic)
        self._mass = SlidingWindow(MASS_PER_WINDOW, window, clock=clock.monotonic)
        self.in_flight_limit = CONCURRENT_LIMIT - 1
        self._in_flight = 0
        self._freed = threading.Condition()

    def lookup(self, message: Hashable, deadline: float) -> AbstractContextManager[None]:
        """Hold a place for one request about ``message`` while the block runs."""
        limit = f"{LOOKUPS_PER_MESSAGE} lookups of this message"
        return self._admitted(self._per_message, message, deadline, limit)

    def mass_lookup(self, deadline: float) -> AbstractContextManager[None]:
        """Hold a place for one mass request while the block runs."""
        limit = f"{MASS_PER_WINDOW} mass request"
        return self._admitted(self._mass, "mass", deadline, limit)

    @contextmanager
    def _admitted(
        self, window: SlidingWindow, key: Hashable, deadline: float, limit: str
    ) -> Iterator[None]:
        now = self._clock.monotonic()
        start = window.reserve(key, deadline - now if self.wait else 0.0)
        if start is None:
            raise RateLimitError(
                f"held back by the client: {limit} in the last {WINDOW_SECONDS:g} s"
                + (", and the next one would pass the call's deadline" if self.wait else "")
            )
        turn = start - self._clock.monotonic()
        if turn > 0:
            self._clock.sleep(turn)
        self._take_place(deadline)
        try:
            yield
        finally:
            with self._freed:
                self._in_flight -= 1
                self._freed.notify()

    def _take_place(self, deadline: float) -> None:
        with self._freed:
            while self._in_flight >= self.in_flight_limit:
                time_left = deadline - self._clock.monotonic()
                if not self.wait or time_left <= 0:
                    raise RateLimitError(
                        f"held back by the client: {self.in_flight_limit} requests already"
                        " in flight on this login"
                        + (" until the call's deadline" if self.wait else "")
                    )
                self._clock.wait(self._freed, time_left)
            self._in_flight += 1
