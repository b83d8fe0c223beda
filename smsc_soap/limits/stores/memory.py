"""``memory://``: the limits of one process, kept in its memory (the library's default)."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable

from smsc_soap.limits.stores.base import Ask, Granted, Refused

__all__ = ["MemoryLimitStore"]

_FIRST_SWEEP = 1024
_PROCESS_SALT = secrets.token_bytes(16)


class MemoryLimitStore:
    """A ``LimitStore`` in this process's memory; thread-safe. ``clock`` is its time (the
    client's clock, so tests can move it)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, tuple[float, bool]]] = {}
        # Per bucket: its window's length, and the moment and lease of each request in it.
        self._windows: dict[tuple[str, str], tuple[float, list[tuple[float, str]]]] = {}
        self._held: dict[str, tuple[str, float]] = {}
        self._sweep_at = _FIRST_SWEEP

    def acquire(self, ask: Ask) -> Granted | Refused:
        now = self._clock()
        with self._lock:
            leases = self._leases.setdefault(ask.scope, {})
            for lease, (expires, _) in list(leases.items()):
                if expires <= now:
                    del leases[lease]
            # Every lease here is this process's: a release wakes waiters at once, so the
            # wait is until the first lease would end by itself.
            if len(leases) >= ask.in_flight:
                return Refused("in_flight", min(expires for expires, _ in leases.values()) - now)
            probes = [expires for expires, probe in leases.values() if probe]
            if ask.probe and probes:
                return Refused("probe", min(probes) - now)
            events = self._recent(ask.scope, ask.bucket, ask.window, now)
            if len(events) >= ask.allowed:
                return Refused("window", events[-ask.allowed][0] + ask.window - now)
            lease = uuid.uuid4().hex
            events.append((now, lease))
            leases[lease] = (now + ask.lease_for, ask.probe)
            return Granted(lease)

    def _recent(
        self, scope: str, bucket: str, window: float, now: float
    ) -> list[tuple[float, str]]:
        if len(self._windows) >= self._sweep_at:
            # Buckets with nothing left in their window are dropped now and then, so memory
            # follows the window, not every message ever asked about.
            self._windows = {
                key: (length, events)
                for key, (length, events) in self._windows.items()
                if events and events[-1][0] > now - length
            }
            self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._windows))
        _, events = self._windows.setdefault((scope, bucket), (window, []))
        if events and events[0][0] <= now - window:
            events[:] = [event for event in events if event[0] > now - window]
        return events

    def release(
        self, scope: str, lease: str, *, linger: float = 0.0, unsent: str | None = None
    ) -> None:
        with self._lock:
            if unsent is not None:
                _, events = self._windows.get((scope, unsent), (0.0, []))
                events[:] = [event for event in events if event[1] != lease]
            leases = self._leases.get(scope, {})
            if lease not in leases:
                return
            if linger > 0:
                leases[lease] = (self._clock() + linger, False)
            else:
                del leases[lease]

    def hold(self, key: str, value: str, seconds: float) -> None:
        with self._lock:
            self._held[key] = (value, self._clock() + seconds)

    def held(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            found = self._held.get(key)
            if found is None:
                return None
            value, until = found
            left = until - self._clock()
            if left <= 0:
                del self._held[key]
                return None
            return value, left

    def drop(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    def salt(self) -> bytes:
        # One per process: the memory is gone with the process, and the slow fingerprint of
        # a credential is then made once, not once per client.
        return _PROCESS_SALT

    def close(self) -> None:
        """Nothing to close: the limits go with the process."""

    def __repr__(self) -> str:
        return "MemoryLimitStore()"
