"""A clock that only moves when told to, or when someone sleeps on it."""

from __future__ import annotations

import threading


class ManualClock:
    """Implements ``smsc_soap.Clock``; ``sleeps`` records every wait asked for."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(seconds, 0.0)

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        """A short real wait for another thread; if none notifies, the whole wait passes
        on this clock, as a sleep would."""
        if condition.wait(min(max(timeout, 0.0), 0.1)):
            return True
        self.advance(timeout)
        return False

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
