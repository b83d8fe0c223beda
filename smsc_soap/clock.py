"""Time as the client reads and waits for it: the real clock, or one whose waits are instant.

Back-off, rate-limit waits and call deadlines all read one ``Clock``, so tests (the project's
and its users') can make every wait instant with ``InstantClock`` while timeouts on real
sockets still run on real time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "InstantClock", "SystemClock"]


class Clock(Protocol):
    """A monotonic reading in seconds, and a way to wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


class InstantClock:
    """Real time, except that ``sleep`` returns at once and moves this clock's reading on.

    The testing switch: a client built with ``clock=InstantClock()`` backs off and waits for
    its limits without sleeping, yet sees real time pass on the network. ``slept`` is the
    total it was asked to wait; ``waits`` each wait in order. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waits: list[float] = []

    @property
    def slept(self) -> float:
        with self._lock:
            return sum(self.waits)

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(max(seconds, 0.0))

    def __repr__(self) -> str:
        return f"InstantClock(slept={self.slept:.3f})"
