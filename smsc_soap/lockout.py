"""Refusing calls after the service said the credentials are wrong or the IP is blocked.

The service blocks an IP for 30 minutes after 5 authentication errors within 30 minutes, and
every request during a block only prolongs the trouble. After an ``AuthenticationError`` (2)
or ``IPBlockedError`` (4) from the service, the client refuses further calls with the same
error, sending nothing, until its cool-down passes or the caller calls ``reset``.
"""

from __future__ import annotations

import logging
import threading

from .clock import Clock
from .errors import AuthenticationError, IPBlockedError, SmscError

__all__ = ["DEFAULT_COOLDOWN", "Lockout"]

logger = logging.getLogger("smsc_soap.lockout")

DEFAULT_COOLDOWN = 1800.0
"""Seconds: the service's 30-minute counting window for authentication errors, and the
longer of its two IP blocks."""


class Lockout:
    """Whether calls are held after error 2 or 4; thread-safe."""

    def __init__(self, *, clock: Clock, cooldown: float = DEFAULT_COOLDOWN) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._cause: type[AuthenticationError] | type[IPBlockedError] | None = None
        self._since = 0.0

    def check(self) -> None:
        """Raise the held error, as a refusal of the client's own, while the hold lasts."""
        with self._lock:
            cause, elapsed = self._cause, self._clock.monotonic() - self._since
            if cause is not None and elapsed >= self.cooldown:
                self._cause = cause = None  # over: under the lock, so no newer hold is lost
        if cause is None:
            return
        reason = (
            "the service refused these credentials"
            if cause is AuthenticationError
            else "the service blocked this IP address"
        )
        raise cause(
            f"{reason} {elapsed:.0f} s ago; calls are held for"
            f" {self.cooldown - elapsed:.0f} s more so that retrying cannot lengthen a block"
            " (reset_lockout() ends the hold)"
        )

    def record(self, error: SmscError) -> None:
        """Start the hold if ``error`` is the service's error 2 or 4."""
        if not (isinstance(error, AuthenticationError | IPBlockedError) and error.from_service):
            return
        with self._lock:
            self._cause, self._since = type(error), self._clock.monotonic()
        logger.warning(
            "SMSC answered error %d; not retried, and calls are held for %.0f s",
            error.code,
            self.cooldown,
        )

    def reset(self) -> None:
        with self._lock:
            self._cause = None
