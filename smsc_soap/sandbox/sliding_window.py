"""A sliding-window counter of events per key, the shape of the service's per-minute limits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from smsc_soap.limits.service_limits import WINDOW_SECONDS

__all__ = ["SlidingWindow"]

_FIRST_SWEEP = 1024


class SlidingWindow:
    """Counts events per key within the last ``seconds``; thread-safe, clock injectable."""

    def __init__(
        self, allowed: int, seconds: float = WINDOW_SECONDS, *, clock: Callable[[], float]
    ) -> None:
        self.allowed = allowed
        self.seconds = seconds
        self._clock = clock
        self._events: dict[Hashable, list[float]] = {}
        self._sweep_at = _FIRST_SWEEP
        self._lock = threading.Lock()

    def admit(self, key: Hashable) -> bool:
        """Record an event for ``key`` now; False if it is over the allowance."""
        now = self._clock()
        with self._lock:
            events = self._recent(key, now)
            events.append(now)
            return len(events) <= self.allowed

    def reserve(self, key: Hashable, within: float) -> float | None:
        """The earliest time, from now on, at which one more event for ``key`` stays within
        the allowance; recorded for that time if it is ``within`` seconds, else None."""
        now = self._clock()
        with self._lock:
            events = self._recent(key, now)
            start = now
            if len(events) >= self.allowed:
                # Reservations are made in time order, so the list stays sorted.
                start = max(now, events[-self.allowed] + self.seconds)
            if start > now + within:
                return None
            events.append(start)
            return start

    def _recent(self, key: Hashable, now: float) -> list[float]:
        cutoff = now - self.seconds
        if len(self._events) >= self._sweep_at:
            # Keys with nothing left in the window are dropped now and then, so memory
            # follows the window, not every key ever seen.
            self._events = {k: v for k, v in self._events.items() if v and v[-1] > cutoff}
            self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._events))
        events = self._events.setdefault(key, [])
        if events and events[0] <= cutoff:
            events[:] = [moment for moment in events if moment > cutoff]
        return events

    def __len__(self) -> int:
        """Keys held; stale ones linger until the next sweep."""
        return len(self._events)
