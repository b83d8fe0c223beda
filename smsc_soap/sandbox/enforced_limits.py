"""The service's limits as the sandbox enforces them: error 9 where the service gives it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from smsc_soap.limits.service_limits import CONCURRENT_LIMIT, LOOKUPS_PER_MESSAGE, MASS_PER_WINDOW
from smsc_soap.sandbox.sliding_window import SlidingWindow

__all__ = ["EnforcedLimits"]


class EnforcedLimits:
    """Per-message and mass-request windows, and concurrent requests per login."""

    def __init__(self, *, clock: Callable[[], float], enabled: bool = True) -> None:
        self.enabled = enabled
        self._lookups = SlidingWindow(LOOKUPS_PER_MESSAGE, clock=clock)
        self._mass = SlidingWindow(MASS_PER_WINDOW, clock=clock)
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admit_lookup(self, login: str, phone: str, message_id: str) -> bool:
        return not self.enabled or self._lookups.admit((login, phone, message_id))

    def admit_mass(self, login: str) -> bool:
        return not self.enabled or self._mass.admit(login)

    @contextmanager
    def request(self, login: str) -> Iterator[bool]:
        """Counts the request as in flight; yields False if it makes too many at once."""
        with self._lock:
            self._in_flight[login] += 1
            admitted = self._in_flight[login] < CONCURRENT_LIMIT
        try:
            yield not self.enabled or admitted
        finally:
            with self._lock:
                self._in_flight[login] -= 1
