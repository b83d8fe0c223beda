"""Time as the client reads and waits for it: the real clock, or one whose waits are instant.

Back-off, rate-limit waits, waits for an in-flight place and call deadlines all read one
``Clock``, so tests (the project's and its users') can make every wait instant with
``InstantClock`` while timeouts on real sockets still run on real time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "InstantClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A monotonic reading in seconds, and two ways to wait: a fixed time, or until another
    thread notifies ``condition`` (held by the caller), at most ``timeout`` seconds."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def wait(self, condition: threading.Condition, timeout: float) -> bool: ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        return condition.wait(max(timeout, 0.0))

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


class InstantClock:
    """Real time, except that waits return at once and move this clock's reading on.

    The testing switch: a client built with ``clock=InstantClock()`` backs off and waits for
    its limits without sleeping, yet sees real time pass on the network. A wait for another
    thread (an in-flight place to free) lasts as long as that thread takes, up to ``grace``
    real seconds; past that the whole wait counts as done, so a call held behind requests
    that never end reaches its deadline at once instead of in real time. ``slept`` is the
    total it was asked to wait; ``waits`` each wait in order. Thread-safe.
    """

    def __init__(self, *, grace: float = 0.1) -> None:
        self._lock = threading.Lock()
        self.grace = grace
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

    def wait(self, condition: threading.Condition, timeout: float) -> bool:
        if condition.wait(min(max(timeout, 0.0), self.grace)):
            return True
        self.sleep(timeout)
        return False

    def __repr__(self) -> str:
        return f"InstantClock(slept={self.slept:.3f})"
